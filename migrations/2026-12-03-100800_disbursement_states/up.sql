-- Where each payment stands, and the journal entries that booked and voided it: the one
-- definition the service (payments) and the disbursement register both read. A payment is
-- `voided` once it has a void, else `cleared` once the bank cleared it, else `issued`.
CREATE VIEW disbursement_states AS
SELECT d.id AS disbursement_id,
       CASE WHEN v.disbursement_id IS NOT NULL THEN 'voided'
            WHEN c.disbursement_id IS NOT NULL THEN 'cleared'
            ELSE 'issued' END AS state,
       (SELECT e.id FROM journal_entries e
         WHERE e.kind = 'disbursement' AND e.document_type = 'disbursement'
           AND e.document_id = d.id) AS entry_id,
       c.cleared_on,
       v.reason AS void_reason,
       v.entry_id AS void_entry_id,
       v.voided_at
FROM disbursements d
LEFT JOIN disbursement_voids v ON v.disbursement_id = d.id
LEFT JOIN disbursement_clearings c ON c.disbursement_id = d.id;
REVOKE ALL ON disbursement_states FROM grant_tracker_app;
GRANT SELECT ON disbursement_states TO grant_tracker_app;
