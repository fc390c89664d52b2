//! Request extractors that answer in the API's error shape: JSON bodies (400 when
//! malformed, 422 naming the field when a value has the wrong type, 413 over 1 MiB),
//! HTML forms, query strings, and list paging.

use axum::body::to_bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::domain::{FieldErrors, Problem};
use crate::error::AppError;

/// Bodies larger than this are refused with 413 everywhere.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A JSON request body.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, _: &S) -> Result<Self, Self::Rejection> {
        let json_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|v| v.starts_with("application/json") || v.contains("+json"));
        if !json_type {
            return Err(AppError::BadRequest(
                "send the body as JSON (Content-Type: application/json)".into(),
            ));
        }
        let bytes = to_bytes(request.into_body(), BODY_LIMIT)
            .await
            .map_err(|_| AppError::PayloadTooLarge)?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses a JSON object: syntax errors and any other kind of document are 400, type
/// errors 422 with the path of the field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    // Syntax first, so a broken document is a 400 whatever shape it began with.
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
        .map_err(|e| AppError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    // Every body is an object; serde would also take a struct's fields as an array.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(AppError::BadRequest(
            "the body must be a JSON object".into(),
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data if path != "." => AppError::invalid_field(
                &path,
                Problem::new("err-json-type").arg("detail", strip_position(&inner.to_string())),
            ),
            serde_json::error::Category::Data => {
                AppError::BadRequest(format!("the JSON body has the wrong shape: {inner}"))
            }
            _ => AppError::BadRequest(format!("the body is not valid JSON: {inner}")),
        }
    })?;
    deserializer
        .end()
        .map_err(|e| AppError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    Ok(value)
}

fn strip_position(message: &str) -> String {
    message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_owned()
}

/// An HTML form body (`application/x-www-form-urlencoded`).
pub struct WebForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for WebForm<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, _: &S) -> Result<Self, Self::Rejection> {
        let bytes = to_bytes(request.into_body(), BODY_LIMIT)
            .await
            .map_err(|_| AppError::PayloadTooLarge)?;
        refuse_nul(&bytes, "the form")?;
        serde_html_form::from_bytes(&bytes)
            .map(WebForm)
            .map_err(|e| AppError::BadRequest(format!("the form could not be read: {e}")))
    }
}

/// PostgreSQL cannot store or compare text with a NUL character: a 400 naming the
/// parameter, before any query runs.
fn refuse_nul(encoded: &[u8], what: &str) -> Result<(), AppError> {
    // A NUL can only arrive percent-encoded; most requests are spared the decoding.
    if !encoded.windows(3).any(|w| w.eq_ignore_ascii_case(b"%00")) {
        return Ok(());
    }
    let pairs: Vec<(String, String)> = serde_html_form::from_bytes(encoded)
        .map_err(|e| AppError::BadRequest(format!("{what} could not be read: {e}")))?;
    match pairs
        .iter()
        .find(|(k, v)| k.contains('\0') || v.contains('\0'))
    {
        Some((name, _)) => Err(AppError::BadRequest(format!(
            "{what} is not valid: {name} contains a NUL character"
        ))),
        None => Ok(()),
    }
}

/// A numeric id from the path; anything else is a 404 like an unknown id.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(text) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| AppError::NotFound("record"))?;
        text.parse::<i64>()
            .map(Id)
            .map_err(|_| AppError::NotFound("record"))
    }
}

/// A month of the books from the path (`/periods/2026-11/close`); anything else is a 404.
pub struct MonthPath(pub crate::domain::period::Month);

impl<S: Send + Sync> FromRequestParts<S> for MonthPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(text) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| AppError::NotFound("period"))?;
        crate::domain::period::Month::parse(&text)
            .map(MonthPath)
            .ok_or(AppError::NotFound("period"))
    }
}

/// Two numeric ids from the path (`/applications/{id}/lines/{line_no}`); anything else is a 404.
pub struct Ids(pub i64, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Ids {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path((a, b)) =
            axum::extract::Path::<(String, String)>::from_request_parts(parts, state)
                .await
                .map_err(|_| AppError::NotFound("record"))?;
        match (a.parse::<i64>(), b.parse::<i64>()) {
            (Ok(a), Ok(b)) => Ok(Ids(a, b)),
            _ => Err(AppError::NotFound("record")),
        }
    }
}

/// A query string of the API; a malformed one is a 400. A parameter sent blank is a 400
/// too (the document says to leave it out), so `?to=` is never taken for "no end date".
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        read_query(parts.uri.query().unwrap_or(""), true).map(ApiQuery)
    }
}

/// The query string of a page: its GET forms send every field, and an empty one means "any".
pub struct WebQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for WebQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        read_query(parts.uri.query().unwrap_or(""), false).map(WebQuery)
    }
}

fn read_query<T: DeserializeOwned>(query: &str, refuse_blank: bool) -> Result<T, AppError> {
    let invalid = |e: &dyn std::fmt::Display| {
        AppError::BadRequest(format!("the query string is not valid: {e}"))
    };
    refuse_nul(query.as_bytes(), "the query string")?;
    if refuse_blank && !query.is_empty() {
        let pairs: Vec<(String, String)> =
            serde_html_form::from_str(query).map_err(|e| invalid(&e))?;
        if let Some((name, _)) = pairs.iter().find(|(_, v)| v.trim().is_empty()) {
            let blank = FieldErrors::single(name.as_str(), Problem::new("err-query-blank"));
            return Err(AppError::bad_query(&blank));
        }
    }
    serde_html_form::from_str(query).map_err(|e| invalid(&e))
}
