//! `grant-tracker demo`: a fictional, bilingual data set for trying the service and for
//! realistic exports. Every record is made through the same service functions a user's
//! request goes through (households, applications, documents, checks, votes, payments,
//! voids, closing), so the data obeys every rule the service and the database enforce.
//!
//! About 200 households over the three sites, 300 applications in every state, a general
//! fund and two restricted funds with their receipts, payments, a void and its reissue.
//! All names, addresses and phone numbers are invented (555 numbers). Loading twice adds
//! nothing: the demo's admin user marks a loaded database.

use chrono::Datelike;
use diesel_async::AsyncPgConnection;
use serde_json::{Value, json};

use crate::applications;
use crate::clock::Today;
use crate::domain::Transition;
use crate::domain::application::{ApplicationInput, DocumentInput, EmergencyInput, FeeLineInput};
use crate::domain::household::{AddressInput, HouseholdInput, MemberInput};
use crate::domain::ledger::ReceiptInput;
use crate::domain::review::{DisbursementInput, VoteInput};
use crate::error::{AppError, AppResult};
use crate::funds::FundInput;
use crate::users::{NewUserInput, User};

/// Every demo user's password (the demo is for trying the service, never for real data).
pub const PASSWORD: &str = "demo-password-2026";
const MARKER: &str = "demo.admin@example.org";

/// What was loaded.
#[derive(Debug, Default)]
pub struct Loaded {
    pub users: usize,
    pub households: usize,
    pub applications: usize,
    pub payments: usize,
    pub already: bool,
}

/// A small deterministic generator (an LCG), so every load builds the same families.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const SURNAMES: &[(&str, &str)] = &[
    ("김", "Kim"),
    ("이", "Lee"),
    ("박", "Park"),
    ("최", "Choi"),
    ("정", "Jung"),
    ("강", "Kang"),
    ("조", "Cho"),
    ("윤", "Yoon"),
    ("장", "Jang"),
    ("임", "Lim"),
    ("한", "Han"),
    ("오", "Oh"),
    ("서", "Seo"),
    ("신", "Shin"),
    ("권", "Kwon"),
    ("황", "Hwang"),
    ("안", "Ahn"),
    ("송", "Song"),
];
const GIVEN: &[(&str, &str)] = &[
    ("민준", "Minjun"),
    ("서연", "Seoyeon"),
    ("지훈", "Jihoon"),
    ("하은", "Haeun"),
    ("도윤", "Doyoon"),
    ("수아", "Sua"),
    ("예준", "Yejun"),
    ("지우", "Jiwoo"),
    ("영숙", "Youngsook"),
    ("정희", "Junghee"),
    ("순자", "Soonja"),
    ("상철", "Sangchul"),
    ("광수", "Kwangsoo"),
    ("미경", "Mikyung"),
    ("동현", "Donghyun"),
    ("은지", "Eunji"),
    ("성민", "Sungmin"),
    ("혜진", "Hyejin"),
    ("재원", "Jaewon"),
    ("명자", "Myungja"),
];
/// Site, state, cities, street names, area code, postal code prefix.
const PLACES: &[(&str, &str, &[&str], &[&str], &str, &str)] = &[
    (
        "LA",
        "CA",
        &["Los Angeles", "Koreatown", "Torrance", "Garden Grove"],
        &[
            "Harvard Blvd",
            "Normandie Ave",
            "Wilshire Pl",
            "Serrano Ave",
        ],
        "213",
        "900",
    ),
    (
        "CHI",
        "IL",
        &["Chicago", "Niles", "Glenview", "Skokie"],
        &["N Kedzie Ave", "W Lawrence Ave", "N Pulaski Rd", "Golf Rd"],
        "773",
        "606",
    ),
    (
        "NYC",
        "NY",
        &["Flushing", "Bayside", "Elmhurst", "Sunnyside"],
        &["Northern Blvd", "Union St", "Roosevelt Ave", "Queens Blvd"],
        "718",
        "113",
    ),
];
const FORMS: &[&str] = &["N-400", "I-90", "I-765", "I-131", "N-600"];
const STORIES: &[(&str, &str)] = &[
    (
        "eviction",
        "집세가 밀려 퇴거 통지를 받았습니다. 다음 달부터 새 일을 시작합니다.",
    ),
    (
        "utility_shutoff",
        "Gas shut-off notice after a hospital stay; two children at home.",
    ),
    ("medical", "수술 후 약값과 병원비가 감당이 안 됩니다."),
    (
        "fire_or_disaster",
        "아파트 화재로 옷과 가구를 잃었습니다 🔥",
    ),
    (
        "job_loss",
        "Restaurant closed; looking for work, rent due on the 1st.",
    ),
    ("death_in_family", "남편 장례 비용이 필요합니다."),
];
const DONORS: &[&str] = &[
    "한인 연합 장로교회",
    "Queens Korean Merchants Association",
    "Anonymous",
    "시카고 한인 봉사회",
    "Wilshire Dental Group",
    "새소망 교회 여선교회",
    "Park & Lee CPA",
];

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

/// Loads the demo once, in one transaction (all of it or nothing); a second call finds the
/// marker and adds nothing.
pub async fn load(conn: &mut AsyncPgConnection, clock: Today) -> AppResult<Loaded> {
    use diesel_async::AsyncConnection;
    conn.transaction(async |conn| load_once(conn, clock).await)
        .await
}

async fn load_once(conn: &mut AsyncPgConnection, clock: Today) -> AppResult<Loaded> {
    if crate::users::find_by_email(conn, MARKER).await.is_ok() {
        return Ok(Loaded {
            already: true,
            ..Loaded::default()
        });
    }
    let mut loaded = Loaded::default();
    let admin = user(conn, MARKER, "데모 관리자 Demo Admin", &["admin"], "en").await?;
    let mut caseworkers = Vec::new();
    for (site, name, lang) in [
        ("la", "이수진 Sujin Lee", "ko"),
        ("chi", "Daniel Park", "en"),
        ("nyc", "최은영 Eunyoung Choi", "ko"),
    ] {
        caseworkers.push(
            user(
                conn,
                &format!("demo.caseworker.{site}@example.org"),
                name,
                &["caseworker"],
                lang,
            )
            .await?,
        );
    }
    let mut board = Vec::new();
    for (i, name) in [
        "정대현 Daehyun Jung",
        "Grace Kim",
        "한미숙 Misook Han",
        "Samuel Oh",
    ]
    .iter()
    .enumerate()
    {
        board.push(
            user(
                conn,
                &format!("demo.board{}@example.org", i + 1),
                name,
                &["board_member"],
                if i % 2 == 0 { "ko" } else { "en" },
            )
            .await?,
        );
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
    loaded.users = 3 + 4 + 2 + 1;

    // Funds: the general fund, a foundation grant for fees, and a winter emergency fund.
    let year = clock.today.year();
    let fees = crate::funds::create(
        conn,
        admin.id,
        clock.today,
        &FundInput {
            name: Some(format!(
                "Hana Foundation {year} — immigration fees / 하나 재단 이민 수수료"
            )),
            restricted_program: Some("immigration_fee".into()),
            expires_on: Some(format!("{year}-12-31")),
            note: Some(
                "Grant letter HF-{year}-07 (fictional)".replace("{year}", &year.to_string()),
            ),
            ..FundInput::default()
        },
    )
    .await?;
    let winter = crate::funds::create(
        conn,
        admin.id,
        clock.today,
        &FundInput {
            name: Some("Winter emergency fund / 겨울 긴급 지원 기금".into()),
            restricted_program: Some("emergency".into()),
            ..FundInput::default()
        },
    )
    .await?;
    let mut dice = Dice(2026);
    let early = chrono::NaiveDate::from_ymd_opt(year, 1, 1)
        .unwrap_or(clock.today)
        .min(clock.today);
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
        book(conn, &accountant, fund, source, cents, &donor, early).await?;
    }
    for i in 0..24 {
        let donor = dice.pick(DONORS).to_string();
        book(
            conn,
            &accountant,
            1,
            "donation",
            150_000 + 25_000 * (i % 7),
            &donor,
            early,
        )
        .await?;
    }

    // Households and their applications, in every state of the life cycle.
    let mut households = Vec::new();
    for h in 0..200 {
        let (site, state, cities, streets, area, zip) = PLACES[h % 3];
        let (sur_ko, sur) = *dice.pick(SURNAMES);
        let (given_ko, given) = *dice.pick(GIVEN);
        let size = 1 + dice.below(5) as i64;
        // Incomes from well under to well over the guideline, so every result occurs.
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
        let input = HouseholdInput {
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
        };
        let cw = &caseworkers[h % 3];
        let household = crate::households::create(conn, cw.id, clock.today, &input).await?;
        households.push((household.id, site, cw.clone()));
    }
    loaded.households = households.len();

    for a in 0..300 {
        let (hid, site, cw) = households[a % households.len()].clone();
        // The first 200 go one to a household; the rest are a second, fee, application.
        let emergency = a < 200 && a % 3 == 1;
        let input = if emergency {
            let (category, story) = *dice.pick(STORIES);
            ApplicationInput {
                household_id: Some(json!(hid)),
                site: Some(site.into()),
                program: Some("emergency".into()),
                emergency: Some(EmergencyInput {
                    category: Some(category.into()),
                    amount: Some(money(20_000 + 5_000 * dice.below(26) as u64)),
                    story: Some(story.into()),
                }),
                ..ApplicationInput::default()
            }
        } else {
            ApplicationInput {
                household_id: Some(json!(hid)),
                site: Some(site.into()),
                program: Some("immigration_fee".into()),
                lines: Some(vec![FeeLineInput {
                    form: Some(dice.pick(FORMS).to_string()),
                    filing: Some("paper".into()),
                    ..FeeLineInput::default()
                }]),
                ..ApplicationInput::default()
            }
        };
        let app_id = applications::create(conn, cw.id, clock.today, &input).await?;
        loaded.applications += 1;
        // Drafts and submitted ones stop early; the rest are checked and go on.
        let stage = a % 20;
        if stage == 0 {
            continue;
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
            applications::add_document(conn, cw.id, app_id, &doc).await?;
        }
        applications::transition(conn, cw.id, app_id, Transition::Submit, None).await?;
        if stage == 1 {
            continue;
        }
        let check = crate::eligibility::run_check(conn, cw.id, app_id, clock).await?;
        if !matches!(
            check.result,
            crate::domain::status::CheckResult::Eligible
                | crate::domain::status::CheckResult::NeedsReview
        ) || stage == 2
        {
            continue; // ineligible, or waiting in the board's queue
        }
        if stage == 3 {
            crate::payments::withdraw(
                conn,
                cw.id,
                app_id,
                &clock,
                Some("가족이 신청을 취소했습니다 / family withdrew"),
            )
            .await?;
            continue;
        }
        // The board: one approve on the fast track, else three votes.
        let deny = stage == 4;
        let choices: &[&str] = if deny {
            &["deny", "approve", "deny"]
        } else if stage == 5 {
            &["approve", "abstain", "approve"]
        } else {
            &["approve", "approve", "approve"]
        };
        let mut decided = None;
        for (member, choice) in board.iter().zip(choices.iter()) {
            let vote = VoteInput {
                vote: Some(choice.to_string()),
                comment: (*choice == "deny").then(|| "소득 서류를 더 확인해야 합니다".into()),
                ..VoteInput::default()
            };
            match crate::review::vote(conn, member, app_id, &clock, &vote).await {
                Ok(result) => {
                    if result.decision.is_some() {
                        decided = result.decision;
                        break;
                    }
                }
                Err(AppError::Invalid { .. }) => break, // no fund can cover it: stays in the queue
                Err(e) => return Err(e),
            }
        }
        let Some(decision) = decided else { continue };
        let (Some(amount), true) = (
            decision.amount,
            decision.outcome == crate::domain::review::Outcome::Approved,
        ) else {
            continue;
        };
        if stage == 6 {
            continue; // approved, waiting for the accountant
        }
        // The accountants pay: usually in full; some in part and closed; one voided and reissued.
        let payer = if a % 2 == 0 { &accountant } else { &auditor };
        let payee = if emergency {
            Some(format!(
                "{} Property Management",
                dice.pick(&["Wilshire", "Lakeview", "Northern Blvd", "Golden Gate"])
            ))
        } else {
            None
        };
        let reference = format!("{}", 10_000 + a);
        let part = if stage == 8 {
            amount.decimal() / rust_decimal::Decimal::from(2)
        } else {
            amount.decimal()
        };
        let pay = DisbursementInput {
            application_id: Some(json!(app_id)),
            amount: Some(Value::String(part.round_dp(2).to_string())),
            payee: payee.clone(),
            method: Some("check".into()),
            reference: Some(reference.clone()),
            paid_on: Some(clock.today.to_string()),
            ..DisbursementInput::default()
        };
        let paid = crate::payments::disburse(conn, payer.id, &clock, &pay).await?;
        loaded.payments += 1;
        if stage == 8 {
            let reason = crate::payments::CloseInput {
                reason: Some("The landlord accepted half / 집주인이 절반만 받기로 함".into()),
            };
            crate::payments::close(conn, payer.id, app_id, &clock, &reason).await?;
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
            loaded.payments += 1;
        } else if stage >= 15 {
            crate::payments::close(
                conn,
                cw.id,
                app_id,
                &clock,
                &crate::payments::CloseInput::default(),
            )
            .await?;
        }
    }
    Ok(loaded)
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
