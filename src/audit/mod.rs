//! The audit trail: one row per write (who, when, entity, action, what changed), written
//! in the same transaction as the change, and one access row per read of a person's
//! record. Both tables are append-only in the database.

pub mod api;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::Value;

use crate::db::schema::{access_log, audit_log};
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
}

/// A page of the trail, newest first; the cursor is the smallest id seen so far.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &AuditFilter,
    paging: Paging,
) -> AppResult<Page<AuditEntry>> {
    let mut query = audit_log::table
        .select(AuditEntry::as_select())
        .into_boxed();
    if let Some(t) = &filter.entity_type {
        query = query.filter(audit_log::entity_type.eq(t.clone()));
    }
    if let Some(id) = filter.entity_id {
        query = query.filter(audit_log::entity_id.eq(id));
    }
    if let Some(before) = paging.after {
        query = query.filter(audit_log::id.lt(before));
    }
    let rows = query
        .order(audit_log::id.desc())
        .limit(paging.limit + 1)
        .load(conn)
        .await?;
    Ok(Page::from_rows(rows, paging.limit, |e| e.id))
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
