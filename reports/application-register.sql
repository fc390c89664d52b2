-- Application register: one row per application entered in the period (created date,
-- inclusive), with its decision and what was paid. No household name, address or story:
-- the application number leads to them for those allowed to look. Sorted by
-- Application_Number.
-- Parameters: $1 from, $2 to (entered date in the fund's time zone), $3 fund id (the
-- approval's fund), $4 unused, $5 time zone, $6 site code (null = every site).
SELECT a.number AS "Application_Number",
       to_char(a.created_at AT TIME ZONE $5, 'YYYY-MM-DD') AS "Entered_Date",
       to_char(a.submitted_at AT TIME ZONE $5, 'YYYY-MM-DD') AS "Submitted_Date",
       to_char(dc.decided_at AT TIME ZONE $5, 'YYYY-MM-DD') AS "Decided_Date",
       a.program AS "Program",
       s.code AS "Site",
       u.email AS "Caseworker",
       a.status AS "Status",
       a.requested_amount::text AS "Requested",
       dc.amount::text AS "Approved",
       pa.paid::text AS "Paid",
       dc.fund_id::text AS "Fund_ID",
       ck.result AS "Eligibility_Result",
       ck.version::text AS "Policy_Version"
FROM applications a
JOIN sites s ON s.id = a.site_id
JOIN users u ON u.id = a.created_by
LEFT JOIN decisions dc ON dc.application_id = a.id
LEFT JOIN payables pa ON pa.application_id = a.id
LEFT JOIN LATERAL (
    SELECT c.result, pv.version
    FROM eligibility_checks c
    LEFT JOIN eligibility_checks o ON o.id = c.overrides_check_id
    LEFT JOIN policy_versions pv ON pv.id = COALESCE(c.policy_version_id, o.policy_version_id)
    WHERE c.application_id = a.id ORDER BY c.id DESC LIMIT 1
) ck ON true
WHERE ($1::date IS NULL OR (a.created_at AT TIME ZONE $5)::date >= $1)
  AND ($2::date IS NULL OR (a.created_at AT TIME ZONE $5)::date <= $2)
  AND ($3::bigint IS NULL OR dc.fund_id = $3)
  AND ($6::text IS NULL OR s.code = $6)
ORDER BY a.number
