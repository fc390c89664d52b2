-- Eligibility audit: one row per eligibility check or override, with each rule's outcome
-- in its own column (blank where the program has no such rule). Sorted by Check_ID.
-- Parameters: $1 from, $2 to (the day checked, inclusive), $3 fund id (the approval's
-- fund), $4 unused, $5 time zone, $6 site code (null = every site).
SELECT c.id::text AS "Check_ID",
       a.number AS "Application_Number",
       a.program AS "Program",
       to_char(c.created_at AT TIME ZONE $5, 'YYYY-MM-DD"T"HH24:MI:SS') AS "Checked_At",
       c.checked_on::text AS "Checked_On",
       u.email AS "Checked_By",
       c.kind AS "Kind",
       pv.version::text AS "Policy_Version",
       c.result AS "Result",
       c.percent_of_guideline::text AS "Percent_Of_Guideline",
       c.overrides_check_id::text AS "Overrides_Check_ID",
       c.reason AS "Override_Reason",
       rule.income_limit AS "Rule_Income_Limit",
       rule.service_area AS "Rule_Service_Area",
       rule.fee_schedule AS "Rule_Fee_Schedule",
       rule.fee_waiver AS "Rule_Fee_Waiver",
       rule.application_cap AS "Rule_Application_Cap",
       rule.emergency_category AS "Rule_Emergency_Category",
       rule.emergency_cap AS "Rule_Emergency_Cap",
       rule.one_emergency_grant AS "Rule_One_Emergency_Grant",
       rule.household_cap AS "Rule_Household_Cap",
       rule.documents AS "Rule_Documents",
       s.code AS "Site"
FROM eligibility_checks c
JOIN applications a ON a.id = c.application_id
JOIN sites s ON s.id = a.site_id
JOIN users u ON u.id = c.created_by
LEFT JOIN policy_versions pv ON pv.id = c.policy_version_id
LEFT JOIN decisions dc ON dc.application_id = a.id
CROSS JOIN LATERAL (
    SELECT max(r->>'outcome') FILTER (WHERE r->>'rule' = 'income_limit') AS income_limit,
           max(r->>'outcome') FILTER (WHERE r->>'rule' = 'service_area') AS service_area,
           max(r->>'outcome') FILTER (WHERE r->>'rule' = 'fee_schedule') AS fee_schedule,
           max(r->>'outcome') FILTER (WHERE r->>'rule' = 'fee_waiver') AS fee_waiver,
           max(r->>'outcome') FILTER (WHERE r->>'rule' = 'application_cap') AS application_cap,
           max(r->>'outcome') FILTER (WHERE r->>'rule' = 'emergency_category') AS emergency_category,
           max(r->>'outcome') FILTER (WHERE r->>'rule' = 'emergency_cap') AS emergency_cap,
           max(r->>'outcome') FILTER (WHERE r->>'rule' = 'one_emergency_grant') AS one_emergency_grant,
           max(r->>'outcome') FILTER (WHERE r->>'rule' = 'household_cap') AS household_cap,
           max(r->>'outcome') FILTER (WHERE r->>'rule' = 'documents') AS documents
    FROM jsonb_array_elements(c.rules) r
) rule
WHERE ($1::date IS NULL OR c.checked_on >= $1)
  AND ($2::date IS NULL OR c.checked_on <= $2)
  AND ($3::bigint IS NULL OR dc.fund_id = $3)
  AND ($6::text IS NULL OR s.code = $6)
ORDER BY c.id
