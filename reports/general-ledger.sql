-- General ledger: one row per posting. Columns follow the AICPA Audit Data Standard's
-- general-ledger detail (Journal_ID … Amount_Credit), then the fund, its restriction, the
-- program and the business document. Sorted by Journal_ID, JE_Line_Number.
-- Parameters: $1 from, $2 to (effective date, inclusive; null = open), $3 fund id,
-- $4 as_of (unused), $5 the fund's time zone, $6 site code (the site of the application an
-- entry books, directly or through its payment; null = every entry, receipts included).
SELECT e.id::text AS "Journal_ID",
       p.line_no::text AS "JE_Line_Number",
       to_char(e.entry_date, 'YYYY') AS "Fiscal_Year",
       to_char(e.entry_date, 'MM') AS "Period",
       e.entry_date::text AS "Effective_Date",
       to_char(e.created_at AT TIME ZONE $5, 'YYYY-MM-DD') AS "Entered_Date",
       u.email AS "Entered_By",
       approval.approved_by AS "Approved_By",
       p.account_code AS "GL_Account_Number",
       a.name AS "GL_Account_Name",
       CASE WHEN p.side = 'debit' THEN p.amount::text END AS "Amount_Debit",
       CASE WHEN p.side = 'credit' THEN p.amount::text END AS "Amount_Credit",
       e.memo AS "JE_Header_Description",
       e.kind AS "Entry_Kind",
       f.id::text AS "Fund_ID",
       f.name AS "Fund_Name",
       COALESCE(f.restricted_program, 'unrestricted') AS "Restriction",
       e.program AS "Program",
       e.document_type AS "Document_Type",
       COALESCE(r.number, ap.number, d.number) AS "Document_Ref",
       e.reverses::text AS "Reverses_Journal_ID",
       site.code AS "Site"
FROM postings p
JOIN journal_entries e ON e.id = p.entry_id
JOIN accounts a ON a.code = p.account_code
JOIN funds f ON f.id = p.fund_id
JOIN users u ON u.id = e.created_by
LEFT JOIN receipts r ON e.document_type = 'receipt' AND r.id = e.document_id
LEFT JOIN applications ap ON e.document_type = 'application' AND ap.id = e.document_id
LEFT JOIN disbursements d ON e.document_type = 'disbursement' AND d.id = e.document_id
LEFT JOIN applications da ON da.id = d.application_id
LEFT JOIN sites site ON site.id = COALESCE(ap.site_id, da.site_id)
LEFT JOIN LATERAL (
    SELECT string_agg(vu.email, '; ' ORDER BY v.id) AS approved_by
    FROM votes v JOIN users vu ON vu.id = v.voter_id
    WHERE e.kind = 'commitment' AND e.document_type = 'application'
      AND v.application_id = e.document_id AND v.vote = 'approve'
) approval ON true
WHERE ($1::date IS NULL OR e.entry_date >= $1)
  AND ($2::date IS NULL OR e.entry_date <= $2)
  AND ($3::bigint IS NULL OR p.fund_id = $3)
  AND ($6::text IS NULL OR site.code = $6)
ORDER BY e.id, p.line_no
