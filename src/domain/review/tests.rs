use super::*;
use VoteChoice::*;
use serde_json::json;

fn rules() -> ReviewRules {
    Policy::default_v1().review
}

fn m(text: &str) -> Money {
    Money::parse(text).unwrap()
}

#[test]
fn one_approve_decides_up_to_the_fast_track_amount() {
    assert_eq!(
        decide(&rules(), m("500.00"), &[Approve]),
        Some(Outcome::Approved)
    );
    assert_eq!(decide(&rules(), m("500.01"), &[Approve]), None);
    // A deny alone does not decide a fast-track application; a later approve does.
    assert_eq!(decide(&rules(), m("100.00"), &[Deny]), None);
    assert_eq!(
        decide(&rules(), m("100.00"), &[Deny, Approve]),
        Some(Outcome::Approved)
    );
    assert_eq!(
        decide(&rules(), m("100.00"), &[Deny, Deny, Abstain]),
        Some(Outcome::Denied)
    );
}

#[test]
fn above_it_a_quorum_of_three_decides_by_majority() {
    let r = rules();
    let big = m("1200.00");
    assert_eq!(decide(&r, big, &[Approve, Approve]), None);
    assert_eq!(
        decide(&r, big, &[Approve, Approve, Deny]),
        Some(Outcome::Approved)
    );
    assert_eq!(
        decide(&r, big, &[Approve, Deny, Deny]),
        Some(Outcome::Denied)
    );
    assert_eq!(
        decide(&r, big, &[Approve, Abstain, Abstain]),
        Some(Outcome::Approved)
    );
    assert_eq!(
        decide(&r, big, &[Abstain, Abstain, Abstain]),
        Some(Outcome::Denied)
    );
}

#[test]
fn a_tie_is_denied_and_recusals_do_not_count() {
    let r = rules();
    let big = m("1200.00");
    assert_eq!(
        decide(&r, big, &[Approve, Deny, Abstain]),
        Some(Outcome::Denied)
    );
    assert_eq!(decide(&r, big, &[Approve, Recuse, Recuse, Deny]), None);
    assert_eq!(
        decide(&r, big, &[Approve, Recuse, Recuse, Deny, Approve]),
        Some(Outcome::Approved)
    );
}

#[test]
fn the_approved_amount_is_the_smallest_approved() {
    assert_eq!(
        approved_amount([m("700.00"), m("650.00"), m("700.00")]),
        Some(m("650.00"))
    );
    assert_eq!(approved_amount([]), None);
}

#[test]
fn the_limit_is_the_lowest_of_requested_program_cap_and_household_cap() {
    let p = Policy::default_v1();
    let l = approval_limit(&p, Program::Emergency, m("1800.00"), Money::ZERO);
    assert_eq!(
        (l.amount, l.reason),
        (m("1500.00"), "err-vote-over-program-cap")
    );
    let l = approval_limit(&p, Program::ImmigrationFee, m("760.00"), Money::ZERO);
    assert_eq!(
        (l.amount, l.reason),
        (m("760.00"), "err-vote-over-requested")
    );
    let l = approval_limit(&p, Program::ImmigrationFee, m("1520.00"), m("2500.00"));
    assert_eq!(
        (l.amount, l.reason),
        (m("500.00"), "err-vote-over-household-cap")
    );
    let l = approval_limit(&p, Program::ImmigrationFee, m("760.00"), m("3500.00"));
    assert_eq!(l.amount, Money::ZERO);
}

#[test]
fn a_vote_names_its_choice_and_only_approve_has_an_amount() {
    let ok = VoteInput {
        vote: Some("approve".into()),
        amount: Some(json!("400.00")),
        ..Default::default()
    };
    assert_eq!(ok.parse().unwrap().amount, Some(m("400.00")));
    let bad = VoteInput {
        vote: Some("maybe".into()),
        ..Default::default()
    };
    assert_eq!(
        bad.parse().unwrap_err().get("vote").unwrap().key,
        "err-choice"
    );
    let deny = VoteInput {
        vote: Some("deny".into()),
        amount: Some(json!("1.00")),
        ..Default::default()
    };
    assert_eq!(
        deny.parse().unwrap_err().get("amount").unwrap().key,
        "err-vote-amount-approve-only"
    );
    for (amount, key) in [
        (json!("-5"), "err-money-negative"),
        (json!("1.005"), "err-money-precision"),
        (json!("0"), "err-amount-positive"),
    ] {
        let v = VoteInput {
            vote: Some("approve".into()),
            amount: Some(amount),
            ..Default::default()
        };
        assert_eq!(v.parse().unwrap_err().get("amount").unwrap().key, key);
    }
}

#[test]
fn a_payment_needs_a_check_number_and_a_date_not_in_the_future() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    let input = DisbursementInput {
        application_id: Some(json!(1)),
        amount: Some(json!("760.00")),
        method: Some("check".into()),
        paid_on: Some("2026-11-25".into()),
        ..Default::default()
    };
    let e = input.parse(today).unwrap_err();
    assert_eq!(e.get("reference").unwrap().key, "err-reference-required");
    assert_eq!(e.get("paid_on").unwrap().key, "err-date-future");
    let ach = DisbursementInput {
        method: Some("ach".into()),
        paid_on: Some("2026-11-24".into()),
        ..input
    };
    assert!(ach.parse(today).is_ok());
}

#[test]
fn receipt_numbers_are_three_letters_and_ten_digits() {
    assert_eq!(
        receipt_number(Some(" ioe-0912345678 ")).unwrap(),
        "IOE0912345678"
    );
    for bad in [
        "IOE091234567",
        "I0E0912345678",
        "IOE09123456789",
        "접수0912345678",
        "",
    ] {
        assert!(receipt_number(Some(bad)).is_err(), "{bad}");
    }
}

#[test]
fn a_check_clears_between_its_date_and_today() {
    let paid = NaiveDate::from_ymd_opt(2026, 11, 10).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    assert!(cleared_on(Some("2026-11-12"), paid, today).is_ok());
    assert_eq!(
        cleared_on(Some("2026-11-09"), paid, today)
            .unwrap_err()
            .get("cleared_on")
            .unwrap()
            .key,
        "err-date-before-paid"
    );
    assert_eq!(
        cleared_on(Some("2026-11-25"), paid, today)
            .unwrap_err()
            .get("cleared_on")
            .unwrap()
            .key,
        "err-date-future"
    );
}
