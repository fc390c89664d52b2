-- Board minutes: one row per vote (recusals included) on the applications decided in the
-- period (decision date, inclusive), with the outcome. No household names. Sorted by
-- Decided_Date, Application_Number, Vote_Order.
-- Parameters: $1 from, $2 to, $3 fund id (the approval's fund), $4 unused, $5 time zone,
-- $6 site code (null = every site).
SELECT to_char(dc.decided_at AT TIME ZONE $5, 'YYYY-MM-DD') AS "Decided_Date",
       a.number AS "Application_Number",
       a.program AS "Program",
       a.requested_amount::text AS "Requested",
       row_number() OVER (PARTITION BY a.id ORDER BY v.id)::text AS "Vote_Order",
       u.name AS "Member",
       v.vote AS "Vote",
       v.amount::text AS "Vote_Amount",
       v.comment AS "Comment",
       to_char(v.cast_at AT TIME ZONE $5, 'YYYY-MM-DD"T"HH24:MI:SS') AS "Cast_At",
       dc.outcome AS "Outcome",
       dc.amount::text AS "Approved_Amount",
       f.name AS "Fund_Name",
       dc.policy_version::text AS "Policy_Version",
       s.code AS "Site"
FROM decisions dc
JOIN applications a ON a.id = dc.application_id
JOIN sites s ON s.id = a.site_id
JOIN votes v ON v.application_id = a.id
JOIN users u ON u.id = v.voter_id
LEFT JOIN funds f ON f.id = dc.fund_id
WHERE ($1::date IS NULL OR (dc.decided_at AT TIME ZONE $5)::date >= $1)
  AND ($2::date IS NULL OR (dc.decided_at AT TIME ZONE $5)::date <= $2)
  AND ($3::bigint IS NULL OR dc.fund_id = $3)
  AND ($6::text IS NULL OR s.code = $6)
ORDER BY dc.decided_at, a.number, v.id
