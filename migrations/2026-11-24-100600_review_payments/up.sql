-- From board vote to payment: conflict declarations, votes, decisions (with the commitment
-- entry), disbursements, their voids and bank clearings, and USCIS receipt numbers.
--
-- What the database guarantees here, whatever code writes the rows:
--   * votes, declarations, decisions, disbursements, voids and clearings are append-only;
--   * one vote per member per application, one decision per application;
--   * nobody votes on an application they entered or recorded documents for, and nobody
--     disburses an application they voted to approve;
--   * the live (not voided) disbursements of an application never exceed its approved
--     amount less what was released: a BEFORE INSERT trigger locks the decision row, so
--     racing payments queue on it and the second one sees the first;
--   * every disbursement has its ledger entry (Dr 2100 / Cr 1000 of its amount and fund),
--     checked at commit.

-- A board member's statement, before seeing who the applicant is: no conflict, or a
-- conflict (which is also recorded as a `recuse` vote).
CREATE TABLE review_declarations (
    application_id BIGINT NOT NULL REFERENCES applications (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    conflict BOOLEAN NOT NULL,
    declared_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (application_id, user_id)
);

CREATE TABLE votes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    voter_id BIGINT NOT NULL REFERENCES users (id),
    vote TEXT NOT NULL CHECK (vote IN ('approve', 'deny', 'abstain', 'recuse')),
    amount NUMERIC(14, 2) CHECK (amount > 0),
    fund_id BIGINT REFERENCES funds (id),
    comment TEXT CHECK (btrim(comment) <> ''),
    cast_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT votes_once UNIQUE (application_id, voter_id),
    CONSTRAINT votes_amount CHECK ((vote = 'approve') = (amount IS NOT NULL)),
    CONSTRAINT votes_fund CHECK (fund_id IS NULL OR vote = 'approve')
);

-- The outcome; an approval names its fund and the entry that committed the money.
CREATE TABLE decisions (
    application_id BIGINT PRIMARY KEY REFERENCES applications (id),
    outcome TEXT NOT NULL CHECK (outcome IN ('approved', 'denied')),
    amount NUMERIC(14, 2) CHECK (amount > 0),
    fund_id BIGINT REFERENCES funds (id),
    commitment_entry_id BIGINT UNIQUE REFERENCES journal_entries (id),
    policy_version INTEGER NOT NULL,
    deciding_vote_id BIGINT NOT NULL UNIQUE REFERENCES votes (id),
    decided_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT decisions_approval CHECK (
        (outcome = 'approved')
        = (amount IS NOT NULL AND fund_id IS NOT NULL AND commitment_entry_id IS NOT NULL))
);

CREATE TABLE disbursements (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number TEXT NOT NULL UNIQUE CHECK (number ~ '^DSB-[0-9]{4}-[0-9]{5,}$'),
    application_id BIGINT NOT NULL REFERENCES applications (id),
    fund_id BIGINT NOT NULL REFERENCES funds (id),
    amount NUMERIC(14, 2) NOT NULL CHECK (amount > 0),
    payee TEXT NOT NULL CHECK (btrim(payee) <> ''),
    method TEXT NOT NULL CHECK (method IN ('check', 'money_order', 'ach', 'card')),
    reference TEXT CHECK (btrim(reference) <> ''),
    paid_on DATE NOT NULL,
    memo TEXT CHECK (btrim(memo) <> ''),
    -- A reissue names the voided disbursement it replaces; each is replaced at most once.
    reissue_of BIGINT UNIQUE REFERENCES disbursements (id),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX disbursements_application ON disbursements (application_id, id);
CREATE INDEX disbursements_paid_on ON disbursements (paid_on, id);
-- A check number (or other reference) is used once per method.
CREATE UNIQUE INDEX disbursements_reference_key ON disbursements (method, upper(btrim(reference)))
    WHERE reference IS NOT NULL;

CREATE TABLE disbursement_voids (
    disbursement_id BIGINT PRIMARY KEY REFERENCES disbursements (id),
    entry_id BIGINT NOT NULL UNIQUE REFERENCES journal_entries (id),
    reason TEXT NOT NULL CHECK (btrim(reason) <> ''),
    voided_by BIGINT NOT NULL REFERENCES users (id),
    voided_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The bank's statement shows the check (or transfer) paid.
CREATE TABLE disbursement_clearings (
    disbursement_id BIGINT PRIMARY KEY REFERENCES disbursements (id),
    cleared_on DATE NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The USCIS receipt number of a paid fee line (e.g. IOE0912345678), kept as SPEC.md
-- "Privacy" asks: sealed with AES-256-GCM (nonce || ciphertext), indexed by a keyed HMAC so
-- a number is recorded once, and shown masked (IOE******5678). The key is not in this table
-- (see src/sealed.rs). Corrections replace all three and are audited with the masked form.
ALTER TABLE fee_lines
    ADD COLUMN receipt_number_sealed BYTEA CHECK (octet_length(receipt_number_sealed) > 12),
    ADD COLUMN receipt_number_index BYTEA UNIQUE CHECK (octet_length(receipt_number_index) = 32),
    ADD COLUMN receipt_number_masked TEXT CHECK (receipt_number_masked ~ '^[A-Z]{3}[*]{6}[0-9]{4}$'),
    ADD COLUMN receipt_recorded_by BIGINT REFERENCES users (id),
    ADD COLUMN receipt_recorded_at TIMESTAMPTZ,
    ADD CONSTRAINT fee_lines_receipt_recorded CHECK (
        (receipt_number_sealed IS NULL) = (receipt_recorded_by IS NULL)
        AND (receipt_number_sealed IS NULL) = (receipt_number_index IS NULL)
        AND (receipt_number_sealed IS NULL) = (receipt_number_masked IS NULL)
        AND (receipt_number_sealed IS NULL) = (receipt_recorded_at IS NULL));

DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['review_declarations', 'votes', 'decisions', 'disbursements',
                             'disbursement_voids', 'disbursement_clearings'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I
                        FOR EACH ROW EXECUTE FUNCTION refuse_change()', t || '_append_only', t);
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I
                        FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()', t || '_no_truncate', t);
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %I FROM grant_tracker_app', t);
    END LOOP;
END
$$;

-- Separation of duties: why `voter` may not vote on `application` (they entered it,
-- recorded its documents, or overrode its eligibility), or NULL. The one definition of the
-- rule: the trigger below, the service's 403 and the board's queue all ask it.
CREATE FUNCTION review_barred(application BIGINT, voter BIGINT) RETURNS TEXT
    LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN EXISTS (SELECT 1 FROM applications WHERE id = application AND created_by = voter)
            THEN 'entered'
        WHEN EXISTS (SELECT 1 FROM documents WHERE application_id = application AND verified_by = voter)
            THEN 'documents'
        WHEN EXISTS (SELECT 1 FROM eligibility_checks WHERE application_id = application
                     AND kind = 'override' AND created_by = voter)
            THEN 'override'
    END
$$;

CREATE FUNCTION votes_separation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF review_barred(NEW.application_id, NEW.voter_id) IS NOT NULL THEN
        RAISE EXCEPTION 'user % entered or edited application % and cannot vote on it',
            NEW.voter_id, NEW.application_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'votes_separation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER votes_separation BEFORE INSERT ON votes
    FOR EACH ROW EXECUTE FUNCTION votes_separation();

-- What each approval owes: the approved amount, what was paid (payments not voided), what
-- was released (withdrawn, or closed paid less), and what is left. The one definition of
-- "paid" and "unpaid": the trigger below, the service, check-ledger and the exports read it.
CREATE VIEW payables AS
SELECT d.application_id, d.fund_id, d.amount AS approved, x.paid, y.released,
       d.amount - x.paid - y.released AS unpaid
FROM decisions d
CROSS JOIN LATERAL (
    SELECT COALESCE(SUM(s.amount), 0) AS paid FROM disbursements s
    WHERE s.application_id = d.application_id
      AND NOT EXISTS (SELECT 1 FROM disbursement_voids v WHERE v.disbursement_id = s.id)) x
CROSS JOIN LATERAL (
    SELECT COALESCE(SUM(p.amount), 0) AS released
    FROM journal_entries e JOIN postings p ON p.entry_id = e.id
    WHERE e.kind = 'release' AND e.document_type = 'application' AND e.document_id = d.application_id
      AND p.account_code = '2100' AND p.side = 'debit') y
WHERE d.outcome = 'approved';
GRANT SELECT ON payables TO grant_tracker_app;

-- A payment fits within what was approved and not released, is made by someone who did not
-- vote to approve it, and comes from the fund the approval committed.
CREATE FUNCTION disbursements_within_approval() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    d decisions%ROWTYPE;
    owed payables%ROWTYPE;
BEGIN
    -- Racing payments of one application queue here.
    SELECT * INTO d FROM decisions WHERE application_id = NEW.application_id FOR UPDATE;
    IF NOT FOUND OR d.outcome <> 'approved' THEN
        RAISE EXCEPTION 'application % is not approved', NEW.application_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disbursements_within_approval';
    END IF;
    IF NEW.fund_id <> d.fund_id THEN
        RAISE EXCEPTION 'application % was committed from fund %, not %', NEW.application_id, d.fund_id, NEW.fund_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disbursements_within_approval';
    END IF;
    IF EXISTS (SELECT 1 FROM votes WHERE application_id = NEW.application_id
               AND voter_id = NEW.created_by AND vote = 'approve') THEN
        RAISE EXCEPTION 'user % voted to approve application % and cannot disburse it', NEW.created_by, NEW.application_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disbursements_separation';
    END IF;
    -- Read after the lock, in a statement of its own: it sees every payment committed before.
    SELECT * INTO owed FROM payables WHERE application_id = NEW.application_id;
    IF NEW.amount > owed.unpaid THEN
        RAISE EXCEPTION 'application %: paying % on top of % exceeds the approved % less % released',
            NEW.application_id, NEW.amount, owed.paid, owed.approved, owed.released
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disbursements_within_approval';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER disbursements_within_approval BEFORE INSERT ON disbursements
    FOR EACH ROW EXECUTE FUNCTION disbursements_within_approval();

-- At commit: the disbursement's ledger entry exists and books exactly it.
CREATE FUNCTION disbursements_booked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM journal_entries e JOIN postings p ON p.entry_id = e.id
        WHERE e.kind = 'disbursement' AND e.document_type = 'disbursement' AND e.document_id = NEW.id
          AND p.account_code = '2100' AND p.side = 'debit'
          AND p.fund_id = NEW.fund_id AND p.amount = NEW.amount) THEN
        RAISE EXCEPTION 'disbursement % has no ledger entry of % from fund %', NEW.id, NEW.amount, NEW.fund_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disbursements_booked';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER disbursements_booked AFTER INSERT ON disbursements
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION disbursements_booked();
