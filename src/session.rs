//! Who is asking, as the edges see it: the signed-in user of a request and how they came
//! (a bearer token or a browser session). `auth`'s middleware resolves it once per request
//! and leaves it in the request's extensions; handlers take it as an extractor. An edge
//! helper: no capability's service uses it.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::error::AppError;
use crate::users::User;

#[derive(Debug, Clone)]
pub enum AuthVia {
    /// A bearer token, by its id.
    Token {
        id: i64,
    },
    Session {
        token: String,
        csrf: String,
    },
}

/// The signed-in user of this request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub via: AuthVia,
}

impl CurrentUser {
    /// The CSRF token forms must carry (browser sessions only).
    pub fn csrf(&self) -> Option<&str> {
        match &self.via {
            AuthVia::Session { csrf, .. } => Some(csrf),
            AuthVia::Token { .. } => None,
        }
    }
}

impl std::ops::Deref for CurrentUser {
    type Target = User;
    fn deref(&self) -> &User {
        &self.user
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .ok_or(AppError::Unauthorized(
                "sign in first: send a bearer token or a session cookie",
            ))
    }
}

/// The signed-in user, or `None`, for pages anyone may see.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<CurrentUser>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(parts.extensions.get::<CurrentUser>().cloned()))
    }
}
