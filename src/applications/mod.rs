//! Applications: intake of both programs, the documents checklist, and the status
//! transitions built so far (submit, withdraw), each checked by `domain::status`.

pub mod api;
pub mod web;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::json;

use crate::audit::{self};
use crate::db::schema::{
    applications, documents, fee_lines, households, sites, status_changes, users,
};
use crate::domain::application::{
    ApplicationInput, Beneficiary, DocumentInput, FeeLineRequest, NewApplication, ProgramDetails,
    price_fee_line,
};
use crate::domain::input::LAST_DATE;
use crate::domain::{
    DocumentKind, EmergencyCategory, FieldErrors, Filing, InsiderRelationship, Money, Problem,
    Program, Role, Status, Transition,
};
use crate::error::{AppError, AppResult};
use crate::paging::{Page, Paging};
use crate::users::User;

mod checklist;
pub mod fees;
mod list;
pub use checklist::*;
pub use list::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = applications)]
pub(crate) struct ApplicationRow {
    pub id: i64,
    pub number: String,
    pub household_id: i64,
    #[allow(dead_code)]
    pub site_id: i64,
    pub program: Program,
    pub status: Status,
    pub requested_amount: Money,
    pub emergency_category: Option<EmergencyCategory>,
    pub emergency_story: Option<String>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub insider_relationship: Option<InsiderRelationship>,
    pub insider_note: Option<String>,
}

impl ApplicationRow {
    pub fn status(&self) -> Status {
        self.status
    }

    pub fn program(&self) -> Program {
        self.program
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FeeLine {
    pub line_no: i32,
    pub form: String,
    pub category: String,
    pub form_name: String,
    /// The form's name in Korean, where the schedule has it.
    pub form_name_ko: Option<String>,
    pub filing: Filing,
    pub beneficiary_member_id: Option<i64>,
    pub beneficiary: Option<String>,
    pub amount: Money,
    pub schedule_fee: Money,
    pub fee_waiver_available: bool,
    pub override_reason: Option<String>,
    /// The USCIS receipt number recorded once the fee is paid, masked (`IOE******5678`):
    /// the number itself is kept sealed.
    pub uscis_receipt_number: Option<String>,
    /// An EAD renewal, or for I-589 the annual asylum fee.
    pub renewal: bool,
    /// For I-589: when the asylum application was filed.
    pub filed_on: Option<NaiveDate>,
    /// For the annual asylum fee: the anniversary it pays.
    pub due_on: Option<NaiveDate>,
    /// What the line pays, part by part: the regular fee and any statutory (H.R. 1) fee;
    /// they add up to `amount`.
    pub components: Vec<crate::domain::fees::Component>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Emergency {
    pub category: EmergencyCategory,
    pub amount: Money,
    pub story: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Document {
    pub id: i64,
    pub kind: DocumentKind,
    pub note: Option<String>,
    pub verified_by: i64,
    pub verified_by_name: String,
    pub verified_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatusChange {
    pub from: Option<Status>,
    pub to: Status,
    pub by: i64,
    pub by_name: String,
    pub at: DateTime<Utc>,
    pub reason: Option<String>,
}

/// What the applications capability itself records about an application: the row, its
/// site, the family's names (when shown), the fee lines, documents and status history.
/// The case file (the `casefile` read side) adds what the other capabilities recorded.
#[derive(Debug, Clone)]
pub struct Record {
    pub(crate) row: ApplicationRow,
    pub site: String,
    pub household_name: Option<String>,
    pub household_name_ko: Option<String>,
    pub emergency: Option<Emergency>,
    pub lines: Vec<FeeLine>,
    pub documents: Vec<Document>,
    pub history: Vec<StatusChange>,
}

/// A fee line ready to store.
struct PricedLine {
    request: FeeLineRequest,
    member_id: Option<i64>,
    amount: Money,
    uscis_fee_id: i64,
    components: Vec<crate::domain::fees::Component>,
    /// For the annual asylum fee: the anniversary it pays.
    due_on: Option<NaiveDate>,
}

/// Resolves the beneficiary and the schedule's parts of each line; every problem is
/// reported. A line is priced on `on`, the annual asylum fee on the anniversary it pays.
async fn price_lines(
    conn: &mut AsyncPgConnection,
    household_id: i64,
    lines: &[FeeLineRequest],
    on: NaiveDate,
) -> AppResult<Vec<PricedLine>> {
    use crate::domain::fees::{LineKey, annual_due};
    let members = crate::households::members(conn, household_id).await?;
    // One read of the schedule for all lines, not a query per line.
    let schedule = crate::fees::load(conn).await?;
    let mut errors = FieldErrors::new();
    let mut priced = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let member_id = match &line.beneficiary {
            None => None,
            Some(b) => {
                let found = members.iter().find(|m| match b {
                    Beneficiary::MemberId(id) => m.id == *id,
                    Beneficiary::Name(name) => m.name.trim().eq_ignore_ascii_case(name),
                });
                if found.is_none() {
                    errors.add(
                        format!("lines[{i}].beneficiary"),
                        Problem::new("err-beneficiary"),
                    );
                }
                found.map(|m| m.id)
            }
        };
        let key = LineKey {
            form: &line.form,
            category: &line.category,
            filing: line.filing,
            renewal: line.renewal,
        };
        let annual = line.renewal && schedule.annual_fee(&line.form, LAST_DATE).is_some();
        let due_on = line
            .filed_on
            .filter(|_| annual)
            .map(|filed| annual_due(filed, on));
        match schedule.price(key, due_on.unwrap_or(on)) {
            Err((field, problem)) => errors.add(format!("lines[{i}].{field}"), problem),
            Ok(fee) => match price_fee_line(line, &fee) {
                Ok(components) => priced.push(PricedLine {
                    request: line.clone(),
                    member_id,
                    amount: Money::sum(components.iter().map(|c| c.fee)).unwrap_or(Money::ZERO),
                    uscis_fee_id: fee.regular.id,
                    components,
                    due_on,
                }),
                Err(problem) => errors.add(format!("lines[{i}].amount"), problem),
            },
        }
    }
    errors.finish(|| priced).map_err(AppError::from)
}

/// Parses and creates a draft application, in one transaction with its audit row.
#[tracing::instrument(level = "debug", skip_all, fields(actor))]
pub async fn create(
    conn: &mut AsyncPgConnection,
    actor: i64,
    today: NaiveDate,
    input: &ApplicationInput,
) -> AppResult<i64> {
    let new: NewApplication = input.parse()?;
    conn.transaction(async move |conn| {
                let household_exists: bool =
                    diesel::select(diesel::dsl::exists(households::table.find(new.household_id))).get_result(conn).await?;
                if !household_exists {
                    return Err(AppError::invalid_field("household_id", Problem::new("err-not-found")));
                }
                let site_id: Option<i64> =
                    sites::table.filter(sites::code.eq(&new.site)).select(sites::id).first(conn).await.optional()?;
                let site_id = site_id.ok_or_else(|| AppError::invalid_field("site", Problem::new("err-site")))?;
                let (requested, lines, emergency) = match &new.details {
                    ProgramDetails::ImmigrationFee(lines) => {
                        let priced = price_lines(conn, new.household_id, lines, today).await?;
                        let total = Money::sum(priced.iter().map(|p| p.amount))
                            .ok_or_else(|| AppError::invalid_field("lines", Problem::new("err-money-too-large")))?;
                        (total, priced, None)
                    }
                    ProgramDetails::Emergency { category, amount, story } => (*amount, Vec::new(), Some((*category, story.clone()))),
                };
                // The row takes its number last (numbering::assign_application).
                let id: i64 = diesel::insert_into(applications::table)
                    .values((
                        applications::household_id.eq(new.household_id),
                        applications::site_id.eq(site_id),
                        applications::program.eq(new.program().as_str()),
                        applications::status.eq(Status::Draft.as_str()),
                        applications::requested_amount.eq(requested.decimal()),
                        applications::emergency_category.eq(emergency.as_ref().map(|(c, _)| c.as_str())),
                        applications::emergency_story.eq(emergency.as_ref().map(|(_, s)| s.as_str())),
                        applications::created_by.eq(actor),
                        applications::insider_relationship.eq(new.insider.map(|r| r.as_str())),
                        applications::insider_note.eq(&new.insider_note),
                    ))
                    .returning(applications::id)
                    .get_result(conn)
                    .await?;
                let rows: Vec<_> = lines
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        (
                            fee_lines::application_id.eq(id),
                            fee_lines::line_no.eq(i as i32 + 1),
                            fee_lines::form.eq(p.request.form.clone()),
                            fee_lines::category.eq(p.request.category.clone()),
                            fee_lines::filing.eq(p.request.filing.as_str()),
                            fee_lines::beneficiary_member_id.eq(p.member_id),
                            fee_lines::amount.eq(p.amount.decimal()),
                            fee_lines::uscis_fee_id.eq(p.uscis_fee_id),
                            fee_lines::override_reason.eq(p.request.override_reason.clone()),
                            fee_lines::renewal.eq(p.request.renewal),
                            fee_lines::filed_on.eq(p.request.filed_on),
                            fee_lines::due_on.eq(p.due_on),
                        )
                    })
                    .collect();
                if !rows.is_empty() {
                    // Prepared once per number of lines (diesel caches no multi-row insert).
                    let ids: Vec<(i64, i32)> = crate::db::prepared(
                        diesel::insert_into(fee_lines::table).values(rows).returning((fee_lines::id, fee_lines::line_no)),
                    )
                    .get_results(conn)
                    .await?;
                    let parts: Vec<(i64, &[crate::domain::fees::Component])> = ids
                        .into_iter()
                        .map(|(id, line_no)| (id, lines[line_no as usize - 1].components.as_slice()))
                        .collect();
                    fees::store_components(conn, &parts).await?;
                }
                record_status(conn, id, None, Status::Draft, actor, None).await?;
                // What was just written, from memory: no reload (issue 17).
                let stored_lines: Vec<_> = lines
                    .iter()
                    .map(|p| {
                        json!({
                            "form": p.request.form, "category": p.request.category, "filing": p.request.filing,
                            "beneficiary_member_id": p.member_id, "amount": p.amount,
                            "override_reason": p.request.override_reason, "renewal": p.request.renewal,
                            "filed_on": p.request.filed_on, "due_on": p.due_on, "components": p.components,
                        })
                    })
                    .collect();
                use chrono::Datelike;
                let number = crate::numbering::assign_application(conn, id, today.year()).await?;
                audit::record(
                    conn,
                    Some(actor),
                    "create",
                    "application",
                    Some(id),
                    json!({
                        "number": number, "household_id": new.household_id, "site": new.site,
                        "program": new.program(), "requested_amount": requested,
                        "lines": stored_lines,
                        "emergency": emergency.map(|(category, story)| Emergency { category, amount: requested, story }),
                    }),
                )
                .await?;
                Ok(id)
            })
        .await
}

async fn record_status(
    conn: &mut AsyncPgConnection,
    application_id: i64,
    from: Option<Status>,
    to: Status,
    by: i64,
    reason: Option<&str>,
) -> AppResult<()> {
    diesel::insert_into(status_changes::table)
        .values((
            status_changes::application_id.eq(application_id),
            status_changes::from_status.eq(from.map(Status::as_str)),
            status_changes::to_status.eq(to.as_str()),
            status_changes::changed_by.eq(by),
            status_changes::reason.eq(reason),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The applications still open to a check's outcome (submitted, checked, not yet
/// decided), for a draft policy's preview.
pub(crate) async fn open_rows(conn: &mut AsyncPgConnection) -> AppResult<Vec<ApplicationRow>> {
    Ok(applications::table
        .filter(applications::status.eq_any([
            "submitted",
            "eligible",
            "ineligible",
            "needs_review",
        ]))
        .order(applications::id)
        .select(ApplicationRow::as_select())
        .load(conn)
        .await?)
}

#[tracing::instrument(level = "debug", skip_all, fields(id))]
pub(crate) async fn lock(conn: &mut AsyncPgConnection, id: i64) -> AppResult<ApplicationRow> {
    applications::table
        .find(id)
        .select(ApplicationRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or(AppError::NotFound("application"))
}

/// Moves an application through the life cycle, in one transaction: the state machine
/// decides, then the status, its history row and the audit row are written together.
#[tracing::instrument(level = "debug", skip_all, fields(actor, id))]
pub async fn transition(
    conn: &mut AsyncPgConnection,
    actor: i64,
    id: i64,
    transition: Transition,
    reason: Option<String>,
) -> AppResult<Status> {
    conn.transaction(async move |conn| {
        let row = lock(conn, id).await?;
        apply_transition(conn, actor, &row, transition, reason.as_deref(), json!({})).await
    })
    .await
}

/// Inside a transaction that holds the application's row lock (`lock`): the state machine
/// decides, then the status, its history row and one audit row (with `details`) are written.
#[tracing::instrument(level = "debug", skip_all, fields(actor))]
pub(crate) async fn apply_transition(
    conn: &mut AsyncPgConnection,
    actor: i64,
    row: &ApplicationRow,
    transition: Transition,
    reason: Option<&str>,
    details: serde_json::Value,
) -> AppResult<Status> {
    let id = row.id;
    let from = row.status();
    let to = from.apply(transition)?;
    let now = Utc::now();
    let submitted_at = if transition == Transition::Submit {
        Some(now)
    } else {
        row.submitted_at
    };
    // Prepared once (diesel caches no UPDATE: a changeset may skip its `None` fields).
    crate::db::prepared(diesel::update(applications::table.find(id)).set((
        applications::status.eq(to.as_str()),
        applications::updated_at.eq(now),
        applications::submitted_at.eq(submitted_at),
    )))
    .execute(conn)
    .await?;
    record_status(conn, id, Some(from), to, actor, reason).await?;
    let mut changes = json!({"status": {"from": from, "to": to}, "reason": reason});
    if let (Some(map), serde_json::Value::Object(extra)) = (changes.as_object_mut(), details) {
        map.extend(extra);
    }
    audit::record(
        conn,
        Some(actor),
        "status_change",
        "application",
        Some(id),
        changes,
    )
    .await?;
    Ok(to)
}

/// What this capability recorded about application `id`; `with_names` false leaves out
/// the family's and the beneficiaries' names.
#[tracing::instrument(level = "debug", skip_all, fields(id))]
pub async fn record(conn: &AsyncPgConnection, id: i64, with_names: bool) -> AppResult<Record> {
    // The four reads go out together on the one connection (pipelined): one round trip.
    let (mut c1, mut c2) = (conn, conn);
    let row = async {
        applications::table
            .inner_join(sites::table)
            .inner_join(households::table)
            .filter(applications::id.eq(id))
            .select((
                ApplicationRow::as_select(),
                sites::code,
                households::name,
                households::name_ko,
            ))
            .first::<(ApplicationRow, String, String, Option<String>)>(&mut c1)
            .await
            .optional()?
            .ok_or(AppError::NotFound("application"))
    };
    let history = async {
        Ok(status_changes::table
            .inner_join(users::table)
            .filter(status_changes::application_id.eq(id))
            .order(status_changes::id)
            .select((
                status_changes::from_status,
                status_changes::to_status,
                status_changes::changed_by,
                users::name,
                status_changes::changed_at,
                status_changes::reason,
            ))
            .load::<(
                Option<Status>,
                Status,
                i64,
                String,
                DateTime<Utc>,
                Option<String>,
            )>(&mut c2)
            .await?)
    };
    let ((row, site, name, name_ko), mut lines, documents, history) = futures_util::try_join!(
        row,
        fees::lines_of(conn, id),
        load_documents(conn, id),
        history
    )?;
    if !with_names {
        // A beneficiary is a member of the household, named like it.
        for line in &mut lines {
            line.beneficiary = None;
        }
    }
    let emergency = match (row.emergency_category, &row.emergency_story) {
        (Some(category), Some(s)) => Some(Emergency {
            category,
            amount: row.requested_amount,
            story: s.clone(),
        }),
        _ => None,
    };
    Ok(Record {
        site,
        household_name: with_names.then_some(name),
        household_name_ko: if with_names { name_ko } else { None },
        emergency,
        lines,
        documents,
        history: history
            .into_iter()
            .map(|(from, to, by, by_name, at, reason)| StatusChange {
                from,
                to,
                by,
                by_name,
                at,
                reason,
            })
            .collect(),
        row,
    })
}
