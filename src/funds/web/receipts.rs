//! The receipt forms of a fund's page: money in, and reversing a receipt booked in error.

#[allow(unused_imports)]
use super::*;

pub(super) fn receipt_form(
    ctx: &Ctx,
    fund: &Fund,
    values: &Values,
    errors: &FieldErrors,
) -> Markup {
    let form = Form {
        ctx,
        values,
        errors,
    };
    let sources: Vec<(String, String)> = ReceiptSource::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), ctx.label("source", s)))
        .collect();
    html! {
        h2 id="receipt" { (ctx.t("receipt-title")) }
        (form.summary())
        (form.group_error("fund_id"))
        form method="post" action={ "/funds/" (fund.id) "/receipts" } {
            (form.csrf())
            (once_key_field(values))
            div class="row" {
                (form.input("amount", &ctx.t("receipt-amount"), "text", Some("1000.00"), true))
                (form.input("received_on", &ctx.t("receipt-received-on"), "date", None, true))
            }
            (form.select("source", &ctx.t("receipt-source"), &sources, None, true))
            (form.input("donor", &ctx.t("receipt-donor"), "text", Some(&ctx.t("receipt-donor-hint")), true))
            (form.input("memo", &ctx.t("field-note"), "text", Some(&ctx.t("optional")), false))
            div class="actions" { button type="submit" { (ctx.t("receipt-record")) } }
        }
    }
}

pub(super) fn reverse_form(
    ctx: &Ctx,
    receipt_id: i64,
    failed: Option<&(i64, Values, FieldErrors)>,
) -> Markup {
    let empty = (Values::default(), FieldErrors::new());
    let (values, errors) = match failed {
        Some((id, v, e)) if *id == receipt_id => (v, e),
        _ => (&empty.0, &empty.1),
    };
    let form = Form {
        ctx,
        values,
        errors,
    };
    let name = format!("reason-{receipt_id}");
    html! {
        details class="reverse" open[!errors.is_empty()] {
            summary { (ctx.t("receipt-reverse")) }
            (form.summary())
            form method="post" action={ "/receipts/" (receipt_id) "/reverse" } {
                (form.csrf())
                (once_key_field(values))
                div {
                    label for=(name) { (ctx.t("receipt-reverse-reason")) }
                    input type="text" id=(name) name="reason" value=(values.get("reason")) required;
                    (form.group_error("reason"))
                    (form.group_error("amount"))
                }
                p class="hint" { (ctx.t("receipt-reverse-hint")) }
                div class="actions" { button type="submit" class="secondary" { (ctx.t("receipt-reverse-button")) } }
            }
        }
    }
}

pub(super) async fn record_receipt(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Id(id): Id,
    line: RequestLine,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    user.require(&[Role::Accountant])?;
    let values = Values::from_pairs(pairs);
    let input = ReceiptInput {
        amount: values.0.get("amount").cloned().map(Value::String),
        received_on: values.0.get("received_on").cloned(),
        source: values.0.get("source").cloned(),
        donor: values.0.get("donor").cloned(),
        memo: values.0.get("memo").cloned(),
    };
    let once = Once::new(user.id, form_key(&values)?, &line, &input);
    let mut conn = state.pool.get().await?;
    let today = state.clock.today();
    let booked = once
        .run(
            &mut conn,
            StatusCode::CREATED,
            |r: &Receipt| Some(r.entry_id),
            async |conn| crate::funds::record_receipt(conn, user.id, id, today, &input).await,
        )
        .await;
    drop(conn);
    match booked {
        Ok(receipt) => {
            let receipt_id = receipt.value.id;
            Ok(Redirect::to(&format!("/funds/{id}?receipt={receipt_id}")).into_response())
        }
        Err(AppError::Invalid { fields, .. }) => {
            let forms = FundForms {
                receipt: (values, fields),
                ..FundForms::default()
            };
            render_fund(&state, &ctx, id, None, None, Some(forms)).await
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn reverse_receipt(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Id(id): Id,
    line: RequestLine,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    user.require(&[Role::Accountant])?;
    let values = Values::from_pairs(pairs);
    let input = ReverseInput {
        reason: values.0.get("reason").cloned(),
    };
    let once = Once::new(user.id, form_key(&values)?, &line, &input);
    let mut conn = state.pool.get().await?;
    let fund_id = crate::funds::receipt(&mut conn, id).await?.fund_id;
    let today = state.clock.today();
    let booked = once
        .run(
            &mut conn,
            StatusCode::OK,
            |r: &Receipt| r.reversal_entry_id,
            async |conn| crate::funds::reverse_receipt(conn, user.id, id, today, &input).await,
        )
        .await;
    drop(conn);
    match booked {
        Ok(_) => Ok(Redirect::to(&format!("/funds/{fund_id}#ledger")).into_response()),
        Err(AppError::Invalid { fields, .. }) => {
            let forms = FundForms {
                reverse: Some((id, values, fields)),
                ..FundForms::default()
            };
            render_fund(&state, &ctx, fund_id, None, None, Some(forms)).await
        }
        Err(e) => Err(e),
    }
}
