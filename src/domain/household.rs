//! A household as entered: the raw input (from JSON or a form) and its parsed form.

use serde::Deserialize;
use serde_json::Value;

use super::input::*;
use super::money::Money;
use super::vocab::{Language, Relationship, is_us_state};

/// What a client sends to create or change a household. Every field is optional here so
/// that all problems are reported together, and so a PATCH can reuse it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct HouseholdInput {
    #[schema(value_type = super::schema::Text, required = true, example = "Kim Minjun")]
    pub name: Option<String>,
    #[schema(value_type = Option<super::schema::OptionalText>, example = "김민준")]
    pub name_ko: Option<String>,
    /// 7 to 15 digits, with spaces, `+`, `-`, `(`, `)`, `.` or `x` between them.
    #[schema(max_length = 40, pattern = r"^[0-9 +\-().x]*$")]
    pub phone: Option<String>,
    #[schema(value_type = crate::domain::Language, required = true)]
    pub preferred_language: Option<String>,
    #[schema(value_type = AddressInput, required = true)]
    pub address: Option<AddressInput>,
    /// A number, or its text as a form sends it.
    #[schema(value_type = i32, required = true, minimum = 1, maximum = 30)]
    pub size: Option<Value>,
    #[schema(value_type = super::Money, required = true, example = "48000.00")]
    pub annual_income: Option<Value>,
    /// At most 30, and no more than `size`; none if left out or null.
    #[schema(value_type = Option<Vec<MemberInput>>, max_items = 30)]
    pub members: Option<Vec<MemberInput>>,
}

super::schema::schema_only! {
    /// The OpenAPI body of `PATCH /api/v1/households/{id}`, which reads a [`HouseholdInput`].
    HouseholdPatch => super::schema::changes_to(
        <HouseholdInput as utoipa::PartialSchema>::schema(),
        "Any of the fields of a new household; one left out or null stays as it is, \
         except that null clears `name_ko` and `phone`. `members` replaces the list: \
         a member with an `id` is changed, one without is added, one not listed is removed.",
    )
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AddressInput {
    #[schema(value_type = super::schema::Text, required = true)]
    pub line1: Option<String>,
    #[schema(value_type = Option<super::schema::OptionalText>)]
    pub line2: Option<String>,
    #[schema(value_type = super::schema::Text, required = true, max_length = 100)]
    pub city: Option<String>,
    /// A U.S. state or territory's two-letter code.
    #[schema(value_type = String, required = true, example = "CA", pattern = r"^\s*[A-Za-z]{2}\s*$")]
    pub state: Option<String>,
    #[schema(value_type = String, required = true, example = "90006",
        pattern = r"^\s*[0-9]{5}(-[0-9]{4})?\s*$")]
    pub postal_code: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct MemberInput {
    /// Present when changing a member who already exists.
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub id: Option<Value>,
    #[schema(value_type = super::schema::Text, required = true)]
    pub name: Option<String>,
    #[schema(value_type = crate::domain::Relationship, required = true)]
    pub relationship: Option<String>,
    /// From 1900 to this year.
    #[schema(value_type = Option<i32>, minimum = 1900)]
    pub birth_year: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: String,
    pub postal_code: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub id: Option<i64>,
    pub name: String,
    pub relationship: Relationship,
    pub birth_year: Option<i32>,
}

/// A complete, valid household.
#[derive(Debug, Clone, PartialEq)]
pub struct NewHousehold {
    pub name: String,
    pub name_ko: Option<String>,
    pub phone: Option<String>,
    pub preferred_language: Language,
    pub address: Address,
    pub size: i32,
    pub annual_income: Money,
    pub members: Vec<Member>,
}

/// The fields a PATCH changes; `None` leaves a field as it is. For the optional texts,
/// `Some(None)` clears them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HouseholdChanges {
    pub name: Option<String>,
    pub name_ko: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub preferred_language: Option<Language>,
    pub address: Option<Address>,
    pub size: Option<i32>,
    pub annual_income: Option<Money>,
    pub members: Option<Vec<Member>>,
}

pub const MAX_HOUSEHOLD_SIZE: i64 = 30;
pub const MAX_MEMBERS: usize = 30;

fn parse_phone(errors: &mut FieldErrors, value: Option<&str>) -> Option<String> {
    let phone = optional_text(errors, "phone", value, 40)?;
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = |c: char| c.is_ascii_digit() || " +-().".contains(c) || c == 'x';
    if !(7..=15).contains(&digits) || !phone.chars().all(allowed) {
        errors.add("phone", Problem::new("err-phone"));
        return None;
    }
    Some(phone)
}

fn parse_address(errors: &mut FieldErrors, input: &AddressInput) -> Option<Address> {
    let line1 = required_text(errors, "address.line1", input.line1.as_deref(), SHORT_TEXT);
    let line2 = optional_text(errors, "address.line2", input.line2.as_deref(), SHORT_TEXT);
    let city = required_text(errors, "address.city", input.city.as_deref(), 100);
    let state = required_text(errors, "address.state", input.state.as_deref(), 2)
        .map(|s| s.to_ascii_uppercase())
        .filter(|s| {
            let known = is_us_state(s);
            if !known {
                errors.add("address.state", Problem::new("err-state"));
            }
            known
        });
    let postal_code = required_text(
        errors,
        "address.postal_code",
        input.postal_code.as_deref(),
        10,
    )
    .filter(|p| {
        let bytes = p.as_bytes();
        let ok = (p.len() == 5 || (p.len() == 10 && bytes[5] == b'-'))
            && p.chars()
                .enumerate()
                .all(|(i, c)| if i == 5 { c == '-' } else { c.is_ascii_digit() });
        if !ok {
            errors.add("address.postal_code", Problem::new("err-postal-code"));
        }
        ok
    });
    Some(Address {
        line1: line1?,
        line2,
        city: city?,
        state: state?,
        postal_code: postal_code?,
    })
}

/// A number the document types as an integer (or null): empty text is not "left out" but
/// a wrong value, named as such (the forms never send one; they leave the field out).
fn not_blank_text<'a>(
    errors: &mut FieldErrors,
    field: &str,
    value: &'a Option<Value>,
) -> Option<&'a Value> {
    match value {
        Some(Value::String(text)) if text.trim().is_empty() => {
            errors.add(field, Problem::new("err-int"));
            None
        }
        other => other.as_ref(),
    }
}

fn parse_members(errors: &mut FieldErrors, inputs: &[MemberInput], this_year: i32) -> Vec<Member> {
    if inputs.len() > MAX_MEMBERS {
        errors.add(
            "members",
            Problem::new("err-too-many").arg("max", MAX_MEMBERS),
        );
        return Vec::new();
    }
    inputs
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            let field = |name: &str| format!("members[{i}].{name}");
            let id_value = not_blank_text(errors, &field("id"), &m.id);
            let id = optional_int(errors, &field("id"), id_value, 1, i64::MAX);
            let name = required_text(errors, &field("name"), m.name.as_deref(), SHORT_TEXT);
            let relationship = required_choice(
                errors,
                &field("relationship"),
                m.relationship.as_deref(),
                Relationship::parse,
                Relationship::ALL,
                Relationship::as_str,
            );
            let year_value = not_blank_text(errors, &field("birth_year"), &m.birth_year);
            let birth_year = optional_int(
                errors,
                &field("birth_year"),
                year_value,
                1900,
                this_year.into(),
            );
            Some(Member {
                id,
                name: name?,
                relationship: relationship?,
                birth_year: birth_year.map(|y| y as i32),
            })
        })
        .collect()
}

fn parse_language(errors: &mut FieldErrors, value: Option<&str>) -> Option<Language> {
    required_choice(
        errors,
        "preferred_language",
        value,
        Language::parse,
        Language::ALL,
        Language::as_str,
    )
}

impl HouseholdInput {
    /// Parses a new household: every required field must be there.
    pub fn parse_new(&self, this_year: i32) -> Result<NewHousehold, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = required_text(&mut e, "name", self.name.as_deref(), SHORT_TEXT);
        let name_ko = optional_text(&mut e, "name_ko", self.name_ko.as_deref(), SHORT_TEXT);
        let phone = parse_phone(&mut e, self.phone.as_deref());
        let language = parse_language(&mut e, self.preferred_language.as_deref());
        let address = match &self.address {
            Some(a) => parse_address(&mut e, a),
            None => {
                e.add("address", Problem::new("err-required"));
                None
            }
        };
        let size = required_int(&mut e, "size", self.size.as_ref(), 1, MAX_HOUSEHOLD_SIZE);
        let income = required_money(&mut e, "annual_income", self.annual_income.as_ref());
        let members = parse_members(
            &mut e,
            self.members.as_deref().unwrap_or_default(),
            this_year,
        );
        check_members_fit(&mut e, size, &members);
        e.finish(|| NewHousehold {
            name: name.unwrap_or_default(),
            name_ko,
            phone,
            preferred_language: language.unwrap_or_default(),
            address: address.expect("checked"),
            size: size.unwrap_or_default() as i32,
            annual_income: income.unwrap_or_default(),
            members,
        })
    }

    /// Parses a change: only the fields present are checked and changed.
    /// `current_size` is the household's size now, to check the members against.
    pub fn parse_changes(
        &self,
        this_year: i32,
        current_size: i32,
    ) -> Result<HouseholdChanges, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut changes = HouseholdChanges::default();
        if self.name.is_some() {
            changes.name = required_text(&mut e, "name", self.name.as_deref(), SHORT_TEXT);
        }
        if self.name_ko.is_some() {
            changes.name_ko = Some(optional_text(
                &mut e,
                "name_ko",
                self.name_ko.as_deref(),
                SHORT_TEXT,
            ));
        }
        if self.phone.is_some() {
            changes.phone = Some(parse_phone(&mut e, self.phone.as_deref()));
        }
        if self.preferred_language.is_some() {
            changes.preferred_language = parse_language(&mut e, self.preferred_language.as_deref());
        }
        if let Some(address) = &self.address {
            changes.address = parse_address(&mut e, address);
        }
        if self.size.is_some() {
            changes.size = required_int(&mut e, "size", self.size.as_ref(), 1, MAX_HOUSEHOLD_SIZE)
                .map(|s| s as i32);
        }
        if self.annual_income.is_some() {
            changes.annual_income =
                required_money(&mut e, "annual_income", self.annual_income.as_ref());
        }
        if let Some(members) = &self.members {
            let members = parse_members(&mut e, members, this_year);
            check_members_fit(
                &mut e,
                Some(changes.size.unwrap_or(current_size).into()),
                &members,
            );
            changes.members = Some(members);
        }
        e.finish(|| changes)
    }
}

/// The members listed cannot outnumber the household.
fn check_members_fit(errors: &mut FieldErrors, size: Option<i64>, members: &[Member]) {
    if let Some(size) = size
        && members.len() as i64 > size
    {
        errors.add(
            "members",
            Problem::new("err-members-exceed-size").arg("size", size),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(v: Value) -> HouseholdInput {
        serde_json::from_value(v).unwrap()
    }

    fn valid() -> Value {
        json!({
            "name": "Kim Minjun", "name_ko": "김민준", "phone": "(213) 555-0147",
            "preferred_language": "ko",
            "address": {"line1": "123 Wilshire Blvd", "city": "Los Angeles", "state": "ca", "postal_code": "90010"},
            "size": 4, "annual_income": "48000.00",
            "members": [{"name": "Kim Minjun", "relationship": "self", "birth_year": 1958}]
        })
    }

    #[test]
    fn a_complete_household_parses() {
        let h = input(valid()).parse_new(2026).unwrap();
        assert_eq!(h.name_ko.as_deref(), Some("김민준"));
        assert_eq!(h.address.state, "CA");
        assert_eq!(h.size, 4);
        assert_eq!(h.annual_income.to_string(), "48000.00");
        assert_eq!(h.members[0].relationship, Relationship::SelfMember);
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let errors = input(json!({
            "name": " ", "preferred_language": "fr", "size": 0, "annual_income": "-3",
            "phone": "call me",
            "address": {"line1": "x", "city": "y", "state": "ZZ", "postal_code": "9001"},
            "members": [{"name": "", "relationship": "cousin", "birth_year": 3000}]
        }))
        .parse_new(2026)
        .unwrap_err();
        let keys: Vec<(&str, &str)> = errors.iter().map(|(f, p)| (f.as_str(), p.key)).collect();
        assert_eq!(
            keys,
            vec![
                ("address.postal_code", "err-postal-code"),
                ("address.state", "err-state"),
                ("annual_income", "err-money-negative"),
                ("members[0].birth_year", "err-int-range"),
                ("members[0].name", "err-required"),
                ("members[0].relationship", "err-choice"),
                ("name", "err-required"),
                ("phone", "err-phone"),
                ("preferred_language", "err-choice"),
                ("size", "err-int-range"),
            ]
        );
    }

    #[test]
    fn members_cannot_outnumber_the_household() {
        let mut v = valid();
        v["size"] = json!(1);
        v["members"] =
            json!([{"name": "a", "relationship": "self"}, {"name": "b", "relationship": "child"}]);
        let errors = input(v).parse_new(2026).unwrap_err();
        assert_eq!(
            errors.get("members").unwrap().key,
            "err-members-exceed-size"
        );
    }

    #[test]
    fn changes_touch_only_what_is_sent() {
        let c = input(json!({"phone": "", "size": "5"}))
            .parse_changes(2026, 4)
            .unwrap();
        assert_eq!(c.phone, Some(None));
        assert_eq!(c.size, Some(5));
        assert_eq!(c.name, None);
        let e = input(json!({"name": ""}))
            .parse_changes(2026, 4)
            .unwrap_err();
        assert_eq!(e.get("name").unwrap().key, "err-required");
    }
}
