//! The limits an application must keep before it is saved (the intake refuses it with the
//! rule named): its caps per application and per program, the household's cap over the
//! rolling window, one emergency grant per window.

#[allow(unused_imports)]
use super::*;

/// The rules an application is refused by before it is saved: the limits. The others
/// (income, documents, …) are the check's to judge, after submission.
const BEFORE_SAVING: [Rule; 4] = [
    Rule::ApplicationCap,
    Rule::EmergencyCap,
    Rule::HouseholdCap,
    Rule::OneEmergencyGrant,
];

/// The limits the application breaks under the policy in force, as problems on the
/// field that sets its amount, each naming its rule.
/// Read inside the transaction that is about to keep the application.
#[tracing::instrument(level = "debug", skip_all, fields(application_id))]
pub async fn limits_broken(
    conn: &mut AsyncPgConnection,
    application_id: i64,
    clock: Today,
) -> AppResult<FieldErrors> {
    let row = applications::lock(conn, application_id).await?;
    let policy = in_force(conn, clock.today).await?;
    let tables = tables(conn).await?;
    let facts = facts(conn, &row, clock.today, clock.timezone).await?;
    let evaluation = evaluate(&facts, &policy.policy, &tables);
    let field = match row.program() {
        Program::ImmigrationFee => "lines",
        Program::Emergency => "emergency.amount",
    };
    let mut errors = FieldErrors::new();
    for r in &evaluation.rules {
        if r.outcome == Outcome::Fail && BEFORE_SAVING.contains(&r.rule) {
            errors.add(field, refusal(r.rule, &r.message));
        }
    }
    Ok(errors)
}

/// A rule's message as a form problem: its own words, with the rule's name before them.
fn refusal(rule: Rule, message: &Message) -> Problem {
    let mut problem = Problem::new(message.key).arg("rule", rule.as_str());
    for (name, arg) in &message.args {
        let text = match arg {
            Arg::Money(m) => m.display(),
            Arg::Percent(p) => percent(*p),
            Arg::Date(d) => d.to_string(),
            Arg::Text(t) => t.clone(),
            Arg::Label { value, .. } => (*value).to_owned(),
            Arg::Documents(_) => continue,
        };
        problem = problem.arg(name, text);
    }
    problem
}

/// What a draft policy would change: of the open applications, those whose outcome under
/// the draft differs from their outcome under the policy in force today.
#[derive(Debug, Clone)]
pub struct Preview {
    pub open: usize,
    /// Number, outcome today, outcome under the draft.
    pub changed: Vec<(String, CheckResult, CheckResult)>,
}

/// Runs the rules over every open application under the policy in force and under
/// `draft`, today; nothing is written.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn preview(
    conn: &mut AsyncPgConnection,
    draft: &Policy,
    clock: Today,
) -> AppResult<Preview> {
    let current = in_force(conn, clock.today).await?;
    let tables = tables(conn).await?;
    let rows = applications::open_rows(conn).await?;
    let mut changed = Vec::new();
    for row in &rows {
        let facts = facts(conn, row, clock.today, clock.timezone).await?;
        let now = evaluate(&facts, &current.policy, &tables).result;
        let then = evaluate(&facts, draft, &tables).result;
        if now != then {
            changed.push((row.number.clone(), now, then));
        }
    }
    Ok(Preview {
        open: rows.len(),
        changed,
    })
}
