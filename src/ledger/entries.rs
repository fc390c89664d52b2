//! Reading the journal back: entries with their postings, in booking order, and a fund's
//! running balances.

#[allow(unused_imports)]
use super::*;

#[derive(Queryable)]
pub(super) struct EntryRow {
    id: i64,
    entry_date: NaiveDate,
    kind: EntryKind,
    memo: String,
    document_type: Option<DocumentType>,
    document_id: Option<i64>,
    program: Option<Program>,
    reverses: Option<i64>,
    created_by: i64,
    created_at: DateTime<Utc>,
    created_by_name: String,
}

/// Loads entries with their postings, in the order of `ids`.
pub(super) async fn load_many(conn: &mut AsyncPgConnection, ids: &[i64]) -> AppResult<Vec<Entry>> {
    let rows: Vec<EntryRow> = journal_entries::table
        .inner_join(users::table)
        .filter(journal_entries::id.eq_any(ids))
        .select((
            journal_entries::id,
            journal_entries::entry_date,
            journal_entries::kind,
            journal_entries::memo,
            journal_entries::document_type,
            journal_entries::document_id,
            journal_entries::program,
            journal_entries::reverses,
            journal_entries::created_by,
            journal_entries::created_at,
            users::name,
        ))
        .load(conn)
        .await?;
    let lines: Vec<(i64, i32, String, String, String, i64, String, Side, Money)> = postings::table
        .inner_join(accounts::table)
        .inner_join(funds::table)
        .filter(postings::entry_id.eq_any(ids))
        .order((postings::entry_id, postings::line_no))
        .select((
            postings::entry_id,
            postings::line_no,
            postings::account_code,
            accounts::name,
            accounts::name_ko,
            postings::fund_id,
            funds::name,
            postings::side,
            postings::amount,
        ))
        .load(conn)
        .await?;
    // Each entry's reversal, by the entry it reverses.
    let reversed_by: BTreeMap<i64, i64> = journal_entries::table
        .filter(journal_entries::reverses.eq_any(ids))
        .select((
            journal_entries::reverses.assume_not_null(),
            journal_entries::id,
        ))
        .load::<(i64, i64)>(conn)
        .await?
        .into_iter()
        .collect();
    let mut by_id: BTreeMap<i64, Entry> = rows
        .into_iter()
        .map(|r| {
            let entry = Entry {
                id: r.id,
                entry_date: r.entry_date,
                kind: r.kind,
                memo: r.memo,
                document_type: r.document_type,
                document_id: r.document_id,
                program: r.program,
                reverses: r.reverses,
                reversed_by: reversed_by.get(&r.id).copied(),
                created_by: r.created_by,
                created_by_name: r.created_by_name,
                created_at: r.created_at,
                postings: Vec::new(),
                fund_balance_after: None,
            };
            (r.id, entry)
        })
        .collect();
    for (entry_id, line_no, account, name, name_ko, fund_id, fund_name, side, amount) in lines {
        if let Some(entry) = by_id.get_mut(&entry_id) {
            entry.postings.push(Posting {
                line_no,
                account,
                account_name: name,
                account_name_ko: name_ko,
                fund_id,
                fund_name,
                side,
                amount,
            });
        }
    }
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// One entry with its postings.
#[tracing::instrument(level = "debug", skip_all, fields(id))]
pub async fn load(conn: &mut AsyncPgConnection, id: i64) -> AppResult<Entry> {
    load_many(conn, &[id])
        .await?
        .pop()
        .ok_or(AppError::NotFound("journal entry"))
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub fund_id: Option<i64>,
}

#[derive(QueryableByName)]
pub(super) struct RunningRow {
    #[diesel(sql_type = diesel::sql_types::Int8)]
    entry_id: i64,
    #[diesel(sql_type = diesel::sql_types::Numeric)]
    cash: Decimal,
    #[diesel(sql_type = diesel::sql_types::Numeric)]
    committed: Decimal,
    #[diesel(sql_type = diesel::sql_types::Numeric)]
    available: Decimal,
}

/// Entries in booking order (oldest first), with their postings. With a fund, each entry
/// also carries the fund's balances once it was booked.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn entries(
    conn: &mut AsyncPgConnection,
    filter: &EntryFilter,
    paging: Paging,
) -> AppResult<Page<Entry>> {
    let mut query = journal_entries::table
        .select(journal_entries::id)
        .into_boxed();
    if let Some(from) = filter.from {
        query = query.filter(journal_entries::entry_date.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(journal_entries::entry_date.le(to));
    }
    if let Some(fund_id) = filter.fund_id {
        query = query.filter(
            journal_entries::id.eq_any(
                postings::table
                    .filter(postings::fund_id.eq(fund_id))
                    .select(postings::entry_id),
            ),
        );
    }
    if let Some(after) = paging.after {
        query = query.filter(journal_entries::id.gt(after));
    }
    let ids: Vec<i64> = query
        .order(journal_entries::id)
        .limit(paging.limit + 1)
        .load(conn)
        .await?;
    let Page {
        items: ids,
        next_cursor,
    } = Page::from_rows(ids, paging.limit, |id| *id);
    let mut items = load_many(conn, &ids).await?;
    if let (Some(fund_id), Some(first), Some(last)) = (
        filter.fund_id,
        ids.as_slice().first(),
        ids.as_slice().last(),
    ) {
        let running: Vec<RunningRow> = diesel::sql_query(format!(
            "WITH signed AS ({SIGNED}), running AS ({RUNNING})
             SELECT entry_id, cash, committed, available FROM running
             WHERE fund_id = $1 AND entry_id BETWEEN $2 AND $3"
        ))
        .bind::<diesel::sql_types::Int8, _>(fund_id)
        .bind::<diesel::sql_types::Int8, _>(*first)
        .bind::<diesel::sql_types::Int8, _>(*last)
        .load(conn)
        .await?;
        let after: BTreeMap<i64, Balances> = running
            .into_iter()
            .map(|r| {
                let balances = Balances {
                    cash: r.cash,
                    committed: r.committed,
                    available: r.available,
                };
                (r.entry_id, balances)
            })
            .collect();
        for entry in &mut items {
            entry.fund_balance_after = after.get(&entry.id).copied();
        }
    }
    Ok(Page { items, next_cursor })
}

/// Every posting, signed (debits positive), with its account's kind and its entry's date,
/// document and program: what running balances and `check-ledger` read.
pub(crate) const SIGNED: &str = "
    SELECT p.*, a.kind, e.entry_date, e.document_type, e.document_id, e.program,
           CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END AS signed
    FROM postings p JOIN accounts a ON a.code = p.account_code
    JOIN journal_entries e ON e.id = p.entry_id";

/// Each fund's balances after each of its entries, in booking order, recomputed from
/// `signed` (the CTE of [`SIGNED`]).
pub(crate) const RUNNING: &str = "
    SELECT fund_id, entry_id,
        SUM(COALESCE(SUM(signed) FILTER (WHERE kind = 'asset'), 0)) OVER w AS cash,
        SUM(COALESCE(-SUM(signed) FILTER (WHERE kind = 'liability'), 0)) OVER w AS committed,
        SUM(COALESCE(-SUM(signed) FILTER (WHERE kind IN ('net_assets', 'revenue', 'expense')), 0))
            OVER w AS available
    FROM signed GROUP BY fund_id, entry_id
    WINDOW w AS (PARTITION BY fund_id ORDER BY entry_id)";
