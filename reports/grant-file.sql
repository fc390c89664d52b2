-- The grant file (IRS Publication 3833, needs-based grants to individuals): one row per
-- grant decided or paid in the year, with the program's objective criteria (the policy
-- version and each rule's result), the need shown (income as a percent of the poverty
-- guideline, household size, the emergency event), how the recipient was selected (each
-- vote with its member, each conflict declaration), any relationship to someone close to
-- the fund (asked at intake), the amounts, the payee and the dates. It names families:
-- accountants and admins only, and each download is logged as a read of every household
-- in it. Sorted by Application_Number.
-- Parameters: $1, $2 and $4 unused, $3 fund id (the approval's fund), $5 time zone,
-- $6 site code (null = every site), $7 the year.
WITH year AS (
    SELECT make_date($7, 1, 1) AS first, make_date($7 + 1, 1, 1) AS next
),
live AS (
    SELECT d.application_id, d.payee, d.amount, d.paid_on
    FROM disbursements d
    JOIN disbursement_states ds ON ds.disbursement_id = d.id
    WHERE ds.state <> 'voided'
)
SELECT a.number AS "Application_Number",
       a.program AS "Program",
       s.code AS "Site",
       ce.entry_date::text AS "Decision_Date",
       dc.amount::text AS "Approved",
       COALESCE((SELECT SUM(l.amount) FROM live l, year y
                 WHERE l.application_id = a.id AND l.paid_on >= y.first AND l.paid_on < y.next),
                0.00)::text AS "Paid_In_Year",
       (SELECT max(l.paid_on) FROM live l WHERE l.application_id = a.id)::text AS "Last_Paid_Date",
       (SELECT string_agg(DISTINCT l.payee, '; ') FROM live l WHERE l.application_id = a.id) AS "Payee",
       h.id::text AS "Household_ID",
       h.name AS "Household_Name",
       h.name_ko AS "Household_Name_Ko",
       dc.policy_version::text AS "Policy_Version",
       latest.result AS "Eligibility_Result",
       (SELECT string_agg((r->>'rule') || ': ' || (r->>'outcome'), '; ' ORDER BY r->>'rule')
        FROM jsonb_array_elements(ck.rules) r) AS "Rule_Results",
       ck.percent_of_guideline::text AS "Income_Percent_Of_Guideline",
       ck.facts->>'household_size' AS "Household_Size",
       a.emergency_category AS "Emergency_Event",
       (SELECT string_agg(vu.name || ': ' || v.vote || COALESCE(' ' || v.amount::text, ''), '; ' ORDER BY v.id)
        FROM votes v JOIN users vu ON vu.id = v.voter_id
        WHERE v.application_id = a.id) AS "Votes",
       (SELECT string_agg(du.name || ': ' || CASE WHEN rd.conflict THEN 'conflict, recused' ELSE 'no conflict' END,
                          '; ' ORDER BY rd.declared_at, du.id)
        FROM review_declarations rd JOIN users du ON du.id = rd.user_id
        WHERE rd.application_id = a.id) AS "Conflict_Declarations",
       a.insider_relationship AS "Insider_Relationship",
       a.insider_note AS "Insider_Note",
       cw.email AS "Caseworker",
       fee_components_text(a.id) AS "Fee_Components"
FROM applications a
JOIN decisions dc ON dc.application_id = a.id AND dc.outcome = 'approved'
-- The decision's business date is its commitment's entry date (the books' date of the grant).
JOIN journal_entries ce ON ce.id = dc.commitment_entry_id
JOIN households h ON h.id = a.household_id
JOIN sites s ON s.id = a.site_id
JOIN users cw ON cw.id = a.created_by
CROSS JOIN year y
-- The result the board saw (a check, or an admin's override of it), and the check's facts.
LEFT JOIN LATERAL (
    SELECT c.result FROM eligibility_checks c
    WHERE c.application_id = a.id AND c.created_at <= dc.decided_at
    ORDER BY c.id DESC LIMIT 1
) latest ON true
LEFT JOIN LATERAL (
    SELECT c.rules, c.facts, c.percent_of_guideline
    FROM eligibility_checks c
    WHERE c.application_id = a.id AND c.kind = 'check' AND c.created_at <= dc.decided_at
    ORDER BY c.id DESC LIMIT 1
) ck ON true
WHERE (ce.entry_date >= y.first AND ce.entry_date < y.next
       OR EXISTS (SELECT 1 FROM live l WHERE l.application_id = a.id AND l.paid_on >= y.first AND l.paid_on < y.next))
  AND ($3::bigint IS NULL OR dc.fund_id = $3)
  AND ($6::text IS NULL OR s.code = $6)
ORDER BY a.number
