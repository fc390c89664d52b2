ALTER TABLE access_log DROP CONSTRAINT access_log_names_what, DROP COLUMN entity_ids;
DELETE FROM access_log WHERE entity_id IS NULL;
ALTER TABLE access_log ALTER COLUMN entity_id SET NOT NULL;
ALTER TABLE users DROP COLUMN site_id;
ALTER TABLE api_tokens DROP COLUMN revoked_at;
DROP TABLE sign_in_failures;
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
    END
$$;
ALTER ROLE grant_tracker_app NOLOGIN;
