//! One error type for the whole service. The API renders it as the JSON error of API.md;
//! the web layer renders the same value as a friendly page in the user's language
//! (see `web::layout::error_pages`). Internals are logged, never shown.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;

use crate::domain::status::IllegalTransition;
use crate::domain::{FieldErrors, Language, Problem, Role};
use crate::i18n;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("this needs the {} role", roles_text(.0))]
    MissingRole(Vec<Role>),
    #[error("{0}")]
    Forbidden(String),
    /// Separation of duties keeps this user out (403), for the reason the problem names.
    #[error("{}", i18n::problem(Language::En, .0))]
    Barred(Problem),
    /// Sign-in is throttled (429) for this many more seconds.
    #[error("too many failed sign-ins; try again in {} minutes", .retry_after.div_ceil(60))]
    TooManyAttempts { retry_after: u64 },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    IllegalTransition(#[from] IllegalTransition),
    #[error("{0}")]
    Conflict(String),
    #[error("{message}")]
    Invalid {
        message: String,
        fields: FieldErrors,
    },
    #[error("the request body is larger than 1 MiB")]
    PayloadTooLarge,
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

fn roles_text(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(" or ")
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A row that breaks what the code knows of it: an error (500, logged), never a default.
    pub fn corrupt(what: &str, detail: impl std::fmt::Display) -> AppError {
        AppError::Internal(anyhow::anyhow!("a stored {what} is not valid: {detail}"))
    }
}

impl AppError {
    /// A 422 for problems with named fields.
    pub fn invalid(fields: FieldErrors) -> AppError {
        let names: Vec<&str> = fields.iter().map(|(f, _)| f.as_str()).collect();
        let message = format!("some fields are not valid: {}", names.join(", "));
        AppError::Invalid { message, fields }
    }

    /// A 400 for a query string whose parameters have `problems`.
    pub fn bad_query(problems: &FieldErrors) -> AppError {
        AppError::BadRequest(format!(
            "the query string is not valid: {}",
            i18n::problems_line(Language::En, problems)
        ))
    }

    /// A 422 for a broken rule on one field, whose message is the rule in plain English
    /// (e.g. "The fund “X” has only $20.00 available.").
    pub fn rule(field: &str, problem: Problem) -> AppError {
        let message = i18n::problem(Language::En, &problem);
        AppError::Invalid {
            message,
            fields: FieldErrors::single(field, problem),
        }
    }

    /// A 422 for one field.
    pub fn invalid_field(field: &str, problem: Problem) -> AppError {
        AppError::invalid(FieldErrors::single(field, problem))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::MissingRole(_) | AppError::Forbidden(_) | AppError::Barred(_) => {
                StatusCode::FORBIDDEN
            }
            AppError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::IllegalTransition(_) | AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad_request",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::MissingRole(_) => "missing_role",
            AppError::Forbidden(_) => "forbidden",
            AppError::Barred(_) => "separation_of_duties",
            AppError::TooManyAttempts { .. } => "too_many_attempts",
            AppError::NotFound(_) => "not_found",
            AppError::IllegalTransition(_) => "illegal_transition",
            AppError::Conflict(_) => "conflict",
            AppError::Invalid { .. } => "validation_failed",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::Unavailable => "database_unavailable",
            AppError::Internal(_) => "internal_error",
        }
    }

    /// What the web page says in the reader's language, when there is more to say than the
    /// status's own text.
    pub fn problem(&self) -> Option<Problem> {
        match self {
            AppError::Barred(p) => Some(p.clone()),
            AppError::TooManyAttempts { retry_after } => {
                Some(Problem::new("err-too-many-attempts").arg("minutes", retry_after.div_ceil(60)))
            }
            _ => None,
        }
    }

    /// The field problems in `lang`.
    pub fn field_messages(&self, lang: Language) -> BTreeMap<String, String> {
        match self {
            AppError::Invalid { fields, .. } => i18n::problems(lang, fields),
            _ => BTreeMap::new(),
        }
    }
}

/// Every error the API answers: `{"error": {"code", "message", "fields"}}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail<'a> {
    /// A snake_case code, e.g. `invalid_input`, `forbidden`, `conflict`.
    code: &'a str,
    /// A sentence for people.
    message: String,
    /// For 422: what is wrong with each field, by its path (`lines[0].amount`).
    fields: BTreeMap<String, String>,
}

/// The error answers every API operation may give, for the OpenAPI document:
/// `responses((status = 200, body = X), ErrorResponses)`.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum ErrorResponses {
    /// The error shape of API.md: 400 malformed, 401, 403 naming the role needed, 404,
    /// 409 a state conflict, 413 over 1 MiB, 422 naming the fields.
    #[response(status = "4XX")]
    Client(ErrorBody<'static>),
    /// The database is unavailable.
    #[response(status = 503)]
    Unavailable(ErrorBody<'static>),
}

/// Carried in the response so the web layer can render the error as a page.
#[derive(Debug, Clone)]
pub struct ErrorReport {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Said in the reader's language on the page.
    pub problem: Option<Problem>,
    /// Seconds, for `Retry-After`.
    pub retry_after: Option<u64>,
}

impl ErrorReport {
    pub fn of(error: &AppError) -> ErrorReport {
        ErrorReport {
            status: error.status(),
            code: error.code(),
            message: error.to_string(),
            problem: error.problem(),
            retry_after: match error {
                AppError::TooManyAttempts { retry_after } => Some(*retry_after),
                _ => None,
            },
        }
    }

    /// Headers the status needs (`Retry-After` on a 429).
    pub fn headers(&self, response: &mut Response) {
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(e) = &self {
            tracing::error!(error = ?e, "internal error");
        }
        let status = self.status();
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.to_string(),
                fields: self.field_messages(Language::En),
            },
        };
        let report = ErrorReport::of(&self);
        let mut response = (status, Json(body)).into_response();
        report.headers(&mut response);
        response.extensions_mut().insert(report);
        response
    }
}

/// Constraint names that bad input can still reach (a race past the service's own
/// checks), and the field each one means.
const CONSTRAINT_FIELDS: &[(&str, &str, &str)] = &[
    ("users_email_key", "email", "err-email-taken"),
    (
        "applications_household_id_fkey",
        "household_id",
        "err-not-found",
    ),
    (
        "fee_lines_beneficiary_member_id_fkey",
        "beneficiary",
        "err-beneficiary",
    ),
    ("funds_name_key", "name", "err-fund-name-taken"),
];

impl From<DieselError> for AppError {
    fn from(e: DieselError) -> AppError {
        match &e {
            DieselError::NotFound => AppError::NotFound("record"),
            DieselError::DatabaseError(kind, info) => {
                if let Some((_, field, key)) = CONSTRAINT_FIELDS
                    .iter()
                    .find(|(name, _, _)| info.constraint_name() == Some(*name))
                {
                    return AppError::invalid_field(field, Problem::new(key));
                }
                let ledger_rule = info.constraint_name().is_some_and(|name| {
                    name.starts_with("fund_balances_") || name.starts_with("journal_entries_")
                });
                match kind {
                    // The database's own guard of a ledger invariant: the request broke a
                    // rule (say, raced past the service's check), not the service.
                    DatabaseErrorKind::CheckViolation if ledger_rule => AppError::Invalid {
                        message: format!("the ledger refused the entry: {}", info.message()),
                        fields: FieldErrors::single("amount", Problem::new("err-ledger-refused")),
                    },
                    DatabaseErrorKind::ClosedConnection => AppError::Unavailable,
                    // NUMERIC(14,2) overflowed: a sum (a fund's cash, say) would pass what the
                    // books hold. Each amount was checked alone; together they are too large.
                    _ if info.message().contains("numeric field overflow") => {
                        AppError::rule("amount", Problem::new("err-money-too-large-for-books"))
                    }
                    DatabaseErrorKind::SerializationFailure => {
                        AppError::Conflict("the record changed at the same time; try again".into())
                    }
                    _ if info.message().contains("connection") => AppError::Unavailable,
                    _ => AppError::Internal(e.into()),
                }
            }
            _ => AppError::Internal(e.into()),
        }
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for AppError {
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> AppError {
        tracing::warn!(error = %e, "database checkout failed");
        AppError::Unavailable
    }
}

impl From<FieldErrors> for AppError {
    fn from(fields: FieldErrors) -> AppError {
        AppError::invalid(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_role_says_which_role() {
        let e = AppError::MissingRole(vec![Role::Caseworker, Role::Admin]);
        assert_eq!(e.to_string(), "this needs the caseworker or admin role");
        assert_eq!(e.status(), StatusCode::FORBIDDEN);
    }

    #[test]
    fn invalid_names_the_fields_in_english() {
        let e = AppError::invalid_field(
            "size",
            Problem::new("err-int-range").arg("min", 1).arg("max", 30),
        );
        assert_eq!(e.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e.to_string().contains("size"));
        assert_eq!(
            e.field_messages(Language::En)["size"],
            "must be a whole number from 1 to 30"
        );
    }
}
