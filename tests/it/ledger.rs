//! The ledger: receipts and balances through the API, the invariants PostgreSQL itself
//! enforces (tried with raw SQL on the service's own connection), real concurrency, and
//! `check-ledger` finding a breach planted behind the triggers' back.

use axum::http::StatusCode;
use chrono::NaiveDate;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use grant_tracker::domain::ledger::{DocumentType, EntryKind, commitment_lines};
use grant_tracker::domain::{Money, Program};
use grant_tracker::error::AppError;
use grant_tracker::ledger::{self, NewEntry};
use serde_json::{Value, json};

use crate::helpers::*;

fn money(text: &str) -> Money {
    Money::parse(text).unwrap()
}

async fn fund_json(app: &TestApp, user: &TestUser, id: i64) -> Value {
    let reply = app.get(&format!("/api/v1/funds/{id}"), user).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()
}

fn balances(fund: &Value) -> (String, String, String) {
    let text = |k: &str| fund[k].as_str().unwrap().to_owned();
    (text("cash"), text("committed"), text("available"))
}

/// An approval's entry: Dr 5100 / Cr 2100 against `fund` for application `app_id`.
fn commitment(fund: i64, app_id: i64, amount: &str) -> NewEntry {
    NewEntry {
        date: NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
        kind: EntryKind::Commitment,
        memo: "approval".into(),
        document: Some((DocumentType::Application, app_id)),
        program: Some(Program::ImmigrationFee),
        reverses: None,
        lines: commitment_lines(fund, Program::ImmigrationFee, money(amount)),
    }
}

struct Books {
    app: TestApp,
    accountant: TestUser,
    application: i64,
    actor: i64,
}

async fn books(pool: usize) -> Books {
    let app = TestApp::spawn_sized(pool).await;
    let accountant = app.user(&["accountant"]).await;
    let cw = app.user(&["caseworker"]).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let application = app.draft_n400(&cw, hid).await;
    let actor = accountant.id;
    Books {
        app,
        accountant,
        application,
        actor,
    }
}

fn assert_clean(report: &grant_tracker::ledger::check::Report) {
    assert!(report.clean(), "check-ledger found a breach:\n{report}");
}

#[tokio::test]
async fn receipts_book_balanced_entries_and_move_the_fund_balances() {
    let Books {
        app, accountant, ..
    } = books(4).await;
    let admin = app.user(&["admin"]).await;
    let fund = app
        .fund(
            &admin,
            json!({"name": "XYZ Foundation 2026 — immigration fees", "restricted_program": "immigration_fee",
                   "expires_on": "2030-12-31", "note": "Grant letter 2026-014"}),
        )
        .await;
    let created = fund_json(&app, &accountant, fund).await;
    assert_eq!(created["restricted_program"], "immigration_fee");
    assert_eq!(created["expires_on"], "2030-12-31");
    assert_eq!(created["is_general"], false);
    assert_eq!(
        balances(&created),
        ("0.00".into(), "0.00".into(), "0.00".into())
    );

    let donation = app.receipt(&accountant, fund, "1000").await;
    assert!(
        donation["number"]
            .as_str()
            .unwrap()
            .starts_with("RCP-2026-0000")
    );
    assert_eq!(donation["account"], "4000");
    assert_eq!(donation["donor"], "한인 교회 여선교회");
    let grant = app
        .post(
            &format!("/api/v1/funds/{fund}/receipts"),
            &accountant,
            json!({"amount": "250.5", "received_on": "2026-02-01", "source": "grant", "donor": "XYZ Foundation", "memo": "first installment"}),
        )
        .await;
    assert_eq!(grant.status, StatusCode::CREATED, "{}", grant.text);
    assert_eq!(grant.json()["amount"], "250.50");
    assert_eq!(grant.json()["account"], "4100");

    let after = fund_json(&app, &accountant, fund).await;
    assert_eq!(
        balances(&after),
        ("1250.50".into(), "0.00".into(), "1250.50".into())
    );

    // Each receipt is one entry: Dr 1000 / Cr 4000 or 4100, on this fund.
    let entries = app
        .get(
            &format!("/api/v1/ledger/entries?fund_id={fund}"),
            &accountant,
        )
        .await;
    assert_eq!(entries.status, StatusCode::OK, "{}", entries.text);
    let items = entries.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    let lines: Vec<(String, String, String)> = items[1]["postings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            assert_eq!(p["fund_id"], fund);
            (
                p["account"].as_str().unwrap().into(),
                p["side"].as_str().unwrap().into(),
                p["amount"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            ("1000".into(), "debit".into(), "250.50".into()),
            ("4100".into(), "credit".into(), "250.50".into())
        ]
    );
    assert_eq!(items[1]["kind"], "receipt");
    // Every entry names its user and its business document.
    assert_eq!(items[1]["created_by"], accountant.id);
    assert_eq!(items[1]["document_id"], grant.json()["id"]);
    assert_eq!(items[1]["document_type"], "receipt");
    assert_eq!(items[1]["fund_balance_after"]["cash"], "1250.50");
    assert_eq!(items[0]["fund_balance_after"]["available"], "1000.00");

    // The general fund is listed first and untouched; everyone signed in may see balances.
    let board = app.user(&["board_member"]).await;
    let list = app.get("/api/v1/funds", &board).await.json();
    assert_eq!(list["items"][0]["name"], "General fund");
    assert_eq!(list["items"][0]["available"], "0.00");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE entity_type = 'journal_entry'")
            .await,
        2
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE entity_type = 'receipt' AND action = 'create'"
        )
        .await,
        2
    );
    assert_clean(&app.check_ledger().await);
}

#[tokio::test]
async fn bad_receipts_are_refused_and_write_nothing() {
    let Books {
        app, accountant, ..
    } = books(4).await;
    let fund = app
        .fund(&accountant, json!({"name": "Emergency fund"}))
        .await;
    let path = format!("/api/v1/funds/{fund}/receipts");
    let valid = json!({"amount": "10.00", "received_on": "2026-01-02", "source": "donation", "donor": "Anonymous"});
    let with = |field: &str, value: Value| {
        let mut body = valid.clone();
        body[field] = value;
        body
    };
    for (body, field) in [
        (with("amount", json!("-5.00")), "amount"),
        (with("amount", json!("10.005")), "amount"),
        (with("amount", json!(0)), "amount"),
        (with("amount", json!("1e9")), "amount"),
        (
            with("amount", json!("99999999999999999999999.00")),
            "amount",
        ),
        (with("amount", json!("")), "amount"),
        (with("received_on", json!("2999-01-01")), "received_on"),
        (with("received_on", json!("01/02/2026")), "received_on"),
        (with("source", json!("loan")), "source"),
        (with("donor", json!("   ")), "donor"),
        (with("donor", json!("x\u{0}y")), "donor"),
    ] {
        let reply = app.post(&path, &accountant, body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            reply.text
        );
        assert!(
            reply.json()["error"]["fields"][field].is_string(),
            "{}",
            reply.text
        );
    }
    let malformed = app
        .api(
            axum::http::Method::POST,
            &path,
            Some(&accountant.token),
            None,
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    let caseworker = app.user(&["caseworker"]).await;
    assert_eq!(
        app.post(&path, &caseworker, valid.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    let admin = app.user(&["admin"]).await;
    assert_eq!(
        app.post(&path, &admin, valid.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post("/api/v1/funds/999999/receipts", &accountant, valid.clone())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let long_key = "k".repeat(201);
    assert_eq!(
        app.post_keyed(&path, &accountant, &long_key, valid.clone())
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(app.count("SELECT count(*) FROM postings").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM receipts").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM idempotency_keys").await, 0);

    // Hangul and emoji are kept as typed.
    let ok = app
        .post(&path, &accountant, with("donor", json!("김영희 권사님 🙏")))
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    assert_eq!(ok.json()["donor"], "김영희 권사님 🙏");
}

#[tokio::test]
async fn an_idempotency_key_books_once_and_a_different_body_is_a_conflict() {
    let Books {
        app, accountant, ..
    } = books(4).await;
    let fund = app
        .fund(&accountant, json!({"name": "General gifts 2026"}))
        .await;
    let path = format!("/api/v1/funds/{fund}/receipts");
    let body = json!({"amount": "300.00", "received_on": "2026-03-01", "source": "donation", "donor": "Park Family"});
    let first = app
        .post_keyed(&path, &accountant, "gift-0301", body.clone())
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let again = app
        .post_keyed(&path, &accountant, "gift-0301", body.clone())
        .await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.json(), first.json());
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert!(first.headers.get("idempotent-replayed").is_none());

    let mut other = body.clone();
    other["amount"] = json!("301.00");
    let conflict = app.post_keyed(&path, &accountant, "gift-0301", other).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT, "{}", conflict.text);
    assert!(conflict.text.contains("Idempotency-Key"));

    // A refused request leaves its key free for the corrected one.
    let mut bad = body.clone();
    bad["amount"] = json!("-1");
    let refused = app.post_keyed(&path, &accountant, "gift-0302", bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let corrected = app
        .post_keyed(&path, &accountant, "gift-0302", body.clone())
        .await;
    assert_eq!(corrected.status, StatusCode::CREATED, "{}", corrected.text);

    // Keys are per user.
    let colleague = app.user(&["accountant"]).await;
    let theirs = app.post_keyed(&path, &colleague, "gift-0301", body).await;
    assert_eq!(theirs.status, StatusCode::CREATED);
    assert_ne!(theirs.json()["id"], first.json()["id"]);

    assert_eq!(app.count("SELECT count(*) FROM receipts").await, 3);
    assert_eq!(
        balances(&fund_json(&app, &accountant, fund).await).0,
        "900.00"
    );
    assert_clean(&app.check_ledger().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_requests_with_one_key_make_one_entry_and_twenty_identical_answers() {
    let Books {
        app, accountant, ..
    } = books(24).await;
    let fund = app.fund(&accountant, json!({"name": "Racing gifts"})).await;
    let app = std::sync::Arc::new(app);
    let accountant = std::sync::Arc::new(accountant);
    let body = json!({"amount": "125.00", "received_on": "2026-04-01", "source": "grant", "donor": "Seoul Foundation"});
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(20));
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (app, accountant, body, barrier) = (
                app.clone(),
                accountant.clone(),
                body.clone(),
                barrier.clone(),
            );
            tokio::spawn(async move {
                barrier.wait().await;
                app.post_keyed(
                    &format!("/api/v1/funds/{fund}/receipts"),
                    &accountant,
                    "same-key",
                    body,
                )
                .await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        let reply = task.await.unwrap();
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        answers.push(reply.json());
    }
    assert!(answers.iter().all(|a| *a == answers[0]));
    assert_eq!(app.count("SELECT count(*) FROM receipts").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM journal_entries").await, 1);
    assert_eq!(
        balances(&fund_json(&app, &accountant, fund).await).0,
        "125.00"
    );
    assert_clean(&app.check_ledger().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_100_dollar_debits_on_1000_dollars_exactly_ten_succeed() {
    let Books {
        app,
        accountant,
        application,
        actor,
    } = books(4).await;
    let fund = app
        .fund(&accountant, json!({"name": "Thousand dollars"}))
        .await;
    app.receipt(&accountant, fund, "1000.00").await;
    // Fifty tasks on fifty connections of their own, released together.
    let pool = grant_tracker::db::pool(&app.database_url, 50).unwrap();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(50));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (pool, barrier) = (pool.clone(), barrier.clone());
            tokio::spawn(async move {
                let mut conn = pool.get().await.unwrap();
                barrier.wait().await;
                ledger::post_entry(&mut conn, actor, commitment(fund, application, "100.00")).await
            })
        })
        .collect();
    let mut booked = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => booked += 1,
            Err(AppError::Invalid { fields, .. }) => {
                assert_eq!(fields.get("amount").unwrap().key, "err-fund-overdrawn")
            }
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!(booked, 10);
    let after = fund_json(&app, &accountant, fund).await;
    assert_eq!(
        balances(&after),
        ("1000.00".into(), "1000.00".into(), "0.00".into())
    );
    assert_eq!(
        app.count("SELECT count(*) FROM journal_entries WHERE kind = 'commitment'")
            .await,
        10
    );
    assert_clean(&app.check_ledger().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn raw_sql_racing_past_the_service_still_cannot_overdraw() {
    let Books {
        app,
        accountant,
        application,
        actor,
    } = books(4).await;
    let fund = app.fund(&accountant, json!({"name": "Raw racers"})).await;
    app.receipt(&accountant, fund, "500.00").await;
    // Each racer books a $100 commitment with plain SQL, taking no lock first: only the
    // balance row's CHECK and its row lock stand between them and an overdraft.
    let url = app.database_url.clone();
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let mut conn = AsyncPgConnection::establish(&url).await.unwrap();
                conn.batch_execute(&format!(
                    "SET ROLE grant_tracker_app; BEGIN;
                     WITH e AS (INSERT INTO journal_entries (entry_date, kind, document_type, document_id, program, created_by)
                                VALUES ('2026-02-01', 'commitment', 'application', {application}, 'immigration_fee', {actor}) RETURNING id)
                     INSERT INTO postings (entry_id, line_no, account_code, fund_id, side, amount)
                     SELECT id, 1, '5100', {fund}, 'debit', 100 FROM e UNION ALL SELECT id, 2, '2100', {fund}, 'credit', 100 FROM e;
                     COMMIT;"
                ))
                .await
            })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => ok += 1,
            Err(e) => assert!(e.to_string().contains("fund_balances_no_overdraft"), "{e}"),
        }
    }
    assert_eq!(ok, 5);
    assert_eq!(
        balances(&fund_json(&app, &accountant, fund).await).2,
        "0.00"
    );
    assert_clean(&app.check_ledger().await);
}

/// Runs `sql` on the service's own connection (the restricted role) in one transaction.
async fn as_app(app: &TestApp, sql: &str) -> Result<(), String> {
    let mut conn = app.app_conn().await;
    let result = conn.batch_execute(&format!("BEGIN; {sql}; COMMIT;")).await;
    let _ = conn.batch_execute("ROLLBACK").await;
    result.map_err(|e| e.to_string())
}

/// Books an entry by hand, as raw SQL: the entry (its kind and any more columns, given as
/// `column = value` SQL) and two postings `(account, fund, side, amount)`.
fn raw_entry(actor: i64, columns: &str, lines: [(&str, i64, &str, &str); 2]) -> String {
    let (names, values): (Vec<&str>, Vec<&str>) = columns
        .split(", ")
        .map(|pair| pair.split_once(" = ").unwrap())
        .unzip();
    let postings: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, (account, fund, side, amount))| {
            format!(
                "(currval('journal_entries_id_seq'), {}, '{account}', {fund}, '{side}', {amount})",
                i + 1
            )
        })
        .collect();
    format!(
        "INSERT INTO journal_entries (entry_date, created_by, {}) VALUES ('2026-02-01', {actor}, {});
         INSERT INTO postings (entry_id, line_no, account_code, fund_id, side, amount) VALUES {}",
        names.join(", "),
        values.join(", "),
        postings.join(", ")
    )
}

#[tokio::test]
async fn postgres_refuses_unbalanced_entries_and_any_change_to_the_journal() {
    let Books {
        app,
        accountant,
        actor,
        ..
    } = books(4).await;
    let fund = app.fund(&accountant, json!({"name": "Guarded"})).await;
    let receipt = app.receipt(&accountant, fund, "100.00").await;
    let entry = receipt["entry_id"].as_i64().unwrap();
    let insert_entry = format!(
        "INSERT INTO journal_entries (entry_date, kind, created_by) VALUES ('2026-01-01', 'receipt', {actor})"
    );

    // Unbalanced: refused at commit by the deferred check.
    let unbalanced = as_app(
        &app,
        &raw_entry(
            actor,
            "kind = 'receipt'",
            [
                ("1000", fund, "debit", "50"),
                ("4000", fund, "credit", "49.99"),
            ],
        ),
    )
    .await;
    assert!(unbalanced.unwrap_err().contains("does not balance"));
    // Balanced in total but not per fund.
    let general = 1;
    let across = as_app(
        &app,
        &raw_entry(
            actor,
            "kind = 'receipt'",
            [
                ("1000", fund, "debit", "50"),
                ("4000", general, "credit", "50"),
            ],
        ),
    )
    .await;
    assert!(across.unwrap_err().contains("does not balance"));
    // An entry without postings.
    let empty = as_app(&app, &insert_entry).await;
    assert!(empty.unwrap_err().contains("needs at least two"));
    // A balanced pair slipped into an entry that is already committed.
    let late = as_app(
        &app,
        &format!(
            "INSERT INTO postings (entry_id, line_no, account_code, fund_id, side, amount)
             VALUES ({entry}, 3, '1000', {fund}, 'debit', 5), ({entry}, 4, '4000', {fund}, 'credit', 5)"
        ),
    )
    .await;
    assert!(late.unwrap_err().contains("is closed"));

    // No change of any kind, on the service's connection…
    for sql in [
        format!("UPDATE postings SET amount = 1000 WHERE entry_id = {entry}"),
        format!("DELETE FROM postings WHERE entry_id = {entry}"),
        "TRUNCATE postings CASCADE".to_owned(),
        format!("UPDATE journal_entries SET memo = 'edited' WHERE id = {entry}"),
        format!("DELETE FROM journal_entries WHERE id = {entry}"),
        "TRUNCATE journal_entries CASCADE".to_owned(),
        format!("UPDATE fund_balances SET available = 1000000 WHERE fund_id = {fund}"),
        "UPDATE receipts SET amount = 1".to_owned(),
    ] {
        let refused = as_app(&app, &sql).await;
        assert!(refused.is_err(), "{sql} was allowed");
    }
    // …nor by the owner, whose way around the privileges the triggers close.
    let mut owner = app.owner_conn().await;
    for sql in [
        format!("UPDATE postings SET amount = 1000 WHERE entry_id = {entry}"),
        format!("DELETE FROM journal_entries WHERE id = {entry}"),
        "TRUNCATE postings CASCADE".to_owned(),
        format!("UPDATE fund_balances SET available = 1000000 WHERE fund_id = {fund}"),
    ] {
        let refused = owner.batch_execute(&sql).await;
        assert!(refused.is_err(), "the owner could run {sql}");
    }
    assert_eq!(
        balances(&fund_json(&app, &accountant, fund).await).0,
        "100.00"
    );
    assert_clean(&app.check_ledger().await);
}

#[tokio::test]
async fn an_entry_is_reversed_once_and_only_by_its_exact_mirror() {
    let Books {
        app,
        accountant,
        application,
        actor,
    } = books(4).await;
    let fund = app.fund(&accountant, json!({"name": "Mirror"})).await;
    let receipt = app.receipt(&accountant, fund, "100.00").await;
    let id = receipt["id"].as_i64().unwrap();
    let entry = receipt["entry_id"].as_i64().unwrap();

    // A reversal that does not mirror its original is refused at commit.
    let reversal_of = format!("kind = 'reversal', reverses = {entry}");
    let skewed = as_app(
        &app,
        &raw_entry(
            actor,
            &reversal_of,
            [
                ("4000", fund, "debit", "90"),
                ("1000", fund, "credit", "90"),
            ],
        ),
    )
    .await;
    assert!(skewed.unwrap_err().contains("does not mirror"));

    let path = format!("/api/v1/receipts/{id}/reverse");
    let empty = app.post(&path, &accountant, json!({"reason": " "})).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reversed = app
        .post(&path, &accountant, json!({"reason": "entered twice"}))
        .await;
    assert_eq!(reversed.status, StatusCode::OK, "{}", reversed.text);
    let reversal = reversed.json()["reversal_entry_id"].as_i64().unwrap();
    let again = app
        .post(&path, &accountant, json!({"reason": "again"}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);

    let shown = app
        .get(&format!("/api/v1/ledger/entries/{reversal}"), &accountant)
        .await
        .json();
    assert_eq!(shown["kind"], "reversal");
    assert_eq!(shown["reverses"], entry);
    assert_eq!(shown["postings"][0]["account"], "1000");
    assert_eq!(shown["postings"][0]["side"], "credit");
    let original = app
        .get(&format!("/api/v1/ledger/entries/{entry}"), &accountant)
        .await
        .json();
    assert_eq!(original["reversed_by"], reversal);

    // A second, exact reversal straight into the database loses on the unique link.
    let twice = as_app(
        &app,
        &raw_entry(
            actor,
            &reversal_of,
            [
                ("1000", fund, "credit", "100"),
                ("4000", fund, "debit", "100"),
            ],
        ),
    )
    .await;
    assert!(twice.unwrap_err().contains("journal_entries_reverses_key"));
    // Nor can a reversal be reversed.
    let mut conn = app.app_conn().await;
    let undo = ledger::reverse(
        &mut conn,
        actor,
        reversal,
        EntryKind::Reversal,
        NaiveDate::from_ymd_opt(2026, 1, 21).unwrap(),
        "undo".into(),
    )
    .await;
    assert!(matches!(undo, Err(AppError::Conflict(_))));

    // Money already committed cannot be reversed out of the fund.
    let second = app.receipt(&accountant, fund, "100.00").await;
    ledger::post_entry(&mut conn, actor, commitment(fund, application, "80.00"))
        .await
        .unwrap();
    let overdraw = app
        .post(
            &format!("/api/v1/receipts/{}/reverse", second["id"]),
            &accountant,
            json!({"reason": "bounced check"}),
        )
        .await;
    assert_eq!(
        overdraw.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        overdraw.text
    );
    assert!(
        overdraw.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("has only $20.00 available")
    );
    assert_eq!(
        balances(&fund_json(&app, &accountant, fund).await),
        ("100.00".into(), "80.00".into(), "20.00".into())
    );
    assert_clean(&app.check_ledger().await);
}

#[tokio::test]
async fn restricted_and_expired_funds_pay_only_within_their_terms() {
    let Books {
        app,
        accountant,
        application,
        actor,
    } = books(4).await;
    let emergency_only = app
        .fund(
            &accountant,
            json!({"name": "Fire relief", "restricted_program": "emergency"}),
        )
        .await;
    app.receipt(&accountant, emergency_only, "500.00").await;
    let mut conn = app.app_conn().await;
    let wrong_program = ledger::post_entry(
        &mut conn,
        actor,
        commitment(emergency_only, application, "100.00"),
    )
    .await;
    match wrong_program {
        Err(AppError::Invalid { message, .. }) => {
            assert!(message.contains("only for emergency grants"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    // The database says the same to raw SQL.
    let raw = as_app(
        &app,
        &raw_entry(
            actor,
            "kind = 'commitment', program = 'immigration_fee'",
            [
                ("5100", emergency_only, "debit", "10"),
                ("2100", emergency_only, "credit", "10"),
            ],
        ),
    )
    .await;
    assert!(raw.unwrap_err().contains("outside its restriction"));

    let expiring = app
        .fund(
            &accountant,
            json!({"name": "Ends soon", "expires_on": "2099-01-31"}),
        )
        .await;
    app.receipt(&accountant, expiring, "500.00").await;
    let mut late = commitment(expiring, application, "100.00");
    late.date = NaiveDate::from_ymd_opt(2099, 2, 1).unwrap();
    match ledger::post_entry(&mut conn, actor, late).await {
        Err(AppError::Invalid { message, .. }) => {
            assert!(message.contains("expired on 2099-01-31"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    ledger::post_entry(
        &mut conn,
        actor,
        commitment(expiring, application, "100.00"),
    )
    .await
    .unwrap();
    assert_clean(&app.check_ledger().await);
}

#[tokio::test]
async fn funds_are_opened_changed_and_closed_within_the_rules() {
    let Books {
        app, accountant, ..
    } = books(4).await;
    let caseworker = app.user(&["caseworker"]).await;
    assert_eq!(
        app.post("/api/v1/funds", &caseworker, json!({"name": "Mine"}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let fund = app
        .fund(
            &accountant,
            json!({"name": "Church gifts", "restricted_program": "emergency"}),
        )
        .await;
    for (body, field) in [
        (json!({"name": "church gifts "}), "name"),
        (json!({"name": ""}), "name"),
        (
            json!({"name": "X", "restricted_program": "loans"}),
            "restricted_program",
        ),
        (
            json!({"name": "Y", "expires_on": "2001-01-01"}),
            "expires_on",
        ),
        (json!({"name": "Z", "expires_on": "soon"}), "expires_on"),
    ] {
        let reply = app.post("/api/v1/funds", &accountant, body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            reply.text
        );
        assert!(
            reply.json()["error"]["fields"][field].is_string(),
            "{}",
            reply.text
        );
    }
    let patch = |body: Value| {
        let app = &app;
        let accountant = &accountant;
        async move {
            app.api(
                axum::http::Method::PATCH,
                &format!("/api/v1/funds/{fund}"),
                Some(&accountant.token),
                Some(body),
            )
            .await
        }
    };
    let renamed = patch(json!({"name": "Church gifts 2026", "expires_on": "2099-12-31"})).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(renamed.json()["name"], "Church gifts 2026");
    let restriction = patch(json!({"restricted_program": "immigration_fee"})).await;
    assert_eq!(restriction.status, StatusCode::UNPROCESSABLE_ENTITY);
    let closed = patch(json!({"active": false})).await;
    assert_eq!(closed.json()["active"], false);
    let refused = app
        .post(
            &format!("/api/v1/funds/{fund}/receipts"),
            &accountant,
            json!({"amount": "5", "received_on": "2026-01-01", "source": "donation", "donor": "A"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("is closed"));
    let general = app
        .api(
            axum::http::Method::PATCH,
            "/api/v1/funds/1",
            Some(&accountant.token),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(general.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE entity_type = 'fund'")
            .await,
        3
    );
}

#[tokio::test]
async fn check_ledger_exits_nonzero_on_a_breach_planted_behind_the_triggers() {
    let Books {
        app, accountant, ..
    } = books(4).await;
    let fund = app.fund(&accountant, json!({"name": "Planted"})).await;
    let receipt = app.receipt(&accountant, fund, "100.00").await;
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_grant-tracker"))
            .arg("check-ledger")
            .env("DATABASE_URL", &app.database_url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let clean = run();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&clean.stdout),
        String::from_utf8_lossy(&clean.stderr)
    );
    assert_eq!(clean.status.code(), Some(0), "{text}");
    assert!(text.contains("All seven invariants hold"), "{text}");

    // A superuser turns the triggers off and edits a posting's amount.
    exec_owner(
        &app,
        &format!(
            "ALTER TABLE postings DISABLE TRIGGER USER;
             UPDATE postings SET amount = 1000 WHERE entry_id = {} AND line_no = 1;
             ALTER TABLE postings ENABLE TRIGGER USER;",
            receipt["entry_id"]
        ),
    )
    .await
    .unwrap();
    let breached = run();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&breached.stdout),
        String::from_utf8_lossy(&breached.stderr)
    );
    assert_eq!(breached.status.code(), Some(1), "{text}");
    assert!(text.contains("BREACH 1."), "{text}");
    assert!(text.contains("does not balance"), "{text}");
    assert!(text.contains("BREACH 2."), "{text}");
    assert!(text.contains("differ from its postings"), "{text}");

    // A trigger left disabled is itself a breach.
    exec_owner(
        &app,
        "ALTER TABLE journal_entries DISABLE TRIGGER journal_entries_append_only",
    )
    .await
    .unwrap();
    let report = app.check_ledger().await;
    assert!(
        report.invariants[1]
            .breaches
            .iter()
            .any(|b| b.contains("journal_entries_append_only"))
    );
}

/// Each of SPEC's invariants that `check-ledger` guards is found broken when a superuser
/// breaks it behind the triggers' back, and named under its own number.
#[tokio::test]
async fn check_ledger_names_each_invariant_it_finds_broken() {
    let Books {
        app,
        accountant,
        application,
        actor,
    } = books(4).await;
    let restricted = app
        .fund(
            &accountant,
            json!({"name": "Emergency only", "restricted_program": "emergency"}),
        )
        .await;
    let plain = app.fund(&accountant, json!({"name": "Plain"})).await;
    let path = format!("/api/v1/funds/{plain}/receipts");
    let body =
        json!({"amount": "50.00", "received_on": "2026-01-05", "source": "donation", "donor": "A"});
    assert_eq!(
        app.post_keyed(&path, &accountant, "k-1", body).await.status,
        StatusCode::CREATED
    );
    assert_clean(&app.check_ledger().await);

    // With the postings' triggers off (and so the balance rows unmoved):
    // 3. an approval bigger than the fund; 5. an immigration charge to an emergency-only
    // fund; 4. a payment with nothing committed.
    let planted = |columns: &str, lines| raw_entry(actor, columns, lines);
    let on_application = format!(
        "kind = 'commitment', program = 'immigration_fee', document_type = 'application', document_id = {application}"
    );
    exec_owner(
        &app,
        &format!(
            "ALTER TABLE postings DISABLE TRIGGER USER;
             ALTER TABLE journal_entries DISABLE TRIGGER USER;
             {}; {};
             {};
             UPDATE idempotency_keys SET response = NULL;
             ALTER TABLE journal_entries ENABLE TRIGGER USER;
             ALTER TABLE postings ENABLE TRIGGER USER;",
            planted(
                &on_application,
                [
                    ("5100", plain, "debit", "80"),
                    ("2100", plain, "credit", "80")
                ]
            ),
            planted(
                &on_application,
                [
                    ("5100", restricted, "debit", "10"),
                    ("2100", restricted, "credit", "10")
                ]
            ),
            planted(
                &on_application.replace("commitment", "disbursement"),
                [
                    ("2100", plain, "debit", "500"),
                    ("1000", plain, "credit", "500")
                ]
            ),
        ),
    )
    .await
    .unwrap();
    let report = app.check_ledger().await;
    let found = |n: usize, text: &str| {
        assert!(
            report.invariants[n - 1]
                .breaches
                .iter()
                .any(|b| b.contains(text)),
            "invariant {n} should mention {text:?}:\n{report}"
        )
    };
    found(3, &format!("fund {plain}: after entry"));
    found(4, &format!("application {application}"));
    found(5, &format!("to fund {restricted} (for emergency)"));
    found(6, "'k-1'");
    assert!(
        report.invariants[0].holds(),
        "every planted entry balances:\n{report}"
    );
}
