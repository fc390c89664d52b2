DROP INDEX applications_open;
CREATE INDEX applications_open ON applications (status, site_id, created_by)
    WHERE status IN ('draft', 'submitted', 'eligible', 'needs_review', 'approved');
