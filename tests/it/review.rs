//! From board vote to payment over the API: decision rules, separation of duties,
//! commitments, payments, voids and reissues, releases, and the races SPEC.md names.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// The people of one fund: a caseworker, three board members, an accountant.
pub struct Team {
    pub app: TestApp,
    pub cw: TestUser,
    pub board: Vec<TestUser>,
    pub accountant: TestUser,
}

pub async fn team(pool: usize) -> Team {
    let app = TestApp::spawn_sized(pool).await;
    let cw = app.user(&["caseworker"]).await;
    let mut board = Vec::new();
    for _ in 0..4 {
        board.push(app.user(&["board_member"]).await);
    }
    let accountant = app.user(&["accountant"]).await;
    Team {
        app,
        cw,
        board,
        accountant,
    }
}

fn assert_clean(report: &grant_tracker::ledger::check::Report) {
    assert!(report.clean(), "check-ledger found a breach:\n{report}");
}

async fn ok(reply: Reply, status: StatusCode) -> Value {
    assert_eq!(reply.status, status, "{}", reply.text);
    reply.json()
}

/// Submits, records `documents` and checks a new application; its id and status.
pub async fn checked(
    app: &TestApp,
    cw: &TestUser,
    body: Value,
    documents: &[&str],
) -> (i64, String) {
    let id = ok(
        app.post("/api/v1/applications", cw, body).await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    ok(
        app.post(&format!("/api/v1/applications/{id}/submit"), cw, json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    for kind in documents {
        ok(
            app.post(
                &format!("/api/v1/applications/{id}/documents"),
                cw,
                json!({"kind": kind}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let check = ok(
        app.post(
            &format!("/api/v1/applications/{id}/eligibility"),
            cw,
            json!({}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    (id, check["result"].as_str().unwrap().to_owned())
}

/// An N-400 ($760) for the standard household: needs review (a fee waiver is likely).
pub async fn n400_for_review(app: &TestApp, cw: &TestUser) -> i64 {
    let hid = app.household(cw).await["id"].as_i64().unwrap();
    let (id, result) = checked(
        app,
        cw,
        n400(hid),
        &["photo_id", "proof_of_income", "completed_form"],
    )
    .await;
    assert_eq!(result, "needs_review");
    id
}

/// An eligible emergency request of `amount` (fast track up to $500).
pub async fn eligible_emergency(app: &TestApp, cw: &TestUser, hid: i64, amount: &str) -> i64 {
    let body = json!({"household_id": hid, "site": "CHI", "program": "emergency",
        "emergency": {"category": "eviction", "amount": amount, "story": "밀린 월세로 퇴거 통지를 받았습니다."}});
    let (id, result) = checked(app, cw, body, &["photo_id", "event_evidence"]).await;
    assert_eq!(result, "eligible");
    id
}

/// An eligible emergency request of `amount` for a new household, approved on the fast
/// track by `member`.
pub async fn approved_emergency(
    app: &TestApp,
    cw: &TestUser,
    member: &TestUser,
    amount: &str,
) -> i64 {
    let hid = app.household(cw).await["id"].as_i64().unwrap();
    let id = eligible_emergency(app, cw, hid, amount).await;
    let r = vote(app, member, id, json!({"vote": "approve"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    id
}

pub async fn vote(app: &TestApp, member: &TestUser, id: i64, body: Value) -> Reply {
    app.post(&format!("/api/v1/applications/{id}/votes"), member, body)
        .await
}

/// Money in to the general fund (id 1).
pub async fn fund_general(app: &TestApp, accountant: &TestUser, amount: &str) {
    app.receipt(accountant, 1, amount).await;
}

async fn fund(app: &TestApp, user: &TestUser, id: i64) -> Value {
    app.get(&format!("/api/v1/funds/{id}"), user).await.json()
}

fn pay(id: i64, amount: &str, reference: &str) -> Value {
    json!({"application_id": id, "amount": amount, "method": "check", "reference": reference, "paid_on": "2026-11-20"})
}

#[tokio::test]
async fn one_approve_decides_up_to_500_and_commits_from_the_general_fund() {
    let Team {
        app,
        cw,
        board,
        accountant,
    } = team(4).await;
    fund_general(&app, &accountant, "1000.00").await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let id = eligible_emergency(&app, &cw, hid, "400.00").await;
    let answer = ok(
        vote(
            &app,
            &board[0],
            id,
            json!({"vote": "approve", "comment": "급한 상황입니다"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(answer["vote"], "approve");
    assert_eq!(answer["amount"], "400.00");
    assert_eq!(answer["decision"]["outcome"], "approved");
    assert_eq!(answer["decision"]["amount"], "400.00");
    assert_eq!(answer["decision"]["fund_id"], 1);
    assert_eq!(answer["status"], "approved");
    let general = fund(&app, &accountant, 1).await;
    assert_eq!(
        (
            general["cash"].as_str(),
            general["committed"].as_str(),
            general["available"].as_str()
        ),
        (Some("1000.00"), Some("400.00"), Some("600.00"))
    );
    let entry = answer["decision"]["commitment_entry_id"].as_i64().unwrap();
    let e = ok(
        app.get(&format!("/api/v1/ledger/entries/{entry}"), &accountant)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(e["kind"], "commitment");
    assert_eq!(e["postings"][0]["account"], "5200");
    assert_eq!(e["postings"][1]["account"], "2100");
    // Too late for another vote: decided.
    let late = vote(&app, &board[1], id, json!({"vote": "deny"})).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.text);
    assert_clean(&app.check_ledger().await);
}

#[tokio::test]
async fn above_500_a_quorum_of_three_non_recused_votes_decides_by_majority_and_a_tie_is_denied() {
    let Team {
        app,
        cw,
        board,
        accountant,
    } = team(4).await;
    fund_general(&app, &accountant, "5000.00").await;
    let id = n400_for_review(&app, &cw).await;
    let a = ok(
        vote(
            &app,
            &board[0],
            id,
            json!({"vote": "approve", "amount": "760.00"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert!(a["decision"].is_null(), "one approve does not decide $760");
    let r = ok(
        vote(
            &app,
            &board[1],
            id,
            json!({"vote": "recuse", "comment": "제 사촌입니다"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert!(r["decision"].is_null());
    let d = ok(
        vote(&app, &board[2], id, json!({"vote": "deny"})).await,
        StatusCode::CREATED,
    )
    .await;
    assert!(
        d["decision"].is_null(),
        "two counted votes are short of the quorum"
    );
    let last = ok(
        vote(
            &app,
            &board[3],
            id,
            json!({"vote": "approve", "amount": "700.00"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(last["decision"]["outcome"], "approved");
    assert_eq!(
        last["decision"]["amount"], "700.00",
        "the smallest approved amount"
    );
    let shown = app
        .get(&format!("/api/v1/applications/{id}"), &accountant)
        .await
        .json();
    assert_eq!(shown["votes"].as_array().unwrap().len(), 4);
    assert_eq!(shown["payable"]["unpaid"], "700.00");

    // A tie (approve, deny, abstain) is denied, and nothing is committed.
    let tie = n400_for_review(&app, &cw).await;
    for (member, choice) in board.iter().zip(["approve", "deny", "abstain"]) {
        ok(
            vote(&app, member, tie, json!({"vote": choice})).await,
            StatusCode::CREATED,
        )
        .await;
    }
    let denied = app
        .get(&format!("/api/v1/applications/{tie}"), &accountant)
        .await
        .json();
    assert_eq!(denied["status"], "denied");
    assert_eq!(denied["decision"]["outcome"], "denied");
    assert!(denied["decision"]["commitment_entry_id"].is_null());
    assert_eq!(fund(&app, &accountant, 1).await["committed"], "700.00");
    assert_clean(&app.check_ledger().await);
}

#[tokio::test]
async fn separation_of_duties_double_votes_and_amount_limits_are_refused() {
    let Team {
        app,
        cw,
        board,
        accountant,
    } = team(4).await;
    fund_general(&app, &accountant, "5000.00").await;
    let restricted = app
        .fund(
            &accountant,
            json!({"name": "Emergency only", "restricted_program": "emergency"}),
        )
        .await;
    app.receipt(&accountant, restricted, "5000.00").await;
    // A caseworker who also sits on the board enters an application: they cannot vote on it.
    let both = app.user(&["caseworker", "board_member"]).await;
    let hid = app.household(&both).await["id"].as_i64().unwrap();
    let own = eligible_emergency(&app, &both, hid, "300.00").await;
    let refused = vote(&app, &both, own, json!({"vote": "approve"})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("entered this application"),
        "{}",
        refused.text
    );
    assert_eq!(
        vote(&app, &cw, own, json!({"vote": "approve"}))
            .await
            .status,
        StatusCode::FORBIDDEN,
        "not a board member"
    );

    let id = n400_for_review(&app, &cw).await;
    for (body, field, key) in [
        (
            json!({"vote": "approve", "amount": "760.01"}),
            "amount",
            "760.00",
        ),
        (
            json!({"vote": "approve", "amount": "-5"}),
            "amount",
            "negative",
        ),
        (
            json!({"vote": "approve", "amount": "1.005"}),
            "amount",
            "decimal",
        ),
        (
            json!({"vote": "approve", "amount": "99999999999999999999999"}),
            "amount",
            "",
        ),
        (json!({"vote": "maybe"}), "vote", "approve"),
        (json!({"vote": "deny", "amount": "10.00"}), "amount", ""),
        (json!({"vote": ""}), "vote", ""),
    ] {
        let r = vote(&app, &board[0], id, body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text
        );
        let message = r.json()["error"]["fields"][field]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.contains(key), "{body}: {message}");
    }
    let malformed = app
        .api(
            axum::http::Method::POST,
            &format!("/api/v1/applications/{id}/votes"),
            Some(&board[0].token),
            None,
        )
        .await;
    assert!(malformed.status.is_client_error());
    assert_eq!(
        app.count("SELECT count(*) FROM votes").await,
        0,
        "refused votes write nothing"
    );

    ok(
        vote(
            &app,
            &board[0],
            id,
            json!({"vote": "approve", "amount": "760.00", "comment": "👍"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let twice = vote(&app, &board[0], id, json!({"vote": "deny"})).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(twice.text.contains("already voted"));

    // A restricted fund named for the wrong program refuses the decisive vote; nothing stays.
    ok(
        vote(&app, &board[1], id, json!({"vote": "approve"})).await,
        StatusCode::CREATED,
    )
    .await;
    let wrong = vote(
        &app,
        &board[2],
        id,
        json!({"vote": "approve", "fund_id": restricted}),
    )
    .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.text
    );
    assert!(wrong.json()["error"]["fields"]["fund_id"].is_string());
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM votes WHERE application_id = {id}"
        ))
        .await,
        2
    );
    ok(
        vote(
            &app,
            &board[2],
            id,
            json!({"vote": "approve", "fund_id": 1}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    // Whoever voted to approve cannot pay it, even holding the accountant role.
    let approver_accountant = app.user(&["board_member", "accountant"]).await;
    let small = eligible_emergency(
        &app,
        &cw,
        app.household(&cw).await["id"].as_i64().unwrap(),
        "250.00",
    )
    .await;
    ok(
        vote(
            &app,
            &approver_accountant,
            small,
            json!({"vote": "approve"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let pays = app
        .post(
            "/api/v1/disbursements",
            &approver_accountant,
            pay(small, "250.00", "2001"),
        )
        .await;
    assert_eq!(pays.status, StatusCode::FORBIDDEN, "{}", pays.text);
    assert!(pays.text.contains("voted to approve"));
    ok(app.post("/api/v1/disbursements", &accountant, json!({"application_id": small, "amount": "250.00",
        "method": "ach", "payee": "시카고 아파트 관리소 Chicago Apartments LLC", "paid_on": "2026-11-20"})).await, StatusCode::CREATED).await;
    assert_clean(&app.check_ledger().await);
}

#[tokio::test]
async fn the_database_refuses_votes_and_payments_that_break_separation_of_duties() {
    let Team {
        app,
        cw,
        board,
        accountant,
    } = team(4).await;
    fund_general(&app, &accountant, "1000.00").await;
    let id = n400_for_review(&app, &cw).await;
    let mut conn = app.app_conn().await;
    use diesel_async::SimpleAsyncConnection;
    let err = conn
        .batch_execute(&format!(
            "INSERT INTO votes (application_id, voter_id, vote) VALUES ({id}, {}, 'deny')",
            cw.id
        ))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot vote"), "{err}");
    let err = conn
        .batch_execute(&format!(
            "UPDATE votes SET vote = 'deny'; DELETE FROM decisions WHERE application_id = {id}"
        ))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("permission denied") || err.to_string().contains("append-only"),
        "{err}"
    );
    let _ = board;
}

#[tokio::test]
async fn the_full_journey_through_the_api_pays_voids_reissues_and_records_the_uscis_receipt() {
    let Team {
        app,
        cw,
        board,
        accountant,
    } = team(4).await;
    let foundation = app
        .fund(
            &accountant,
            json!({"name": "XYZ Foundation 2026 — immigration fees",
        "restricted_program": "immigration_fee",
        "expires_on": format!("{}-12-31", chrono::Datelike::year(&app.today()))}),
        )
        .await;
    app.receipt(&accountant, foundation, "2000.00").await;
    fund_general(&app, &accountant, "500.00").await;

    // household → application → documents → submit → eligibility
    let id = n400_for_review(&app, &cw).await;
    // three votes → commitment from the restricted fund, which expires first
    ok(
        vote(&app, &board[0], id, json!({"vote": "approve"})).await,
        StatusCode::CREATED,
    )
    .await;
    ok(
        vote(&app, &board[1], id, json!({"vote": "abstain"})).await,
        StatusCode::CREATED,
    )
    .await;
    let decided = ok(
        vote(&app, &board[2], id, json!({"vote": "approve"})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(decided["decision"]["fund_id"], foundation);
    assert_eq!(decided["decision"]["amount"], "760.00");

    // Payment in two parts: $300, then $460, which pays it in full.
    let first = ok(
        app.post(
            "/api/v1/disbursements",
            &accountant,
            pay(id, "300.00", "1001"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(first["payee"], "U.S. Department of Homeland Security");
    assert_eq!(first["fund_id"], foundation);
    assert!(first["number"].as_str().unwrap().starts_with("DSB-2026-"));
    let over = app
        .post(
            "/api/v1/disbursements",
            &accountant,
            pay(id, "460.01", "1002"),
        )
        .await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(over.text.contains("$460.00"), "{}", over.text);
    let taken = app
        .post(
            "/api/v1/disbursements",
            &accountant,
            pay(id, "100.00", "1001"),
        )
        .await;
    assert_eq!(
        taken.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "check 1001 is used"
    );
    let second = ok(
        app.post(
            "/api/v1/disbursements",
            &accountant,
            pay(id, "460.00", "1002"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let a = app
        .get(&format!("/api/v1/applications/{id}"), &cw)
        .await
        .json();
    assert_eq!(a["status"], "paid");
    assert_eq!(a["payable"]["unpaid"], "0.00");

    // The second check is lost: void it, which reverses its entry and reopens the payable.
    let second_id = second["id"].as_i64().unwrap();
    let no_reason = app
        .post(
            &format!("/api/v1/disbursements/{second_id}/void"),
            &accountant,
            json!({"reason": " "}),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let voided = ok(
        app.post(
            &format!("/api/v1/disbursements/{second_id}/void"),
            &accountant,
            json!({"reason": "Check lost in the mail"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(voided["state"], "voided");
    let void_entry = app
        .get(
            &format!("/api/v1/ledger/entries/{}", voided["void_entry_id"]),
            &accountant,
        )
        .await
        .json();
    assert_eq!(void_entry["reverses"], second["entry_id"]);
    assert_eq!(void_entry["kind"], "void");
    assert_eq!(
        app.post(
            &format!("/api/v1/disbursements/{second_id}/void"),
            &accountant,
            json!({"reason": "again"})
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    let a = app
        .get(&format!("/api/v1/applications/{id}"), &cw)
        .await
        .json();
    assert_eq!(a["status"], "approved");
    assert_eq!(a["payable"]["unpaid"], "460.00");
    // A receipt number is for a paid fee.
    let early = app
        .post(
            &format!("/api/v1/applications/{id}/lines/1/receipt-number"),
            &cw,
            json!({"receipt_number": "IOE0912345678"}),
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT);

    // Reissue, linked to the voided check → paid again.
    let mut reissue = pay(id, "460.00", "1003");
    reissue["reissue_of"] = json!(second_id);
    let third = ok(
        app.post("/api/v1/disbursements", &accountant, reissue)
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(third["reissue_of"], second_id);
    assert_eq!(
        app.get(&format!("/api/v1/disbursements/{second_id}"), &accountant)
            .await
            .json()["reissued_by"],
        third["id"]
    );
    let a = app
        .get(&format!("/api/v1/applications/{id}"), &cw)
        .await
        .json();
    assert_eq!(a["status"], "paid");
    assert_eq!(a["disbursements"].as_array().unwrap().len(), 3);

    // After payment: the USCIS receipt number, a cleared check, and closing.
    for bad in ["IOE091234567", "1234567890ABC", "접수번호"] {
        let r = app
            .post(
                &format!("/api/v1/applications/{id}/lines/1/receipt-number"),
                &cw,
                json!({"receipt_number": bad}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let recorded = ok(
        app.post(
            &format!("/api/v1/applications/{id}/lines/1/receipt-number"),
            &cw,
            json!({"receipt_number": "ioe 0912345678"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // Kept sealed: the API, the audit trail and the table show it only masked.
    assert_eq!(
        recorded["lines"][0]["uscis_receipt_number"],
        "IOE******5678"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE changes::text LIKE '%0912345678%'")
            .await,
        0
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM fee_lines WHERE receipt_number_sealed IS NOT NULL
             AND position('IOE0912345678'::bytea IN receipt_number_sealed) = 0"
        )
        .await,
        1
    );
    let mut conn = app.owner_conn().await;
    use diesel_async::RunQueryDsl;
    let sealed: Vec<u8> = diesel::dsl::sql::<diesel::sql_types::Bytea>(
        "SELECT receipt_number_sealed FROM fee_lines WHERE receipt_number_sealed IS NOT NULL",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        app.state.data_key.open(&sealed).as_deref(),
        Some("IOE0912345678")
    );
    // A number is recorded on one fee line only.
    let other = n400_for_review(&app, &cw).await;
    for (member, choice) in board.iter().zip(["approve", "approve", "approve"]) {
        ok(
            vote(&app, member, other, json!({"vote": choice})).await,
            StatusCode::CREATED,
        )
        .await;
    }
    ok(
        app.post(
            "/api/v1/disbursements",
            &accountant,
            pay(other, "760.00", "1004"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let twice = app
        .post(
            &format!("/api/v1/applications/{other}/lines/1/receipt-number"),
            &cw,
            json!({"receipt_number": "IOE0912345678"}),
        )
        .await;
    assert_eq!(
        twice.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        twice.text
    );
    assert!(twice.text.contains("already recorded"));
    let first_id = first["id"].as_i64().unwrap();
    let before_paid = app
        .post(
            &format!("/api/v1/disbursements/{first_id}/clear"),
            &accountant,
            json!({"cleared_on": "2026-11-19"}),
        )
        .await;
    assert_eq!(before_paid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let cleared = ok(
        app.post(
            &format!("/api/v1/disbursements/{first_id}/clear"),
            &accountant,
            json!({"cleared_on": "2026-11-21"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cleared["state"], "cleared");
    assert_eq!(cleared["cleared_on"], "2026-11-21");
    assert_eq!(
        app.post(
            &format!("/api/v1/disbursements/{first_id}/void"),
            &accountant,
            json!({"reason": "too late"})
        )
        .await
        .status,
        StatusCode::CONFLICT,
        "a cleared check is not voided"
    );
    let closed = ok(
        app.post(&format!("/api/v1/applications/{id}/close"), &cw, json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(closed["status"], "closed");

    // $2,000 in; $760 paid for each of the two applications.
    let f = fund(&app, &accountant, foundation).await;
    assert_eq!(
        (
            f["cash"].as_str(),
            f["committed"].as_str(),
            f["available"].as_str()
        ),
        (Some("480.00"), Some("0.00"), Some("480.00"))
    );
    let list = ok(
        app.get(
            "/api/v1/disbursements?from=2026-11-01&to=2026-11-30",
            &accountant,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 4);
    assert_eq!(
        app.get("/api/v1/disbursements", &cw).await.status,
        StatusCode::FORBIDDEN
    );
    assert_clean(&app.check_ledger().await);
}

#[tokio::test]
async fn withdrawing_an_approval_or_closing_it_paid_in_part_releases_the_unpaid_rest() {
    let Team {
        app,
        cw,
        board,
        accountant,
    } = team(4).await;
    fund_general(&app, &accountant, "2000.00").await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let first = eligible_emergency(&app, &cw, hid, "450.00").await;
    let hid2 = app.household(&cw).await["id"].as_i64().unwrap();
    let second = eligible_emergency(&app, &cw, hid2, "500.00").await;
    ok(
        vote(&app, &board[0], first, json!({"vote": "approve"})).await,
        StatusCode::CREATED,
    )
    .await;
    ok(
        vote(&app, &board[0], second, json!({"vote": "approve"})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(fund(&app, &accountant, 1).await["available"], "1050.00");

    // Withdrawn before any payment: the whole commitment is released.
    let w = ok(
        app.post(
            &format!("/api/v1/applications/{first}/withdraw"),
            &cw,
            json!({"reason": "가족이 다른 지원을 받았습니다"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(w["status"], "withdrawn");
    assert_eq!(fund(&app, &accountant, 1).await["available"], "1500.00");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM journal_entries WHERE kind = 'release' AND document_id = {first}"
        ))
        .await,
        1
    );

    // Paid $200 of $500, then closed with less paid: $300 released; withdrawing is refused.
    ok(app.post("/api/v1/disbursements", &accountant, json!({"application_id": second, "amount": "200.00",
        "payee": "Landlord LLC", "method": "money_order", "reference": "MO-77", "paid_on": "2026-11-20"})).await, StatusCode::CREATED).await;
    let refused = app
        .post(
            &format!("/api/v1/applications/{second}/withdraw"),
            &cw,
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.text.contains("disbursed"));
    let no_reason = app
        .post(
            &format!("/api/v1/applications/{second}/close"),
            &accountant,
            json!({}),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let closed = ok(
        app.post(
            &format!("/api/v1/applications/{second}/close"),
            &accountant,
            json!({"reason": "The landlord accepted $200 and waived the rest"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["payable"]["released"], "300.00");
    let general = fund(&app, &accountant, 1).await;
    assert_eq!(
        (
            general["cash"].as_str(),
            general["committed"].as_str(),
            general["available"].as_str()
        ),
        (Some("1800.00"), Some("0.00"), Some("1800.00"))
    );
    let more = app
        .post(
            "/api/v1/disbursements",
            &accountant,
            json!({"application_id": second, "amount": "1.00",
        "payee": "Landlord LLC", "method": "ach", "paid_on": "2026-11-20"}),
        )
        .await;
    assert_eq!(more.status, StatusCode::CONFLICT, "closed");
    assert_clean(&app.check_ledger().await);
}

#[tokio::test]
async fn a_board_member_sees_the_name_only_after_declaring_no_conflict() {
    let Team {
        app,
        cw,
        board,
        accountant,
    } = team(4).await;
    fund_general(&app, &accountant, "100.00").await;
    let id = n400_for_review(&app, &cw).await;
    let queue = ok(
        app.get("/api/v1/review/queue", &board[0]).await,
        StatusCode::OK,
    )
    .await;
    let item = &queue["items"][0];
    assert_eq!(item["id"], id);
    assert_eq!(item["eligibility"], "needs_review");
    assert_eq!(item["declared"], false);
    assert!(
        app.get(&format!("/api/v1/applications/{id}"), &board[0])
            .await
            .json()["household_name"]
            .is_null()
    );
    let declared = ok(
        app.post(
            &format!("/api/v1/applications/{id}/declaration"),
            &board[0],
            json!({"conflict": false}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(declared["household_name"], "Kim Minjun");
    assert_eq!(
        app.post(
            &format!("/api/v1/applications/{id}/declaration"),
            &board[0],
            json!({"conflict": false})
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    // Declaring a conflict recuses: recorded as a vote, and the name stays hidden.
    ok(
        app.post(
            &format!("/api/v1/applications/{id}/declaration"),
            &board[1],
            json!({"conflict": true, "comment": "이웃입니다"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let a = app
        .get(&format!("/api/v1/applications/{id}"), &board[1])
        .await
        .json();
    assert!(a["household_name"].is_null());
    assert_eq!(a["votes"][0]["vote"], "recuse");
    assert_eq!(
        app.get("/api/v1/review/queue", &cw).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM review_declarations WHERE application_id = {id}"
        ))
        .await,
        2
    );
}

#[tokio::test]
async fn bad_payments_are_refused_with_the_field_named_and_write_nothing() {
    let Team {
        app,
        cw,
        board,
        accountant,
    } = team(4).await;
    fund_general(&app, &accountant, "1000.00").await;
    let id = approved_emergency(&app, &cw, &board[0], "400.00").await;
    let base = json!({"application_id": id, "amount": "100.00", "payee": "Landlord", "method": "check",
                      "reference": "5001", "paid_on": "2026-11-20"});
    for (field, value) in [
        ("amount", json!("-1.00")),
        ("amount", json!("1.005")),
        ("amount", json!("0")),
        ("amount", json!("1e9")),
        ("amount", json!("400.01")),
        ("amount", json!("")),
        ("payee", json!("")),
        ("payee", json!("bad\u{0}payee")),
        ("method", json!("cash")),
        ("reference", json!(null)),
        ("paid_on", json!("2999-01-01")),
        ("paid_on", json!("20/11/2026")),
        ("application_id", json!(999999)),
        ("application_id", json!("abc")),
    ] {
        let mut body = base.clone();
        body[field] = value.clone();
        let r = app.post("/api/v1/disbursements", &accountant, body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}: {}",
            r.text
        );
        assert!(
            r.json()["error"]["fields"][field].is_string(),
            "{field}={value}: {}",
            r.text
        );
    }
    let malformed = app
        .send(
            axum::http::Request::builder()
                .method("POST")
                .uri("/api/v1/disbursements")
                .header("authorization", format!("Bearer {}", accountant.token))
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{\"amount\": "))
                .unwrap(),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.post("/api/v1/disbursements", &cw, base.clone())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.count("SELECT count(*) FROM disbursements").await, 0);
    // Hangul and emoji are kept.
    let mut hangul = base.clone();
    hangul["payee"] = json!("김 집주인 🏠");
    let made = ok(
        app.post("/api/v1/disbursements", &accountant, hangul).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(made["payee"], "김 집주인 🏠");
}

/// Runs `n` copies of `make(i)` at once on a multi-thread runtime; their replies.
async fn race<F, Fut>(n: usize, make: F) -> Vec<Reply>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Reply> + Send + 'static,
{
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let barrier = barrier.clone();
            let work = make(i);
            tokio::spawn(async move {
                barrier.wait().await;
                work.await
            })
        })
        .collect();
    let mut replies = Vec::new();
    for t in tasks {
        replies.push(t.await.unwrap());
    }
    replies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn race_twenty_concurrent_payments_of_the_full_amount_pay_once() {
    let Team {
        app,
        cw,
        board,
        accountant,
    } = team(24).await;
    fund_general(&app, &accountant, "1000.00").await;
    let id = approved_emergency(&app, &cw, &board[0], "400.00").await;
    let (app, accountant) = (Arc::new(app), Arc::new(accountant));
    let replies = race(20, |i| {
        let (app, accountant) = (app.clone(), accountant.clone());
        async move {
            app.post("/api/v1/disbursements", &accountant, json!({"application_id": id, "amount": "400.00",
                "payee": "Landlord", "method": "check", "reference": format!("R{i}"), "paid_on": "2026-11-20"})).await
        }
    })
    .await;
    let paid = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(
        paid,
        1,
        "{:?}",
        replies
            .iter()
            .map(|r| (r.status, r.text.clone()))
            .collect::<Vec<_>>()
    );
    assert!(replies.iter().all(|r| matches!(
        r.status,
        StatusCode::CREATED | StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY
    )));
    assert_eq!(app.count("SELECT count(*) FROM disbursements").await, 1);
    assert_eq!(fund(&app, &accountant, 1).await["cash"], "600.00");
    assert_clean(&app.check_ledger().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn race_ten_decisive_400_dollar_votes_on_a_1000_dollar_fund_commit_two() {
    let Team {
        app,
        cw,
        board,
        accountant,
    } = team(24).await;
    let emergency_fund = app
        .fund(
            &accountant,
            json!({"name": "Winter emergencies", "restricted_program": "emergency"}),
        )
        .await;
    app.receipt(&accountant, emergency_fund, "1000.00").await;
    let mut ids = Vec::new();
    for _ in 0..10 {
        let hid = app.household(&cw).await["id"].as_i64().unwrap();
        ids.push(eligible_emergency(&app, &cw, hid, "400.00").await);
    }
    let ids = Arc::new(ids);
    let (app, member) = (Arc::new(app), Arc::new(board.into_iter().next().unwrap()));
    let replies = race(10, |i| {
        let (app, member, ids) = (app.clone(), member.clone(), ids.clone());
        async move {
            app.post(
                &format!("/api/v1/applications/{}/votes", ids[i]),
                &member,
                json!({"vote": "approve"}),
            )
            .await
        }
    })
    .await;
    let committed = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let refused = replies
        .iter()
        .filter(|r| r.status == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    assert_eq!(
        (committed, refused),
        (2, 8),
        "{:?}",
        replies.iter().map(|r| r.text.clone()).collect::<Vec<_>>()
    );
    assert_eq!(
        app.count("SELECT count(*) FROM votes").await,
        2,
        "a refused vote records nothing"
    );
    assert_eq!(app.count("SELECT count(*) FROM decisions").await, 2);
    let f = fund(&app, &accountant, emergency_fund).await;
    assert_eq!(
        (f["committed"].as_str(), f["available"].as_str()),
        (Some("800.00"), Some("200.00"))
    );
    assert_clean(&app.check_ledger().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn race_duplicate_idempotency_keys_make_one_payment() {
    let Team {
        app,
        cw,
        board,
        accountant,
    } = team(24).await;
    fund_general(&app, &accountant, "1000.00").await;
    let id = approved_emergency(&app, &cw, &board[0], "400.00").await;
    let (app, accountant) = (Arc::new(app), Arc::new(accountant));
    let body = json!({"application_id": id, "amount": "150.00", "payee": "Landlord", "method": "ach", "paid_on": "2026-11-20"});
    let replies = race(20, |_| {
        let (app, accountant, body) = (app.clone(), accountant.clone(), body.clone());
        async move {
            app.post_keyed("/api/v1/disbursements", &accountant, "pay-once", body)
                .await
        }
    })
    .await;
    assert!(
        replies.iter().all(|r| r.status == StatusCode::CREATED),
        "{:?}",
        replies.iter().map(|r| r.text.clone()).collect::<Vec<_>>()
    );
    assert!(replies.iter().all(|r| r.json() == replies[0].json()));
    assert_eq!(app.count("SELECT count(*) FROM disbursements").await, 1);
    assert_eq!(
        app.count("SELECT count(*) FROM journal_entries WHERE kind = 'disbursement'")
            .await,
        1
    );
    let other = app
        .post_keyed(
            "/api/v1/disbursements",
            &accountant,
            "pay-once",
            json!({"application_id": id,
        "amount": "151.00", "payee": "Landlord", "method": "ach", "paid_on": "2026-11-20"}),
        )
        .await;
    assert_eq!(other.status, StatusCode::CONFLICT);
    assert_clean(&app.check_ledger().await);
}

#[tokio::test]
async fn check_ledger_finds_a_payment_planted_past_the_approval() {
    let Team {
        app,
        cw,
        board,
        accountant,
    } = team(4).await;
    fund_general(&app, &accountant, "1000.00").await;
    let id = approved_emergency(&app, &cw, &board[0], "400.00").await;
    ok(
        app.post(
            "/api/v1/disbursements",
            &accountant,
            json!({"application_id": id, "amount": "400.00",
        "payee": "Landlord", "method": "ach", "paid_on": "2026-11-20"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_clean(&app.check_ledger().await);
    // Through the service the second payment is refused, and so is raw SQL past it.
    let mut conn = app.app_conn().await;
    use diesel_async::SimpleAsyncConnection;
    let raw = format!(
        "INSERT INTO disbursements (number, application_id, fund_id, amount, payee, method, paid_on, created_by)
         VALUES ('DSB-2026-09999', {id}, 1, 50.00, 'Landlord', 'ach', '2026-11-20', {})",
        accountant.id
    );
    let err = conn.batch_execute(&raw).await.unwrap_err();
    assert!(err.to_string().contains("exceeds the approved"), "{err}");
    // Planted behind the triggers, check-ledger names it under invariant 4.
    exec_owner(
        &app,
        &format!(
            "SET session_replication_role = replica; {raw}; SET session_replication_role = origin;"
        ),
    )
    .await
    .unwrap();
    let report = app.check_ledger().await;
    assert!(!report.clean());
    let text = report.to_string();
    assert!(text.contains("BREACH 4."), "{text}");
    assert!(
        text.contains("450.00 paid (not voided), more than the 400.00 approved"),
        "{text}"
    );
    assert!(text.contains("has no payment entry"), "{text}");
}

/// API.md: a decisive approve commits from "the restricted fund for that program that
/// expires first and can cover it, else the general fund". An expired fund, a fund for the
/// other program and a fund that cannot cover the amount are passed over. SPEC: an illegal
/// transition is a 409 that names the current state; a JSON number amount is taken only if
/// exact.
#[tokio::test]
async fn the_commitment_takes_the_first_expiring_restricted_fund_that_can_cover_it() {
    let Team {
        app,
        cw,
        board,
        accountant,
    } = team(4).await;
    fund_general(&app, &accountant, "5000.00").await;
    let restricted = |name: &str, program: &str, expires: &str| json!({"name": name, "restricted_program": program, "expires_on": expires});
    let late = app
        .fund(
            &accountant,
            restricted("Late", "immigration_fee", "2099-12-31"),
        )
        .await;
    let early = app
        .fund(
            &accountant,
            restricted("Early", "immigration_fee", "2098-06-30"),
        )
        .await;
    let expired = app
        .fund(
            &accountant,
            restricted("Expired", "immigration_fee", "2097-01-01"),
        )
        .await;
    let other = app
        .fund(
            &accountant,
            restricted("Emergency", "emergency", "2090-01-01"),
        )
        .await;
    app.receipt(&accountant, late, "2000.00").await;
    app.receipt(&accountant, early, "500.00").await;
    app.receipt(&accountant, expired, "5000.00").await;
    app.receipt(&accountant, other, "5000.00").await;
    exec_owner(
        &app,
        &format!(
            "UPDATE funds SET expires_on = '{}' WHERE id = {expired}",
            app.today().pred_opt().unwrap()
        ),
    )
    .await
    .unwrap();
    let approve = |id: i64| {
        let (app, board) = (&app, &board);
        async move {
            let mut last = Value::Null;
            for member in &board[..3] {
                last = ok(
                    vote(app, member, id, json!({"vote": "approve"})).await,
                    StatusCode::CREATED,
                )
                .await;
            }
            last["decision"]["fund_id"].as_i64().unwrap()
        }
    };
    // "Early" holds only $500: "Late" pays.
    let first = n400_for_review(&app, &cw).await;
    assert_eq!(approve(first).await, late);
    let decided = vote(&app, &board[3], first, json!({"vote": "deny"})).await;
    assert_eq!(decided.status, StatusCode::CONFLICT);
    assert!(decided.text.contains("approved"), "{}", decided.text);
    // With $1,500, "Early" expires first and can cover it.
    app.receipt(&accountant, early, "1000.00").await;
    assert_eq!(approve(n400_for_review(&app, &cw).await).await, early);
    // "Early" has $740 left, "Late" $1,240: "Late"; then neither can: the general fund.
    assert_eq!(approve(n400_for_review(&app, &cw).await).await, late);
    assert_eq!(approve(n400_for_review(&app, &cw).await).await, 1);

    // Paying: money is a decimal string (API.md); a JSON number is refused, exact or not,
    // and so are three decimals.
    let pay = |amount: Value| json!({"application_id": first, "amount": amount, "method": "ach", "paid_on": "2026-11-20"});
    for amount in [json!(760.001), json!(760), json!("760.001")] {
        let refused = app
            .post("/api/v1/disbursements", &accountant, pay(amount))
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.text
        );
    }
    let paid = ok(
        app.post("/api/v1/disbursements", &accountant, pay(json!("760")))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(paid["amount"], "760.00");
    let again = app
        .post("/api/v1/disbursements", &accountant, pay(json!("1.00")))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.text.contains("that is paid"), "{}", again.text);
    assert_clean(&app.check_ledger().await);
}

/// The database boundary: a vote stored with a value the code does not know is an error
/// when read, never taken for an abstention (issue 13).
#[tokio::test]
async fn a_stored_vote_the_code_does_not_know_is_an_error_not_an_abstention() {
    let Team { app, cw, board, .. } = team(4).await;
    let id = n400_for_review(&app, &cw).await;
    let cast = vote(&app, &board[0], id, json!({"vote": "abstain"})).await;
    assert_eq!(cast.status, StatusCode::CREATED, "{}", cast.text);
    exec_owner(
        &app,
        "ALTER TABLE votes DROP CONSTRAINT votes_vote_check;
         ALTER TABLE votes DISABLE TRIGGER USER;
         UPDATE votes SET vote = 'maybe';
         ALTER TABLE votes ENABLE TRIGGER USER;",
    )
    .await
    .unwrap();
    let read = app.get(&format!("/api/v1/applications/{id}"), &cw).await;
    assert_eq!(
        read.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        read.text
    );
    assert!(!read.text.contains("abstain"), "{}", read.text);
}
