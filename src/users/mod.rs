//! Users: who they are, the roles they hold, their language, and their password hash.

pub mod account;
pub mod account_web;
pub mod api;
pub mod web;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit;
use crate::db::schema::users;
use crate::domain::input::{SHORT_TEXT, required_text};
use crate::domain::{FieldErrors, Language, Problem, Role};
use crate::error::{AppError, AppResult};

/// The columns of a user the service reads (never the hash); `User::from` turns it into one.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub(crate) struct UserRow {
    id: i64,
    email: String,
    name: String,
    roles: Vec<Role>,
    language: Language,
    active: bool,
    created_at: DateTime<Utc>,
    site_id: Option<i64>,
}

/// A user as the rest of the service sees them (never with the password hash).
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub language: Language,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// The site the user works at, if one was set.
    pub site_id: Option<i64>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> User {
        User {
            id: row.id,
            email: row.email,
            name: row.name,
            roles: row.roles,
            language: row.language,
            active: row.active,
            created_at: row.created_at,
            site_id: row.site_id,
        }
    }
}

impl User {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Ok if the user holds any of `roles`; otherwise a 403 naming them.
    pub fn require(&self, roles: &[Role]) -> AppResult<()> {
        if roles.iter().any(|r| self.has(*r)) {
            Ok(())
        } else {
            Err(AppError::MissingRole(roles.to_vec()))
        }
    }
}

/// What an admin (or the `user add` command) sends to create a user.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewUserInput {
    /// `name@domain.tld`, unique (a taken one is 422).
    #[schema(value_type = String, required = true, max_length = 200,
        pattern = r"^[^@\s\x00-\x1F\x7F-\x9F]+@[^\s\x00-\x1F\x7F-\x9F]*\.[^\s\x00-\x1F\x7F-\x9F]*$")]
    pub email: Option<String>,
    #[schema(value_type = crate::domain::schema::Text, required = true)]
    pub name: Option<String>,
    #[schema(value_type = Vec<crate::domain::Role>, required = true, min_items = 1)]
    pub roles: Option<Vec<String>>,
    #[schema(value_type = String, required = true, min_length = 10)]
    pub password: Option<String>,
    #[schema(value_type = Option<crate::domain::Language>)]
    pub language: Option<String>,
}

pub const MIN_PASSWORD_CHARS: usize = 10;

struct NewUser {
    email: String,
    name: String,
    roles: Vec<Role>,
    password: String,
    language: Language,
}

impl NewUserInput {
    fn parse(&self) -> Result<NewUser, FieldErrors> {
        let mut e = FieldErrors::new();
        let email =
            required_text(&mut e, "email", self.email.as_deref(), SHORT_TEXT).filter(|email| {
                // As the database's check says: one `@`, something on either side.
                let ok = email
                    .split_once('@')
                    .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.contains('@'))
                    && !email.chars().any(char::is_whitespace);
                if !ok {
                    e.add("email", Problem::new("err-email"));
                }
                ok
            });
        let name = required_text(&mut e, "name", self.name.as_deref(), SHORT_TEXT);
        let roles = parse_roles(&mut e, self.roles.as_deref().unwrap_or_default());
        let password = self.password.clone().unwrap_or_default();
        if password.chars().count() < MIN_PASSWORD_CHARS {
            e.add(
                "password",
                Problem::new("err-password-short").arg("min", MIN_PASSWORD_CHARS),
            );
        }
        let language = match self.language.as_deref().map(str::trim) {
            None | Some("") => Some(Language::En),
            Some(text) => Language::parse(text).or_else(|| {
                e.add(
                    "language",
                    Problem::new("err-choice").arg("allowed", "en, ko"),
                );
                None
            }),
        };
        e.finish(|| NewUser {
            email: email.unwrap_or_default().to_lowercase(),
            name: name.unwrap_or_default(),
            roles,
            password,
            language: language.unwrap_or_default(),
        })
    }
}

/// At least one known role, each once; problems go to the field `roles`. Creating a user
/// and an admin's edit parse roles alike.
pub(crate) fn parse_roles(e: &mut FieldErrors, texts: &[String]) -> Vec<Role> {
    let mut roles = Vec::new();
    for text in texts {
        match Role::parse(text.trim()) {
            Some(role) if !roles.contains(&role) => roles.push(role),
            Some(_) => {}
            None => {
                let allowed: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                e.add(
                    "roles",
                    Problem::new("err-choice").arg("allowed", allowed.join(", ")),
                )
            }
        }
    }
    if roles.is_empty() {
        e.add("roles", Problem::new("err-roles-required"));
    }
    roles
}

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing failed: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Creates a user; `actor` is the admin doing it (`None` from the command line).
#[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor))]
pub async fn create(
    conn: &mut AsyncPgConnection,
    actor: Option<i64>,
    input: &NewUserInput,
) -> AppResult<User> {
    let new = input.parse()?;
    // Hash outside the transaction: it is slow on purpose.
    let hash = hash_password(&new.password)?;
    conn.transaction(async move |conn| {
            let roles: Vec<String> = new.roles.iter().map(|r| r.as_str().to_owned()).collect();
            let row: UserRow = diesel::insert_into(users::table)
                .values((
                    users::email.eq(&new.email),
                    users::name.eq(&new.name),
                    users::password_hash.eq(&hash),
                    users::roles.eq(&roles),
                    users::language.eq(new.language.as_str()),
                ))
                .returning(UserRow::as_returning())
                .get_result(conn)
                .await?;
            let user = User::from(row);
            audit::record(
                conn,
                actor,
                "create",
                "user",
                Some(user.id),
                json!({"email": user.email, "name": user.name, "roles": user.roles, "language": user.language}),
            )
            .await?;
            Ok::<_, AppError>(user)
        })
    .await
}

#[tracing::instrument(level = "debug", skip_all, fields(id))]
pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> AppResult<User> {
    let row: Option<UserRow> = users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()?;
    row.map(User::from).ok_or(AppError::NotFound("user"))
}

/// The user and password hash for an email, if there is an active one.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_for_sign_in(
    conn: &mut AsyncPgConnection,
    email: &str,
) -> AppResult<Option<(User, String)>> {
    let row: Option<(UserRow, String)> = users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .filter(users::active.eq(true))
        .select((UserRow::as_select(), users::password_hash))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(r, h)| (User::from(r), h)))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_by_email(conn: &mut AsyncPgConnection, email: &str) -> AppResult<User> {
    find_for_sign_in(conn, email)
        .await?
        .map(|(u, _)| u)
        .ok_or(AppError::NotFound("user"))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(conn: &mut AsyncPgConnection) -> AppResult<Vec<User>> {
    let rows: Vec<UserRow> = users::table
        .select(UserRow::as_select())
        .order(users::id)
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(User::from).collect())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn count(conn: &mut AsyncPgConnection) -> AppResult<i64> {
    Ok(users::table.count().get_result(conn).await?)
}

/// Remembers the language a user chose.
#[tracing::instrument(level = "debug", skip_all, fields(user = user.id))]
pub async fn set_language(
    conn: &mut AsyncPgConnection,
    user: &User,
    language: Language,
) -> AppResult<()> {
    if user.language == language {
        return Ok(());
    }
    conn.transaction(async move |conn| {
        diesel::update(users::table.find(user.id))
            .set(users::language.eq(language.as_str()))
            .execute(conn)
            .await?;
        audit::record(
            conn,
            Some(user.id),
            "update",
            "user",
            Some(user.id),
            json!({"language": {"from": user.language, "to": language}}),
        )
        .await?;
        Ok::<_, AppError>(())
    })
    .await
}
