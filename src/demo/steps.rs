//! The demo's steps: each makes its records through the service functions a user's
//! request goes through, so the data obeys every rule the service and the database enforce.

use chrono::Datelike;
use diesel_async::AsyncPgConnection;
use serde_json::{Value, json};

use super::data::{DONORS, FORMS, GIVEN, PLACES, STORIES, SURNAMES};
use super::{Dice, MARKER, PASSWORD};
use crate::applications;
use crate::clock::Today;
use crate::domain::Transition;
use crate::domain::application::{ApplicationInput, DocumentInput, EmergencyInput, FeeLineInput};
use crate::domain::household::{AddressInput, HouseholdInput, MemberInput};
use crate::domain::ledger::ReceiptInput;
use crate::domain::review::{DisbursementInput, Outcome, VoteInput};
use crate::domain::status::CheckResult;
use crate::error::{AppError, AppResult};
use crate::funds::FundInput;
use crate::users::{NewUserInput, User};

/// Who works at the fund.
pub(super) struct Staff {
    admin: User,
    caseworkers: Vec<User>,
    board: Vec<User>,
    accountant: User,
    auditor: User,
}

/// A household of the demo: its id, its site, and the caseworker who serves it.
pub(super) type Family = (i64, &'static str, User);

async fn user(
    conn: &mut AsyncPgConnection,
    email: &str,
    name: &str,
    roles: &[&str],
    language: &str,
) -> AppResult<User> {
    let input = NewUserInput {
        email: Some(email.into()),
        name: Some(name.into()),
        roles: Some(roles.iter().map(|r| r.to_string()).collect()),
        password: Some(PASSWORD.into()),
        language: Some(language.into()),
    };
    crate::users::create(conn, None, &input).await
}

fn money(cents: u64) -> Value {
    Value::String(format!("{}.{:02}", cents / 100, cents % 100))
}

/// The admin (whose address marks a loaded database), a caseworker per site, four board
/// members and two accountants.
pub(super) async fn staff(conn: &mut AsyncPgConnection) -> AppResult<Staff> {
    let admin = user(conn, MARKER, "데모 관리자 Demo Admin", &["admin"], "en").await?;
    let mut caseworkers = Vec::new();
    for (site, name, lang) in [
        ("la", "이수진 Sujin Lee", "ko"),
        ("chi", "Daniel Park", "en"),
        ("nyc", "최은영 Eunyoung Choi", "ko"),
    ] {
        let email = format!("demo.caseworker.{site}@example.org");
        caseworkers.push(user(conn, &email, name, &["caseworker"], lang).await?);
    }
    let mut board = Vec::new();
    let members = [
        "정대현 Daehyun Jung",
        "Grace Kim",
        "한미숙 Misook Han",
        "Samuel Oh",
    ];
    for (i, name) in members.iter().enumerate() {
        let email = format!("demo.board{}@example.org", i + 1);
        let lang = if i % 2 == 0 { "ko" } else { "en" };
        board.push(user(conn, &email, name, &["board_member"], lang).await?);
    }
    let accountant = user(
        conn,
        "demo.accountant@example.org",
        "윤재희 Jaehee Yoon",
        &["accountant"],
        "ko",
    )
    .await?;
    let auditor = user(
        conn,
        "demo.accountant2@example.org",
        "Michael Cho",
        &["accountant"],
        "en",
    )
    .await?;
    Ok(Staff {
        admin,
        caseworkers,
        board,
        accountant,
        auditor,
    })
}

/// The general fund's donations, a foundation grant for fees, and a winter emergency fund
/// with its receipts, all received on the first day of the year. The dice start here.
pub(super) async fn funds(
    conn: &mut AsyncPgConnection,
    staff: &Staff,
    clock: Today,
) -> AppResult<Dice> {
    let year = clock.today.year();
    let fees = FundInput {
        name: Some(format!(
            "Hana Foundation {year} — immigration fees / 하나 재단 이민 수수료"
        )),
        restricted_program: Some("immigration_fee".into()),
        expires_on: Some(format!("{year}-12-31")),
        note: Some("Grant letter HF-{year}-07 (fictional)".replace("{year}", &year.to_string())),
        ..FundInput::default()
    };
    let fees = crate::funds::create(conn, staff.admin.id, clock.today, &fees).await?;
    let winter = FundInput {
        name: Some("Winter emergency fund / 겨울 긴급 지원 기금".into()),
        restricted_program: Some("emergency".into()),
        ..FundInput::default()
    };
    let winter = crate::funds::create(conn, staff.admin.id, clock.today, &winter).await?;
    let mut dice = Dice(2026);
    // The money came in a year ago, on the first of the month, so the books span a year
    // whatever day the demo is loaded (its early months closed, the last ones open).
    let early = crate::domain::period::Month::of(clock.today)
        .first_day()
        .checked_sub_months(chrono::Months::new(12))
        .unwrap_or(clock.today);
    let receipts: Vec<(i64, &str, u64, String)> = vec![
        (
            fees.id,
            "grant",
            9_000_000,
            "Hana Foundation (fictional)".into(),
        ),
        (winter.id, "donation", 3_000_000, DONORS[0].into()),
        (
            winter.id,
            "grant",
            2_500_000,
            "City Neighbors Fund (fictional)".into(),
        ),
    ];
    for (fund, source, cents, donor) in receipts {
        book(conn, &staff.accountant, fund, source, cents, &donor, early).await?;
    }
    for i in 0..24 {
        let donor = dice.pick(DONORS).to_string();
        let cents = 150_000 + 25_000 * (i % 7);
        book(conn, &staff.accountant, 1, "donation", cents, &donor, early).await?;
    }
    Ok(dice)
}

async fn book(
    conn: &mut AsyncPgConnection,
    accountant: &User,
    fund: i64,
    source: &str,
    cents: u64,
    donor: &str,
    on: chrono::NaiveDate,
) -> AppResult<()> {
    let input = ReceiptInput {
        amount: Some(money(cents)),
        received_on: Some(on.to_string()),
        source: Some(source.into()),
        donor: Some(donor.into()),
        memo: None,
    };
    crate::funds::record_receipt(conn, accountant.id, fund, on, &input).await?;
    Ok(())
}

/// 200 households over the three sites, with incomes from well under to well over the
/// guideline, so every eligibility result occurs.
pub(super) async fn households(
    conn: &mut AsyncPgConnection,
    staff: &Staff,
    clock: Today,
    dice: &mut Dice,
) -> AppResult<Vec<Family>> {
    let mut households = Vec::new();
    for h in 0..200 {
        let (site, _, _, _, _, _) = PLACES[h % 3];
        let input = household(dice, h);
        let cw = &staff.caseworkers[h % 3];
        let household = crate::households::create(conn, cw.id, clock.today, &input).await?;
        households.push((household.id, site, cw.clone()));
    }
    Ok(households)
}

/// The `h`th family: invented names in both scripts, a 555 phone number, members.
fn household(dice: &mut Dice, h: usize) -> HouseholdInput {
    let (_, state, cities, streets, area, zip) = PLACES[h % 3];
    let (sur_ko, sur) = *dice.pick(SURNAMES);
    let (given_ko, given) = *dice.pick(GIVEN);
    let size = 1 + dice.below(5) as i64;
    let income = 9_000 + 6_000 * size as u64 + 2_000 * dice.below(20) as u64;
    let mut members = vec![MemberInput {
        name: Some(format!("{sur} {given}")),
        relationship: Some("self".into()),
        birth_year: Some(json!(1945 + dice.below(50) as i64)),
        ..MemberInput::default()
    }];
    for m in 1..size {
        let (_, other) = *dice.pick(GIVEN);
        members.push(MemberInput {
            name: Some(format!("{sur} {other}")),
            relationship: Some(if m == 1 { "spouse" } else { "child" }.into()),
            birth_year: Some(json!(if m == 1 {
                1950 + dice.below(40) as i64
            } else {
                2005 + dice.below(18) as i64
            })),
            ..MemberInput::default()
        });
    }
    HouseholdInput {
        name: Some(format!("{sur} {given}")),
        name_ko: Some(format!("{sur_ko}{given_ko}")),
        phone: Some(format!("({area}) 555-{:04}", 100 + h)),
        preferred_language: Some(if dice.below(3) == 0 { "en" } else { "ko" }.into()),
        address: Some(AddressInput {
            line1: Some(format!("{} {}", 100 + dice.below(8900), dice.pick(streets))),
            line2: (dice.below(2) == 0).then(|| format!("Apt {}", 1 + dice.below(40))),
            city: Some(dice.pick(cities).to_string()),
            state: Some(state.into()),
            postal_code: Some(format!("{zip}{:02}", 1 + dice.below(60))),
        }),
        size: Some(json!(size)),
        annual_income: Some(json!(format!("{income}.00"))),
        members: Some(members),
    }
}

/// Application number `a`, taken as far as its stage (`a % 20`) says: a draft, submitted,
/// checked, withdrawn, denied, waiting for the board or the accountant, paid in part and
/// closed, voided and reissued, paid and closed. The payments it made.
pub(super) async fn application(
    conn: &mut AsyncPgConnection,
    staff: &Staff,
    clock: Today,
    dice: &mut Dice,
    a: usize,
    family: &Family,
) -> AppResult<usize> {
    // The first 200 go one to a household; the rest are a second, fee, application, made
    // and decided over the five months before, so the books and the public impact page
    // have a history, with the small months of a real fund.
    let emergency = a < 200 && a % 3 == 1;
    let clock = if a >= 200 {
        Today {
            today: clock.today - chrono::Duration::days(30 * (1 + ((a / 3) % 5) as i64)),
            ..clock
        }
    } else {
        clock
    };
    let stage = a % 20;
    let id = intake(conn, clock, dice, family, emergency, stage).await?;
    let Some(id) = id else { return Ok(0) };
    let cw = &family.2;
    if stage == 3 {
        let reason = Some("가족이 신청을 취소했습니다 / family withdrew");
        crate::payments::withdraw(conn, cw.id, id, &clock, reason).await?;
        return Ok(0);
    }
    let Some(amount) = board_votes(conn, staff, clock, id, stage).await? else {
        return Ok(0);
    };
    if stage == 6 {
        return Ok(0); // approved, waiting for the accountant
    }
    pay(conn, staff, clock, dice, a, family, id, emergency, amount).await
}

/// The caseworker's part: the application, its documents, submitting and the check. The
/// application's id if it goes on to the board (eligible or needing review, past stage 2).
async fn intake(
    conn: &mut AsyncPgConnection,
    clock: Today,
    dice: &mut Dice,
    family: &Family,
    emergency: bool,
    stage: usize,
) -> AppResult<Option<i64>> {
    let (hid, site, cw) = family;
    // The insider question: most families are not related to anyone close to the fund; a
    // few are, each said with who.
    let (insider, insider_note) = match hid % 37 {
        5 => ("staff", Some("Aunt of the Chicago site's outreach worker")),
        11 => ("board", Some("Cousin of a board member (who recuses)")),
        17 => (
            "major_donor",
            Some("Family of a donor of more than $5,000 a year"),
        ),
        _ => ("none", None),
    };
    let input = if emergency {
        let (category, story) = *dice.pick(STORIES);
        ApplicationInput {
            household_id: Some(json!(hid)),
            site: Some((*site).into()),
            program: Some("emergency".into()),
            emergency: Some(EmergencyInput {
                category: Some(category.into()),
                amount: Some(money(20_000 + 5_000 * dice.below(26) as u64)),
                story: Some(story.into()),
            }),
            insider_relationship: Some(insider.into()),
            insider_note: insider_note.map(str::to_owned),
            ..ApplicationInput::default()
        }
    } else {
        ApplicationInput {
            household_id: Some(json!(hid)),
            site: Some((*site).into()),
            program: Some("immigration_fee".into()),
            lines: Some(vec![FeeLineInput {
                form: Some(dice.pick(FORMS).to_string()),
                filing: Some("paper".into()),
                ..FeeLineInput::default()
            }]),
            insider_relationship: Some(insider.into()),
            insider_note: insider_note.map(str::to_owned),
            ..ApplicationInput::default()
        }
    };
    let id = applications::create(conn, cw.id, clock.today, &input).await?;
    // Drafts and submitted ones stop early; the rest are checked and go on.
    if stage == 0 {
        return Ok(None);
    }
    let kinds: &[&str] = if emergency {
        &["photo_id", "event_evidence"]
    } else {
        &["photo_id", "proof_of_income", "completed_form"]
    };
    // One in ten misses a document, so some checks fail on it.
    let seen = if stage == 7 { &kinds[..1] } else { kinds };
    for kind in seen {
        let doc = DocumentInput {
            kind: Some(kind.to_string()),
            note: None,
        };
        applications::add_document(conn, cw.id, id, &doc).await?;
    }
    applications::transition(conn, cw.id, id, Transition::Submit, None).await?;
    if stage == 1 {
        return Ok(None);
    }
    let check = crate::eligibility::run_check(conn, cw.id, id, clock).await?;
    let goes_on = matches!(
        check.result,
        CheckResult::Eligible | CheckResult::NeedsReview
    );
    // Ineligible, or (stage 2) waiting in the board's queue.
    Ok((goes_on && stage != 2).then_some(id))
}

/// The board: one approve on the fast track, else three votes. The approved amount, if
/// the votes approved it.
async fn board_votes(
    conn: &mut AsyncPgConnection,
    staff: &Staff,
    clock: Today,
    id: i64,
    stage: usize,
) -> AppResult<Option<crate::domain::Money>> {
    let choices: &[&str] = if stage == 4 {
        &["deny", "approve", "deny"]
    } else if stage == 5 {
        &["approve", "abstain", "approve"]
    } else {
        &["approve", "approve", "approve"]
    };
    for (member, choice) in staff.board.iter().zip(choices.iter()) {
        let vote = VoteInput {
            vote: Some(choice.to_string()),
            comment: (*choice == "deny").then(|| "소득 서류를 더 확인해야 합니다".into()),
            ..VoteInput::default()
        };
        match crate::review::vote(conn, member, id, &clock, &vote).await {
            Ok(result) => {
                if let Some(decision) = result.decision {
                    let approved = decision.outcome == Outcome::Approved;
                    return Ok(decision.amount.filter(|_| approved));
                }
            }
            Err(AppError::Invalid { .. }) => return Ok(None), // no fund can cover it
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

/// The accountants pay: usually in full; some in part and closed; two voided and
/// reissued; the later stages closed once paid. The payments made.
#[allow(clippy::too_many_arguments)]
async fn pay(
    conn: &mut AsyncPgConnection,
    staff: &Staff,
    clock: Today,
    dice: &mut Dice,
    a: usize,
    family: &Family,
    id: i64,
    emergency: bool,
    amount: crate::domain::Money,
) -> AppResult<usize> {
    let stage = a % 20;
    let payer = if a % 2 == 0 {
        &staff.accountant
    } else {
        &staff.auditor
    };
    let payee = emergency.then(|| {
        let street = dice.pick(&["Wilshire", "Lakeview", "Northern Blvd", "Golden Gate"]);
        format!("{street} Property Management")
    });
    let reference = format!("{}", 10_000 + a);
    let part = if stage == 8 {
        amount.decimal() / rust_decimal::Decimal::from(2)
    } else {
        amount.decimal()
    };
    let pay = DisbursementInput {
        application_id: Some(json!(id)),
        amount: Some(Value::String(part.round_dp(2).to_string())),
        payee,
        method: Some("check".into()),
        reference: Some(reference.clone()),
        paid_on: Some(clock.today.to_string()),
        ..DisbursementInput::default()
    };
    let paid = crate::payments::disburse(conn, payer.id, &clock, &pay).await?;
    if stage == 8 {
        let reason = crate::payments::CloseInput {
            reason: Some("The landlord accepted half / 집주인이 절반만 받기로 함".into()),
        };
        crate::payments::close(conn, payer.id, id, &clock, &reason).await?;
    } else if a == 29 || a == 129 {
        let reason = crate::payments::ReasonInput {
            reason: Some("Check lost in the mail / 우편 분실".into()),
        };
        crate::payments::void(conn, payer.id, paid.id, &clock, &reason).await?;
        let reissue = DisbursementInput {
            reference: Some(format!("{reference}-R")),
            reissue_of: Some(json!(paid.id)),
            ..pay
        };
        crate::payments::disburse(conn, payer.id, &clock, &reissue).await?;
        return Ok(2);
    } else if stage >= 15 {
        let close = crate::payments::CloseInput::default();
        crate::payments::close(conn, family.2.id, id, &clock, &close).await?;
    }
    Ok(1)
}

/// The fee cases H.R. 1 brought: an I-765 for an asylum applicant (category c8), whose
/// line pays the regular fee and the statutory EAD fee; and an asylum application (I-589)
/// filed eleven months ago, whose annual fee falls due within the month, so the
/// caseworker's queue shows it. Both are drafts the caseworker will carry on with.
pub(super) async fn fee_cases(
    conn: &mut AsyncPgConnection,
    clock: Today,
    households: &[Family],
) -> AppResult<()> {
    // Its first anniversary is about 30 days ahead.
    let filed = clock.today - chrono::Duration::days(335);
    let cases = [
        ("I-765", "c8", false, None),
        ("I-589", "", false, Some(filed)),
    ];
    for (i, (form, category, renewal, filed_on)) in cases.into_iter().enumerate() {
        let (hid, site, cw) = &households[7 + i * 11];
        let input = ApplicationInput {
            household_id: Some(json!(hid)),
            site: Some((*site).into()),
            program: Some("immigration_fee".into()),
            lines: Some(vec![FeeLineInput {
                form: Some(form.into()),
                category: Some(category.into()),
                filing: Some("paper".into()),
                renewal: Some(json!(renewal)),
                filed_on: filed_on.map(|d: chrono::NaiveDate| d.to_string()),
                ..FeeLineInput::default()
            }]),
            insider_relationship: Some("none".into()),
            ..ApplicationInput::default()
        };
        applications::create(conn, cw.id, clock.today, &input).await?;
    }
    Ok(())
}

/// The accountant's closed months: every month of the books up to two before the current
/// one, so last month is still waiting for its close (the periods page shows it next).
pub(super) async fn close_months(
    conn: &mut AsyncPgConnection,
    staff: &Staff,
    clock: Today,
) -> AppResult<usize> {
    use crate::domain::PeriodStatus;
    use crate::domain::period::Month;
    let last_to_close = Month::of(clock.today).previous().previous();
    let mut months: Vec<Month> = crate::periods::list(conn, clock.today)
        .await?
        .into_iter()
        .filter(|p| p.status == PeriodStatus::Open && p.period <= last_to_close)
        .map(|p| p.period)
        .collect();
    months.sort();
    for month in &months {
        crate::periods::close(conn, staff.accountant.id, clock.today, *month).await?;
    }
    Ok(months.len())
}

/// The bank's statement of the demo's checks: every check issued so far cleared three days
/// after it was written (but not after today), the first receipt deposited, and one bank
/// fee the books do not have (left unmatched), uploaded in the generic layout.
pub(super) async fn reconcile(
    conn: &mut AsyncPgConnection,
    staff: &Staff,
    clock: Today,
) -> AppResult<i64> {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Out {
        #[diesel(sql_type = diesel::sql_types::Date)]
        on: chrono::NaiveDate,
        #[diesel(sql_type = diesel::sql_types::Text)]
        amount: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        reference: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        kind: String,
    }
    let rows: Vec<Out> = diesel::sql_query(
        "(SELECT d.paid_on AS on, (-d.amount)::text AS amount, d.reference, 'CHECK' AS kind
          FROM disbursements d JOIN disbursement_states s ON s.disbursement_id = d.id
          WHERE d.method = 'check' AND s.state = 'issued' ORDER BY d.id LIMIT 12)
         UNION ALL
         (SELECT r.received_on, r.amount::text, '', 'DEPOSIT' FROM receipts r ORDER BY r.id LIMIT 1)",
    )
    .load(conn)
    .await?;
    let mut csv = String::from("date,amount,check_number,description\r\n");
    for row in &rows {
        let posted = (row.on + chrono::Duration::days(3)).min(clock.today);
        csv.push_str(&format!(
            "{posted},{},{},{} {}\r\n",
            row.amount, row.reference, row.kind, row.reference
        ));
    }
    csv.push_str(&format!("{},-15.00,,MONTHLY SERVICE FEE\r\n", clock.today));
    let summary =
        crate::banking::import(conn, staff.accountant.id, clock, "generic", csv.as_bytes()).await?;
    Ok(summary.id)
}

/// The demo's first accountant.
pub(super) fn accountant_id(staff: &Staff) -> i64 {
    staff.accountant.id
}
