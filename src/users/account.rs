//! An admin's changes to an account: name, roles, language, site, and whether it is
//! active. Deactivating ends the user's sessions and tokens in the same transaction, so
//! their next request is refused; an admin may also revoke all of a user's tokens.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{User, UserRow};
use crate::audit;
use crate::db::schema::{api_tokens, sessions, sites, users};
use crate::domain::input::{SHORT_TEXT, optional_text};
use crate::domain::{FieldErrors, Language, Problem, Role};
use crate::error::{AppError, AppResult};

/// What `PATCH /api/v1/users/{id}` may change; an absent field stays as it is.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChanges {
    #[schema(min_length = 1)]
    pub name: Option<String>,
    #[schema(value_type = Option<Vec<Role>>, min_items = 1)]
    pub roles: Option<Vec<String>>,
    #[schema(value_type = Option<Language>)]
    pub language: Option<String>,
    /// A site's code (`LA`, `CHI`, `NYC`); `""` clears it.
    pub site: Option<String>,
    /// `false` ends the user's sessions and tokens at once.
    pub active: Option<bool>,
    /// A new password (at least 10 characters) for a user who forgot theirs: it also
    /// ends their sessions and tokens. Never stored or logged as typed.
    #[schema(min_length = 10, format = Password)]
    pub password: Option<String>,
}

struct Parsed {
    name: Option<String>,
    roles: Option<Vec<Role>>,
    language: Option<Language>,
    site: Option<String>,
    active: Option<bool>,
    password_hash: Option<String>,
}

impl UserChanges {
    fn parse(&self) -> Result<Parsed, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = match &self.name {
            Some(text) => {
                let name = optional_text(&mut e, "name", Some(text), SHORT_TEXT);
                if name.is_none() && !e.iter().any(|(f, _)| f == "name") {
                    e.add("name", Problem::new("err-required"));
                }
                name
            }
            None => None,
        };
        let roles = self
            .roles
            .as_ref()
            .map(|texts| super::parse_roles(&mut e, texts));
        let language = self.language.as_deref().and_then(|text| {
            Language::parse(text.trim()).or_else(|| {
                e.add(
                    "language",
                    Problem::new("err-choice").arg("allowed", "en, ko"),
                );
                None
            })
        });
        let password = self.password.as_deref().and_then(|p| {
            if p.chars().count() < super::MIN_PASSWORD_CHARS {
                e.add(
                    "password",
                    Problem::new("err-password-short").arg("min", super::MIN_PASSWORD_CHARS),
                );
                None
            } else {
                Some(p)
            }
        });
        let password_hash = match password {
            Some(p) => match super::hash_password(p) {
                Ok(hash) => Some(hash),
                Err(_) => {
                    e.add("password", Problem::new("err-required"));
                    None
                }
            },
            None => None,
        };
        e.finish(|| Parsed {
            name,
            roles,
            language,
            site: self.site.as_ref().map(|s| s.trim().to_owned()),
            active: self.active,
            password_hash,
        })
    }
}

/// Applies an admin's changes in one transaction with its audit row. An admin cannot
/// lock themselves out (deactivate themselves or drop their own admin role).
#[tracing::instrument(level = "debug", skip_all, fields(user = actor.id, id))]
pub async fn update(
    conn: &mut AsyncPgConnection,
    actor: &User,
    id: i64,
    changes: &UserChanges,
) -> AppResult<User> {
    let parsed = changes.parse()?;
    if id == actor.id {
        if parsed.active == Some(false) {
            return Err(AppError::rule("active", Problem::new("err-self-lockout")));
        }
        if parsed
            .roles
            .as_ref()
            .is_some_and(|r| !r.contains(&Role::Admin))
        {
            return Err(AppError::rule("roles", Problem::new("err-self-lockout")));
        }
    }
    let actor_id = actor.id;
    conn.transaction(async move |conn| {
        let before: UserRow = users::table
            .find(id)
            .select(UserRow::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?
            .ok_or(AppError::NotFound("user"))?;
        let site_id: Option<Option<i64>> = match parsed.site.as_deref() {
            None => None,
            Some("") => Some(None),
            Some(code) => Some(Some(
                sites::table
                    .filter(sites::code.eq(code))
                    .select(sites::id)
                    .first(conn)
                    .await
                    .optional()?
                    .ok_or_else(|| AppError::invalid_field("site", Problem::new("err-site")))?,
            )),
        };
        let roles: Option<Vec<String>> = parsed
            .roles
            .as_ref()
            .map(|r| r.iter().map(|r| r.as_str().to_owned()).collect());
        let after: UserRow = diesel::update(users::table.find(id))
            .set((
                parsed.name.as_ref().map(|n| users::name.eq(n)),
                roles.as_ref().map(|r| users::roles.eq(r)),
                parsed.language.map(|l| users::language.eq(l.as_str())),
                site_id.map(|s| users::site_id.eq(s)),
                parsed.active.map(|a| users::active.eq(a)),
                parsed
                    .password_hash
                    .as_ref()
                    .map(|h| users::password_hash.eq(h)),
            ))
            .returning(UserRow::as_returning())
            .get_result(conn)
            .await?;
        let mut ended = json!(null);
        let reset = parsed.password_hash.is_some();
        if (before.active && !after.active) || reset {
            let sessions = diesel::delete(sessions::table.filter(sessions::user_id.eq(id)))
                .execute(conn)
                .await?;
            let tokens = revoke_all(conn, id).await?;
            ended = json!({"sessions": sessions, "tokens": tokens});
        }
        let mut diff = changed(&before, &after, ended);
        if reset {
            diff["password"] = json!("reset");
        }
        audit::record(conn, Some(actor_id), "update", "user", Some(id), diff).await?;
        Ok::<_, AppError>(User::from(after))
    })
    .await
}

/// Revokes every live token of `user_id` (admin); returns how many.
#[tracing::instrument(level = "debug", skip_all, fields(actor, user_id))]
pub async fn revoke_tokens(
    conn: &mut AsyncPgConnection,
    actor: i64,
    user_id: i64,
) -> AppResult<usize> {
    conn.transaction(async move |conn| {
        super::find(conn, user_id).await?;
        let revoked = revoke_all(conn, user_id).await?;
        audit::record(
            conn,
            Some(actor),
            "revoke_tokens",
            "user",
            Some(user_id),
            json!({"tokens": revoked}),
        )
        .await?;
        Ok::<_, AppError>(revoked)
    })
    .await
}

async fn revoke_all(conn: &mut AsyncPgConnection, user_id: i64) -> AppResult<usize> {
    let now: DateTime<Utc> = Utc::now();
    Ok(diesel::update(
        api_tokens::table
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(now))
    .execute(conn)
    .await?)
}

/// `{"field": {"from", "to"}}` for each field that changed.
fn changed(before: &UserRow, after: &UserRow, ended: Value) -> Value {
    let mut diff = Map::new();
    let pairs = [
        ("name", json!(before.name), json!(after.name)),
        ("roles", json!(before.roles), json!(after.roles)),
        ("language", json!(before.language), json!(after.language)),
        ("site_id", json!(before.site_id), json!(after.site_id)),
        ("active", json!(before.active), json!(after.active)),
    ];
    for (field, from, to) in pairs {
        if from != to {
            diff.insert(field.to_owned(), json!({"from": from, "to": to}));
        }
    }
    if !ended.is_null() {
        diff.insert("ended".to_owned(), ended);
    }
    Value::Object(diff)
}
