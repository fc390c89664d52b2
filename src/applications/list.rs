//! Lists of applications, and who may see the family's name in them.

#[allow(unused_imports)]
use super::*;

/// A row of a list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplicationListItem {
    pub id: i64,
    pub number: String,
    pub household_id: i64,
    pub household_name: Option<String>,
    pub site: String,
    pub program: Program,
    pub status: Status,
    pub requested_amount: Money,
    pub created_at: DateTime<Utc>,
}

/// Whether `user`'s roles show who applicants are in general: a board member alone sees
/// a name only after declaring no conflict on that application ([`names_visible`]).
pub fn may_see_names(user: &User) -> bool {
    user.roles.iter().any(|r| *r != Role::BoardMember)
}

#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub status: Option<Status>,
    pub program: Option<Program>,
    pub site: Option<String>,
    pub household_id: Option<i64>,
    /// Any part of the number, or of the family's name (for those who see names).
    pub q: Option<String>,
}

/// Whether a search is for an application number (`CEF-2026-00042`, `2026-000`, `42`)
/// rather than a family's name: digits and dashes, perhaps after the `CEF` prefix.
pub fn looks_like_a_number(q: &str) -> bool {
    let q = q.trim();
    let rest = q
        .get(..3)
        .filter(|prefix| prefix.eq_ignore_ascii_case("cef"))
        .map_or(q, |_| &q[3..]);
    !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit() || c == '-')
}

/// Applications, newest first. Board members see only the review queue, without names.
#[tracing::instrument(level = "debug", skip_all, fields(user = user.id))]
pub async fn list(
    conn: &mut AsyncPgConnection,
    user: &User,
    filter: &ListFilter,
    paging: Paging,
) -> AppResult<Page<ApplicationListItem>> {
    let names = may_see_names(user);
    let mut query = applications::table
        .inner_join(sites::table)
        .inner_join(households::table)
        .into_boxed();
    if !names {
        query = query.filter(
            applications::status.eq_any([Status::Eligible.as_str(), Status::NeedsReview.as_str()]),
        );
    }
    if let Some(status) = filter.status {
        query = query.filter(applications::status.eq(status.as_str()));
    }
    if let Some(program) = filter.program {
        query = query.filter(applications::program.eq(program.as_str()));
    }
    if let Some(site) = &filter.site {
        query = query.filter(sites::code.eq(site.to_ascii_uppercase()));
    }
    if let Some(hid) = filter.household_id {
        query = query.filter(applications::household_id.eq(hid));
    }
    if let Some(q) = &filter.q {
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        // A number is looked up by its own index, a name by the households' (one OR over
        // both tables could use neither and read every application: 210 ms at 100,000).
        query = if names && !looks_like_a_number(q) {
            query.filter(
                households::name
                    .ilike(pattern.clone())
                    .or(households::name_ko.ilike(pattern)),
            )
        } else {
            query.filter(applications::number.ilike(pattern))
        };
    }
    if let Some(after) = paging.after {
        query = query.filter(applications::id.lt(after));
    }
    let rows: Vec<(ApplicationRow, String, String)> = query
        .order(applications::id.desc())
        .limit(paging.limit + 1)
        .select((ApplicationRow::as_select(), sites::code, households::name))
        .load(conn)
        .await?;
    let items = rows
        .into_iter()
        .map(|(row, site, name)| ApplicationListItem {
            id: row.id,
            number: row.number.clone(),
            household_id: row.household_id,
            household_name: names.then_some(name),
            site,
            program: row.program,
            status: row.status(),
            requested_amount: row.requested_amount,
            created_at: row.created_at,
        })
        .collect();
    Ok(Page::from_rows(items, paging.limit, |a| a.id))
}

#[cfg(test)]
mod tests {
    use super::looks_like_a_number;

    #[test]
    fn a_search_is_a_number_when_it_is_digits_and_dashes() {
        for q in [
            "CEF-2026-00042",
            "cef-2026",
            "2026-000",
            "42",
            " 00042 ",
            "CEF42",
        ] {
            assert!(looks_like_a_number(q), "{q}");
        }
        for q in ["", "CEF", "Kim", "김민준", "2026 Kim", "CE-2026", "42%"] {
            assert!(!looks_like_a_number(q), "{q}");
        }
    }
}
