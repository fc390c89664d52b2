//! The OpenAPI 3 document of the JSON API, served at `/api/openapi.json`. It is assembled
//! from the handlers' own `#[utoipa::path]` annotations by utoipa-axum's router, which also
//! mounts the routes, so no route exists without its documentation nor the reverse.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "grant-tracker",
        description = "The system of record of a community empowerment fund: households, \
            applications, eligibility, board review, the ledger and audit exports. Money is a \
            decimal string with two places (\"760.00\"); lists are `{items, next_cursor}`; \
            errors are `{error: {code, message, fields}}`."
    ),
    // The error body is named by `ErrorResponses`, and the query parameters' schemas by
    // `IntoParams`; neither registers what it names.
    components(schemas(
        crate::respond::ErrorBody,
        crate::respond::ErrorDetail,
        crate::domain::schema::Cursor,
        crate::domain::schema::QueryText,
    )),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "auth", description = "tokens and the signed-in user"),
        (name = "users", description = "users and sites"),
        (name = "households", description = "families and their members"),
        (name = "applications", description = "fee and emergency applications"),
        (name = "review", description = "the board's queue, conflict declarations and votes"),
        (name = "exports", description = "audit exports as CSV, streamed from one snapshot"),
        (name = "payments", description = "disbursements, voids, clearing, closing, USCIS receipt numbers"),
        (name = "eligibility", description = "policy versions, eligibility checks and overrides"),
        (name = "funds", description = "funds, their balances, and money in (receipts)"),
        (name = "ledger", description = "the double-entry journal, the chart of accounts, and the invariant check"),
        (name = "audit", description = "the audit trail"),
        (name = "bank", description = "bank statements matched against the books, and the banks' settings"),
        (name = "fees", description = "the USCIS fee schedule and H.R. 1 statutory fees, as data: in force on a date, imported by file"),
        (name = "impact", description = "the fund's public impact figures, small cells suppressed"),
        (name = "periods", description = "months of the books: closing in order, reopening with a reason"),
        (name = "dashboard", description = "each role's overview: counts, money over time, work queues"),
    )
)]
pub struct ApiDoc;

/// The two ways in: a bearer token, or the browser's session cookie (unsafe methods then
/// also need the `X-CSRF-Token` header).
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::middleware::SESSION_COOKIE,
                "the browser's session; POST, PATCH and DELETE also need X-CSRF-Token",
            ))),
        );
    }
}
