//! The board's and the accountant's pages over HTTP: the queue, declaration and vote forms
//! (problems beside the field, text kept), the payment form (a resent form pays once), the
//! ready-to-pay list, the decision letter in the family's language, and who may see what.

use axum::http::StatusCode;
use serde_json::json;

use crate::review::{Team, eligible_emergency, fund_general, n400_for_review, team, vote};

fn key_of(page: &str) -> String {
    page.split("name=\"idempotency_key\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_board_member_declares_then_votes_and_a_bad_amount_comes_back_beside_the_field() {
    let Team {
        app,
        cw,
        board,
        accountant,
    } = team(4).await;
    fund_general(&app, &accountant, "2000.00").await;
    let id = n400_for_review(&app, &cw).await;
    let b = app.browser(&board[0]).await;

    let queue = app.page("/review", Some(&b.cookie)).await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(
        queue.text.contains(&format!("/applications/{id}")) && queue.text.contains("To review"),
        "{}",
        queue.text
    );
    assert!(
        queue.text.contains("Fee waiver first"),
        "flagged rules are named"
    );

    let page = app
        .page(&format!("/applications/{id}"), Some(&b.cookie))
        .await;
    assert!(page.text.contains("I have no conflict of interest"));
    assert!(
        !page.text.contains("Kim Minjun"),
        "no name before the declaration"
    );
    let declared = app
        .form(
            &format!("/applications/{id}/declaration"),
            Some(&b.cookie),
            &format!("csrf_token={}&conflict=false", b.csrf),
        )
        .await;
    assert_eq!(declared.status, StatusCode::SEE_OTHER);
    let page = app
        .page(&format!("/applications/{id}"), Some(&b.cookie))
        .await;
    assert!(page.text.contains("Kim Minjun") && page.text.contains("Cast my vote"));
    let key = key_of(&page.text);

    let bad = app.form(&format!("/applications/{id}/votes"), Some(&b.cookie),
        &format!("csrf_token={}&idempotency_key={key}&vote=approve&amount=900&fund_id=&comment=%EC%A2%8B%EC%8A%B5%EB%8B%88%EB%8B%A4", b.csrf)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text.contains("cannot be more than requested ($760.00)"),
        "{}",
        bad.text
    );
    assert!(bad.text.contains("좋습니다"), "the comment is kept");
    let good = app
        .form(
            &format!("/applications/{id}/votes"),
            Some(&b.cookie),
            &format!(
                "csrf_token={}&idempotency_key={key}&vote=approve&amount=700&fund_id=&comment=",
                b.csrf
            ),
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.text);
    let page = app
        .page(&format!("/applications/{id}"), Some(&b.cookie))
        .await;
    assert!(page.text.contains("You voted: Approve.") && page.text.contains("$700.00"));

    // The member who recuses through the form takes no part and never sees the name.
    let r = app.browser(&board[1]).await;
    app.form(
        &format!("/applications/{id}/declaration"),
        Some(&r.cookie),
        &format!("csrf_token={}&conflict=true", r.csrf),
    )
    .await;
    let page = app
        .page(&format!("/applications/{id}"), Some(&r.cookie))
        .await;
    assert!(
        page.text.contains("Recuse (conflict of interest)") && !page.text.contains("Kim Minjun")
    );

    // Korean, and pages closed to other roles.
    let ko = app
        .page("/review", Some(&format!("{}; gt_lang=ko", b.cookie)))
        .await;
    assert!(ko.status.is_success());
    let c = app.browser(&cw).await;
    assert_eq!(
        app.page("/review", Some(&c.cookie)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.page("/payments", Some(&b.cookie)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.form(
            &format!("/applications/{id}/votes"),
            Some(&c.cookie),
            &format!("csrf_token={}&vote=deny", c.csrf)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_accountant_pays_from_the_ready_list_once_per_form_and_prints_the_letter() {
    let Team {
        app,
        cw,
        board,
        accountant,
    } = team(4).await;
    fund_general(&app, &accountant, "2000.00").await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let id = eligible_emergency(&app, &cw, hid, "400.00").await;
    let c = app.browser(&cw).await;
    assert_eq!(
        app.page(&format!("/applications/{id}/letter"), Some(&c.cookie))
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        vote(&app, &board[0], id, json!({"vote": "approve"}))
            .await
            .status,
        StatusCode::CREATED
    );

    let b = app.browser(&accountant).await;
    let home = app.page("/", Some(&b.cookie)).await;
    assert!(
        home.text
            .contains("<span class=\"queue-count\">1</span> approved, ready to pay"),
        "{}",
        home.text
    );
    let ready = app.page("/payments", Some(&b.cookie)).await;
    assert!(ready.text.contains("Kim Minjun") && ready.text.contains("$400.00"));
    let page = app
        .page(&format!("/applications/{id}"), Some(&b.cookie))
        .await;
    assert!(page.text.contains("Record the payment"));
    let key = key_of(&page.text);
    let form = |amount: &str, payee: &str| {
        format!(
            "csrf_token={}&idempotency_key={key}&amount={amount}&paid_on=2026-11-20&payee={payee}&method=check&reference=7001&memo=",
            b.csrf
        )
    };
    let bad = app
        .form(
            &format!("/applications/{id}/payments"),
            Some(&b.cookie),
            &form("400.001", "Landlord"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text.contains("Landlord") && bad.text.contains("400.001"),
        "the typed text is kept"
    );
    let no_payee = app
        .form(
            &format!("/applications/{id}/payments"),
            Some(&b.cookie),
            &form("400.00", ""),
        )
        .await;
    assert_eq!(
        no_payee.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an emergency grant names its payee"
    );
    for _ in 0..2 {
        let paid = app
            .form(
                &format!("/applications/{id}/payments"),
                Some(&b.cookie),
                &form("400.00", "Landlord"),
            )
            .await;
        assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.text);
    }
    assert_eq!(
        app.count("SELECT count(*) FROM disbursements").await,
        1,
        "a resent form pays once"
    );
    assert_eq!(
        app.get(&format!("/api/v1/applications/{id}"), &cw)
            .await
            .json()["status"],
        "paid"
    );

    // The letter in the family's Korean, and in English on request.
    let household_reads = format!(
        "SELECT count(*) FROM access_log WHERE entity_type = 'household' AND entity_id = {hid} AND user_id = {}",
        cw.id
    );
    let reads_before = app.count(&household_reads).await;
    let letter = app
        .page(&format!("/applications/{id}/letter"), Some(&c.cookie))
        .await;
    assert_eq!(letter.status, StatusCode::OK);
    assert_eq!(
        app.count(&household_reads).await,
        reads_before + 1,
        "SPEC Privacy: the letter's read of the household is logged"
    );
    assert!(
        letter.text.contains("lang=\"ko\"")
            && letter.text.contains("$400.00")
            && letter.text.contains("Landlord"),
        "{}",
        letter.text
    );
    assert!(letter.text.contains("시카고"), "the site in Korean");
    let english = app
        .page(
            &format!("/applications/{id}/letter?lang=en"),
            Some(&c.cookie),
        )
        .await;
    assert!(
        english.text.contains("our board approved $400.00"),
        "{}",
        english.text
    );
    let board_letter = app.browser(&board[0]).await;
    assert_eq!(
        app.page(
            &format!("/applications/{id}/letter"),
            Some(&board_letter.cookie)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}
