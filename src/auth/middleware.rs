//! Who is asking: resolves a bearer token or a session cookie once per request, and
//! checks the CSRF token on every unsafe request a browser session makes.

use axum::body::{Body, to_bytes};
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::SignedCookieJar;

use crate::app::AppState;
use crate::error::AppError;
use crate::session::{AuthVia, CurrentUser};

/// Name of the browser session cookie.
pub const SESSION_COOKIE: &str = "gt_session";

/// The client's address, for sign-in throttling: the connection's peer, or behind a
/// trusted proxy (`TRUST_FORWARDED_FOR`) the last `X-Forwarded-For` entry.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub Option<String>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let forwarded = || {
            let value = parts.headers.get("x-forwarded-for")?.to_str().ok()?;
            let last = value.rsplit(',').next()?.trim();
            last.parse::<std::net::IpAddr>()
                .ok()
                .map(|ip| ip.to_string())
        };
        let peer = || {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip().to_string())
        };
        Ok(ClientAddress(if state.config.trust_forwarded_for {
            forwarded().or_else(peer)
        } else {
            peer()
        }))
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// Refuses unsafe requests that another site's page sent (SPEC "Sign-in": the sign-in
/// form included, so no one is signed in to an account of the attacker's choosing): the
/// browser's `Origin` must name this request's `Host`; without an `Origin`, a
/// `Sec-Fetch-Site` of another site is refused too. Programs that send neither pass.
pub async fn refuse_cross_origin(request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && from_another_site(&parts.headers) {
        let refused = AppError::Forbidden(crate::domain::Problem::new("err-cross-origin"));
        return crate::web::error_response(&mut parts, refused);
    }
    next.run(Request::from_parts(parts, body)).await
}

fn from_another_site(headers: &HeaderMap) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    match text(header::ORIGIN) {
        Some(origin) => {
            let origin_host = origin.split_once("://").map(|(_, host)| host);
            !matches!((origin_host, text(header::HOST)),
                (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
        }
        None => matches!(
            text(HeaderName::from_static("sec-fetch-site")),
            Some("cross-site" | "same-site")
        ),
    }
}

/// Resolves the user; refuses unknown tokens (401) and session requests without the
/// right CSRF token (403).
pub async fn authenticate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    match resolve(&state, &mut parts, body).await {
        Ok(body) => next.run(Request::from_parts(parts, body)).await,
        Err(e) => crate::web::error_response(&mut parts, e),
    }
}

async fn resolve(state: &AppState, parts: &mut Parts, body: Body) -> Result<Body, AppError> {
    let mut body = body;
    let current =
        if let Some(token) = bearer(&parts.headers) {
            let mut conn = state.pool.get().await?;
            let (user, id) = crate::auth::user_for_token(&mut conn, token).await?.ok_or(
                AppError::Unauthorized("the token is unknown, expired or revoked"),
            )?;
            Some(CurrentUser {
                user,
                via: AuthVia::Token { id },
            })
        } else {
            let jar = SignedCookieJar::from_headers(&parts.headers, state.cookie_key.clone());
            match jar.get(SESSION_COOKIE) {
                Some(cookie) => {
                    let mut conn = state.pool.get().await?;
                    crate::auth::session(&mut conn, cookie.value())
                        .await?
                        .map(|(user, csrf)| CurrentUser {
                            user,
                            via: AuthVia::Session {
                                token: cookie.value().to_owned(),
                                csrf,
                            },
                        })
                }
                None => None,
            }
        };
    if let Some(CurrentUser {
        via: AuthVia::Session { csrf, .. },
        ..
    }) = &current
        && !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS)
    {
        let presented = match parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
        {
            Some(header) => Some(header.to_owned()),
            None if multipart_boundary(&parts.headers).is_some() => {
                // A file upload carries the token as one of its fields.
                let boundary = multipart_boundary(&parts.headers).unwrap_or_default();
                let bytes = to_bytes(body, crate::extract::BODY_LIMIT)
                    .await
                    .map_err(|_| AppError::PayloadTooLarge)?;
                let token = multipart_field(bytes.clone(), boundary, "csrf_token").await;
                body = Body::from(bytes);
                token
            }
            None if is_form(&parts.headers) => {
                // The form itself carries the token; read it and hand the body on unchanged.
                let bytes = to_bytes(body, crate::extract::BODY_LIMIT)
                    .await
                    .map_err(|_| AppError::PayloadTooLarge)?;
                let token = form_urlencoded_field(&bytes, "csrf_token");
                body = Body::from(bytes);
                token
            }
            None => None,
        };
        if !presented.is_some_and(|p| crate::auth::same_secret(&p, csrf)) {
            return Err(AppError::Forbidden(crate::domain::Problem::new("err-csrf")));
        }
    }
    if let Some(current) = current {
        parts.extensions.insert(current);
    }
    Ok(body)
}

fn multipart_boundary(headers: &HeaderMap) -> Option<String> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    multer::parse_boundary(content_type).ok()
}

/// The text of field `name` in a multipart body, read with multer (axum's own parser).
async fn multipart_field(bytes: bytes::Bytes, boundary: String, name: &str) -> Option<String> {
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(bytes) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

fn form_urlencoded_field(bytes: &[u8], name: &str) -> Option<String> {
    serde_html_form::from_bytes::<Vec<(String, String)>>(bytes)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}
