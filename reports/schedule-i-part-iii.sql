-- Form 990 Schedule I, Part III (grants and other assistance to domestic individuals) for
-- one calendar year: one row per type of assistance, the immigration fee program and the
-- emergency program by the event, with (b) the number of recipients (households granted
-- more than nothing in the year) and (c) the cash granted: the grants expensed in the year
-- (approvals less releases of their unpaid part, accounts 5100 and 5200), so the column
-- ties to the general ledger and to Part IX line 2. Nothing is given in kind: (d) is 0.00,
-- (e) and (f) blank. Types with nothing in the year are left out. Sorted by type.
-- Parameters: $1, $2 and $4 unused, $3 fund id (the fund charged), $5 time zone (unused),
-- $6 site code (null = every site), $7 the year.
WITH types (program, category, sort, label) AS (
    VALUES ('immigration_fee', NULL, 1, 'Immigration application fee assistance'),
           ('emergency', 'eviction', 2, 'Emergency assistance: eviction'),
           ('emergency', 'utility_shutoff', 3, 'Emergency assistance: utility shut-off'),
           ('emergency', 'medical', 4, 'Emergency assistance: medical emergency'),
           ('emergency', 'fire_or_disaster', 5, 'Emergency assistance: fire or disaster'),
           ('emergency', 'job_loss', 6, 'Emergency assistance: job loss'),
           ('emergency', 'death_in_family', 7, 'Emergency assistance: death in the family'),
           ('emergency', 'other', 8, 'Emergency assistance: other')
),
granted AS (
    SELECT a.household_id, a.program, a.emergency_category,
           SUM(CASE WHEN p.side = 'debit' THEN p.amount ELSE -p.amount END) AS amount
    FROM journal_entries e
    JOIN postings p ON p.entry_id = e.id
    JOIN accounts acc ON acc.code = p.account_code AND acc.kind = 'expense'
    JOIN applications a ON e.document_type = 'application' AND a.id = e.document_id
    JOIN sites s ON s.id = a.site_id
    WHERE e.entry_date >= make_date($7, 1, 1) AND e.entry_date < make_date($7 + 1, 1, 1)
      AND ($3::bigint IS NULL OR p.fund_id = $3)
      AND ($6::text IS NULL OR s.code = $6)
    GROUP BY a.id, a.household_id, a.program, a.emergency_category
)
SELECT t.label AS "(a) Type of grant or assistance",
       count(DISTINCT g.household_id) FILTER (WHERE g.amount > 0)::text AS "(b) Number of recipients",
       SUM(g.amount)::text AS "(c) Amount of cash grant",
       '0.00' AS "(d) Amount of noncash assistance",
       '' AS "(e) Method of valuation (book, FMV, appraisal, other)",
       '' AS "(f) Description of noncash assistance"
FROM granted g
JOIN types t ON t.program = g.program
            AND t.category IS NOT DISTINCT FROM (CASE WHEN g.program = 'emergency' THEN g.emergency_category END)
GROUP BY t.label, t.sort
HAVING SUM(g.amount) <> 0
ORDER BY t.sort
