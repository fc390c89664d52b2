-- Disbursement register: one row per payment, voided ones included. Sorted by
-- Paid_Date, Disbursement_Number.
-- Parameters: $1 from, $2 to (paid date, inclusive), $3 fund id, $4 unused, $5 time zone.
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
       CASE WHEN vd.disbursement_id IS NOT NULL THEN 'voided'
            WHEN c.disbursement_id IS NOT NULL THEN 'cleared' ELSE 'issued' END AS "Status",
       c.cleared_on::text AS "Cleared_Date",
       to_char(vd.voided_at AT TIME ZONE $5, 'YYYY-MM-DD') AS "Void_Date",
       vd.reason AS "Void_Reason",
       ro.number AS "Reissue_Of",
       (SELECT e.id::text FROM journal_entries e WHERE e.kind = 'disbursement'
          AND e.document_type = 'disbursement' AND e.document_id = d.id) AS "Journal_ID",
       vd.entry_id::text AS "Void_Journal_ID"
FROM disbursements d
JOIN applications a ON a.id = d.application_id
JOIN funds f ON f.id = d.fund_id
JOIN users u ON u.id = d.created_by
LEFT JOIN disbursement_voids vd ON vd.disbursement_id = d.id
LEFT JOIN disbursement_clearings c ON c.disbursement_id = d.id
LEFT JOIN disbursements ro ON ro.id = d.reissue_of
WHERE ($1::date IS NULL OR d.paid_on >= $1)
  AND ($2::date IS NULL OR d.paid_on <= $2)
  AND ($3::bigint IS NULL OR d.fund_id = $3)
ORDER BY d.paid_on, d.number
