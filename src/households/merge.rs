//! An admin merges two records of one family: every application and member of the one
//! moves to the other, and both histories stay (the merged record remains, pointing at
//! the one it joined, with its audit trail; each side gets a `merge` audit row).

#[allow(unused_imports)]
use super::*;

/// Merges household `id` into `into`; the household that remains.
#[tracing::instrument(level = "debug", skip_all, fields(actor, id, into))]
pub async fn merge(
    conn: &mut AsyncPgConnection,
    actor: i64,
    id: i64,
    into: i64,
) -> AppResult<Household> {
    if id == into {
        return Err(AppError::invalid_field(
            "into",
            Problem::new("err-merge-itself"),
        ));
    }
    let merged = conn
        .transaction(async move |conn| {
            // Both rows locked, the lower id first, so two merges cannot cross.
            let locked: Vec<(i64, Option<i64>)> = households::table
                .filter(households::id.eq_any([id, into]))
                .order(households::id)
                .select((households::id, households::merged_into))
                .for_update()
                .load(conn)
                .await?;
            if !locked.iter().any(|(h, _)| *h == id) {
                return Err(AppError::NotFound("household"));
            }
            if !locked.iter().any(|(h, _)| *h == into) {
                return Err(AppError::invalid_field("into", Problem::new("err-not-found")));
            }
            if locked.iter().any(|(_, m)| m.is_some()) {
                return Err(AppError::Conflict(Problem::new("err-merge-merged")));
            }
            let moved_applications = diesel::update(
                applications::table.filter(applications::household_id.eq(id)),
            )
            .set(applications::household_id.eq(into))
            .returning(applications::id)
            .get_results::<i64>(conn)
            .await?;
            // The same person on both records is kept once: the merged copy is marked
            // removed (a fee line may still name it). The merged record's applicant joins
            // as "other": the household has one applicant.
            diesel::sql_query(
                "UPDATE household_members m SET household_id = $2, \
                    removed_at = CASE WHEN m.removed_at IS NULL AND EXISTS ( \
                        SELECT 1 FROM household_members s WHERE s.household_id = $2 \
                        AND s.removed_at IS NULL AND s.name_key = m.name_key \
                        AND s.birth_year IS NOT DISTINCT FROM m.birth_year) \
                        THEN now() ELSE m.removed_at END, \
                    relationship = CASE WHEN m.relationship = 'self' THEN 'other' ELSE m.relationship END \
                 WHERE m.household_id = $1",
            )
            .bind::<diesel::sql_types::BigInt, _>(id)
            .bind::<diesel::sql_types::BigInt, _>(into)
            .execute(conn)
            .await?;
            // The household counts at least the people now listed on it.
            diesel::sql_query(
                "UPDATE households SET size = GREATEST(size, LEAST(30, (SELECT count(*) \
                    FROM household_members WHERE household_id = $1 AND removed_at IS NULL))), \
                    updated_by = $2, updated_at = now() WHERE id = $1",
            )
            .bind::<diesel::sql_types::BigInt, _>(into)
            .bind::<diesel::sql_types::BigInt, _>(actor)
            .execute(conn)
            .await?;
            diesel::update(households::table.find(id))
                .set((
                    households::merged_into.eq(into),
                    households::updated_by.eq(actor),
                    households::updated_at.eq(Utc::now()),
                ))
                .execute(conn)
                .await?;
            audit::record(
                conn,
                Some(actor),
                "merge",
                "household",
                Some(id),
                json!({"into": into, "applications": moved_applications}),
            )
            .await?;
            audit::record(
                conn,
                Some(actor),
                "merge",
                "household",
                Some(into),
                json!({"merged": id, "applications": moved_applications}),
            )
            .await?;
            load(conn, into).await
        })
        .await?;
    audit::record_access(conn, actor, "household", merged.id, Channel::Api).await?;
    Ok(merged)
}
