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
        let ids = record_documents(conn, actor, id, &[kind], note.as_deref()).await?;
        let docs = load_documents(conn, id).await?;
        docs.into_iter()
            .find(|d| ids.contains(&d.id))
            .ok_or(AppError::NotFound("document"))
    })
    .await
}

/// Records every document ticked on the program's checklist at once, with the same note
/// if one is given, in one transaction (a kind ticked twice is recorded once).
#[tracing::instrument(level = "debug", skip_all, fields(actor, id))]
pub async fn add_documents(
    conn: &mut AsyncPgConnection,
    actor: i64,
    id: i64,
    kinds: &[DocumentKind],
    note: Option<&str>,
) -> AppResult<Vec<Document>> {
    if kinds.is_empty() {
        return Err(AppError::invalid_field(
            "kind",
            Problem::new("err-documents-none-ticked"),
        ));
    }
    let mut unique: Vec<DocumentKind> = Vec::new();
    for kind in kinds {
        if !unique.contains(kind) {
            unique.push(*kind);
        }
    }
    conn.transaction(async move |conn| {
        let ids = record_documents(conn, actor, id, &unique, note).await?;
        let docs = load_documents(conn, id).await?;
        Ok(docs.into_iter().filter(|d| ids.contains(&d.id)).collect())
    })
    .await
}

/// Inserts the documents under the application's lock, each with its audit row, when
/// its status still takes documents. Their ids.
async fn record_documents(
    conn: &mut AsyncPgConnection,
    actor: i64,
    id: i64,
    kinds: &[DocumentKind],
    note: Option<&str>,
) -> AppResult<Vec<i64>> {
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
    let mut ids = Vec::with_capacity(kinds.len());
    for kind in kinds {
        let doc_id: i64 = diesel::insert_into(documents::table)
            .values((
                documents::application_id.eq(id),
                documents::kind.eq(kind.as_str()),
                documents::note.eq(note),
                documents::verified_by.eq(actor),
            ))
            .returning(documents::id)
            .get_result(conn)
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
        ids.push(doc_id);
    }
    diesel::update(applications::table.find(id))
        .set(applications::updated_at.eq(Utc::now()))
        .execute(conn)
        .await?;
    Ok(ids)
}

pub(super) async fn load_documents(
    mut conn: &AsyncPgConnection,
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
        .load(&mut conn)
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
