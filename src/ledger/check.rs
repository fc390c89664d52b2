//! `grant-tracker check-ledger`: recomputes every balance from the postings and checks
//! SPEC.md's six ledger invariants and a seventh (no entry booked into a closed month) over the whole database, in one read-only snapshot.
//! It trusts nothing the triggers keep: a breach planted with the triggers disabled is
//! found from the raw rows.

use std::fmt;

use diesel::prelude::*;
use diesel::sql_types::{Int8, Numeric, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::AppResult;

/// The result of one invariant.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Invariant {
    pub number: u8,
    pub name: &'static str,
    /// What was found wrong; empty when the invariant holds.
    pub breaches: Vec<String>,
}

impl Invariant {
    pub fn holds(&self) -> bool {
        self.breaches.is_empty()
    }
}

/// The whole check.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub entries: i64,
    pub postings: i64,
    pub funds: i64,
    pub invariants: Vec<Invariant>,
    /// Per account: debit total, credit total.
    pub accounts: Vec<AccountTotal>,
}

#[derive(Debug, Clone, Serialize, QueryableByName, utoipa::ToSchema)]
pub struct AccountTotal {
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Numeric)]
    #[schema(value_type = String)]
    pub debits: Decimal,
    #[diesel(sql_type = Numeric)]
    #[schema(value_type = String)]
    pub credits: Decimal,
}

impl Report {
    pub fn clean(&self) -> bool {
        self.invariants.iter().all(Invariant::holds)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Ledger: {} entries, {} postings, {} funds",
            self.entries, self.postings, self.funds
        )?;
        for account in &self.accounts {
            writeln!(
                f,
                "  {} {:<40} Dr {:>16.2}  Cr {:>16.2}",
                account.code, account.name, account.debits, account.credits
            )?;
        }
        for inv in &self.invariants {
            let mark = if inv.holds() { "ok    " } else { "BREACH" };
            writeln!(f, "{mark} {}. {}", inv.number, inv.name)?;
            for breach in inv.breaches.iter().take(20) {
                writeln!(f, "         - {breach}")?;
            }
            if inv.breaches.len() > 20 {
                writeln!(f, "         … and {} more", inv.breaches.len() - 20)?;
            }
        }
        let breached = self.invariants.iter().filter(|i| !i.holds()).count();
        if breached == 0 {
            write!(f, "All seven invariants hold.")
        } else {
            write!(f, "{breached} invariant(s) breached.")
        }
    }
}

#[derive(QueryableByName)]
struct Finding {
    #[diesel(sql_type = Text)]
    finding: String,
}

#[derive(QueryableByName)]
struct Counts {
    #[diesel(sql_type = Int8)]
    entries: i64,
    #[diesel(sql_type = Int8)]
    postings: i64,
    #[diesel(sql_type = Int8)]
    funds: i64,
}

async fn findings(conn: &mut AsyncPgConnection, queries: &[&str]) -> AppResult<Vec<String>> {
    let mut all = Vec::new();
    for query in queries {
        // Each query may read `signed` and `running` (PostgreSQL skips them when it does
        // not); its single column, whatever it is called, is the finding.
        let named = format!(
            "WITH signed AS ({}), running AS ({})
             SELECT * FROM ({query}) AS findings (finding)",
            super::SIGNED,
            super::RUNNING
        );
        let rows: Vec<Finding> = diesel::sql_query(named).load(conn).await?;
        all.extend(rows.into_iter().map(|r| r.finding));
    }
    Ok(all)
}

/// The triggers that keep the ledger, as SQL rows `(table, trigger)`; each must exist
/// and be enabled.
const TRIGGERS: &str = "VALUES
    ('journal_entries', 'journal_entries_append_only'),
    ('journal_entries', 'journal_entries_no_truncate'),
    ('journal_entries', 'journal_entries_check'),
    ('journal_entries', 'journal_entries_period_open'),
    ('period_events', 'period_events_append_only'),
    ('postings', 'postings_append_only'),
    ('postings', 'postings_no_truncate'),
    ('postings', 'postings_entry_open'),
    ('postings', 'postings_move_balances'),
    ('fund_balances', 'fund_balances_guard'),
    ('fund_balances', 'fund_balances_no_truncate'),
    ('receipts', 'receipts_append_only'),
    ('votes', 'votes_append_only'),
    ('decisions', 'decisions_append_only'),
    ('disbursements', 'disbursements_append_only'),
    ('disbursements', 'disbursements_within_approval'),
    ('disbursements', 'disbursements_booked'),
    ('disbursement_voids', 'disbursement_voids_append_only')";

/// Checks the whole ledger in one repeatable-read, read-only snapshot.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn run(conn: &mut AsyncPgConnection) -> AppResult<Report> {
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(async |conn| check(conn).await)
        .await
}

async fn check(conn: &mut AsyncPgConnection) -> AppResult<Report> {
    let balanced = findings(
        conn,
        &[
            "SELECT format('entry %s has %s posting(s); an entry needs two or more', e.id, count(p.id))
                 FROM journal_entries e LEFT JOIN postings p ON p.entry_id = e.id
                 GROUP BY e.id HAVING count(p.id) < 2 ORDER BY e.id",
            "SELECT format('entry %s does not balance for fund %s: debits - credits = %s', entry_id, fund_id, SUM(signed))
                 FROM signed GROUP BY entry_id, fund_id HAVING SUM(signed) <> 0 ORDER BY entry_id, fund_id",
            "SELECT format('posting %s of entry %s has amount %s; amounts are positive', id, entry_id, amount)
             FROM postings WHERE amount <= 0 ORDER BY id",
        ],
    )
    .await?;

    let missing_triggers = format!(
        "SELECT format('trigger %s on %s is missing or disabled', t.name, t.tbl)
         FROM ({TRIGGERS}) AS t (tbl, name)
         WHERE NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = t.tbl::regclass
                           AND tgname = t.name AND tgenabled <> 'D')"
    );
    let mut append_only = findings(conn, &[&missing_triggers]).await?;
    append_only.extend(
        findings(
            conn,
            &[
                "SELECT format('the service''s role may %s %s', privilege, t)
                 FROM unnest(ARRAY['journal_entries', 'postings', 'receipts', 'fund_balances', 'votes',
                                   'decisions', 'disbursements', 'disbursement_voids']) t,
                      unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE']) privilege
                 WHERE EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'grant_tracker_app')
                   AND has_table_privilege('grant_tracker_app', t, privilege)",
                "SELECT format('entry %s reverses entry %s, which is itself a reversal', r.id, r.reverses)
                 FROM journal_entries r JOIN journal_entries o ON o.id = r.reverses
                 WHERE o.reverses IS NOT NULL ORDER BY r.id",
                "SELECT format('entry %s is reversed %s times', reverses, count(*))
                 FROM journal_entries WHERE reverses IS NOT NULL
                 GROUP BY reverses HAVING count(*) > 1 ORDER BY reverses",
                "SELECT format('entry %s does not mirror entry %s exactly', r.id, r.reverses)
                 FROM journal_entries r
                 WHERE r.reverses IS NOT NULL AND EXISTS (
                     (SELECT account_code, fund_id, CASE side WHEN 'debit' THEN 'credit' ELSE 'debit' END, amount
                      FROM postings WHERE entry_id = r.reverses
                      EXCEPT ALL SELECT account_code, fund_id, side, amount FROM postings WHERE entry_id = r.id)
                     UNION ALL
                     (SELECT account_code, fund_id, side, amount FROM postings WHERE entry_id = r.id
                      EXCEPT ALL SELECT account_code, fund_id, CASE side WHEN 'debit' THEN 'credit' ELSE 'debit' END, amount
                      FROM postings WHERE entry_id = r.reverses))
                 ORDER BY r.id",
                "SELECT format('fund %s: stored balances (cash %s, committed %s, available %s) differ from its postings (cash %s, committed %s, available %s)',
                                   f.id, b.cash, b.committed, b.available,
                                   COALESCE(t.cash, 0), COALESCE(t.committed, 0), COALESCE(t.available, 0))
                     FROM funds f LEFT JOIN fund_balances b ON b.fund_id = f.id
                     LEFT JOIN (SELECT DISTINCT ON (fund_id) fund_id, cash, committed, available
                                FROM running ORDER BY fund_id, entry_id DESC) t ON t.fund_id = f.id
                     WHERE b.fund_id IS NULL
                        OR (b.cash, b.committed, b.available)
                           IS DISTINCT FROM (COALESCE(t.cash, 0), COALESCE(t.committed, 0), COALESCE(t.available, 0))
                     ORDER BY f.id",
            ],
        )
        .await?,
    );

    let no_overdraft = findings(
        conn,
        &["SELECT format('fund %s: after entry %s, available is %s, committed %s, cash %s', fund_id, entry_id,
                           COALESCE(available, 0), COALESCE(committed, 0), COALESCE(cash, 0))
             FROM running
             WHERE COALESCE(available, 0) < 0 OR COALESCE(committed, 0) < 0 OR COALESCE(cash, 0) < 0
             ORDER BY fund_id, entry_id"],
    )
    .await?;

    let not_overpaid = findings(
        conn,
        &[
            // Grants payable of an application: credited by its commitment, debited by its
            // releases and by the payments (documents of their own) made for it.
            "SELECT format('application %s: %s more paid than committed from grants payable', application_id, SUM(signed))
             FROM (SELECT COALESCE(d.application_id, s.document_id) AS application_id, s.signed
                   FROM signed s LEFT JOIN disbursements d
                     ON s.document_type = 'disbursement' AND d.id = s.document_id
                   WHERE s.account_code = '2100' AND s.document_type IN ('application', 'disbursement')) t
             GROUP BY application_id HAVING SUM(signed) > 0 ORDER BY application_id",
            "SELECT format('application %s: %s paid (not voided), more than the %s approved', x.application_id, x.paid, COALESCE(c.amount::text, 'nothing'))
             FROM (SELECT d.application_id, SUM(d.amount) AS paid FROM disbursements d
                   WHERE NOT EXISTS (SELECT 1 FROM disbursement_voids v WHERE v.disbursement_id = d.id)
                   GROUP BY d.application_id) x
             LEFT JOIN decisions c ON c.application_id = x.application_id AND c.outcome = 'approved'
             WHERE c.amount IS NULL OR x.paid > c.amount ORDER BY x.application_id",
            "SELECT format('disbursement %s has no payment entry of its amount, or its void has no mirror entry', d.id)
             FROM disbursements d
             WHERE NOT EXISTS (SELECT 1 FROM signed s WHERE s.document_type = 'disbursement' AND s.document_id = d.id
                               AND s.kind = 'liability' AND s.side = 'debit' AND s.amount = d.amount AND s.fund_id = d.fund_id)
                OR EXISTS (SELECT 1 FROM disbursement_voids v JOIN journal_entries e ON e.id = v.entry_id
                           WHERE v.disbursement_id = d.id AND (e.kind <> 'void' OR e.reverses IS DISTINCT FROM
                               (SELECT p.id FROM journal_entries p WHERE p.kind = 'disbursement'
                                AND p.document_type = 'disbursement' AND p.document_id = d.id)))
             ORDER BY d.id",
        ],
    )
    .await?;

    let restrictions = findings(
        conn,
        &["SELECT format('entry %s charges %s to fund %s (%s%s) for %s on %s', s.entry_id, s.amount, f.id,
                           COALESCE('for ' || f.restricted_program, 'unrestricted'),
                           COALESCE(', expires ' || f.expires_on, ''), COALESCE(s.program, 'no program'), s.entry_date)
             FROM signed s JOIN funds f ON f.id = s.fund_id
             WHERE s.kind = 'expense' AND s.side = 'debit'
               AND ((f.restricted_program IS NOT NULL AND f.restricted_program IS DISTINCT FROM s.program)
                    OR s.entry_date > f.expires_on)
             ORDER BY s.entry_id"],
    )
    .await?;

    let at_most_once = findings(
        conn,
        &[
            "SELECT format('Idempotency-Key %s of user %s has no stored answer', quote_literal(key), user_id)
             FROM idempotency_keys WHERE status_code IS NULL OR response IS NULL ORDER BY user_id, key",
            "SELECT format('Idempotency-Key %s of user %s names entry %s, written by another transaction', quote_literal(k.key), k.user_id, k.entry_id)
             FROM idempotency_keys k JOIN journal_entries e ON e.id = k.entry_id
             WHERE e.created_txid <> k.created_txid ORDER BY k.user_id, k.key",
            "SELECT format('entry %s is named by %s Idempotency-Keys', entry_id, count(*))
             FROM idempotency_keys WHERE entry_id IS NOT NULL
             GROUP BY entry_id HAVING count(*) > 1 ORDER BY entry_id",
        ],
    )
    .await?;

    // Each close of a month holds from its event until the next reopening of that month;
    // an entry is booked (`booked_at`, set once the booking held the periods' lock) in
    // one of those windows only if something went around the journal's trigger.
    let periods_kept = findings(
        conn,
        &[
            "WITH windows AS (
                 SELECT period, action, at,
                        lead(at) OVER (PARTITION BY period ORDER BY at, id) AS until
                 FROM period_events)
             SELECT format('entry %s dated %s was booked at %s, while %s was closed (since %s)',
                           e.id, e.entry_date, e.booked_at, to_char(w.period, 'YYYY-MM'), w.at)
             FROM journal_entries e
             JOIN windows w ON w.period = date_trunc('month', e.entry_date)::date AND w.action = 'close'
             WHERE e.booked_at >= w.at AND (w.until IS NULL OR e.booked_at < w.until)
             ORDER BY e.id",
            "SELECT format('entry %s dated %s was booked at %s, before the books began, after %s was closed',
                           e.id, e.entry_date, e.booked_at, to_char(min(c.period), 'YYYY-MM'))
             FROM journal_entries e
             JOIN period_events c ON c.action = 'close' AND c.at <= e.booked_at
                  AND c.period > date_trunc('month', e.entry_date)::date
             WHERE NOT EXISTS (SELECT 1 FROM period_events p
                               WHERE p.period = date_trunc('month', e.entry_date)::date AND p.at <= e.booked_at)
               AND e.booked_at > (SELECT min(at) FROM period_events)
               AND date_trunc('month', e.entry_date)::date < (SELECT min(period) FROM period_events WHERE action = 'close')
             GROUP BY e.id, e.entry_date, e.booked_at
             ORDER BY e.id",
        ],
    )
    .await?;

    let accounts: Vec<AccountTotal> = diesel::sql_query(
        "SELECT a.code, a.name,
                COALESCE(SUM(p.amount) FILTER (WHERE p.side = 'debit'), 0) AS debits,
                COALESCE(SUM(p.amount) FILTER (WHERE p.side = 'credit'), 0) AS credits
         FROM accounts a LEFT JOIN postings p ON p.account_code = a.code
         GROUP BY a.code, a.name ORDER BY a.code",
    )
    .load(conn)
    .await?;

    let counts: Counts = diesel::sql_query(
        "SELECT (SELECT count(*) FROM journal_entries) AS entries,
                (SELECT count(*) FROM postings) AS postings, (SELECT count(*) FROM funds) AS funds",
    )
    .get_result(conn)
    .await?;
    Ok(Report {
        entries: counts.entries,
        postings: counts.postings,
        funds: counts.funds,
        invariants: vec![
            Invariant {
                number: 1,
                name: "every entry balances, in total and per fund",
                breaches: balanced,
            },
            Invariant {
                number: 2,
                name: "journal entries and postings are append-only; reversals mirror their original, once; stored balances match the postings",
                breaches: append_only,
            },
            Invariant {
                number: 3,
                name: "no fund's available balance ever went below zero",
                breaches: no_overdraft,
            },
            Invariant {
                number: 4,
                name: "no application was paid more than was approved and committed to it",
                breaches: not_overpaid,
            },
            Invariant {
                number: 5,
                name: "restricted funds pay only for their program, and no fund after its expiry",
                breaches: restrictions,
            },
            Invariant {
                number: 6,
                name: "each Idempotency-Key did its work at most once, in one transaction",
                breaches: at_most_once,
            },
            Invariant {
                number: 7,
                name: "no entry was booked into a month while it was closed",
                breaches: periods_kept,
            },
        ],
        accounts,
    })
}
