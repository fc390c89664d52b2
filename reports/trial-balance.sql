-- Trial balance: one row per account and fund with postings dated on or before As_Of.
-- Balance is debits minus credits (credit balances are negative), so the column sums to
-- zero over the whole file. Sorted by Account_Number, Fund_ID.
-- Parameters: $1, $2 unused, $3 fund id, $4 as_of (null = everything), $5 unused.
SELECT COALESCE($4::date::text, '') AS "As_Of",
       a.code AS "GL_Account_Number",
       a.name AS "GL_Account_Name",
       a.kind AS "Account_Type",
       f.id::text AS "Fund_ID",
       f.name AS "Fund_Name",
       COALESCE(f.restricted_program, 'unrestricted') AS "Restriction",
       COALESCE(SUM(p.amount) FILTER (WHERE p.side = 'debit'), 0)::numeric(14, 2)::text AS "Debit_Total",
       COALESCE(SUM(p.amount) FILTER (WHERE p.side = 'credit'), 0)::numeric(14, 2)::text AS "Credit_Total",
       SUM(CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END)::numeric(14, 2)::text AS "Balance"
FROM postings p
JOIN journal_entries e ON e.id = p.entry_id
JOIN accounts a ON a.code = p.account_code
JOIN funds f ON f.id = p.fund_id
WHERE ($4::date IS NULL OR e.entry_date <= $4)
  AND ($3::bigint IS NULL OR p.fund_id = $3)
GROUP BY a.code, a.name, a.kind, f.id, f.name, f.restricted_program
ORDER BY a.code, f.id
