//! `Idempotency-Key` for money-moving requests: done at most once per user and key.
//!
//! An edge wrapper: the API handler (key from the header) and the page handler (key from
//! the form's hidden field) build a [`Once`] from the request as received, and run the
//! service's work through it; the service knows nothing of keys, paths or status codes.
//!
//! The key row (with a SHA-256 of the request) is inserted first, in the transaction
//! that does the work, and the answer is stored in it before commit. A concurrent
//! duplicate blocks on the key's primary key until the first commits, then reads the
//! stored answer; if the first rolled back, the key went with it and the duplicate does
//! the work. A key reused with a different request is a 409.

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::db::schema::idempotency_keys;
use crate::error::{AppError, AppResult};

pub const HEADER: HeaderName = HeaderName::from_static("idempotency-key");
/// Set on an answer that repeats a stored one.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
pub const MAX_KEY: usize = 200;

/// The request's key, if it sent one.
#[derive(Debug, Clone, Default)]
pub struct IdempotencyKey(pub Option<String>);

impl IdempotencyKey {
    /// 1 to 200 printable ASCII characters (a UUID is the usual choice).
    pub fn parse(text: &str) -> Result<IdempotencyKey, AppError> {
        let printable = text.bytes().all(|b| (b' '..=b'~').contains(&b));
        if text.is_empty() || text.len() > MAX_KEY || !printable {
            return Err(Self::invalid());
        }
        Ok(IdempotencyKey(Some(text.to_owned())))
    }

    fn invalid() -> AppError {
        AppError::BadRequest(format!(
            "the Idempotency-Key header must be 1 to {MAX_KEY} printable ASCII characters"
        ))
    }
}

/// The header as the OpenAPI document states it, for the operations that take it. HTTP
/// drops spaces at either end of a header, so the key neither begins nor ends with one.
#[derive(utoipa::IntoParams)]
#[into_params(names("Idempotency-Key"), parameter_in = Header)]
pub struct KeyHeader(
    /// Up to 200 printable ASCII characters. A retry with the same key and body returns the
    /// first answer (with `Idempotent-Replayed: true`) and books nothing more; the same key
    /// with another body is 409.
    #[param(pattern = r"^[!-~]([ -~]{0,198}[!-~])?$")]
    pub Option<String>,
);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.headers.get(HEADER) {
            None => Ok(IdempotencyKey(None)),
            Some(value) => {
                let text = std::str::from_utf8(value.as_bytes()).map_err(|_| Self::invalid())?;
                IdempotencyKey::parse(text)
            }
        }
    }
}

/// The method and path a request came in on (`POST /api/v1/disbursements`).
#[derive(Debug, Clone)]
pub struct RequestLine {
    method: String,
    path: String,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestLine {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestLine {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
        })
    }
}

/// What identifies a request: method, path and its body as canonical JSON (object keys
/// sorted), so the same request sent with other spacing is still the same.
pub fn fingerprint(method: &str, path: &str, body: &impl Serialize) -> Vec<u8> {
    let canonical = serde_json::to_value(body)
        .and_then(|v| serde_json::to_vec(&v))
        .unwrap_or_default();
    let mut hash = Sha256::new();
    hash.update(method.as_bytes());
    hash.update(b" ");
    hash.update(path.as_bytes());
    hash.update(b"\n");
    hash.update(&canonical);
    hash.finalize().to_vec()
}

/// The answer of a money-moving request: fresh, or the first answer given for its key.
#[derive(Debug, Clone)]
pub struct Replied<T> {
    pub status: StatusCode,
    pub value: T,
    pub replayed: bool,
}

impl<T: Serialize> IntoResponse for Replied<T> {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.value)).into_response();
        if self.replayed {
            response
                .headers_mut()
                .insert(REPLAYED, HeaderValue::from_static("true"));
        }
        response
    }
}

/// The work of a request: an async closure over the connection whose future is `Send`
/// (the bound diesel-async's own `transaction` uses, which `AsyncFnOnce` cannot say alone).
pub trait Work<'r, T>: FnOnce(&'r mut AsyncPgConnection) -> <Self as Work<'r, T>>::Fut {
    type Fut: Future<Output = AppResult<T>> + Send;
}

impl<'r, T, F, Fut> Work<'r, T> for F
where
    F: FnOnce(&'r mut AsyncPgConnection) -> Fut,
    Fut: Future<Output = AppResult<T>> + Send,
{
    type Fut = Fut;
}

/// A money-moving request as the edge received it: who sent it, with which key, and what
/// identifies it (method, path, body).
pub struct Once {
    user_id: i64,
    key: IdempotencyKey,
    request_hash: Vec<u8>,
}

impl Once {
    pub fn new(
        user_id: i64,
        key: IdempotencyKey,
        line: &RequestLine,
        body: &impl Serialize,
    ) -> Once {
        Once {
            user_id,
            key,
            request_hash: fingerprint(&line.method, &line.path, body),
        }
    }

    /// Runs `work` in a transaction at most once for the user and key, answering `status`;
    /// `entry_of` names the journal entry the work wrote, kept beside the key. A repeat gets
    /// the first answer. Without a key the work simply runs in its transaction.
    pub async fn run<T, F>(
        self,
        conn: &mut AsyncPgConnection,
        status: StatusCode,
        entry_of: fn(&T) -> Option<i64>,
        work: F,
    ) -> AppResult<Replied<T>>
    where
        T: Serialize + DeserializeOwned + Send,
        F: for<'r> AsyncFnOnce(&'r mut AsyncPgConnection) -> AppResult<T>
            + for<'r> Work<'r, T>
            + Send,
    {
        let Once {
            user_id,
            key,
            request_hash,
        } = self;
        conn.transaction(async move |conn| {
            if let Some(key) = &key.0 {
                let claimed = diesel::insert_into(idempotency_keys::table)
                    .values((
                        idempotency_keys::user_id.eq(user_id),
                        idempotency_keys::key.eq(key),
                        idempotency_keys::request_hash.eq(&request_hash),
                    ))
                    .on_conflict_do_nothing()
                    .execute(conn)
                    .await?;
                if claimed == 0 {
                    return stored(conn, user_id, key, &request_hash).await;
                }
            }
            let value = work(conn).await?;
            if let Some(key) = &key.0 {
                let body =
                    serde_json::to_value(&value).map_err(|e| AppError::Internal(e.into()))?;
                diesel::update(idempotency_keys::table.find((user_id, key)))
                    .set((
                        idempotency_keys::status_code.eq(status.as_u16() as i16),
                        idempotency_keys::response.eq(&body),
                        idempotency_keys::entry_id.eq(entry_of(&value)),
                    ))
                    .execute(conn)
                    .await?;
            }
            Ok(Replied {
                status,
                value,
                replayed: false,
            })
        })
        .await
    }
}

/// The first answer given for a key, if the request is the same one.
async fn stored<T: DeserializeOwned>(
    conn: &mut AsyncPgConnection,
    user_id: i64,
    key: &str,
    request_hash: &[u8],
) -> AppResult<Replied<T>> {
    let (hash, status, body): (Vec<u8>, Option<i16>, Option<Value>) = idempotency_keys::table
        .find((user_id, key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::status_code,
            idempotency_keys::response,
        ))
        .first(conn)
        .await?;
    if hash != request_hash {
        return Err(AppError::Conflict(crate::domain::Problem::new(
            "err-key-reused",
        )));
    }
    let (Some(status), Some(body)) = (status, body) else {
        return Err(AppError::Conflict(crate::domain::Problem::new(
            "err-key-in-progress",
        )));
    };
    // A stored answer the service cannot read back is a fault, never a different answer.
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(|| AppError::corrupt("idempotency status", status))?;
    let value =
        serde_json::from_value(body).map_err(|e| AppError::corrupt("idempotent answer", e))?;
    Ok(Replied {
        status,
        value,
        replayed: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_same_body_with_other_spacing_or_key_order_is_the_same_request() {
        let a: Value = serde_json::from_str(r#"{"amount": "10.00", "donor": "김"}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{ "donor":"김","amount":"10.00" }"#).unwrap();
        let path = "/api/v1/funds/1/receipts";
        assert_eq!(fingerprint("POST", path, &a), fingerprint("POST", path, &b));
        assert_ne!(
            fingerprint("POST", path, &a),
            fingerprint("POST", path, &json!({"amount": "10.01", "donor": "김"}))
        );
        assert_ne!(
            fingerprint("POST", path, &a),
            fingerprint("POST", "/api/v1/funds/2/receipts", &a)
        );
    }

    #[test]
    fn keys_are_one_to_two_hundred_printable_ascii_characters() {
        assert!(IdempotencyKey::parse("").is_err());
        assert!(IdempotencyKey::parse(&"k".repeat(201)).is_err());
        assert!(IdempotencyKey::parse(&"k".repeat(200)).is_ok());
        assert!(IdempotencyKey::parse("0b6f8c0e-6d1c-4b8e-9b1a-3f2d5e7c9a10").is_ok());
        // HTTP carries only ASCII reliably; the document says so.
        assert!(IdempotencyKey::parse("키").is_err());
        assert!(IdempotencyKey::parse("a\tb").is_err());
    }
}
