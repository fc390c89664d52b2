-- Disbursement register: one row per payment, voided ones included. Sorted by
-- Paid_Date, Disbursement_Number. Status and the journal ids come from the view
-- disbursement_states, the definition the service reads too.
-- Parameters: $1 from, $2 to (paid date, inclusive), $3 fund id, $4 unused, $5 time zone,
-- $6 site code (the application's site; null = every site).
SELECT d.paid_on::text AS "Paid_Date",
       d.number AS "Disbursement_Number",
       a.number AS "Application_Number",
       a.program AS "Program",
       d.payee AS "Payee",
       d.method AS "Method",
       d.reference AS "Reference",
       d.amount::text AS "Amount",
       f.id::text AS "Fund_ID",
       f.name AS "Fund_Name",
       (SELECT string_agg(vu.email, '; ' ORDER BY v.id) FROM votes v JOIN users vu ON vu.id = v.voter_id
        WHERE v.application_id = a.id AND v.vote = 'approve') AS "Approved_By",
       u.email AS "Issued_By",
       s.state AS "Status",
       s.cleared_on::text AS "Cleared_Date",
       to_char(s.voided_at AT TIME ZONE $5, 'YYYY-MM-DD') AS "Void_Date",
       s.void_reason AS "Void_Reason",
       ro.number AS "Reissue_Of",
       s.entry_id::text AS "Journal_ID",
       s.void_entry_id::text AS "Void_Journal_ID",
       site.code AS "Site",
       fee_components_text(a.id) AS "Fee_Components"
FROM disbursements d
JOIN disbursement_states s ON s.disbursement_id = d.id
JOIN applications a ON a.id = d.application_id
JOIN sites site ON site.id = a.site_id
JOIN funds f ON f.id = d.fund_id
JOIN users u ON u.id = d.created_by
LEFT JOIN disbursements ro ON ro.id = d.reissue_of
WHERE ($1::date IS NULL OR d.paid_on >= $1)
  AND ($2::date IS NULL OR d.paid_on <= $2)
  AND ($3::bigint IS NULL OR d.fund_id = $3)
  AND ($6::text IS NULL OR site.code = $6)
ORDER BY d.paid_on, d.number
