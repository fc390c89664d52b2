-- The dashboard at 100,000 applications (issue 17).
--
-- Applications by status, program and site: counting every application on each view took
-- 60 ms. Each insert, status change and deletion appends a +1/-1 row here instead (no row
-- is updated, so creations and transitions never wait on one another), the dashboard sums
-- the few rows there are, and the service folds them into one row per key now and then
-- (dashboard::fold_tallies).
CREATE TABLE application_tallies (
    site_id BIGINT NOT NULL REFERENCES sites (id),
    status TEXT NOT NULL,
    program TEXT NOT NULL,
    n BIGINT NOT NULL
);
CREATE INDEX application_tallies_key ON application_tallies (site_id, status, program);
REVOKE ALL ON application_tallies FROM grant_tracker_app;
GRANT SELECT ON application_tallies TO grant_tracker_app;

CREATE FUNCTION applications_tally() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO application_tallies VALUES (OLD.site_id, OLD.status, OLD.program, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO application_tallies VALUES (NEW.site_id, NEW.status, NEW.program, 1);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER applications_tally AFTER INSERT OR DELETE ON applications
    FOR EACH ROW EXECUTE FUNCTION applications_tally();
CREATE TRIGGER applications_tally_change AFTER UPDATE OF site_id, status, program ON applications
    FOR EACH ROW WHEN ((OLD.site_id, OLD.status, OLD.program) IS DISTINCT FROM (NEW.site_id, NEW.status, NEW.program))
    EXECUTE FUNCTION applications_tally();

INSERT INTO application_tallies
SELECT site_id, status, program, count(*) FROM applications GROUP BY 1, 2, 3;

-- Folds the rows into one per key (zeros dropped); returns how many rows it folded. Racing
-- folds are safe: a row is deleted once, and its count lands in exactly one sum.
CREATE FUNCTION fold_application_tallies() RETURNS bigint LANGUAGE sql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH gone AS (DELETE FROM application_tallies RETURNING site_id, status, program, n),
         kept AS (INSERT INTO application_tallies
                  SELECT site_id, status, program, sum(n) FROM gone
                  GROUP BY site_id, status, program HAVING sum(n) <> 0)
    SELECT count(*) FROM gone
$$;
REVOKE ALL ON FUNCTION fold_application_tallies() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION fold_application_tallies() TO grant_tracker_app;

-- The work queues count open applications only: these are few however many there are.
CREATE INDEX applications_open ON applications (status, site_id, created_by)
    WHERE status IN ('draft', 'submitted', 'eligible', 'needs_review', 'approved');
-- Paid fee lines still without a USCIS receipt number: few once numbers are recorded.
CREATE INDEX fee_lines_receipt_missing ON fee_lines (application_id)
    WHERE receipt_number_masked IS NULL;
