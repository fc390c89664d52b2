//! Signing in and staying signed in: passwords checked against argon2id hashes, bearer
//! tokens for programs, and browser sessions (a signed cookie naming a sessions row,
//! which also holds the CSRF token). Only SHA-256 digests of tokens are stored.

pub mod api;
pub mod middleware;
pub mod web;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit;
use crate::db::schema::{api_tokens, sessions, sign_in_failures, users};
use crate::error::{AppError, AppResult};
use crate::sealed::DataKey;
use crate::users::{User, UserRow};

/// A fresh random secret, hex-encoded (256 bits).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A hash that no password matches, so an unknown email costs as much time as a known one.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::users::hash_password(&random_token()).unwrap_or_default());

/// SPEC "Sign-in": failures counted over this window...
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);
/// ...refuse an email after this many...
pub const FAILURES_PER_EMAIL: i64 = 5;
/// ...and a client address after this many.
pub const FAILURES_PER_CLIENT: i64 = 30;

/// One sign-in attempt, as it arrived.
pub struct Attempt<'a> {
    pub email: &'a str,
    pub password: &'a str,
    /// The client's address, when known.
    pub client: Option<String>,
    /// The service's clock.
    pub now: DateTime<Utc>,
}

/// Checks an email and password, unless too many attempts failed lately for that email
/// or from that address (then 429, whatever the password). Success and failure both
/// leave an audit row; a failure keeps the typed email only if it is a known user's (a
/// password typed into the email box is never kept). Attempts for one email queue on a
/// lock, so racing guesses cannot all slip under the limit.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn sign_in(
    conn: &mut AsyncPgConnection,
    key: &DataKey,
    attempt: Attempt<'_>,
) -> AppResult<User> {
    let email_index = key.index("sign-in-email", &attempt.email.trim().to_lowercase());
    let found = crate::users::find_for_sign_in(conn, attempt.email).await?;
    let hash = found
        .as_ref()
        .map_or_else(|| DUMMY_HASH.clone(), |(_, h)| h.clone());
    let password = attempt.password.to_owned();
    // A failure is committed (counted and audited) before it is answered: the transaction
    // succeeds with the sign-in's own result inside.
    conn.transaction(async move |conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock(727275, hashtext(encode($1, 'hex')))")
            .bind::<diesel::sql_types::Bytea, _>(&email_index)
            .execute(conn)
            .await?;
        if let Some(retry_after) =
            throttled(conn, &email_index, attempt.client.as_deref(), attempt.now).await?
        {
            return Ok::<_, AppError>(Err(AppError::TooManyAttempts { retry_after }));
        }
        let ok =
            tokio::task::spawn_blocking(move || crate::users::verify_password(&password, &hash))
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
        match found {
            Some((user, _)) if ok => {
                // A success forgives the email's earlier failures.
                diesel::delete(
                    sign_in_failures::table.filter(sign_in_failures::email_index.eq(&email_index)),
                )
                .execute(conn)
                .await?;
                audit::record(
                    conn,
                    Some(user.id),
                    "sign_in",
                    "user",
                    Some(user.id),
                    json!({}),
                )
                .await?;
                Ok(Ok(user))
            }
            found => {
                diesel::delete(
                    sign_in_failures::table
                        .filter(sign_in_failures::at.lt(attempt.now - THROTTLE_WINDOW)),
                )
                .execute(conn)
                .await?;
                diesel::insert_into(sign_in_failures::table)
                    .values((
                        sign_in_failures::at.eq(attempt.now),
                        sign_in_failures::email_index.eq(&email_index),
                        sign_in_failures::client.eq(&attempt.client),
                    ))
                    .execute(conn)
                    .await?;
                let known = found.as_ref().map(|(u, _)| u);
                audit::record(
                    conn,
                    None,
                    "sign_in_failed",
                    "user",
                    known.map(|u| u.id),
                    json!({"email": known.map(|u| &u.email), "client": attempt.client}),
                )
                .await?;
                Ok(Err(AppError::Unauthorized("wrong email or password")))
            }
        }
    })
    .await?
}

/// Seconds until this email and address may try again, if either reached its limit.
async fn throttled(
    conn: &mut AsyncPgConnection,
    email_index: &[u8],
    client: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<Option<u64>> {
    use diesel::sql_types::{BigInt, Bytea, Nullable, Text, Timestamptz};
    #[derive(QueryableByName)]
    struct Filled {
        #[diesel(sql_type = Nullable<Timestamptz>)]
        at: Option<DateTime<Utc>>,
    }
    // For the email and for the address, the failure that filled the limit: when it leaves
    // the window, one more try is allowed. One round trip for both.
    let filled: Filled = diesel::sql_query(
        "SELECT GREATEST(
            (SELECT at FROM sign_in_failures WHERE email_index = $1 AND at > $3
             ORDER BY at DESC OFFSET $4 - 1 LIMIT 1),
            (SELECT at FROM sign_in_failures WHERE client = $2 AND at > $3
             ORDER BY at DESC OFFSET $5 - 1 LIMIT 1)) AS at",
    )
    .bind::<Bytea, _>(email_index)
    .bind::<Nullable<Text>, _>(client)
    .bind::<Timestamptz, _>(now - THROTTLE_WINDOW)
    .bind::<BigInt, _>(FAILURES_PER_EMAIL)
    .bind::<BigInt, _>(FAILURES_PER_CLIENT)
    .get_result(conn)
    .await?;
    Ok(filled.at.map(|at| {
        (at + THROTTLE_WINDOW - now)
            .num_seconds()
            .max(1)
            .unsigned_abs()
    }))
}

/// Issues an API token for `user`, valid for `ttl`.
#[tracing::instrument(level = "debug", skip_all, fields(user = user.id))]
pub async fn issue_token(
    conn: &mut AsyncPgConnection,
    user: &User,
    ttl: Duration,
) -> AppResult<(String, DateTime<Utc>)> {
    let token = random_token();
    let expires_at = Utc::now() + ttl;
    let token_for_row = token.clone();
    conn.transaction(async move |conn| {
        let token = token_for_row;
        {
            let id: i64 = diesel::insert_into(api_tokens::table)
                .values((
                    api_tokens::user_id.eq(user.id),
                    api_tokens::token_hash.eq(digest(&token)),
                    api_tokens::expires_at.eq(expires_at),
                ))
                .returning(api_tokens::id)
                .get_result(conn)
                .await?;
            audit::record(
                conn,
                Some(user.id),
                "create",
                "api_token",
                Some(id),
                json!({"expires_at": expires_at}),
            )
            .await?;
            Ok::<_, AppError>(())
        }
    })
    .await?;
    Ok((token, expires_at))
}

/// The user a bearer token belongs to, and the token's id, if it is known, unexpired, not
/// revoked and the user active.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn user_for_token(
    conn: &mut AsyncPgConnection,
    token: &str,
) -> AppResult<Option<(User, i64)>> {
    // One query per request: the token and its user together.
    let row: Option<(UserRow, i64)> = api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(digest(token)))
        .filter(api_tokens::expires_at.gt(Utc::now()))
        .filter(api_tokens::revoked_at.is_null())
        .filter(users::active.eq(true))
        .select((UserRow::as_select(), api_tokens::id))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(user, id)| (User::from(user), id)))
}

/// The holder revokes the token they presented: it stops working at once.
#[tracing::instrument(level = "debug", skip_all, fields(user = user.id, token_id))]
pub async fn revoke_token(
    conn: &mut AsyncPgConnection,
    user: &User,
    token_id: i64,
) -> AppResult<()> {
    conn.transaction(async move |conn| {
        diesel::update(api_tokens::table.find(token_id))
            .set(api_tokens::revoked_at.eq(Utc::now()))
            .execute(conn)
            .await?;
        audit::record(
            conn,
            Some(user.id),
            "revoke",
            "api_token",
            Some(token_id),
            json!({}),
        )
        .await?;
        Ok::<_, AppError>(())
    })
    .await
}

/// A new browser session: returns the cookie's secret.
#[tracing::instrument(level = "debug", skip_all, fields(user = user.id))]
pub async fn start_session(
    conn: &mut AsyncPgConnection,
    user: &User,
    ttl: Duration,
) -> AppResult<String> {
    let token = random_token();
    diesel::insert_into(sessions::table)
        .values((
            sessions::user_id.eq(user.id),
            sessions::token_hash.eq(digest(&token)),
            sessions::csrf_token.eq(random_token()),
            sessions::expires_at.eq(Utc::now() + ttl),
        ))
        .execute(conn)
        .await?;
    Ok(token)
}

/// The user and CSRF token of a live session.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn session(
    conn: &mut AsyncPgConnection,
    token: &str,
) -> AppResult<Option<(User, String)>> {
    let row: Option<(UserRow, String)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(digest(token)))
        .filter(sessions::expires_at.gt(Utc::now()))
        .filter(users::active.eq(true))
        .select((UserRow::as_select(), sessions::csrf_token))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(user, csrf)| (User::from(user), csrf)))
}

/// Signs a browser out: the session row goes, so the cookie is worthless even if kept.
#[tracing::instrument(level = "debug", skip_all, fields(user = user.id))]
pub async fn end_session(conn: &mut AsyncPgConnection, user: &User, token: &str) -> AppResult<()> {
    conn.transaction(async move |conn| {
        diesel::delete(sessions::table.filter(sessions::token_hash.eq(digest(token))))
            .execute(conn)
            .await?;
        audit::record(
            conn,
            Some(user.id),
            "sign_out",
            "user",
            Some(user.id),
            json!({}),
        )
        .await?;
        Ok::<_, AppError>(())
    })
    .await
}

/// Constant-time comparison of two secrets.
pub fn same_secret(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}
