-- Hardening (issue 12): the service's own login role, separation of duties that covers
-- the family's record, sign-in throttling, revocable tokens, users tied to a site.

-- The service answers requests by logging in as grant_tracker_app itself: not a
-- superuser, owner of nothing, member of no stronger role, so `RESET ROLE` leaves it
-- where it is and `session_replication_role` (which turns triggers off) is out of reach.
-- Only migrations run as the DATABASE_URL owner. Changing a role needs CREATEROLE; an
-- owner without it leaves the role as it was, and `grant-tracker doctor` says so.
DO $$
BEGIN
    ALTER ROLE grant_tracker_app WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
EXCEPTION
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'could not let grant_tracker_app log in: %', SQLERRM;
END
$$;
DO $$
BEGIN
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO grant_tracker_app', current_database());
END
$$;

-- Separation of duties now also covers the family's record: whoever created or changed
-- the household (its members and income included) may not vote on its applications. The
-- audit trail, written in the same transaction as every change, is the record of who did.
CREATE OR REPLACE FUNCTION review_barred(application BIGINT, voter BIGINT) RETURNS TEXT
    LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN EXISTS (SELECT 1 FROM applications WHERE id = application AND created_by = voter)
            THEN 'entered'
        WHEN EXISTS (SELECT 1 FROM documents WHERE application_id = application AND verified_by = voter)
            THEN 'documents'
        WHEN EXISTS (SELECT 1 FROM eligibility_checks WHERE application_id = application
                     AND kind = 'override' AND created_by = voter)
            THEN 'override'
        WHEN EXISTS (SELECT 1 FROM applications a
                     JOIN audit_log l ON l.entity_type = 'household' AND l.entity_id = a.household_id
                     WHERE a.id = application AND l.actor_id = voter
                       AND l.action IN ('create', 'update'))
            THEN 'household'
    END
$$;

-- Failed sign-ins of the last quarter hour, for throttling: the email only as a keyed
-- HMAC (never what was typed, which may be a password), and the client's address.
CREATE TABLE sign_in_failures (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    email_index BYTEA NOT NULL,
    client TEXT
);
CREATE INDEX sign_in_failures_email ON sign_in_failures (email_index, at);
CREATE INDEX sign_in_failures_client ON sign_in_failures (client, at);

-- A token stops working when its holder revokes it or an admin revokes them all.
ALTER TABLE api_tokens ADD COLUMN revoked_at TIMESTAMPTZ;

-- The site a user works at (optional; caseworkers mostly have one).
ALTER TABLE users ADD COLUMN site_id BIGINT REFERENCES sites (id);

-- A list or search response that shows family names is one access row naming every id
-- it showed (SPEC "Privacy"); a single read keeps naming its one id.
ALTER TABLE access_log ALTER COLUMN entity_id DROP NOT NULL,
    ADD COLUMN entity_ids BIGINT[],
    ADD CONSTRAINT access_log_names_what CHECK ((entity_id IS NULL) <> (entity_ids IS NULL));
