//! Board review and payment rules, with no IO: how votes decide an application, what
//! amount a member may approve, and what a vote or a payment must contain.
//!
//! SPEC.md "Board review": up to the fast-track amount one approve vote decides; above it a
//! quorum of non-recused votes decides by simple majority of approve over deny, and a tie
//! is denied. The track follows the requested amount, so lowering an amount cannot skip
//! the quorum.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::input::{
    LONG_TEXT, SHORT_TEXT, optional_int, optional_money, optional_text, required_choice,
    required_date, required_int, required_money, required_text,
};
use super::policy::{Caps, Policy, ReviewRules};
use super::{FieldErrors, Money, Problem, Program};

text_enum! {
    pub enum VoteChoice {
        Approve = "approve",
        Deny = "deny",
        Abstain = "abstain",
        /// A conflict of interest: the member takes no part and is not counted.
        Recuse = "recuse",
    }
}

text_enum! {
    #[schema = "DecisionOutcome"]
    pub enum Outcome {
        Approved = "approved",
        Denied = "denied",
    }
}

text_enum! {
    /// How money reaches the payee.
    pub enum PayMethod {
        Check = "check",
        MoneyOrder = "money_order",
        Ach = "ach",
        Card = "card",
    }
}

text_enum! {
    /// Where a payment stands.
    pub enum PaymentState {
        Issued = "issued",
        Cleared = "cleared",
        Voided = "voided",
    }
}

impl PayMethod {
    /// A check or money order has a number printed on it, which must be recorded.
    pub fn needs_reference(self) -> bool {
        matches!(self, PayMethod::Check | PayMethod::MoneyOrder)
    }
}

/// Who is paid for an immigration fee unless the accountant names someone else.
pub const DHS_PAYEE: &str = "U.S. Department of Homeland Security";

/// The decision the votes cast so far reach, if any. `requested` picks the track.
pub fn decide(rules: &ReviewRules, requested: Money, votes: &[VoteChoice]) -> Option<Outcome> {
    let approve = votes.iter().filter(|v| **v == VoteChoice::Approve).count();
    let deny = votes.iter().filter(|v| **v == VoteChoice::Deny).count();
    let counted = votes.iter().filter(|v| **v != VoteChoice::Recuse).count();
    if requested.decimal() <= rules.fast_track_max.decimal() && approve > 0 {
        return Some(Outcome::Approved);
    }
    if counted < rules.quorum as usize {
        return None;
    }
    Some(if approve > deny {
        Outcome::Approved
    } else {
        Outcome::Denied
    })
}

/// The approved amount: the smallest amount any approving member voted for, which every
/// one of them agreed to.
pub fn approved_amount(amounts: impl IntoIterator<Item = Money>) -> Option<Money> {
    amounts.into_iter().min_by_key(|m| m.decimal())
}

/// The most a member may approve, and which limit sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub amount: Money,
    /// The message key of a vote over it: over requested, the program cap or the household cap.
    pub reason: &'static str,
}

/// Never more than requested, the program's cap, or what is left of the household's cap
/// after `earlier` grants in the rolling window.
pub fn approval_limit(
    policy: &Policy,
    program: Program,
    requested: Money,
    earlier: Money,
) -> Limit {
    let Caps {
        per_application,
        per_household,
        ..
    } = &policy.caps;
    let program_cap = match program {
        Program::ImmigrationFee => *per_application,
        Program::Emergency => policy.emergency.max_amount,
    };
    let household_left = Money::from_decimal(
        (per_household.decimal() - earlier.decimal()).max(rust_decimal::Decimal::ZERO),
    )
    .unwrap_or(Money::ZERO);
    [
        Limit {
            amount: requested,
            reason: "err-vote-over-requested",
        },
        Limit {
            amount: program_cap,
            reason: "err-vote-over-program-cap",
        },
        Limit {
            amount: household_left,
            reason: "err-vote-over-household-cap",
        },
    ]
    .into_iter()
    .min_by_key(|l| l.amount.decimal())
    .expect("three limits")
}

/// A vote as a member or a program sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct VoteInput {
    #[schema(value_type = VoteChoice, required = true)]
    pub vote: Option<String>,
    /// Approve only: the amount, at most the requested amount and the caps; the requested
    /// amount if absent.
    #[schema(value_type = Option<Money>)]
    pub amount: Option<Value>,
    /// Approve only: the fund to commit from; chosen by the rules if absent.
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub fund_id: Option<Value>,
    #[schema(value_type = Option<super::schema::Note>)]
    pub comment: Option<String>,
}

/// A vote ready to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVote {
    pub vote: VoteChoice,
    pub amount: Option<Money>,
    pub fund_id: Option<i64>,
    pub comment: Option<String>,
}

impl VoteInput {
    pub fn parse(&self) -> Result<NewVote, FieldErrors> {
        let mut e = FieldErrors::new();
        let vote = required_choice(
            &mut e,
            "vote",
            self.vote.as_deref(),
            VoteChoice::parse,
            VoteChoice::ALL,
            VoteChoice::as_str,
        );
        let amount = optional_money(&mut e, "amount", self.amount.as_ref());
        if amount.is_some_and(Money::is_zero) {
            e.add("amount", Problem::new("err-amount-positive"));
        }
        let fund_id = optional_int(&mut e, "fund_id", self.fund_id.as_ref(), 1, i64::MAX);
        let comment = optional_text(&mut e, "comment", self.comment.as_deref(), LONG_TEXT);
        if vote.is_some_and(|v| v != VoteChoice::Approve) {
            if amount.is_some() {
                e.add("amount", Problem::new("err-vote-amount-approve-only"));
            }
            if fund_id.is_some() {
                e.add("fund_id", Problem::new("err-vote-amount-approve-only"));
            }
        }
        e.finish(|| NewVote {
            vote: vote.unwrap_or(VoteChoice::Abstain),
            amount,
            fund_id,
            comment,
        })
    }
}

/// A payment as the accountant enters it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct DisbursementInput {
    #[schema(value_type = i64, required = true, minimum = 1)]
    pub application_id: Option<Value>,
    #[schema(value_type = Money, required = true)]
    pub amount: Option<Value>,
    /// Who is paid; for an immigration fee "U.S. Department of Homeland Security" if absent.
    #[schema(value_type = Option<super::schema::OptionalText>, example = "U.S. Department of Homeland Security")]
    pub payee: Option<String>,
    #[schema(value_type = PayMethod, required = true)]
    pub method: Option<String>,
    /// The check or money order number (required for those methods), or a transfer id;
    /// used once per method.
    #[schema(example = "10234", max_length = 60)]
    pub reference: Option<String>,
    /// The day the payment was made (`YYYY-MM-DD`); not in the future.
    #[schema(value_type = String, format = Date, required = true, example = "2026-11-20")]
    pub paid_on: Option<String>,
    #[schema(value_type = Option<super::schema::OptionalText>)]
    pub memo: Option<String>,
    /// The voided disbursement this one replaces.
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub reissue_of: Option<Value>,
}

/// A payment ready to book; the payee may still be defaulted by the program.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDisbursement {
    pub application_id: i64,
    pub amount: Money,
    pub payee: Option<String>,
    pub method: PayMethod,
    pub reference: Option<String>,
    pub paid_on: NaiveDate,
    pub memo: Option<String>,
    pub reissue_of: Option<i64>,
}

impl DisbursementInput {
    pub fn parse(&self, today: NaiveDate) -> Result<NewDisbursement, FieldErrors> {
        let mut e = FieldErrors::new();
        let application_id = required_int(
            &mut e,
            "application_id",
            self.application_id.as_ref(),
            1,
            i64::MAX,
        );
        let amount = required_money(&mut e, "amount", self.amount.as_ref());
        if amount.is_some_and(Money::is_zero) {
            e.add("amount", Problem::new("err-amount-positive"));
        }
        let payee = optional_text(&mut e, "payee", self.payee.as_deref(), SHORT_TEXT);
        let method = required_choice(
            &mut e,
            "method",
            self.method.as_deref(),
            PayMethod::parse,
            PayMethod::ALL,
            PayMethod::as_str,
        );
        let reference = optional_text(&mut e, "reference", self.reference.as_deref(), 60);
        if reference.is_none() && method.is_some_and(PayMethod::needs_reference) {
            e.add("reference", Problem::new("err-reference-required"));
        }
        let paid_on = required_date(&mut e, "paid_on", self.paid_on.as_deref());
        if paid_on.is_some_and(|d| d > today) {
            e.add(
                "paid_on",
                Problem::new("err-date-future").arg("today", today),
            );
        }
        let memo = optional_text(&mut e, "memo", self.memo.as_deref(), SHORT_TEXT);
        let reissue_of = optional_int(&mut e, "reissue_of", self.reissue_of.as_ref(), 1, i64::MAX);
        e.finish(|| NewDisbursement {
            application_id: application_id.unwrap_or_default(),
            amount: amount.unwrap_or_default(),
            payee,
            method: method.unwrap_or(PayMethod::Check),
            reference,
            paid_on: paid_on.unwrap_or_default(),
            memo,
            reissue_of,
        })
    }
}

/// Why a payment is voided, an application withdrawn, or one closed with less paid.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ReasonInput {
    #[schema(
        value_type = super::schema::Text,
        required = true,
        example = "Check lost in the mail; stop payment placed."
    )]
    pub reason: Option<String>,
}

/// Why an application is closed: required when less was paid than approved (the unpaid
/// rest is then released), optional when it was paid in full.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CloseInput {
    #[schema(
        value_type = Option<super::schema::OptionalText>,
        example = "The family received a fee waiver for the second form."
    )]
    pub reason: Option<String>,
}

/// A reason, required: voids, withdrawals, closing with less paid.
pub fn required_reason(value: Option<&str>) -> Result<String, FieldErrors> {
    let mut e = FieldErrors::new();
    let reason = required_text(&mut e, "reason", value, SHORT_TEXT);
    e.finish(|| reason.unwrap_or_default())
}

/// A USCIS receipt number: three letters and ten digits (`IOE0912345678`). Spaces and
/// dashes people type are dropped and letters upper-cased.
pub fn receipt_number(value: Option<&str>) -> Result<String, FieldErrors> {
    let mut e = FieldErrors::new();
    let text = required_text(&mut e, "receipt_number", value, 40);
    let normal: String = text
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let bytes = normal.as_bytes();
    let ok = bytes.len() == 13
        && bytes[..3].iter().all(u8::is_ascii_uppercase)
        && bytes[3..].iter().all(u8::is_ascii_digit);
    if e.is_empty() && !ok {
        e.add("receipt_number", Problem::new("err-receipt-number"));
    }
    e.finish(|| normal)
}

/// The day a check cleared at the bank: not before it was written, not in the future.
pub fn cleared_on(
    value: Option<&str>,
    paid_on: NaiveDate,
    today: NaiveDate,
) -> Result<NaiveDate, FieldErrors> {
    let mut e = FieldErrors::new();
    let date = required_date(&mut e, "cleared_on", value);
    if let Some(d) = date {
        if d > today {
            e.add(
                "cleared_on",
                Problem::new("err-date-future").arg("today", today),
            );
        } else if d < paid_on {
            e.add(
                "cleared_on",
                Problem::new("err-date-before-paid").arg("date", paid_on),
            );
        }
    }
    e.finish(|| date.unwrap_or_default())
}

#[cfg(test)]
mod tests;
