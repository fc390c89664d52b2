//! The eligibility policy in versions: each takes effect on a date and is never changed;
//! the version in force on a day decides that day's checks.

#[allow(unused_imports)]
use super::*;

/// A policy version as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PolicyVersion {
    pub id: i64,
    pub version: i32,
    pub effective_from: NaiveDate,
    pub policy: Policy,
    pub note: String,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

pub(super) type VersionRow = (
    i64,
    i32,
    NaiveDate,
    Value,
    String,
    Option<i64>,
    DateTime<Utc>,
);

pub(super) const VERSION_COLUMNS: (
    policy_versions::id,
    policy_versions::version,
    policy_versions::effective_from,
    policy_versions::policy,
    policy_versions::note,
    policy_versions::created_by,
    policy_versions::created_at,
) = (
    policy_versions::id,
    policy_versions::version,
    policy_versions::effective_from,
    policy_versions::policy,
    policy_versions::note,
    policy_versions::created_by,
    policy_versions::created_at,
);

pub(super) fn to_version(row: VersionRow) -> AppResult<PolicyVersion> {
    let (id, version, effective_from, policy, note, created_by, created_at) = row;
    let policy: Policy = serde_json::from_value(policy).map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "policy version {version} is not readable: {e}"
        ))
    })?;
    Ok(PolicyVersion {
        id,
        version,
        effective_from,
        policy,
        note,
        created_by,
        created_at,
    })
}

/// Every version, newest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn versions(conn: &mut AsyncPgConnection) -> AppResult<Vec<PolicyVersion>> {
    let rows: Vec<VersionRow> = policy_versions::table
        .order(policy_versions::version.desc())
        .select(VERSION_COLUMNS)
        .load(conn)
        .await?;
    rows.into_iter().map(to_version).collect()
}

#[tracing::instrument(level = "debug", skip_all, fields(version))]
pub async fn version(conn: &mut AsyncPgConnection, version: i32) -> AppResult<PolicyVersion> {
    let row: VersionRow = policy_versions::table
        .filter(policy_versions::version.eq(version))
        .select(VERSION_COLUMNS)
        .first(conn)
        .await
        .optional()?
        .ok_or(AppError::NotFound("policy version"))?;
    to_version(row)
}

/// The version in force on `on`: the latest that took effect on or before it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn in_force(conn: &mut AsyncPgConnection, on: NaiveDate) -> AppResult<PolicyVersion> {
    let row: VersionRow = policy_versions::table
        .filter(policy_versions::effective_from.le(on))
        .order(policy_versions::effective_from.desc())
        .select(VERSION_COLUMNS)
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| AppError::Conflict(Problem::new("err-no-policy").arg("date", on)))?;
    to_version(row)
}

/// What an admin sends to add a policy version.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewVersionInput {
    /// `YYYY-MM-DD`: today or later, and after every existing version's date.
    #[schema(value_type = Option<String>, example = "2027-01-01", required = true)]
    pub effective_from: Option<String>,
    pub note: Option<String>,
    /// The whole policy, as `GET /api/v1/policy-versions/{version}` shows it.
    #[schema(value_type = Option<Policy>, required = true)]
    pub policy: Option<Value>,
}

/// Reads a policy document, naming the field of the first type error and then every rule
/// it breaks.
pub fn parse_policy(value: &Value, errors: &mut FieldErrors) -> Option<Policy> {
    let policy: Policy = match serde_path_to_error::deserialize(value) {
        Ok(p) => p,
        Err(e) => {
            let path = e.path().to_string();
            let field = if path == "." {
                "policy".to_owned()
            } else {
                format!("policy.{path}")
            };
            errors.add(
                field,
                Problem::new("err-policy-field").arg("detail", e.into_inner()),
            );
            return None;
        }
    };
    let problems = policy.problems();
    let sound = problems.is_empty();
    for (path, problem) in problems {
        errors.add(format!("policy.{path}"), problem);
    }
    sound.then_some(policy)
}

/// The date and note of a new version, read and checked (a date from today on); problems
/// go to `e`. A form that reads the policy itself checks these the same way.
pub fn read_header(
    e: &mut FieldErrors,
    today: NaiveDate,
    input: &NewVersionInput,
) -> (Option<NaiveDate>, Option<String>) {
    let effective_from =
        crate::domain::input::required_date(e, "effective_from", input.effective_from.as_deref())
            .filter(|date| {
                let future = *date >= today;
                if !future {
                    e.add(
                        "effective_from",
                        Problem::new("err-policy-past").arg("today", today),
                    );
                }
                future
            });
    let note = crate::domain::input::optional_text(
        e,
        "note",
        input.note.as_deref(),
        crate::domain::input::LONG_TEXT,
    );
    (effective_from, note)
}

/// Adds a policy version. It may not take effect before today (that would change what
/// past checks should have found) nor before an existing version.
#[tracing::instrument(level = "debug", skip_all, fields(actor))]
pub async fn create_version(
    conn: &mut AsyncPgConnection,
    actor: i64,
    today: NaiveDate,
    input: &NewVersionInput,
) -> AppResult<PolicyVersion> {
    let mut e = FieldErrors::new();
    let (effective_from, note) = read_header(&mut e, today, input);
    let policy = match &input.policy {
        None | Some(Value::Null) => {
            e.add("policy", Problem::new("err-required"));
            None
        }
        Some(value) => parse_policy(value, &mut e),
    };
    let (Some(effective_from), Some(policy)) = (effective_from, policy) else {
        return Err(e.into());
    };
    if !e.is_empty() {
        return Err(e.into());
    }
    let body = serde_json::to_value(&policy).map_err(|e| AppError::Internal(e.into()))?;
    let id = conn
        .transaction(async move |conn| {
            // One writer at a time, so the order check below cannot race.
            diesel::sql_query("SELECT pg_advisory_xact_lock(727275)")
                .execute(conn)
                .await?;
            let latest: Option<(i32, NaiveDate)> = policy_versions::table
                .order(policy_versions::version.desc())
                .select((policy_versions::version, policy_versions::effective_from))
                .first(conn)
                .await
                .optional()?;
            if let Some((_, last)) = latest.filter(|(_, last)| effective_from <= *last) {
                return Err(AppError::invalid_field(
                    "effective_from",
                    Problem::new("err-policy-order").arg("date", last),
                ));
            }
            let version = latest.map_or(1, |(v, _)| v + 1);
            let id: i64 = diesel::insert_into(policy_versions::table)
                .values((
                    policy_versions::version.eq(version),
                    policy_versions::effective_from.eq(effective_from),
                    policy_versions::policy.eq(&body),
                    policy_versions::note.eq(note.as_deref().unwrap_or("")),
                    policy_versions::created_by.eq(actor),
                ))
                .returning(policy_versions::id)
                .get_result(conn)
                .await?;
            audit::record(
                conn,
                Some(actor),
                "create",
                "policy_version",
                Some(id),
                json!({"version": version, "effective_from": effective_from, "policy": body}),
            )
            .await?;
            Ok::<_, AppError>(id)
        })
        .await?;
    let row: VersionRow = policy_versions::table
        .find(id)
        .select(VERSION_COLUMNS)
        .first(conn)
        .await?;
    to_version(row)
}
