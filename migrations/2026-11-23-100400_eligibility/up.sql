-- Eligibility: the HHS poverty guidelines, the fund's policy versions, and the checks.

-- HHS poverty guidelines, copied from the fund's reference data
-- (shared/data/poverty_guidelines.csv), with the source on each row. The guideline for n
-- people is first_person + (n - 1) * each_additional; a check uses the row in force on its
-- date for the household's region. A new year is a new migration adding rows.
CREATE TABLE poverty_guidelines (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    year INTEGER NOT NULL,
    region TEXT NOT NULL CHECK (region IN ('contiguous', 'alaska', 'hawaii')),
    first_person NUMERIC(14, 2) NOT NULL CHECK (first_person > 0),
    each_additional NUMERIC(14, 2) NOT NULL CHECK (each_additional >= 0),
    effective_from DATE NOT NULL,
    source TEXT NOT NULL,
    UNIQUE (region, effective_from)
);
REVOKE INSERT, UPDATE, DELETE ON poverty_guidelines FROM grant_tracker_app;

INSERT INTO poverty_guidelines (year, region, first_person, each_additional, effective_from, source) VALUES
    (2025, 'contiguous', 15650.00, 5500.00, '2025-01-15', 'https://www.govinfo.gov/content/pkg/FR-2025-01-17/html/2025-01377.htm'),
    (2025, 'alaska', 19550.00, 6880.00, '2025-01-15', 'https://www.govinfo.gov/content/pkg/FR-2025-01-17/html/2025-01377.htm'),
    (2025, 'hawaii', 17990.00, 6330.00, '2025-01-15', 'https://www.govinfo.gov/content/pkg/FR-2025-01-17/html/2025-01377.htm'),
    (2026, 'contiguous', 15960.00, 5680.00, '2026-01-13', 'https://www.govinfo.gov/content/pkg/FR-2026-01-15/html/2026-00755.htm'),
    (2026, 'alaska', 19950.00, 7100.00, '2026-01-13', 'https://www.govinfo.gov/content/pkg/FR-2026-01-15/html/2026-00755.htm'),
    (2026, 'hawaii', 18360.00, 6530.00, '2026-01-13', 'https://www.govinfo.gov/content/pkg/FR-2026-01-15/html/2026-00755.htm');

-- Policy versions: never edited. A change is a new version that takes effect on a date
-- after every existing version's (the service also refuses a date before today), so no
-- past check could have used a different policy than the one it recorded.
CREATE TABLE policy_versions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version INTEGER NOT NULL UNIQUE CHECK (version > 0),
    effective_from DATE NOT NULL UNIQUE,
    policy JSONB NOT NULL CHECK (jsonb_typeof(policy) = 'object'),
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE FUNCTION policy_versions_in_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM policy_versions
               WHERE version >= NEW.version OR effective_from >= NEW.effective_from) THEN
        RAISE EXCEPTION 'a new policy version must come after every existing version'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'policy_versions_in_order';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER policy_versions_in_order BEFORE INSERT ON policy_versions
    FOR EACH ROW EXECUTE FUNCTION policy_versions_in_order();
CREATE TRIGGER policy_versions_append_only BEFORE UPDATE OR DELETE ON policy_versions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER policy_versions_no_truncate BEFORE TRUNCATE ON policy_versions
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON policy_versions FROM grant_tracker_app;

-- Version 1: SPEC.md's default policy, in force from before the fund's first application.
INSERT INTO policy_versions (version, effective_from, policy, note) VALUES
    (1, '2024-01-01', '{"immigration_fee": {"income_limit_percent": 200, "fee_waiver_percent": 150, "reduced_fees": [{"form": "N-400", "filing": "paper", "fee": "380.00", "above_percent": 150, "up_to_percent": 400}]}, "emergency": {"income_limit_percent": 300, "max_amount": "1500.00", "grants_per_window": 1, "categories": ["eviction", "utility_shutoff", "medical", "fire_or_disaster", "job_loss", "death_in_family", "other"]}, "caps": {"per_application": "2000.00", "per_household": "3000.00", "window_days": 365}, "service_area": ["AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI"], "documents": {"immigration_fee": [["photo_id"], ["proof_of_income"], ["completed_form"]], "emergency": [["photo_id", "identity_document"], ["event_evidence"]], "by_form": {}}, "review": {"fast_track_max": "500.00", "quorum": 3}}'::jsonb, 'SPEC.md default policy');

-- One row per eligibility check, and per admin override of a result. A check stores the
-- policy version, the facts it looked at and every rule's outcome with its message in
-- both languages, so it can be read and reproduced years later. Append-only.
CREATE TABLE eligibility_checks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    kind TEXT NOT NULL CHECK (kind IN ('check', 'override')),
    result TEXT NOT NULL CHECK (result IN ('eligible', 'ineligible', 'needs_review')),
    policy_version_id BIGINT REFERENCES policy_versions (id),
    checked_on DATE NOT NULL,
    facts JSONB NOT NULL DEFAULT '{}'::jsonb,
    rules JSONB NOT NULL DEFAULT '[]'::jsonb,
    guideline NUMERIC(14, 2),
    percent_of_guideline NUMERIC(8, 1),
    reason TEXT,
    overrides_check_id BIGINT REFERENCES eligibility_checks (id),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (kind = 'override' OR policy_version_id IS NOT NULL),
    CONSTRAINT eligibility_override_reason
        CHECK (kind = 'check' OR (reason IS NOT NULL AND btrim(reason) <> ''))
);
CREATE INDEX eligibility_checks_application ON eligibility_checks (application_id, id);
CREATE TRIGGER eligibility_checks_append_only BEFORE UPDATE OR DELETE ON eligibility_checks
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER eligibility_checks_no_truncate BEFORE TRUNCATE ON eligibility_checks
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON eligibility_checks FROM grant_tracker_app;
