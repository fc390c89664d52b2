//! How an [`AppError`] answers over HTTP: its status, the JSON error of API.md, and the
//! report the web layer renders as a page. An edge helper: services return `AppError`
//! and never see a status code.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::domain::{Language, Problem};
use crate::error::AppError;

impl AppError {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

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
            "Enter a whole number from 1 to 30."
        );
    }
}
