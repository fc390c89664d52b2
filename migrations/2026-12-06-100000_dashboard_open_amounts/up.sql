-- The dashboard's "votes still needed" reads each open application's requested amount
-- (one approve on the fast track, else the quorum): carried in the open applications'
-- index, it is read from the index alone instead of one table page per application.
DROP INDEX applications_open;
CREATE INDEX applications_open ON applications (status, site_id, created_by)
    INCLUDE (requested_amount)
    WHERE status IN ('draft', 'submitted', 'eligible', 'needs_review', 'approved');
