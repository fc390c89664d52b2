//! The fund's sites (seeded LA, CHI, NYC).

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

use crate::db::schema::sites;
use crate::error::AppResult;

#[derive(Debug, Clone, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = sites)]
pub struct Site {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub name_ko: String,
    /// The state most of its families live in (a new family's address starts there).
    pub state: String,
}

pub async fn all(conn: &mut AsyncPgConnection) -> AppResult<Vec<Site>> {
    Ok(sites::table
        .order(sites::id)
        .select(Site::as_select())
        .load(conn)
        .await?)
}

/// The site with this id, if any (a user's site).
pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> AppResult<Option<Site>> {
    Ok(sites::table
        .find(id)
        .select(Site::as_select())
        .first(conn)
        .await
        .optional()?)
}
