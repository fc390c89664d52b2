//! Households: create, change, search and read (each read logged), with their members.

pub mod api;
mod matching;
mod merge;
pub mod web;

pub use matching::{DuplicateRef, Match, Probe, matches, possible_duplicates};
pub use merge::merge;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};

use crate::audit::{self, Channel};
use crate::db::schema::{applications, household_members, households};
use crate::domain::household::{Address, HouseholdChanges, HouseholdInput, Member, NewHousehold};
use crate::domain::{FieldErrors, Language, Money, Problem, Program, Relationship, Status};
use crate::error::{AppError, AppResult};
use crate::paging::{Page, Paging};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = households)]
struct HouseholdRow {
    id: i64,
    name: String,
    name_ko: Option<String>,
    phone: Option<String>,
    preferred_language: Language,
    address_line1: String,
    address_line2: Option<String>,
    city: String,
    state: String,
    postal_code: String,
    size: i32,
    annual_income: Money,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    merged_into: Option<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct AddressView {
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: String,
    pub postal_code: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = household_members)]
pub struct MemberRow {
    pub id: i64,
    pub name: String,
    pub relationship: Relationship,
    pub birth_year: Option<i32>,
}

impl MemberRow {
    pub fn relationship(&self) -> Relationship {
        self.relationship
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplicationSummary {
    pub id: i64,
    pub number: String,
    pub program: Program,
    pub status: Status,
    pub requested_amount: Money,
    pub created_at: DateTime<Utc>,
}

/// A household as the API returns it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Household {
    pub id: i64,
    pub name: String,
    pub name_ko: Option<String>,
    pub phone: Option<String>,
    pub preferred_language: Language,
    pub address: AddressView,
    pub size: i32,
    pub annual_income: Money,
    pub members: Vec<MemberRow>,
    pub applications: Vec<ApplicationSummary>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The household this one was merged into (an admin found they were one family); its
    /// applications and members are there now.
    pub merged_into: Option<i64>,
}

impl Household {
    /// The family's name as a letter to them writes it: Hangul first for Korean readers.
    pub fn name_in(&self, lang: Language) -> String {
        match (&self.name_ko, lang) {
            (Some(ko), Language::Ko) => format!("{ko} ({})", self.name),
            _ => self.name.clone(),
        }
    }
}

/// One search hit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, diesel::QueryableByName)]
pub struct HouseholdSummary {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub name: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub name_ko: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub phone: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub city: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub state: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub size: i32,
}

impl HouseholdRow {
    fn into_household(
        self,
        members: Vec<MemberRow>,
        applications: Vec<ApplicationSummary>,
    ) -> Household {
        Household {
            id: self.id,
            name: self.name,
            name_ko: self.name_ko,
            phone: self.phone,
            preferred_language: self.preferred_language,
            address: AddressView {
                line1: self.address_line1,
                line2: self.address_line2,
                city: self.city,
                state: self.state,
                postal_code: self.postal_code,
            },
            size: self.size,
            annual_income: self.annual_income,
            members,
            applications,
            created_at: self.created_at,
            updated_at: self.updated_at,
            merged_into: self.merged_into,
        }
    }
}

/// The audited picture of a household's own fields.
fn snapshot(h: &Household) -> Value {
    json!({
        "name": h.name, "name_ko": h.name_ko, "phone": h.phone,
        "preferred_language": h.preferred_language, "address": h.address,
        "size": h.size, "annual_income": h.annual_income,
        "members": h.members,
    })
}

async fn insert_members(
    conn: &mut AsyncPgConnection,
    household_id: i64,
    members: &[Member],
) -> AppResult<()> {
    let rows: Vec<_> = members
        .iter()
        .map(|m| {
            (
                household_members::household_id.eq(household_id),
                household_members::name.eq(&m.name),
                household_members::relationship.eq(m.relationship.as_str()),
                household_members::birth_year.eq(m.birth_year),
            )
        })
        .collect();
    if !rows.is_empty() {
        // Prepared once per number of members (diesel caches no multi-row insert).
        crate::db::prepared(diesel::insert_into(household_members::table).values(rows))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Parses and creates a household with its members, in one transaction with its audit row.
#[tracing::instrument(level = "debug", skip_all, fields(actor))]
pub async fn create(
    conn: &mut AsyncPgConnection,
    actor: i64,
    today: NaiveDate,
    input: &HouseholdInput,
) -> AppResult<Household> {
    let new: NewHousehold = input.parse_new(today.year())?;
    if let Some(i) = new.members.iter().position(|m| m.id.is_some()) {
        return Err(AppError::invalid_field(
            &format!("members[{i}].id"),
            Problem::new("err-member-id-on-create"),
        ));
    }
    conn.transaction(async move |conn| {
        let id: i64 = diesel::insert_into(households::table)
            .values((
                households::name.eq(&new.name),
                households::name_ko.eq(&new.name_ko),
                households::phone.eq(&new.phone),
                households::preferred_language.eq(new.preferred_language.as_str()),
                households::address_line1.eq(&new.address.line1),
                households::address_line2.eq(&new.address.line2),
                households::city.eq(&new.address.city),
                households::state.eq(&new.address.state),
                households::postal_code.eq(&new.address.postal_code),
                households::size.eq(new.size),
                households::annual_income.eq(new.annual_income.decimal()),
                households::created_by.eq(actor),
            ))
            .returning(households::id)
            .get_result(conn)
            .await?;
        insert_members(conn, id, &new.members).await?;
        let household = load(conn, id).await?;
        audit::record(
            conn,
            Some(actor),
            "create",
            "household",
            Some(id),
            snapshot(&household),
        )
        .await?;
        Ok(household)
    })
    .await
}

/// Applies the fields present in `input`, in one transaction with its audit row of what changed.
#[tracing::instrument(level = "debug", skip_all, fields(actor, id))]
pub async fn update(
    conn: &mut AsyncPgConnection,
    actor: i64,
    id: i64,
    today: NaiveDate,
    input: &HouseholdInput,
) -> AppResult<Household> {
    conn.transaction(async move |conn| {
        households::table
            .find(id)
            .select(households::id)
            .for_update()
            .first::<i64>(conn)
            .await
            .optional()?
            .ok_or(AppError::NotFound("household"))?;
        let before = load(conn, id).await?;
        let changes: HouseholdChanges = input.parse_changes(today.year(), before.size)?;
        apply_changes(conn, actor, &before, &changes).await?;
        let after = load(conn, id).await?;
        let diff = audit::diff(&snapshot(&before), &snapshot(&after));
        audit::record(conn, Some(actor), "update", "household", Some(id), diff).await?;
        Ok(after)
    })
    .await
}

/// The columns a change sets; `None` leaves a column as it is (and `Some(None)` clears
/// a nullable one), so any change is one UPDATE.
#[derive(AsChangeset)]
#[diesel(table_name = households)]
struct HouseholdChangeset<'a> {
    name: Option<&'a str>,
    name_ko: Option<Option<&'a str>>,
    phone: Option<Option<&'a str>>,
    preferred_language: Option<&'static str>,
    address_line1: Option<&'a str>,
    address_line2: Option<Option<&'a str>>,
    city: Option<&'a str>,
    state: Option<&'a str>,
    postal_code: Option<&'a str>,
    size: Option<i32>,
    annual_income: Option<Decimal>,
    updated_by: i64,
    updated_at: DateTime<Utc>,
}

impl<'a> HouseholdChangeset<'a> {
    fn new(actor: i64, c: &'a HouseholdChanges) -> Self {
        let address: Option<&'a Address> = c.address.as_ref();
        HouseholdChangeset {
            name: c.name.as_deref(),
            name_ko: c.name_ko.as_ref().map(Option::as_deref),
            phone: c.phone.as_ref().map(Option::as_deref),
            preferred_language: c.preferred_language.map(|l| l.as_str()),
            address_line1: address.map(|a| a.line1.as_str()),
            address_line2: address.map(|a| a.line2.as_deref()),
            city: address.map(|a| a.city.as_str()),
            state: address.map(|a| a.state.as_str()),
            postal_code: address.map(|a| a.postal_code.as_str()),
            size: c.size,
            annual_income: c.annual_income.map(Money::decimal),
            updated_by: actor,
            updated_at: Utc::now(),
        }
    }
}

async fn apply_changes(
    conn: &mut AsyncPgConnection,
    actor: i64,
    before: &Household,
    c: &HouseholdChanges,
) -> AppResult<()> {
    if let Some(size) = c.size
        && c.members.is_none()
        && before.members.len() as i32 > size
    {
        return Err(AppError::invalid_field(
            "size",
            Problem::new("err-size-below-members").arg("count", before.members.len()),
        ));
    }
    diesel::update(households::table.find(before.id))
        .set(HouseholdChangeset::new(actor, c))
        .execute(conn)
        .await?;
    if let Some(members) = &c.members {
        replace_members(conn, before, members).await?;
    }
    Ok(())
}

/// Members with an id are changed, those without are added, and current members not
/// listed are marked removed (never deleted: a fee line may name them).
async fn replace_members(
    conn: &mut AsyncPgConnection,
    before: &Household,
    members: &[Member],
) -> AppResult<()> {
    let mut errors = FieldErrors::new();
    for (i, m) in members.iter().enumerate() {
        if let Some(mid) = m.id
            && !before.members.iter().any(|b| b.id == mid)
        {
            errors.add(
                format!("members[{i}].id"),
                Problem::new("err-member-unknown"),
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let kept: Vec<i64> = members.iter().filter_map(|m| m.id).collect();
    diesel::update(
        household_members::table
            .filter(household_members::household_id.eq(before.id))
            .filter(household_members::removed_at.is_null())
            .filter(household_members::id.ne_all(&kept)),
    )
    .set(household_members::removed_at.eq(Utc::now()))
    .execute(conn)
    .await?;
    for m in members {
        if let Some(mid) = m.id {
            diesel::update(household_members::table.find(mid))
                .set((
                    household_members::name.eq(&m.name),
                    household_members::relationship.eq(m.relationship.as_str()),
                    household_members::birth_year.eq(m.birth_year),
                ))
                .execute(conn)
                .await?;
        }
    }
    let added: Vec<Member> = members.iter().filter(|m| m.id.is_none()).cloned().collect();
    insert_members(conn, before.id, &added).await
}

/// The household with its current members and its applications (not logged: internal).
async fn load(conn: &AsyncPgConnection, id: i64) -> AppResult<Household> {
    // The three reads go out together on the one connection (pipelined): one round trip.
    let (mut c1, mut c2) = (conn, conn);
    let row = async {
        households::table
            .find(id)
            .select(HouseholdRow::as_select())
            .first::<HouseholdRow>(&mut c1)
            .await
            .optional()?
            .ok_or(AppError::NotFound("household"))
    };
    let apps = async {
        Ok(applications::table
            .filter(applications::household_id.eq(id))
            .order(applications::id.desc())
            .select((
                applications::id,
                applications::number,
                applications::program,
                applications::status,
                applications::requested_amount,
                applications::created_at,
            ))
            .load::<(i64, String, Program, Status, Money, DateTime<Utc>)>(&mut c2)
            .await?)
    };
    let (row, members, apps) = futures_util::try_join!(row, members(conn, id), apps)?;
    let applications = apps
        .into_iter()
        .map(
            |(id, number, program, status, amount, created_at)| ApplicationSummary {
                id,
                number,
                program,
                status,
                requested_amount: amount,
                created_at,
            },
        )
        .collect();
    Ok(row.into_household(members, applications))
}

#[tracing::instrument(level = "debug", skip_all, fields(household_id))]
pub async fn members(mut conn: &AsyncPgConnection, household_id: i64) -> AppResult<Vec<MemberRow>> {
    Ok(household_members::table
        .filter(household_members::household_id.eq(household_id))
        .filter(household_members::removed_at.is_null())
        .order(household_members::id)
        .select(MemberRow::as_select())
        .load(&mut conn)
        .await?)
}

/// A user reads a household: the read is logged (who, when, where from).
#[tracing::instrument(level = "debug", skip_all, fields(user_id, id))]
pub async fn view(
    conn: &mut AsyncPgConnection,
    user_id: i64,
    id: i64,
    channel: Channel,
) -> AppResult<Household> {
    let household = load(conn, id).await?;
    audit::record_access(conn, user_id, "household", id, channel).await?;
    Ok(household)
}

/// Creates the household after the caseworker saw the likely matches `different_from`
/// and said it is another family: that answer is kept in the audit trail with the record.
#[tracing::instrument(level = "debug", skip_all, fields(actor))]
pub async fn create_distinct(
    conn: &mut AsyncPgConnection,
    actor: i64,
    today: NaiveDate,
    input: &HouseholdInput,
    different_from: &[i64],
) -> AppResult<Household> {
    conn.transaction(async move |conn| {
        let household = create(conn, actor, today, input).await?;
        audit::record(
            conn,
            Some(actor),
            "not_duplicate",
            "household",
            Some(household.id),
            json!({"different_from": different_from}),
        )
        .await?;
        Ok(household)
    })
    .await
}

/// Search by any part of the romanized or Hangul name (Hangul spaces ignored), the name's
/// words in either order, any part of the phone number (`+1` and punctuation ignored), a
/// member's name, the street address or the ZIP. A household merged into another is not
/// listed.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn search(
    conn: &mut AsyncPgConnection,
    q: &str,
    paging: Paging,
) -> AppResult<Page<HouseholdSummary>> {
    use diesel::sql_types::{BigInt, Nullable, Text};
    let q = q.trim();
    let like = |text: &str| {
        let escaped = text
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    };
    let mut digits: String = q.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 11 && digits.starts_with('1') {
        digits.remove(0);
    }
    let compact: String = q.chars().filter(|c| !c.is_whitespace()).collect();
    // Each way of finding a family has its own index; the households' ways are one OR over
    // one table (a bitmap OR of their indexes), the members' come in by UNION. One OR over
    // both, the members' EXISTS included, read every household (17 ms at 100,000).
    let query = if q.is_empty() {
        diesel::sql_query(
            "SELECT h.id, h.name, h.name_ko, h.phone, h.city, h.state, h.size FROM households h \
             WHERE h.merged_into IS NULL AND h.id > $1 ORDER BY h.id LIMIT $7",
        )
    } else {
        diesel::sql_query(
            "WITH found AS ( \
                SELECT h.id FROM households h \
                WHERE h.name ILIKE $3 OR h.name_ko ILIKE $3 OR h.name_key = gt_name_key($2) \
                   OR h.name_ko_key LIKE $4 OR h.phone_key LIKE $5 \
                   OR h.address_line1 ILIKE $3 OR h.postal_code LIKE $6 \
                UNION \
                SELECT m.household_id FROM household_members m \
                WHERE m.removed_at IS NULL AND (m.name ILIKE $3 OR m.name_key = gt_name_key($2))) \
             SELECT h.id, h.name, h.name_ko, h.phone, h.city, h.state, h.size \
             FROM households h JOIN found f ON f.id = h.id \
             WHERE h.merged_into IS NULL AND h.id > $1 ORDER BY h.id LIMIT $7",
        )
    };
    let items: Vec<HouseholdSummary> = query
        .bind::<BigInt, _>(paging.after.unwrap_or(0))
        .bind::<Text, _>(q)
        .bind::<Text, _>(like(q))
        .bind::<Text, _>(like(&compact))
        .bind::<Nullable<Text>, _>((digits.len() >= 3).then(|| like(&digits)))
        .bind::<Nullable<Text>, _>(
            (q.len() == 5 && q.chars().all(|c| c.is_ascii_digit())).then(|| format!("{q}%")),
        )
        .bind::<BigInt, _>(paging.limit + 1)
        .load(conn)
        .await?;
    Ok(Page::from_rows(items, paging.limit, |h| h.id))
}
