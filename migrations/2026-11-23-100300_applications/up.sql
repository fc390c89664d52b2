-- Applications: a request for money for one household under one program, with its fee
-- lines (immigration_fee) or emergency details, the documents seen, and its status history.

-- Gapless per-year numbering: the counter row is locked by the UPDATE inside the creating
-- transaction, so a rolled-back creation gives its number back.
CREATE TABLE application_counters (
    year INTEGER PRIMARY KEY CHECK (year BETWEEN 2000 AND 9999),
    last_seq INTEGER NOT NULL CHECK (last_seq > 0)
);
REVOKE DELETE ON application_counters FROM grant_tracker_app;

CREATE TABLE applications (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number TEXT NOT NULL UNIQUE CHECK (number ~ '^CEF-[0-9]{4}-[0-9]{5,}$'),
    household_id BIGINT NOT NULL REFERENCES households (id),
    site_id BIGINT NOT NULL REFERENCES sites (id),
    program TEXT NOT NULL CHECK (program IN ('immigration_fee', 'emergency')),
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN (
        'draft', 'submitted', 'eligible', 'ineligible', 'needs_review',
        'approved', 'denied', 'paid', 'closed', 'withdrawn')),
    requested_amount NUMERIC(14, 2) NOT NULL CHECK (requested_amount > 0),
    emergency_category TEXT CHECK (emergency_category IN (
        'eviction', 'utility_shutoff', 'medical', 'fire_or_disaster', 'job_loss',
        'death_in_family', 'other')),
    emergency_story TEXT CHECK (btrim(emergency_story) <> ''),
    -- Emergency details exist exactly for the emergency program.
    CONSTRAINT applications_emergency_details CHECK (
        (program = 'emergency') = (emergency_category IS NOT NULL AND emergency_story IS NOT NULL)),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    submitted_at TIMESTAMPTZ
);
CREATE INDEX applications_household ON applications (household_id);
CREATE INDEX applications_status ON applications (status, id);

CREATE TABLE fee_lines (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    line_no INTEGER NOT NULL CHECK (line_no > 0),
    form TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    filing TEXT NOT NULL CHECK (filing IN ('paper', 'online')),
    beneficiary_member_id BIGINT REFERENCES household_members (id),
    amount NUMERIC(14, 2) NOT NULL CHECK (amount > 0),
    -- The schedule row the fee was checked against when the line was entered.
    uscis_fee_id BIGINT NOT NULL REFERENCES uscis_fees (id),
    -- Why the amount differs from the schedule (e.g. the N-400 reduced fee); required then.
    override_reason TEXT CHECK (btrim(override_reason) <> ''),
    UNIQUE (application_id, line_no)
);

CREATE TABLE documents (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    kind TEXT NOT NULL CHECK (kind IN (
        'photo_id', 'identity_document', 'proof_of_income', 'completed_form',
        'event_evidence', 'other')),
    note TEXT,
    verified_by BIGINT NOT NULL REFERENCES users (id),
    verified_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX documents_application ON documents (application_id);

-- Status history: every transition, by whom, when and why. Append-only.
CREATE TABLE status_changes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    changed_by BIGINT NOT NULL REFERENCES users (id),
    changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    reason TEXT
);
CREATE INDEX status_changes_application ON status_changes (application_id, id);
CREATE TRIGGER status_changes_append_only BEFORE UPDATE OR DELETE ON status_changes
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER status_changes_no_truncate BEFORE TRUNCATE ON status_changes
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON status_changes FROM grant_tracker_app;
REVOKE DELETE ON applications, fee_lines, documents FROM grant_tracker_app;
