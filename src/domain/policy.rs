//! The fund's policy as data: every number eligibility and review use. A policy is stored
//! as a version with the date it takes effect; it is never edited, a change is a new version
//! (see `policy_versions` in the migrations). Version 1 holds SPEC.md's defaults.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{DocumentKind, EmergencyCategory, Filing, Money, Problem, US_STATES};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub immigration_fee: ImmigrationRules,
    pub emergency: EmergencyRules,
    pub caps: Caps,
    /// State codes where the fund serves households.
    pub service_area: Vec<String>,
    pub documents: DocumentRules,
    pub review: ReviewRules,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImmigrationRules {
    /// Income at most this percent of the poverty guideline.
    pub income_limit_percent: u32,
    /// At or below this percent, a form whose fee can be waived goes to review with the
    /// advice to file Form I-912 instead of spending the fund's money.
    pub fee_waiver_percent: u32,
    pub reduced_fees: Vec<ReducedFee>,
}

/// A lower USCIS fee for incomes in a band, e.g. N-400 on paper: $380.00 above 150 % and
/// at most 400 % of the guideline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReducedFee {
    pub form: String,
    pub filing: Filing,
    pub fee: Money,
    pub above_percent: u32,
    pub up_to_percent: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmergencyRules {
    pub income_limit_percent: u32,
    pub max_amount: Money,
    /// Emergency grants a household may receive in the rolling window.
    pub grants_per_window: u32,
    pub categories: Vec<EmergencyCategory>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Caps {
    /// Most one immigration-fee application may receive.
    pub per_application: Money,
    /// Most one household may receive, all programs together, in the rolling window.
    pub per_household: Money,
    /// The rolling window, in days, counted back from the check date.
    pub window_days: u32,
}

/// Each requirement is a list of document kinds, any one of which satisfies it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentRules {
    pub immigration_fee: Vec<Vec<DocumentKind>>,
    pub emergency: Vec<Vec<DocumentKind>>,
    /// Further requirements for particular forms, by form code.
    #[serde(default)]
    pub by_form: BTreeMap<String, Vec<Vec<DocumentKind>>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRules {
    /// Up to this amount one approve vote decides.
    pub fast_track_max: Money,
    /// Non-recused votes needed above the fast-track amount.
    pub quorum: u32,
}

fn money(text: &str) -> Money {
    Money::parse(text).expect("a literal amount")
}

impl Policy {
    /// SPEC.md's default policy: version 1.
    pub fn default_v1() -> Policy {
        use DocumentKind::*;
        Policy {
            immigration_fee: ImmigrationRules {
                income_limit_percent: 200,
                fee_waiver_percent: 150,
                reduced_fees: vec![ReducedFee {
                    form: "N-400".into(),
                    filing: Filing::Paper,
                    fee: money("380.00"),
                    above_percent: 150,
                    up_to_percent: 400,
                }],
            },
            emergency: EmergencyRules {
                income_limit_percent: 300,
                max_amount: money("1500.00"),
                grants_per_window: 1,
                categories: EmergencyCategory::ALL.to_vec(),
            },
            caps: Caps {
                per_application: money("2000.00"),
                per_household: money("3000.00"),
                window_days: 365,
            },
            service_area: US_STATES.iter().map(|s| s.to_string()).collect(),
            documents: DocumentRules {
                immigration_fee: vec![vec![PhotoId], vec![ProofOfIncome], vec![CompletedForm]],
                emergency: vec![vec![PhotoId, IdentityDocument], vec![EventEvidence]],
                by_form: BTreeMap::new(),
            },
            review: ReviewRules {
                fast_track_max: money("500.00"),
                quorum: 3,
            },
        }
    }

    /// Everything wrong with the policy, as `(field path, problem)`; empty when it is sound.
    /// Paths are the document's own (`caps.window_days`, `service_area[3]`).
    pub fn problems(&self) -> Vec<(String, Problem)> {
        let mut out = Vec::new();
        let mut bad = |path: &str, problem: Problem| out.push((path.to_owned(), problem));
        let range = |min: u32, max: u32| {
            Problem::new("err-int-range")
                .arg("min", min)
                .arg("max", max)
        };
        let percent = |p: u32| (1..=MAX_PERCENT).contains(&p);
        let im = &self.immigration_fee;
        if !percent(im.income_limit_percent) {
            bad(
                "immigration_fee.income_limit_percent",
                range(1, MAX_PERCENT),
            );
        }
        if !percent(im.fee_waiver_percent) {
            bad("immigration_fee.fee_waiver_percent", range(1, MAX_PERCENT));
        }
        for (i, r) in im.reduced_fees.iter().enumerate() {
            let at = format!("immigration_fee.reduced_fees[{i}]");
            if super::application::normalize_form_code(&r.form).as_deref() != Some(r.form.as_str())
            {
                bad(&format!("{at}.form"), Problem::new("err-form-code"));
            }
            if !percent(r.up_to_percent) {
                bad(&format!("{at}.up_to_percent"), range(1, MAX_PERCENT));
            } else if r.above_percent >= r.up_to_percent {
                bad(
                    &format!("{at}.up_to_percent"),
                    Problem::new("err-band").arg("above", r.above_percent),
                );
            }
        }
        let em = &self.emergency;
        if !percent(em.income_limit_percent) {
            bad("emergency.income_limit_percent", range(1, MAX_PERCENT));
        }
        if em.max_amount.is_zero() {
            bad("emergency.max_amount", Problem::new("err-amount-positive"));
        }
        if em.categories.is_empty() {
            bad(
                "emergency.categories",
                Problem::new("err-categories-required"),
            );
        }
        if self.caps.per_application.is_zero() {
            bad("caps.per_application", Problem::new("err-amount-positive"));
        }
        if self.caps.per_household.is_zero() {
            bad("caps.per_household", Problem::new("err-amount-positive"));
        }
        if !(1..=MAX_WINDOW_DAYS).contains(&self.caps.window_days) {
            bad("caps.window_days", range(1, MAX_WINDOW_DAYS));
        }
        if self.service_area.is_empty() {
            bad("service_area", Problem::new("err-states-required"));
        }
        for (i, state) in self.service_area.iter().enumerate() {
            if !US_STATES.contains(&state.as_str()) {
                bad(
                    &format!("service_area[{i}]"),
                    Problem::new("err-state-code").arg("code", state),
                );
            }
        }
        let mut lists: Vec<(String, &Vec<Vec<DocumentKind>>)> = vec![
            (
                "documents.immigration_fee".into(),
                &self.documents.immigration_fee,
            ),
            ("documents.emergency".into(), &self.documents.emergency),
        ];
        for (form, list) in &self.documents.by_form {
            if super::application::normalize_form_code(form).as_deref() != Some(form.as_str()) {
                bad(
                    &format!("documents.by_form.{form}"),
                    Problem::new("err-form-code"),
                );
            }
            lists.push((format!("documents.by_form.{form}"), list));
        }
        for (path, list) in lists {
            for (i, any_of) in list.iter().enumerate() {
                if any_of.is_empty() {
                    bad(&format!("{path}[{i}]"), Problem::new("err-kinds-required"));
                }
            }
        }
        if !(1..=MAX_QUORUM).contains(&self.review.quorum) {
            bad("review.quorum", range(1, MAX_QUORUM));
        }
        out
    }
}

/// The bounds a policy's numbers keep to.
pub const MAX_PERCENT: u32 = 1000;
pub const MAX_WINDOW_DAYS: u32 = 3660;
pub const MAX_QUORUM: u32 = 50;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_1_is_sound_and_round_trips_through_json() {
        let policy = Policy::default_v1();
        assert!(policy.problems().is_empty(), "{:?}", policy.problems());
        let json = serde_json::to_value(&policy).unwrap();
        assert_eq!(json["caps"]["per_household"], "3000.00");
        let back: Policy = serde_json::from_value(json).unwrap();
        assert_eq!(back, policy);
    }

    #[test]
    fn problems_name_the_field() {
        let mut policy = Policy::default_v1();
        policy.caps.window_days = 0;
        policy.service_area.push("ZZ".into());
        policy.documents.emergency.push(vec![]);
        let fields: Vec<String> = policy.problems().into_iter().map(|(f, _)| f).collect();
        assert!(fields.contains(&"caps.window_days".to_owned()));
        assert!(fields.iter().any(|f| f.starts_with("service_area[")));
        assert!(fields.contains(&"documents.emergency[2]".to_owned()));
    }

    #[test]
    fn unknown_fields_are_refused() {
        let mut json = serde_json::to_value(Policy::default_v1()).unwrap();
        json["caps"]["per_houshold"] = "1.00".into();
        let err = serde_json::from_value::<Policy>(json).unwrap_err();
        assert!(err.to_string().contains("per_houshold"), "{err}");
    }
}
