//! The front desk's intake: a new application, the documents the caseworker ticked and,
//! when asked, submitting it and running the eligibility check, in one transaction. The
//! limits come first: an application over a cap is refused with the rule named, and
//! nothing of it is kept (not the application, its number or its documents).

pub mod web;

use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::applications;
use crate::clock::Today;
use crate::domain::application::ApplicationInput;
use crate::domain::{DocumentKind, Problem, Transition};
use crate::eligibility;
use crate::error::{AppError, AppResult};

/// What the intake form sends.
pub struct Intake<'a> {
    pub input: &'a ApplicationInput,
    pub documents: &'a [DocumentKind],
    /// Submit the application and run the eligibility check once it is saved.
    pub submit_and_check: bool,
}

/// Creates the application (and, when asked, submits and checks it); its id.
#[tracing::instrument(level = "debug", skip_all, fields(actor))]
pub async fn intake(
    conn: &mut AsyncPgConnection,
    actor: i64,
    clock: Today,
    intake: Intake<'_>,
) -> AppResult<i64> {
    // The front desk asks the insider question every time (the API leaves it optional).
    let asked = intake
        .input
        .insider_relationship
        .as_deref()
        .is_some_and(|r| !r.trim().is_empty());
    let unasked = || Problem::new("err-insider-required");
    conn.transaction(async move |conn| {
        let id = match applications::create(conn, actor, clock.today, intake.input).await {
            Ok(id) if asked => id,
            Ok(_) => return Err(AppError::invalid_field("insider_relationship", unasked())),
            Err(AppError::Invalid {
                message,
                mut fields,
            }) if !asked => {
                fields.add("insider_relationship", unasked());
                return Err(AppError::Invalid { message, fields });
            }
            Err(e) => return Err(e),
        };
        if !intake.documents.is_empty() {
            applications::add_documents(conn, actor, id, intake.documents, None).await?;
        }
        let refused = eligibility::limits_broken(conn, id, clock).await?;
        if !refused.is_empty() {
            return Err(AppError::invalid(refused));
        }
        if intake.submit_and_check {
            applications::transition(conn, actor, id, Transition::Submit, None).await?;
            eligibility::run_check(conn, actor, id, clock).await?;
        }
        Ok(id)
    })
    .await
}
