//! A page of a list (API.md "Lists"): how many and after which id, and the page's rows
//! with the cursor to the next. Plain data, shared by the services that list and the
//! edges that read `?limit=&cursor=`.

use serde::Serialize;

use crate::domain::{FieldErrors, Problem};
use crate::error::AppError;

/// `?limit=` (default 50, at most 500) and `?cursor=` (opaque; here the last id seen).
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub limit: i64,
    pub after: Option<i64>,
}

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

impl Paging {
    pub fn parse(limit: Option<&str>, cursor: Option<&str>) -> Result<Paging, AppError> {
        let mut e = FieldErrors::new();
        let limit = match limit.map(str::trim).filter(|s| !s.is_empty()) {
            None => DEFAULT_LIMIT,
            Some(text) => match text.parse::<i64>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    e.add(
                        "limit",
                        Problem::new("err-int-range")
                            .arg("min", 1)
                            .arg("max", MAX_LIMIT),
                    );
                    0
                }
            },
        };
        // A cursor is what `next_cursor` gave: digits only, as the document says.
        let after = match cursor.filter(|s| !s.is_empty()) {
            None => None,
            Some(text) => text
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| text.parse::<i64>().ok())
                .flatten()
                .or_else(|| {
                    e.add("cursor", Problem::new("err-cursor"));
                    None
                }),
        };
        if e.is_empty() {
            Ok(Paging { limit, after })
        } else {
            Err(AppError::bad_query(&e))
        }
    }
}

/// The paging parameters of a list that has no other filter.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Rows per page: 1 to 500, 50 unless given.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<crate::domain::schema::Cursor>)]
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn paging(&self) -> Result<Paging, AppError> {
        Paging::parse(self.limit.as_deref(), self.cursor.as_deref())
    }
}

/// A page of a list, as API.md shapes every list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows: the extra row only says there is more.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, id: impl Fn(&T) -> i64) -> Page<T> {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if more {
            rows.last().map(|r| id(r).to_string())
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}
