//! The rules of the double-entry ledger, with no IO: which accounts each money event
//! books, what makes an entry balanced, what a reversal is, and how a posting moves a
//! fund's cash, committed and available balances.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::input::{SHORT_TEXT, optional_text, required_choice, required_date, required_money};
use super::{FieldErrors, Money, Problem, Program};

text_enum! {
    /// What an entry books. `void` and `reversal` undo another entry exactly.
    pub enum EntryKind {
        /// Money in: Dr 1000 / Cr 4000 or 4100.
        Receipt = "receipt",
        /// An approval: Dr 5100 or 5200 / Cr 2100.
        Commitment = "commitment",
        /// Money out to the payee: Dr 2100 / Cr 1000.
        Disbursement = "disbursement",
        /// The exact reverse of a disbursement.
        Void = "void",
        /// The reverse of the unpaid part of a commitment.
        Release = "release",
        /// The exact reverse of an entry booked in error (a receipt).
        Reversal = "reversal",
    }
}

text_enum! {
    pub enum Side {
        Debit = "debit",
        Credit = "credit",
    }
}

text_enum! {
    /// Decides which of a fund's balances a posting moves.
    pub enum AccountKind {
        Asset = "asset",
        Liability = "liability",
        NetAssets = "net_assets",
        Revenue = "revenue",
        Expense = "expense",
    }
}

text_enum! {
    /// Where money in came from.
    pub enum ReceiptSource {
        /// A gift from a person or a business: account 4000.
        Donation = "donation",
        /// A foundation or government grant: account 4100.
        Grant = "grant",
    }
}

text_enum! {
    /// The business document an entry books.
    pub enum DocumentType {
        Receipt = "receipt",
        Application = "application",
        Disbursement = "disbursement",
    }
}

impl EntryKind {
    /// Kinds that bring new money into use, refused on a closed fund.
    pub fn opens_new(self) -> bool {
        matches!(self, EntryKind::Receipt | EntryKind::Commitment)
    }
}

impl Side {
    pub fn flip(self) -> Side {
        match self {
            Side::Debit => Side::Credit,
            Side::Credit => Side::Debit,
        }
    }
}

/// The default chart's account codes (the accounts themselves are rows).
pub mod accounts {
    pub const CASH: &str = "1000";
    pub const GRANTS_PAYABLE: &str = "2100";
    pub const CONTRIBUTIONS: &str = "4000";
    pub const GRANTS_RECEIVED: &str = "4100";
    pub const IMMIGRATION_FEES: &str = "5100";
    pub const EMERGENCY: &str = "5200";
}

/// The revenue account of a receipt.
pub fn revenue_account(source: ReceiptSource) -> &'static str {
    match source {
        ReceiptSource::Donation => accounts::CONTRIBUTIONS,
        ReceiptSource::Grant => accounts::GRANTS_RECEIVED,
    }
}

/// The expense account of an approval under `program`.
pub fn expense_account(program: Program) -> &'static str {
    match program {
        Program::ImmigrationFee => accounts::IMMIGRATION_FEES,
        Program::Emergency => accounts::EMERGENCY,
    }
}

/// One line of an entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Line {
    pub account: String,
    pub fund_id: i64,
    pub side: Side,
    pub amount: Money,
}

impl Line {
    pub fn debit(account: &str, fund_id: i64, amount: Money) -> Line {
        Line {
            account: account.to_owned(),
            fund_id,
            side: Side::Debit,
            amount,
        }
    }

    pub fn credit(account: &str, fund_id: i64, amount: Money) -> Line {
        Line {
            side: Side::Credit,
            ..Line::debit(account, fund_id, amount)
        }
    }

    /// Debits positive, credits negative.
    pub fn signed(&self) -> Decimal {
        match self.side {
            Side::Debit => self.amount.decimal(),
            Side::Credit => -self.amount.decimal(),
        }
    }
}

/// The lines of each event of SPEC.md's table.
pub fn receipt_lines(fund_id: i64, source: ReceiptSource, amount: Money) -> Vec<Line> {
    vec![
        Line::debit(accounts::CASH, fund_id, amount),
        Line::credit(revenue_account(source), fund_id, amount),
    ]
}

pub fn commitment_lines(fund_id: i64, program: Program, amount: Money) -> Vec<Line> {
    vec![
        Line::debit(expense_account(program), fund_id, amount),
        Line::credit(accounts::GRANTS_PAYABLE, fund_id, amount),
    ]
}

pub fn disbursement_lines(fund_id: i64, amount: Money) -> Vec<Line> {
    vec![
        Line::debit(accounts::GRANTS_PAYABLE, fund_id, amount),
        Line::credit(accounts::CASH, fund_id, amount),
    ]
}

/// The exact reverse of `lines`, in the same order.
pub fn mirror(lines: &[Line]) -> Vec<Line> {
    lines
        .iter()
        .map(|l| Line {
            side: l.side.flip(),
            ..l.clone()
        })
        .collect()
}

/// Why a set of lines is not an entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("an entry needs at least two postings")]
    TooFewLines,
    #[error("a posting's amount must be more than zero")]
    ZeroAmount,
    #[error(
        "the entry does not balance for fund {fund_id}: debits and credits differ by {difference}"
    )]
    Unbalanced { fund_id: i64, difference: Decimal },
}

/// Checks that the lines form a balanced entry: two or more, none zero, and debits equal
/// credits for every fund (so also in total).
pub fn check_balanced(lines: &[Line]) -> Result<(), EntryError> {
    if lines.len() < 2 {
        return Err(EntryError::TooFewLines);
    }
    if lines.iter().any(|l| l.amount.is_zero()) {
        return Err(EntryError::ZeroAmount);
    }
    let mut per_fund: BTreeMap<i64, Decimal> = BTreeMap::new();
    for line in lines {
        *per_fund.entry(line.fund_id).or_default() += line.signed();
    }
    match per_fund.into_iter().find(|(_, sum)| !sum.is_zero()) {
        Some((fund_id, difference)) => Err(EntryError::Unbalanced {
            fund_id,
            difference: difference.abs(),
        }),
        None => Ok(()),
    }
}

/// A fund's balances, and how postings move them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Balances {
    /// Money in the bank for the fund (asset accounts).
    #[schema(value_type = String, example = "1000.00")]
    pub cash: Decimal,
    /// Approved and not yet paid (liability accounts).
    #[schema(value_type = String, example = "760.00")]
    pub committed: Decimal,
    /// What approvals may still use: revenue less expense, = cash − committed.
    #[schema(value_type = String, example = "240.00")]
    pub available: Decimal,
}

impl Balances {
    /// Adds one posting to an account of `kind`.
    pub fn add(&mut self, kind: AccountKind, side: Side, amount: Decimal) {
        let debit = match side {
            Side::Debit => amount,
            Side::Credit => -amount,
        };
        match kind {
            AccountKind::Asset => self.cash += debit,
            AccountKind::Liability => self.committed -= debit,
            AccountKind::NetAssets | AccountKind::Revenue | AccountKind::Expense => {
                self.available -= debit
            }
        }
    }
}

/// Money in, as a person or a program enters it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ReceiptInput {
    #[schema(value_type = Money, required = true, example = "1000.00")]
    pub amount: Option<serde_json::Value>,
    /// The day the money arrived (`YYYY-MM-DD`); not in the future.
    #[schema(value_type = String, format = Date, required = true, example = "2026-11-20")]
    pub received_on: Option<String>,
    #[schema(value_type = ReceiptSource, required = true)]
    pub source: Option<String>,
    /// Who gave it, e.g. "Anonymous", "한인 교회 여선교회", "XYZ Foundation".
    #[schema(value_type = super::schema::Text, required = true, example = "XYZ Foundation")]
    pub donor: Option<String>,
    #[schema(value_type = Option<super::schema::OptionalText>)]
    pub memo: Option<String>,
}

/// A receipt ready to book.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReceipt {
    pub amount: Money,
    pub received_on: chrono::NaiveDate,
    pub source: ReceiptSource,
    pub donor: String,
    pub memo: Option<String>,
}

impl ReceiptInput {
    pub fn parse(&self, today: chrono::NaiveDate) -> Result<NewReceipt, FieldErrors> {
        let mut e = FieldErrors::new();
        let amount = required_money(&mut e, "amount", self.amount.as_ref());
        if amount.is_some_and(Money::is_zero) {
            e.add("amount", Problem::new("err-amount-positive"));
        }
        let received_on = required_date(&mut e, "received_on", self.received_on.as_deref());
        if received_on.is_some_and(|d| d > today) {
            e.add(
                "received_on",
                Problem::new("err-date-future").arg("today", today),
            );
        }
        let source = required_choice(
            &mut e,
            "source",
            self.source.as_deref(),
            ReceiptSource::parse,
            ReceiptSource::ALL,
            ReceiptSource::as_str,
        );
        let donor = super::input::required_text(&mut e, "donor", self.donor.as_deref(), SHORT_TEXT);
        let memo = optional_text(&mut e, "memo", self.memo.as_deref(), SHORT_TEXT);
        e.finish(|| NewReceipt {
            amount: amount.unwrap_or_default(),
            received_on: received_on.unwrap_or_default(),
            source: source.unwrap_or(ReceiptSource::Donation),
            donor: donor.unwrap_or_default(),
            memo,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn m(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    #[test]
    fn each_event_books_a_balanced_entry() {
        let amount = m("760.00");
        for lines in [
            receipt_lines(1, ReceiptSource::Donation, amount),
            receipt_lines(1, ReceiptSource::Grant, amount),
            commitment_lines(2, Program::ImmigrationFee, amount),
            commitment_lines(2, Program::Emergency, amount),
            disbursement_lines(3, amount),
        ] {
            assert_eq!(check_balanced(&lines), Ok(()));
            assert_eq!(check_balanced(&mirror(&lines)), Ok(()));
        }
        assert_eq!(
            receipt_lines(1, ReceiptSource::Grant, amount)[1].account,
            "4100"
        );
        assert_eq!(
            commitment_lines(1, Program::Emergency, amount)[0].account,
            "5200"
        );
    }

    #[test]
    fn unbalanced_and_degenerate_entries_are_refused() {
        let one = vec![Line::debit("1000", 1, m("5"))];
        assert_eq!(check_balanced(&one), Err(EntryError::TooFewLines));
        let zero = vec![
            Line::debit("1000", 1, m("0")),
            Line::credit("4000", 1, m("0")),
        ];
        assert_eq!(check_balanced(&zero), Err(EntryError::ZeroAmount));
        let off = vec![
            Line::debit("1000", 1, m("5.00")),
            Line::credit("4000", 1, m("4.99")),
        ];
        assert_eq!(
            check_balanced(&off),
            Err(EntryError::Unbalanced {
                fund_id: 1,
                difference: Decimal::new(1, 2)
            })
        );
        // Balanced in total, but money moved between funds without an entry in each.
        let across = vec![
            Line::debit("1000", 1, m("5")),
            Line::credit("4000", 2, m("5")),
        ];
        assert!(matches!(
            check_balanced(&across),
            Err(EntryError::Unbalanced { fund_id: 1, .. })
        ));
    }

    #[test]
    fn balances_follow_the_events() {
        let mut b = Balances::default();
        let apply = |b: &mut Balances, lines: Vec<Line>, kind: fn(&str) -> AccountKind| {
            for l in lines {
                b.add(kind(&l.account), l.side, l.amount.decimal());
            }
        };
        let kind = |code: &str| match code {
            "1000" => AccountKind::Asset,
            "2100" => AccountKind::Liability,
            "4000" | "4100" => AccountKind::Revenue,
            _ => AccountKind::Expense,
        };
        apply(
            &mut b,
            receipt_lines(1, ReceiptSource::Donation, m("1000")),
            kind,
        );
        apply(
            &mut b,
            commitment_lines(1, Program::ImmigrationFee, m("760")),
            kind,
        );
        assert_eq!(
            (b.cash, b.committed, b.available),
            (
                Decimal::new(1000, 0),
                Decimal::new(760, 0),
                Decimal::new(240, 0)
            )
        );
        apply(&mut b, disbursement_lines(1, m("760")), kind);
        assert_eq!(
            (b.cash, b.committed, b.available),
            (Decimal::new(240, 0), Decimal::ZERO, Decimal::new(240, 0))
        );
    }

    #[test]
    fn receipts_parse_with_every_problem_named() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let input: ReceiptInput = serde_json::from_value(json!({
            "amount": "1000", "received_on": "2026-11-20", "source": "grant",
            "donor": "서울 장학재단 🙏", "memo": " "
        }))
        .unwrap();
        let r = input.parse(today).unwrap();
        assert_eq!(
            (r.amount, r.source, r.memo),
            (m("1000.00"), ReceiptSource::Grant, None)
        );
        assert_eq!(r.donor, "서울 장학재단 🙏");

        let bad: ReceiptInput = serde_json::from_value(json!({
            "amount": "0.00", "received_on": "2026-11-25", "source": "loan", "donor": ""
        }))
        .unwrap();
        let e = bad.parse(today).unwrap_err();
        assert_eq!(e.get("amount").unwrap().key, "err-amount-positive");
        assert_eq!(e.get("received_on").unwrap().key, "err-date-future");
        assert_eq!(e.get("source").unwrap().key, "err-choice");
        assert_eq!(e.get("donor").unwrap().key, "err-required");
        for (amount, key) in [
            ("-5", "err-money-negative"),
            ("1.005", "err-money-precision"),
        ] {
            let input = ReceiptInput {
                amount: Some(json!(amount)),
                ..ReceiptInput::default()
            };
            assert_eq!(
                input.parse(today).unwrap_err().get("amount").unwrap().key,
                key
            );
        }
    }

    fn lines_strategy() -> impl Strategy<Value = Vec<Line>> {
        let event = (1i64..4, 1i64..10_000_000, 0usize..5).prop_map(|(fund, cents, which)| {
            let amount = Money::from_cents(cents);
            match which {
                0 => receipt_lines(fund, ReceiptSource::Donation, amount),
                1 => receipt_lines(fund, ReceiptSource::Grant, amount),
                2 => commitment_lines(fund, Program::ImmigrationFee, amount),
                3 => commitment_lines(fund, Program::Emergency, amount),
                _ => disbursement_lines(fund, amount),
            }
        });
        proptest::collection::vec(event, 1..6).prop_map(|events| events.concat())
    }

    proptest! {
        #[test]
        fn entries_made_of_events_balance_and_mirror_twice_is_identity(lines in lines_strategy()) {
            prop_assert_eq!(check_balanced(&lines), Ok(()));
            prop_assert_eq!(check_balanced(&mirror(&lines)), Ok(()));
            prop_assert_eq!(mirror(&mirror(&lines)), lines.clone());
            let sum: Decimal = lines.iter().chain(mirror(&lines).iter()).map(Line::signed).sum();
            prop_assert!(sum.is_zero());
        }
    }
}
