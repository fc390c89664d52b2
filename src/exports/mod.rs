//! Audit exports (SPEC.md "Audit exports"): each is one query under `reports/`, whose
//! column names are the CSV header and whose text columns are the cells, so the file's
//! contract lives in one place (`reports/README.md` describes it).
//!
//! An export runs on a connection of its own inside one `REPEATABLE READ READ ONLY`
//! transaction, so every row comes from the same snapshot however long it takes, and reads
//! the rows through a portal a batch at a time: memory stays flat for any size. The CSV
//! bytes go out through a bounded channel as they are written; when the reader goes away
//! (a browser closes the download) the channel closes, the task stops fetching and drops
//! the connection, which ends the query.

pub mod api;
pub mod web;

use bytes::Bytes;
use chrono::NaiveDate;
use futures_util::TryStreamExt;
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::types::Type;

use crate::domain::export::spreadsheet_safe;
use crate::error::{AppError, AppResult};

pub use crate::domain::export::ExportKind;

/// The export's query: its single definition. A preset of the general ledger is its own
/// query over the general ledger's, given to it as the CTE `gl`.
pub fn sql(kind: ExportKind) -> std::borrow::Cow<'static, str> {
    const GENERAL_LEDGER: &str = include_str!("../../reports/general-ledger.sql");
    let over_gl = |preset: &str| format!("WITH gl AS (\n{GENERAL_LEDGER}\n)\n{preset}").into();
    match kind {
        ExportKind::GeneralLedger => GENERAL_LEDGER.into(),
        ExportKind::DisbursementRegister => {
            include_str!("../../reports/disbursement-register.sql").into()
        }
        ExportKind::TrialBalance => include_str!("../../reports/trial-balance.sql").into(),
        ExportKind::FundActivity => include_str!("../../reports/fund-activity.sql").into(),
        ExportKind::ApplicationRegister => {
            include_str!("../../reports/application-register.sql").into()
        }
        ExportKind::EligibilityAudit => include_str!("../../reports/eligibility-audit.sql").into(),
        ExportKind::BoardMinutes => include_str!("../../reports/board-minutes.sql").into(),
        ExportKind::GeneralLedgerQuickbooks => {
            over_gl(include_str!("../../reports/general-ledger-quickbooks.sql"))
        }
        ExportKind::GeneralLedgerXero => {
            over_gl(include_str!("../../reports/general-ledger-xero.sql"))
        }
        ExportKind::ScheduleIPartIii => {
            include_str!("../../reports/schedule-i-part-iii.sql").into()
        }
        ExportKind::GrantFile => include_str!("../../reports/grant-file.sql").into(),
    }
}

/// What part of the books an export covers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub fund_id: Option<i64>,
    /// The trial balance's date.
    pub as_of: Option<NaiveDate>,
    /// Only the applications of this site (its code: `LA`, `CHI`, `NYC`), in the
    /// application-related exports; fund activity and the trial balance cover every site.
    pub site: Option<String>,
    /// The calendar year of the tax-year exports (Schedule I, the grant file).
    pub year: Option<i32>,
    /// Start with a UTF-8 byte order mark, for Excel.
    pub bom: bool,
}

impl ExportFilter {
    /// `general-ledger_2026-01-01_2026-12-31.csv`.
    pub fn file_name(&self, kind: ExportKind) -> String {
        let mut name = kind.as_str().to_owned();
        let dates = match kind {
            ExportKind::TrialBalance => vec![self.as_of],
            _ if kind.by_year() => vec![],
            _ => vec![self.from, self.to],
        };
        for d in dates.into_iter().flatten() {
            name.push('_');
            name.push_str(&d.to_string());
        }
        if let Some(year) = self.year.filter(|_| kind.by_year()) {
            name.push_str(&format!("_{year}"));
        }
        if let Some(f) = self.fund_id {
            name.push_str(&format!("_fund-{f}"));
        }
        if let Some(site) = self.site.as_deref().filter(|_| kind.by_site()) {
            name.push_str(&format!("_site-{site}"));
        }
        name.push_str(".csv");
        name
    }
}

/// The households an export names (its `Household_ID` column), for the access log.
pub async fn households_named(
    conn: &mut diesel_async::AsyncPgConnection,
    timezone: &str,
    kind: ExportKind,
    filter: &ExportFilter,
) -> AppResult<Vec<i64>> {
    use diesel::sql_types::{BigInt, Date, Integer, Nullable, Text};
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Named {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let query = format!(
        "SELECT DISTINCT \"Household_ID\"::bigint AS id FROM ({}) AS named ORDER BY 1",
        sql(kind)
    );
    let rows: Vec<Named> = diesel::sql_query(query)
        .bind::<Nullable<Date>, _>(filter.from)
        .bind::<Nullable<Date>, _>(filter.to)
        .bind::<Nullable<BigInt>, _>(filter.fund_id)
        .bind::<Nullable<Date>, _>(filter.as_of)
        .bind::<Text, _>(timezone)
        .bind::<Nullable<Text>, _>(filter.site.as_deref().filter(|_| kind.by_site()))
        .bind::<Nullable<Integer>, _>(filter.year)
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// The bytes gathered before a chunk is sent, and the rows written to CSV at a time.
const CHUNK: usize = 64 * 1024;
const BATCH: usize = 256;

/// A running export: the CSV arrives on `chunks`.
pub struct Export {
    pub chunks: mpsc::Receiver<std::io::Result<Bytes>>,
}

/// Starts an export and waits until its query is prepared (so a bad database or query is
/// an error here, before any byte is sent); the rows then stream on their own task.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn start(
    database_url: &str,
    timezone: &str,
    kind: ExportKind,
    filter: ExportFilter,
) -> AppResult<Export> {
    let (tx, rx) = mpsc::channel(4);
    let (ready_tx, ready_rx) = oneshot::channel();
    let url = database_url.to_owned();
    let timezone = timezone.to_owned();
    tokio::spawn(async move {
        if let Err(e) = run(&url, &timezone, kind, &filter, tx.clone(), ready_tx).await {
            tracing::warn!(export = %kind, error = %e, "export stopped");
            let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
        }
    });
    match ready_rx.await {
        Ok(Ok(())) => Ok(Export { chunks: rx }),
        Ok(Err(e)) => {
            tracing::error!(export = %kind, error = %e, "export could not start");
            Err(AppError::Unavailable)
        }
        Err(_) => Err(AppError::Unavailable),
    }
}

async fn run(
    url: &str,
    timezone: &str,
    kind: ExportKind,
    filter: &ExportFilter,
    chunks: mpsc::Sender<std::io::Result<Bytes>>,
    ready: oneshot::Sender<anyhow::Result<()>>,
) -> anyhow::Result<()> {
    let opened = open(url).await;
    let (mut client, driver) = match opened {
        Ok(c) => c,
        Err(e) => {
            let _ = ready.send(Err(e));
            return Ok(());
        }
    };
    let result = async {
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let statement = tx
            .prepare_typed(
                &sql(kind),
                &[
                    Type::DATE,
                    Type::DATE,
                    Type::INT8,
                    Type::DATE,
                    Type::TEXT,
                    Type::TEXT,
                ],
            )
            .await?;
        let site = filter.site.as_deref().filter(|_| kind.by_site());
        let values: [&(dyn tokio_postgres::types::ToSql + Sync); 7] = [
            &filter.from,
            &filter.to,
            &filter.fund_id,
            &filter.as_of,
            &timezone,
            &site,
            &filter.year,
        ];
        // Each query names the parameters up to the last it reads ($5, $6 or $7).
        let used = statement.params().len().min(values.len());
        // One streamed execution: PostgreSQL sends rows as fast as they are read (the
        // driver's bounded channel and TCP hold it back when the reader is slow), where
        // fetching a portal 1,000 rows at a time waited a round trip per batch.
        let rows = tx
            .query_raw(&statement, values[..used].iter().copied())
            .await?;
        Ok::<_, anyhow::Error>((tx, statement, rows))
    }
    .await;
    let (tx, statement, rows) = match result {
        Ok(parts) => parts,
        Err(e) => {
            let _ = ready.send(Err(e));
            return Ok(());
        }
    };
    let _ = ready.send(Ok(()));
    let header: Vec<&str> = statement.columns().iter().map(|c| c.name()).collect();
    let width = header.len();
    let mut pending: Vec<u8> = Vec::with_capacity(CHUNK * 2);
    if filter.bom {
        pending.extend_from_slice("\u{feff}".as_bytes());
    }
    pending.extend(records([header.into_iter()])?);
    let mut batches = std::pin::pin!(rows.try_chunks(BATCH).map_err(|e| e.1));
    loop {
        let batch = batches.try_next().await?;
        let done = batch.is_none();
        if let Some(batch) = &batch {
            pending.extend(records(batch.iter().map(|row| {
                // A NULL is an empty cell; text is defused for spreadsheets (numbers are not).
                (0..width)
                    .map(move |i| spreadsheet_safe(row.get::<_, Option<&str>>(i).unwrap_or("")))
            }))?);
        }
        if pending.len() >= CHUNK || done {
            let bytes = std::mem::replace(&mut pending, Vec::with_capacity(CHUNK * 2));
            if chunks.send(Ok(Bytes::from(bytes))).await.is_err() {
                // The reader went away: stop; dropping the connection ends the query.
                break;
            }
        }
        if done {
            break;
        }
    }
    drop(tx);
    driver.abort();
    Ok(())
}

/// Rows as RFC 4180 CSV (CRLF line ends, quoting by the `csv` crate).
fn records<R, F, C>(rows: R) -> csv::Result<Vec<u8>>
where
    R: IntoIterator<Item = F>,
    F: IntoIterator<Item = C>,
    C: AsRef<str>,
{
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        for cell in row {
            writer.write_field(cell.as_ref())?;
        }
        writer.write_record(None::<&[u8]>)?;
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}

/// A connection of the export's own, as the service's role.
async fn open(url: &str) -> anyhow::Result<(tokio_postgres::Client, tokio::task::JoinHandle<()>)> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    let driver = tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok((client, driver))
}
