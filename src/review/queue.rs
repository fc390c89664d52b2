//! The board's review queue: what waits for a vote, oldest first, with the eligibility
//! summary and the votes so far.

#[allow(unused_imports)]
use super::*;
use crate::paging::{Page, Paging};

/// A row of the board's queue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, QueryableByName)]
pub struct QueueItem {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub number: String,
    #[diesel(sql_type = Text)]
    pub program: Program,
    #[diesel(sql_type = Text)]
    pub site: String,
    #[diesel(sql_type = Text)]
    pub status: Status,
    #[diesel(sql_type = Numeric)]
    pub requested_amount: Money,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub submitted_at: Option<DateTime<Utc>>,
    /// The standing eligibility result and the income as a percent of the guideline.
    #[diesel(sql_type = Nullable<Text>)]
    pub eligibility: Option<crate::domain::status::CheckResult>,
    #[diesel(sql_type = Nullable<Numeric>)]
    #[schema(value_type = Option<String>)]
    pub percent_of_guideline: Option<Decimal>,
    /// Rules that did not pass, by name.
    #[diesel(sql_type = Nullable<Text>)]
    pub flagged_rules: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub votes_cast: i64,
    #[diesel(sql_type = Nullable<Text>)]
    pub my_vote: Option<String>,
    #[diesel(sql_type = Bool)]
    pub declared: bool,
    /// False when separation of duties keeps this member out.
    #[diesel(sql_type = Bool)]
    pub may_vote: bool,
}

/// Eligible and needs-review applications, the oldest application first, as `user` sees
/// them, a page at a time.
#[tracing::instrument(level = "debug", skip_all, fields(user = user.id))]
pub async fn queue(
    conn: &mut AsyncPgConnection,
    user: &User,
    paging: Paging,
) -> AppResult<Page<QueueItem>> {
    let rows: Vec<QueueItem> = diesel::sql_query(
        "SELECT a.id, a.number, a.program, s.code AS site, a.status, a.requested_amount, a.submitted_at,
                c.result AS eligibility, c.percent_of_guideline,
                (SELECT string_agg(r->>'rule', ', ') FROM jsonb_array_elements(c.rules) r
                 WHERE r->>'outcome' <> 'pass') AS flagged_rules,
                (SELECT count(*) FROM votes v WHERE v.application_id = a.id AND v.vote <> 'recuse') AS votes_cast,
                (SELECT v.vote FROM votes v WHERE v.application_id = a.id AND v.voter_id = $1) AS my_vote,
                EXISTS (SELECT 1 FROM review_declarations d WHERE d.application_id = a.id AND d.user_id = $1) AS declared,
                review_barred(a.id, $1) IS NULL AS may_vote
         FROM applications a JOIN sites s ON s.id = a.site_id
         LEFT JOIN LATERAL (SELECT result, percent_of_guideline, rules FROM eligibility_checks e
                            WHERE e.application_id = a.id AND e.kind = 'check'
                            ORDER BY e.id DESC LIMIT 1) c ON true
         WHERE a.status IN ('eligible', 'needs_review') AND a.id > $2
         ORDER BY a.id
         LIMIT $3",
    )
    .bind::<BigInt, _>(user.id)
    .bind::<BigInt, _>(paging.after.unwrap_or(0))
    .bind::<BigInt, _>(paging.limit + 1)
    .load(conn)
    .await?;
    Ok(Page::from_rows(rows, paging.limit, |q| q.id))
}
