//! Likely duplicates (SPEC "Duplicate households"): the same phone in any format, the same
//! Hangul name without its spaces, the same romanized name in either order and any case, a
//! member with the same name and birth year, the same street address and ZIP. PostgreSQL
//! compares the keys it keeps beside each household and member (migration
//! `household_matching`), by index; a household merged into another is never a match.

#[allow(unused_imports)]
use super::*;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text};

use crate::domain::MatchReason;

/// What is known of a family being entered.
#[derive(Debug, Clone, Default)]
pub struct Probe {
    pub name: Option<String>,
    pub name_ko: Option<String>,
    pub phone: Option<String>,
    /// The street address (line 1); it counts only with the ZIP.
    pub address: Option<String>,
    pub postal_code: Option<String>,
    /// People in the family by name, with their birth year (a member matches on both).
    pub members: Vec<(String, Option<i32>)>,
}

/// A household that may be the family being entered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Match {
    pub id: i64,
    pub name: String,
    pub name_ko: Option<String>,
    pub city: String,
    pub reasons: Vec<MatchReason>,
}

/// A possible duplicate as the create answer names it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DuplicateRef {
    pub id: i64,
    pub reasons: Vec<MatchReason>,
}

#[derive(QueryableByName)]
struct MatchRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<Text>)]
    name_ko: Option<String>,
    #[diesel(sql_type = Text)]
    city: String,
    #[diesel(sql_type = Bool)]
    phone: bool,
    #[diesel(sql_type = Bool)]
    by_name_ko: bool,
    #[diesel(sql_type = Bool)]
    by_name: bool,
    #[diesel(sql_type = Bool)]
    member: bool,
    #[diesel(sql_type = Bool)]
    address: bool,
}

/// At most this many likely matches, the most reasons first.
const MAX_MATCHES: i64 = 10;

/// Households that may be the family `probe` describes, other than `except`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn matches(
    conn: &mut AsyncPgConnection,
    probe: &Probe,
    except: Option<i64>,
) -> AppResult<Vec<Match>> {
    let blank = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (member_names, member_years): (Vec<String>, Vec<Option<i32>>) = probe
        .members
        .iter()
        .filter(|(name, year)| !name.trim().is_empty() && year.is_some())
        .cloned()
        .unzip();
    // Each way of matching finds its candidates through its own index (`candidate`); one
    // OR over all of them, the members' subquery included, scanned every household.
    let rows: Vec<MatchRow> = crate::db::prepared(diesel::sql_query(
        "WITH p AS (SELECT gt_phone_key($1) AS phone, gt_hangul_key($2) AS name_ko, \
                    gt_name_key($3) AS name, gt_address_key($4, $5) AS address), \
              m AS (SELECT gt_name_key(n) AS name_key, y FROM unnest($6::text[], $7::int[]) AS t(n, y)), \
              candidate AS ( \
                SELECT h.id FROM households h, p WHERE length(p.phone) >= 7 AND h.phone_key = p.phone \
                UNION SELECT h.id FROM households h, p WHERE p.name_ko <> '' AND h.name_ko_key = p.name_ko \
                UNION SELECT h.id FROM households h, p WHERE p.name <> '' AND h.name_key = p.name \
                UNION SELECT h.id FROM households h, p WHERE h.address_key = p.address \
                UNION SELECT hm.household_id FROM household_members hm JOIN m \
                      ON hm.name_key = m.name_key AND hm.birth_year = m.y WHERE hm.removed_at IS NULL), \
              found AS ( \
                SELECT h.id, h.name, h.name_ko, h.city, \
                       coalesce(length(p.phone) >= 7 AND h.phone_key = p.phone, false) AS phone, \
                       coalesce(p.name_ko <> '' AND h.name_ko_key = p.name_ko, false) AS by_name_ko, \
                       coalesce(p.name <> '' AND h.name_key = p.name, false) AS by_name, \
                       EXISTS (SELECT 1 FROM household_members hm JOIN m \
                               ON hm.name_key = m.name_key AND hm.birth_year = m.y \
                               WHERE hm.household_id = h.id AND hm.removed_at IS NULL) AS member, \
                       coalesce(h.address_key = p.address, false) AS address \
                FROM households h JOIN candidate c ON c.id = h.id, p \
                WHERE h.merged_into IS NULL AND h.id <> coalesce($8, 0)) \
         SELECT * FROM found \
         ORDER BY phone::int + by_name_ko::int + by_name::int + member::int + address::int DESC, id \
         LIMIT $9",
    )
    .bind::<Nullable<Text>, _>(blank(&probe.phone))
    .bind::<Nullable<Text>, _>(blank(&probe.name_ko))
    .bind::<Nullable<Text>, _>(blank(&probe.name))
    .bind::<Nullable<Text>, _>(blank(&probe.address))
    .bind::<Nullable<Text>, _>(blank(&probe.postal_code))
    .bind::<Array<Text>, _>(member_names)
    .bind::<Array<Nullable<Integer>>, _>(member_years)
    .bind::<Nullable<BigInt>, _>(except)
    .bind::<BigInt, _>(MAX_MATCHES))
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let reasons = [
                (r.phone, MatchReason::Phone),
                (r.by_name_ko, MatchReason::NameKo),
                (r.by_name, MatchReason::Name),
                (r.member, MatchReason::Member),
                (r.address, MatchReason::Address),
            ]
            .into_iter()
            .filter_map(|(hit, reason)| hit.then_some(reason))
            .collect();
            Match {
                id: r.id,
                name: r.name,
                name_ko: r.name_ko,
                city: r.city,
                reasons,
            }
        })
        .collect())
}

/// What a household's own record says, as a probe for others like it.
pub fn probe_of(h: &Household) -> Probe {
    Probe {
        name: Some(h.name.clone()),
        name_ko: h.name_ko.clone(),
        phone: h.phone.clone(),
        address: Some(h.address.line1.clone()),
        postal_code: Some(h.address.postal_code.clone()),
        members: h
            .members
            .iter()
            .map(|m| (m.name.clone(), m.birth_year))
            .collect(),
    }
}

/// The households already recorded that may be the same family as `h`.
pub async fn possible_duplicates(
    conn: &mut AsyncPgConnection,
    h: &Household,
) -> AppResult<Vec<DuplicateRef>> {
    Ok(matches(conn, &probe_of(h), Some(h.id))
        .await?
        .into_iter()
        .map(|m| DuplicateRef {
            id: m.id,
            reasons: m.reasons,
        })
        .collect())
}
