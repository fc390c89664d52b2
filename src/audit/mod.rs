//! The audit trail: one row per write (who, when, entity, action, what changed), written
//! in the same transaction as the change, and one access row per read of a person's
//! record. Both tables are append-only in the database.

pub mod api;
pub mod web;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::Value;

use crate::db::schema::{access_log, audit_log, users};
use crate::error::AppResult;
use crate::paging::{Page, Paging};

#[derive(Debug, Clone, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<i64>,
    pub changes: Value,
}

/// A row of the trail with the name of who did it, as the admin reads it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditRow {
    #[serde(flatten)]
    pub entry: AuditEntry,
    /// The actor's name (none for the system or a failed sign-in).
    pub actor_name: Option<String>,
}

/// Appends one audit row. Call it inside the transaction that makes the change.
#[tracing::instrument(level = "debug", skip_all, fields(actor_id = ?actor_id, entity_id = ?entity_id))]
pub async fn record(
    conn: &mut AsyncPgConnection,
    actor_id: Option<i64>,
    action: &str,
    entity_type: &str,
    entity_id: Option<i64>,
    changes: Value,
) -> AppResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::actor_id.eq(actor_id),
            audit_log::action.eq(action),
            audit_log::entity_type.eq(entity_type),
            audit_log::entity_id.eq(entity_id),
            audit_log::changes.eq(changes),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Where a read came from.
#[derive(Debug, Clone, Copy)]
pub enum Channel {
    Api,
    Web,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Channel::Api => "api",
            Channel::Web => "web",
        }
    }
}

/// Logs that `user_id` was shown a list or search result that names families: one row for
/// the response, naming every id it showed (none is written for an empty one).
#[tracing::instrument(level = "debug", skip_all, fields(user_id))]
pub async fn record_list_access(
    conn: &mut AsyncPgConnection,
    user_id: i64,
    entity_type: &str,
    ids: impl IntoIterator<Item = i64>,
    channel: Channel,
) -> AppResult<()> {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(());
    }
    diesel::insert_into(access_log::table)
        .values((
            access_log::user_id.eq(user_id),
            access_log::entity_type.eq(entity_type),
            access_log::entity_ids.eq(ids),
            access_log::channel.eq(channel.as_str()),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Logs that `user_id` read a record.
#[tracing::instrument(level = "debug", skip_all, fields(user_id, entity_id))]
pub async fn record_access(
    conn: &mut AsyncPgConnection,
    user_id: i64,
    entity_type: &str,
    entity_id: i64,
    channel: Channel,
) -> AppResult<()> {
    let channel = channel.as_str();
    diesel::insert_into(access_log::table)
        .values((
            access_log::user_id.eq(user_id),
            access_log::entity_type.eq(entity_type),
            access_log::entity_id.eq(entity_id),
            access_log::channel.eq(channel),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<i64>,
    /// Who: the acting user.
    pub actor_id: Option<i64>,
    /// What: the action (`create`, `status_change`, `vote`, …).
    pub action: Option<String>,
    /// When: from this instant, and before that one.
    pub from: Option<DateTime<Utc>>,
    pub before: Option<DateTime<Utc>>,
}

/// A page of the trail, newest first, with each actor's name; the cursor is the smallest
/// id seen so far.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &AuditFilter,
    paging: Paging,
) -> AppResult<Page<AuditRow>> {
    let mut query = audit_log::table
        .left_join(users::table.on(users::id.nullable().eq(audit_log::actor_id)))
        .select((AuditEntry::as_select(), users::name.nullable()))
        .into_boxed();
    if let Some(t) = &filter.entity_type {
        query = query.filter(audit_log::entity_type.eq(t.clone()));
    }
    if let Some(id) = filter.entity_id {
        query = query.filter(audit_log::entity_id.eq(id));
    }
    if let Some(actor) = filter.actor_id {
        query = query.filter(audit_log::actor_id.eq(actor));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_log::at.ge(from));
    }
    if let Some(before) = filter.before {
        query = query.filter(audit_log::at.lt(before));
    }
    if let Some(below) = paging.after {
        query = query.filter(audit_log::id.lt(below));
    }
    let rows: Vec<(AuditEntry, Option<String>)> = query
        .order(audit_log::id.desc())
        .limit(paging.limit + 1)
        .load(conn)
        .await?;
    let rows = rows
        .into_iter()
        .map(|(entry, actor_name)| AuditRow { entry, actor_name })
        .collect();
    Ok(Page::from_rows(rows, paging.limit, |r| r.entry.id))
}

/// The actions the trail holds, for a filter's choices.
pub async fn actions(conn: &mut AsyncPgConnection) -> AppResult<Vec<String>> {
    Ok(audit_log::table
        .select(audit_log::action)
        .distinct()
        .order(audit_log::action)
        .load(conn)
        .await?)
}

/// What changed between two JSON snapshots of a record: `{field: {"from": a, "to": b}}`.
pub fn diff(before: &Value, after: &Value) -> Value {
    let mut changes = serde_json::Map::new();
    if let (Value::Object(b), Value::Object(a)) = (before, after) {
        for (key, new) in a {
            let old = b.get(key).unwrap_or(&Value::Null);
            if old != new {
                changes.insert(key.clone(), serde_json::json!({"from": old, "to": new}));
            }
        }
    }
    Value::Object(changes)
}

/// The instants a "from day, to day" filter covers in the fund's time zone: from the first
/// day's start, before the day after the last. A day that is not a date is a problem.
pub fn days(
    errors: &mut crate::domain::FieldErrors,
    from: Option<&str>,
    to: Option<&str>,
    zone: chrono_tz::Tz,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    use chrono::{NaiveDate, TimeZone};
    let mut day =
        |field: &str, text: Option<&str>| match text.map(str::trim).filter(|t| !t.is_empty()) {
            None => None,
            Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.add(field, crate::domain::Problem::new("err-date"));
                    None
                }
            },
        };
    let start = |d: NaiveDate| {
        zone.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    };
    let from = day("from", from).and_then(start);
    let before = day("to", to).and_then(|d| d.succ_opt()).and_then(start);
    (from, before)
}

/// Everyone who appears in the trail as its actor, by name, for a filter's choices.
pub async fn actors(conn: &mut AsyncPgConnection) -> AppResult<Vec<(i64, String)>> {
    Ok(users::table
        .filter(diesel::dsl::exists(
            audit_log::table.filter(audit_log::actor_id.eq(users::id.nullable())),
        ))
        .select((users::id, users::name))
        .order(users::name)
        .load(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_keeps_only_changed_fields() {
        let d = diff(&json!({"a": 1, "b": "x"}), &json!({"a": 1, "b": "y"}));
        assert_eq!(d, json!({"b": {"from": "x", "to": "y"}}));
    }
}
