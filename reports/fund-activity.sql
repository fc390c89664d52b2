-- Fund activity: one row per fund for the period From..To (entry dates, inclusive).
-- Cash: Opening_Cash + Receipts - Disbursements = Closing_Cash.
-- Committed: Opening_Committed + Approvals - Releases - Disbursements = Closing_Committed.
-- Available = Cash - Committed. Receipts are net of reversed receipts, Disbursements net of
-- voids. Sorted by Fund_ID.
-- Parameters: $1 from (null = the beginning), $2 to (null = everything), $3 fund id,
-- $4 and $5 unused.
WITH moves AS (
    SELECT p.fund_id, e.kind, e.entry_date, a.kind AS account_kind,
           CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END AS signed
    FROM postings p
    JOIN journal_entries e ON e.id = p.entry_id
    JOIN accounts a ON a.code = p.account_code
    WHERE ($2::date IS NULL OR e.entry_date <= $2)
), totals AS (
    SELECT f.id AS fund_id,
        COALESCE(SUM(m.signed) FILTER (WHERE m.account_kind = 'asset' AND m.entry_date < $1), 0) AS opening_cash,
        COALESCE(-SUM(m.signed) FILTER (WHERE m.account_kind = 'liability' AND m.entry_date < $1), 0) AS opening_committed,
        COALESCE(SUM(m.signed) FILTER (WHERE m.account_kind = 'asset' AND m.kind IN ('receipt', 'reversal')
                                          AND ($1::date IS NULL OR m.entry_date >= $1)), 0) AS receipts,
        COALESCE(-SUM(m.signed) FILTER (WHERE m.account_kind = 'asset' AND m.kind IN ('disbursement', 'void')
                                           AND ($1::date IS NULL OR m.entry_date >= $1)), 0) AS disbursements,
        COALESCE(-SUM(m.signed) FILTER (WHERE m.account_kind = 'liability' AND m.kind = 'commitment'
                                           AND ($1::date IS NULL OR m.entry_date >= $1)), 0) AS approvals,
        COALESCE(SUM(m.signed) FILTER (WHERE m.account_kind = 'liability' AND m.kind = 'release'
                                          AND ($1::date IS NULL OR m.entry_date >= $1)), 0) AS releases,
        COALESCE(SUM(m.signed) FILTER (WHERE m.account_kind = 'asset'), 0) AS closing_cash,
        COALESCE(-SUM(m.signed) FILTER (WHERE m.account_kind = 'liability'), 0) AS closing_committed
    FROM funds f LEFT JOIN moves m ON m.fund_id = f.id
    WHERE ($3::bigint IS NULL OR f.id = $3)
    GROUP BY f.id
)
SELECT f.id::text AS "Fund_ID",
       f.name AS "Fund_Name",
       COALESCE(f.restricted_program, 'unrestricted') AS "Restriction",
       f.expires_on::text AS "Expires_On",
       COALESCE($1::date::text, '') AS "Period_From",
       COALESCE($2::date::text, '') AS "Period_To",
       t.opening_cash::numeric(14, 2)::text AS "Opening_Cash",
       t.receipts::numeric(14, 2)::text AS "Receipts",
       t.disbursements::numeric(14, 2)::text AS "Disbursements",
       t.closing_cash::numeric(14, 2)::text AS "Closing_Cash",
       t.opening_committed::numeric(14, 2)::text AS "Opening_Committed",
       t.approvals::numeric(14, 2)::text AS "Approvals",
       t.releases::numeric(14, 2)::text AS "Releases",
       t.closing_committed::numeric(14, 2)::text AS "Closing_Committed",
       (t.opening_cash - t.opening_committed)::numeric(14, 2)::text AS "Opening_Available",
       (t.closing_cash - t.closing_committed)::numeric(14, 2)::text AS "Closing_Available"
FROM totals t JOIN funds f ON f.id = t.fund_id
ORDER BY f.id
