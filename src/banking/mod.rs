//! The bank (SPEC "The accountant's year"): each bank's settings (account number, how its
//! statement reads), statements uploaded and matched against the books, and the checks
//! still outstanding.
//!
//! Matching: a line of money out with a check number matches the issued (or already
//! cleared) check of that number and amount, paid on or before the line's date, and clears
//! it with the line's date; a line of money in matches a receipt of that amount received
//! within [`RECEIPT_DAYS`] days of it (the nearest, then the oldest), not reversed. A check
//! or receipt is matched once, whatever the statement: the database holds each at most
//! once (unique), and imports take one lock so two never race for the same check.

pub mod api;
mod positive_pay;
pub mod settings_web;
pub mod web;
pub use positive_pay::*;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Numeric, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};

use crate::audit;
use crate::clock::Today;
use crate::domain::Problem;
use crate::domain::bank::{PositivePayLayout, StatementLine, StatementTemplate};
use crate::error::{AppError, AppResult};

/// How many days apart a deposit and the receipt it confirms may be dated.
pub const RECEIPT_DAYS: i64 = 3;

/// A bank the fund uses, with its statement template.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Bank {
    pub name: String,
    pub display_name: String,
    pub account_number: String,
    pub statement: StatementTemplate,
    pub positive_pay: PositivePayLayout,
}

#[derive(QueryableByName)]
struct BankRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    display_name: String,
    #[diesel(sql_type = Text)]
    account_number: String,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    statement: Value,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    positive_pay: Value,
}

fn to_bank(row: BankRow) -> AppResult<Bank> {
    let statement: StatementTemplate = serde_json::from_value(row.statement)
        .map_err(|e| AppError::corrupt("bank statement template", format!("{}: {e}", row.name)))?;
    let positive_pay: PositivePayLayout = serde_json::from_value(row.positive_pay)
        .map_err(|e| AppError::corrupt("bank positive-pay layout", format!("{}: {e}", row.name)))?;
    Ok(Bank {
        name: row.name,
        display_name: row.display_name,
        account_number: row.account_number,
        statement,
        positive_pay,
    })
}

const BANK_COLUMNS: &str =
    "SELECT name, display_name, account_number, statement, positive_pay FROM banks";

/// Every bank, by name.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn banks(conn: &mut AsyncPgConnection) -> AppResult<Vec<Bank>> {
    let rows: Vec<BankRow> = diesel::sql_query(format!("{BANK_COLUMNS} ORDER BY name"))
        .load(conn)
        .await?;
    rows.into_iter().map(to_bank).collect()
}

/// The bank called `name`; an unknown name is a problem of the `bank` field.
pub async fn bank(conn: &mut AsyncPgConnection, name: &str) -> AppResult<Bank> {
    let row: Option<BankRow> = diesel::sql_query(format!("{BANK_COLUMNS} WHERE name = $1"))
        .bind::<Text, _>(name)
        .get_result(conn)
        .await
        .optional()?;
    match row {
        Some(row) => to_bank(row),
        None => {
            let names: Vec<String> = banks(conn).await?.into_iter().map(|b| b.name).collect();
            Err(AppError::invalid_field(
                "bank",
                Problem::new("err-choice").arg("allowed", names.join(", ")),
            ))
        }
    }
}

/// What an upload did: lines read, and how many matched.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    pub id: i64,
    pub lines: i64,
    pub matched: i64,
    pub unmatched: i64,
}

#[derive(QueryableByName)]
struct Candidate {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    state: String,
}

/// The issued or cleared check of this number and amount, paid by `on`, that no line has
/// matched.
async fn matching_check(
    conn: &mut AsyncPgConnection,
    line: &StatementLine,
) -> AppResult<Option<Candidate>> {
    let Some(number) = &line.check_number else {
        return Ok(None);
    };
    Ok(diesel::sql_query(
        "SELECT d.id, s.state FROM disbursements d
         JOIN disbursement_states s ON s.disbursement_id = d.id
         WHERE d.method = 'check' AND s.state <> 'voided'
           AND ltrim(d.reference, '0') = $1 AND d.amount = $2 AND d.paid_on <= $3
           AND NOT EXISTS (SELECT 1 FROM bank_statement_lines l WHERE l.disbursement_id = d.id)
         ORDER BY d.id LIMIT 1",
    )
    .bind::<Text, _>(number)
    .bind::<Numeric, _>(-line.amount)
    .bind::<Date, _>(line.posted_on)
    .get_result(conn)
    .await
    .optional()?)
}

/// The receipt of this amount nearest the line's date (within [`RECEIPT_DAYS`]), not
/// reversed, that no line has matched.
async fn matching_receipt(
    conn: &mut AsyncPgConnection,
    line: &StatementLine,
) -> AppResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let found: Option<Id> = diesel::sql_query(
        "SELECT r.id FROM receipts r
         WHERE r.amount = $1 AND r.received_on BETWEEN $2::date - $3::int AND $2::date + $3::int
           AND NOT EXISTS (SELECT 1 FROM journal_entries e WHERE e.kind = 'reversal'
                           AND e.document_type = 'receipt' AND e.document_id = r.id)
           AND NOT EXISTS (SELECT 1 FROM bank_statement_lines l WHERE l.receipt_id = r.id)
         ORDER BY abs(r.received_on - $2::date), r.id LIMIT 1",
    )
    .bind::<Numeric, _>(line.amount)
    .bind::<Date, _>(line.posted_on)
    .bind::<diesel::sql_types::Integer, _>(RECEIPT_DAYS as i32)
    .get_result(conn)
    .await
    .optional()?;
    Ok(found.map(|f| f.id))
}

/// Reads the bank's statement and matches each line against the books, in one
/// transaction: a statement that cannot be read is refused whole, naming each bad line and
/// column, and nothing is written.
#[tracing::instrument(level = "debug", skip_all, fields(actor, bank))]
pub async fn import(
    conn: &mut AsyncPgConnection,
    actor: i64,
    clock: Today,
    bank_name: &str,
    bytes: &[u8],
) -> AppResult<ImportSummary> {
    let today = clock.today;
    let bank = bank(conn, bank_name).await?;
    let lines = bank.statement.read(bytes).map_err(AppError::invalid)?;
    if let Some(late) = lines.iter().find(|l| l.posted_on > today) {
        return Err(AppError::invalid_field(
            &format!("line {}", late.line_no),
            Problem::new("err-date-future").arg("today", today),
        ));
    }
    let digest = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(bytes))
    };
    let first = lines.iter().map(|l| l.posted_on).min();
    let last = lines.iter().map(|l| l.posted_on).max();
    conn.transaction(async |conn| {
        // One import at a time: two statements never race for the same check.
        diesel::sql_query("SELECT pg_advisory_xact_lock(727276)")
            .execute(conn)
            .await?;
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = BigInt)]
            id: i64,
        }
        let statement: Id = diesel::sql_query(
            "INSERT INTO bank_statements (bank, file_sha256, first_date, last_date, uploaded_by)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind::<Text, _>(&bank.name)
        .bind::<Text, _>(&digest)
        .bind::<Nullable<Date>, _>(first)
        .bind::<Nullable<Date>, _>(last)
        .bind::<BigInt, _>(actor)
        .get_result(conn)
        .await?;
        let mut matched = 0;
        for line in &lines {
            let (check, receipt) = if line.amount < Decimal::ZERO {
                (matching_check(conn, line).await?, None)
            } else {
                (None, matching_receipt(conn, line).await?)
            };
            diesel::sql_query(
                "INSERT INTO bank_statement_lines
                     (statement_id, line_no, posted_on, amount, check_number, description,
                      disbursement_id, receipt_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind::<BigInt, _>(statement.id)
            .bind::<diesel::sql_types::Integer, _>(line.line_no)
            .bind::<Date, _>(line.posted_on)
            .bind::<Numeric, _>(line.amount)
            .bind::<Nullable<Text>, _>(&line.check_number)
            .bind::<Text, _>(&line.description)
            .bind::<Nullable<BigInt>, _>(check.as_ref().map(|c| c.id))
            .bind::<Nullable<BigInt>, _>(receipt)
            .execute(conn)
            .await?;
            if let Some(check) = &check {
                if check.state == "issued" {
                    let input = crate::payments::ClearInput {
                        cleared_on: Some(line.posted_on.to_string()),
                    };
                    crate::payments::clear(conn, actor, check.id, &clock, &input).await?;
                }
            }
            if check.is_some() || receipt.is_some() {
                matched += 1;
            }
        }
        let total = lines.len() as i64;
        audit::record(
            conn,
            Some(actor),
            "import",
            "bank_statement",
            Some(statement.id),
            json!({"bank": bank.name, "lines": total, "matched": matched, "sha256": digest}),
        )
        .await?;
        Ok::<_, AppError>(ImportSummary {
            id: statement.id,
            lines: total,
            matched,
            unmatched: total - matched,
        })
    })
    .await
}

/// A line of a statement with what it matched.
#[derive(Debug, Clone, Serialize, QueryableByName, utoipa::ToSchema)]
pub struct Line {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub line_no: i32,
    #[diesel(sql_type = Date)]
    pub posted_on: NaiveDate,
    /// Money in positive, money out negative.
    #[diesel(sql_type = Numeric)]
    #[schema(value_type = String)]
    pub amount: Decimal,
    #[diesel(sql_type = Nullable<Text>)]
    pub check_number: Option<String>,
    #[diesel(sql_type = Text)]
    pub description: String,
    /// `disbursement`, `receipt`, or `unmatched`.
    #[diesel(sql_type = Text)]
    pub matched: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub disbursement_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub receipt_id: Option<i64>,
    /// The number of what it matched: `DSB-…` or `RCP-…`.
    #[diesel(sql_type = Nullable<Text>)]
    pub document: Option<String>,
}

/// Something on the books the statement's dates cover that no statement line matched.
#[derive(Debug, Clone, Serialize, QueryableByName, utoipa::ToSchema)]
pub struct BookItem {
    /// `disbursement` or `receipt`.
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub number: String,
    #[diesel(sql_type = Date)]
    pub date: NaiveDate,
    #[diesel(sql_type = Numeric)]
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// The check number, for a check.
    #[diesel(sql_type = Nullable<Text>)]
    pub reference: Option<String>,
}

/// An uploaded statement, each line with what it matched, and the books' side left over.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Statement {
    pub id: i64,
    pub bank: String,
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
    pub uploaded_by: i64,
    pub uploaded_at: DateTime<Utc>,
    pub lines: Vec<Line>,
    /// Checks issued by the statement's last date and receipts of its dates that no line
    /// of any statement matched.
    pub unmatched_on_books: Vec<BookItem>,
}

#[derive(QueryableByName)]
struct Head {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    bank: String,
    #[diesel(sql_type = Nullable<Date>)]
    first_date: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    last_date: Option<NaiveDate>,
    #[diesel(sql_type = BigInt)]
    uploaded_by: i64,
    #[diesel(sql_type = Timestamptz)]
    uploaded_at: DateTime<Utc>,
}

/// Statement `id` with its lines.
#[tracing::instrument(level = "debug", skip_all, fields(id))]
pub async fn statement(conn: &mut AsyncPgConnection, id: i64) -> AppResult<Statement> {
    let head: Head = diesel::sql_query(
        "SELECT id, bank, first_date, last_date, uploaded_by, uploaded_at FROM bank_statements WHERE id = $1",
    )
    .bind::<BigInt, _>(id)
    .get_result(conn)
    .await
    .optional()?
    .ok_or(AppError::NotFound("bank statement"))?;
    let lines: Vec<Line> = diesel::sql_query(
        "SELECT l.line_no, l.posted_on, l.amount, l.check_number, l.description,
                CASE WHEN l.disbursement_id IS NOT NULL THEN 'disbursement'
                     WHEN l.receipt_id IS NOT NULL THEN 'receipt' ELSE 'unmatched' END AS matched,
                l.disbursement_id, l.receipt_id, COALESCE(d.number, r.number) AS document
         FROM bank_statement_lines l
         LEFT JOIN disbursements d ON d.id = l.disbursement_id
         LEFT JOIN receipts r ON r.id = l.receipt_id
         WHERE l.statement_id = $1 ORDER BY l.line_no",
    )
    .bind::<BigInt, _>(id)
    .load(conn)
    .await?;
    let unmatched_on_books: Vec<BookItem> = match (head.first_date, head.last_date) {
        (Some(first), Some(last)) => {
            diesel::sql_query(
                "SELECT 'disbursement' AS kind, d.id, d.number, d.paid_on AS date, d.amount, d.reference
                 FROM disbursements d JOIN disbursement_states s ON s.disbursement_id = d.id
                 WHERE d.method = 'check' AND s.state = 'issued' AND d.paid_on <= $2
                   AND NOT EXISTS (SELECT 1 FROM bank_statement_lines l WHERE l.disbursement_id = d.id)
                 UNION ALL
                 SELECT 'receipt', r.id, r.number, r.received_on, r.amount, NULL
                 FROM receipts r
                 WHERE r.received_on BETWEEN $1::date - 3 AND $2
                   AND NOT EXISTS (SELECT 1 FROM journal_entries e WHERE e.kind = 'reversal'
                                   AND e.document_type = 'receipt' AND e.document_id = r.id)
                   AND NOT EXISTS (SELECT 1 FROM bank_statement_lines l WHERE l.receipt_id = r.id)
                 ORDER BY 4, 3",
            )
            .bind::<Date, _>(first)
            .bind::<Date, _>(last)
            .load(conn)
            .await?
        }
        _ => Vec::new(),
    };
    Ok(Statement {
        id: head.id,
        bank: head.bank,
        first_date: head.first_date,
        last_date: head.last_date,
        uploaded_by: head.uploaded_by,
        uploaded_at: head.uploaded_at,
        lines,
        unmatched_on_books,
    })
}

/// A statement in the list of uploads.
#[derive(Debug, Clone, Serialize, QueryableByName, utoipa::ToSchema)]
pub struct StatementItem {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub bank: String,
    #[diesel(sql_type = Nullable<Date>)]
    pub first_date: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    pub last_date: Option<NaiveDate>,
    #[diesel(sql_type = BigInt)]
    pub lines: i64,
    #[diesel(sql_type = BigInt)]
    pub matched: i64,
    #[diesel(sql_type = Timestamptz)]
    pub uploaded_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub uploaded_by_name: String,
}

/// The statements uploaded, newest first (at most `limit`).
pub async fn statements(conn: &mut AsyncPgConnection, limit: i64) -> AppResult<Vec<StatementItem>> {
    Ok(diesel::sql_query(
        "SELECT s.id, s.bank, s.first_date, s.last_date,
                (SELECT count(*) FROM bank_statement_lines l WHERE l.statement_id = s.id) AS lines,
                (SELECT count(*) FROM bank_statement_lines l WHERE l.statement_id = s.id
                   AND (l.disbursement_id IS NOT NULL OR l.receipt_id IS NOT NULL)) AS matched,
                s.uploaded_at, u.name AS uploaded_by_name
         FROM bank_statements s JOIN users u ON u.id = s.uploaded_by
         ORDER BY s.id DESC LIMIT $1",
    )
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?)
}

/// What an admin sends to add a bank or change one: any of its settings (a change keeps
/// what it leaves out).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct BankInput {
    /// For a new bank: lower-case letters, digits, `-` or `_` (e.g. `pacific`).
    #[schema(value_type = Option<String>, example = "pacific")]
    pub name: Option<String>,
    #[schema(value_type = Option<String>, example = "Pacific National Bank")]
    pub display_name: Option<String>,
    /// The fund's account number at the bank: digits only, up to 17.
    #[schema(value_type = Option<String>, example = "004417829301")]
    pub account_number: Option<String>,
    #[schema(value_type = Option<StatementTemplate>)]
    pub statement: Option<Value>,
    #[schema(value_type = Option<PositivePayLayout>)]
    pub positive_pay: Option<Value>,
}

/// Reads a settings document, naming the field of a type error, then its rules' problems.
fn settings<T: serde::de::DeserializeOwned>(
    e: &mut crate::domain::FieldErrors,
    prefix: &str,
    value: &Value,
    rules: fn(&T) -> crate::domain::FieldErrors,
) -> Option<T> {
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(parsed) => {
            let problems = rules(&parsed);
            let sound = problems.is_empty();
            for (field, problem) in problems.iter() {
                e.add(format!("{prefix}.{field}"), problem.clone());
            }
            sound.then_some(parsed)
        }
        Err(err) => {
            let path = err.path().to_string();
            let field = if path == "." {
                prefix.to_owned()
            } else {
                format!("{prefix}.{path}")
            };
            e.add(
                field,
                Problem::new("err-json-type").arg("detail", err.into_inner()),
            );
            None
        }
    }
}

/// Adds a bank (`existing` None) or changes one, for an admin.
#[tracing::instrument(level = "debug", skip_all, fields(actor))]
pub async fn save(
    conn: &mut AsyncPgConnection,
    actor: i64,
    existing: Option<&str>,
    input: &BankInput,
) -> AppResult<Bank> {
    use crate::domain::input::{LONG_TEXT, optional_text, required_text};
    let mut e = crate::domain::FieldErrors::new();
    let before = match existing {
        Some(name) => Some(
            bank(conn, name)
                .await
                .map_err(|_| AppError::NotFound("bank"))?,
        ),
        None => None,
    };
    let name = match &before {
        Some(b) => Some(b.name.clone()),
        None => required_text(&mut e, "name", input.name.as_deref(), 31).filter(|n| {
            let ok = n.len() >= 2
                && n.starts_with(|c: char| c.is_ascii_lowercase())
                && n.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                });
            if !ok {
                e.add("name", Problem::new("err-bank-name"));
            }
            ok
        }),
    };
    let display_name = match &before {
        Some(b) => optional_text(
            &mut e,
            "display_name",
            input.display_name.as_deref(),
            LONG_TEXT,
        )
        .or_else(|| Some(b.display_name.clone())),
        None => required_text(
            &mut e,
            "display_name",
            input.display_name.as_deref(),
            LONG_TEXT,
        ),
    };
    let account_number = match input.account_number.as_deref().map(str::trim) {
        Some(n) if n.len() <= 17 && n.bytes().all(|b| b.is_ascii_digit()) => Some(n.to_owned()),
        Some(_) => {
            e.add("account_number", Problem::new("err-account-number"));
            None
        }
        None => Some(
            before
                .as_ref()
                .map(|b| b.account_number.clone())
                .unwrap_or_default(),
        ),
    };
    let statement = match (&input.statement, &before) {
        (Some(v), _) => settings(&mut e, "statement", v, StatementTemplate::problems),
        (None, Some(b)) => Some(b.statement.clone()),
        (None, None) => {
            e.add("statement", Problem::new("err-required"));
            None
        }
    };
    let positive_pay = match (&input.positive_pay, &before) {
        (Some(v), _) => settings(&mut e, "positive_pay", v, PositivePayLayout::problems),
        (None, Some(b)) => Some(b.positive_pay.clone()),
        (None, None) => {
            e.add("positive_pay", Problem::new("err-required"));
            None
        }
    };
    let (Some(name), Some(display_name), Some(account_number), Some(statement), Some(positive_pay)) =
        (name, display_name, account_number, statement, positive_pay)
    else {
        return Err(AppError::invalid(e));
    };
    if !e.is_empty() {
        return Err(AppError::invalid(e));
    }
    let statement_json =
        serde_json::to_value(&statement).map_err(|e| AppError::Internal(e.into()))?;
    let layout_json =
        serde_json::to_value(&positive_pay).map_err(|e| AppError::Internal(e.into()))?;
    let sql = if before.is_some() {
        "UPDATE banks SET display_name = $2, account_number = $3, statement = $4, positive_pay = $5,
                updated_by = $6, updated_at = now() WHERE name = $1"
    } else {
        "INSERT INTO banks (name, display_name, account_number, statement, positive_pay, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING"
    };
    conn.transaction(async |conn| {
        let written = diesel::sql_query(sql)
            .bind::<Text, _>(&name)
            .bind::<Text, _>(&display_name)
            .bind::<Text, _>(&account_number)
            .bind::<diesel::sql_types::Jsonb, _>(&statement_json)
            .bind::<diesel::sql_types::Jsonb, _>(&layout_json)
            .bind::<BigInt, _>(actor)
            .execute(conn)
            .await?;
        if written == 0 {
            return Err(AppError::invalid_field(
                "name",
                Problem::new("err-bank-taken"),
            ));
        }
        audit::record(
            conn,
            Some(actor),
            if before.is_some() { "update" } else { "create" },
            "bank",
            None,
            json!({"name": name, "display_name": display_name, "account_number": account_number,
                   "statement": statement_json, "positive_pay": layout_json}),
        )
        .await?;
        bank(conn, &name).await
    })
    .await
}
