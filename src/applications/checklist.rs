//! The documents checklist: what the caseworker saw, by whom and when.

#[allow(unused_imports)]
use super::*;

/// Records a document the caseworker saw.
#[tracing::instrument(level = "debug", skip_all, fields(actor, id))]
pub async fn add_document(
    conn: &mut AsyncPgConnection,
    actor: i64,
    id: i64,
    input: &DocumentInput,
) -> AppResult<Document> {
    let (kind, note) = input.parse()?;
    conn.transaction(async move |conn| {
        let row = lock(conn, id).await?;
        let status = row.status();
        if !matches!(
            status,
            Status::Draft
                | Status::Submitted
                | Status::Eligible
                | Status::Ineligible
                | Status::NeedsReview
        ) {
            return Err(AppError::Conflict(
                Problem::new("err-documents-status").arg("status", status),
            ));
        }
        let doc_id: i64 = diesel::insert_into(documents::table)
            .values((
                documents::application_id.eq(id),
                documents::kind.eq(kind.as_str()),
                documents::note.eq(&note),
                documents::verified_by.eq(actor),
            ))
            .returning(documents::id)
            .get_result(conn)
            .await?;
        diesel::update(applications::table.find(id))
            .set(applications::updated_at.eq(Utc::now()))
            .execute(conn)
            .await?;
        audit::record(
            conn,
            Some(actor),
            "add_document",
            "application",
            Some(id),
            json!({"document_id": doc_id, "kind": kind, "note": note}),
        )
        .await?;
        let docs = load_documents(conn, id).await?;
        docs.into_iter()
            .find(|d| d.id == doc_id)
            .ok_or(AppError::NotFound("document"))
    })
    .await
}

pub(super) async fn load_documents(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> AppResult<Vec<Document>> {
    let rows: Vec<(
        i64,
        DocumentKind,
        Option<String>,
        i64,
        String,
        DateTime<Utc>,
    )> = documents::table
        .inner_join(users::table)
        .filter(documents::application_id.eq(id))
        .order(documents::id)
        .select((
            documents::id,
            documents::kind,
            documents::note,
            documents::verified_by,
            users::name,
            documents::verified_at,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, kind, note, verified_by, verified_by_name, verified_at)| Document {
                id,
                kind,
                note,
                verified_by,
                verified_by_name,
                verified_at,
            },
        )
        .collect())
}
