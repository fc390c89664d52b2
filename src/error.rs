//! One error type for the whole service. `respond` gives its HTTP answer: the JSON error
//! of API.md, which the web layer renders as a friendly page in the user's language
//! (see `web::layout::error_pages`). Internals are logged, never shown.

use std::collections::BTreeMap;

use diesel::result::{DatabaseErrorKind, Error as DieselError};

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
    #[error("{}", i18n::problem(Language::En, .0))]
    Forbidden(Problem),
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
    /// The request conflicts with what is recorded (409), for the reason the problem names.
    #[error("{}", i18n::problem(Language::En, .0))]
    Conflict(Problem),
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

    /// The same error with a field's problem named by another field (`date` is the
    /// receipt's `received_on`).
    pub fn on_field(self, from: &str, to: &str) -> AppError {
        match self {
            AppError::Invalid { message, fields } => {
                let mut renamed = FieldErrors::new();
                for (field, problem) in fields.iter() {
                    let name = if field == from { to } else { field.as_str() };
                    renamed.add(name, problem.clone());
                }
                AppError::Invalid {
                    message,
                    fields: renamed,
                }
            }
            other => other,
        }
    }

    /// A 422 for one field.
    pub fn invalid_field(field: &str, problem: Problem) -> AppError {
        AppError::invalid(FieldErrors::single(field, problem))
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
            AppError::Invalid { fields, .. }
                if fields.iter().any(|(_, p)| p.key == "err-period-closed") =>
            {
                "period_closed"
            }
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
            AppError::Barred(p) | AppError::Conflict(p) | AppError::Forbidden(p) => Some(p.clone()),
            AppError::IllegalTransition(t) => Some(t.problem()),
            AppError::NotFound(what) => Some(
                Problem::new("err-missing")
                    .arg("what", what)
                    .arg("kind", what.replace(' ', "_")),
            ),
            AppError::MissingRole(roles) => Some(
                Problem::new("err-missing-role").arg(
                    "roles",
                    roles
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                ),
            ),
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
                // A booking dated in a closed month (the journal's trigger said so).
                if info.constraint_name() == Some("period_closed") {
                    let month = info.details().unwrap_or_default();
                    return AppError::rule(
                        "date",
                        Problem::new("err-period-closed").arg("period", month),
                    );
                }
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
                        AppError::Conflict(Problem::new("err-changed-meanwhile"))
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
