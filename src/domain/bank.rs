//! A bank's settings as data (SPEC "The accountant's year"): how its statement CSV reads
//! (column names, date format, the sign of money out) and the layout of the positive-pay
//! file it takes. Reading a statement is pure: bytes in, lines or every problem out.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{FieldErrors, Problem};

/// How money out shows on the statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MoneyOut {
    /// One amount column, money out negative.
    Negative,
    /// One amount column, money out positive (money in negative).
    Positive,
    /// Two columns: withdrawals (`debit_column`) and deposits (`credit_column`).
    DebitColumn,
}

/// The columns of a bank's statement CSV.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementTemplate {
    pub date_column: String,
    /// A chrono format, e.g. `%m/%d/%Y`.
    pub date_format: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_column: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debit_column: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_column: Option<String>,
    pub check_column: String,
    pub description_column: String,
    pub money_out: MoneyOut,
}

/// One line of a statement: money in positive, money out negative.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StatementLine {
    pub line_no: i32,
    pub posted_on: NaiveDate,
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub check_number: Option<String>,
    pub description: String,
}

/// The most lines one statement may hold.
pub const MAX_LINES: usize = 10_000;

/// An amount as banks write it: `-1,234.50`, `$1,234.50`, `(1,234.50)` for a negative one;
/// blank is `None`. At most two decimals.
fn amount(text: &str) -> Result<Option<Decimal>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let (negative, inner) = match text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        Some(inner) => (true, inner),
        None => (false, text),
    };
    let cleaned: String = inner
        .chars()
        .filter(|c| !matches!(c, '$' | ',' | ' '))
        .collect();
    let value = Decimal::from_str_exact(&cleaned).map_err(|_| ())?;
    if value.scale() > 2 || value.abs() >= Decimal::new(1_000_000_000_000, 0) {
        return Err(());
    }
    Ok(Some(if negative { -value } else { value }))
}

/// A check number as the bank prints it, for comparing with the one recorded: digits
/// without leading zeros (`001024` is `1024`).
pub fn check_key(text: &str) -> Option<String> {
    let digits = text.trim().trim_start_matches('0');
    (!digits.is_empty() && digits.len() <= 20 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.to_owned())
}

impl StatementTemplate {
    /// The template's own problems (an admin's edit), by field.
    pub fn problems(&self) -> FieldErrors {
        let mut e = FieldErrors::new();
        let one = self.amount_column.is_some();
        let two = self.debit_column.is_some() && self.credit_column.is_some();
        match self.money_out {
            MoneyOut::DebitColumn if !two => e.add("debit_column", Problem::new("err-required")),
            MoneyOut::Negative | MoneyOut::Positive if !one => {
                e.add("amount_column", Problem::new("err-required"))
            }
            _ => {}
        }
        if !date_format_ok(&self.date_format) {
            e.add("date_format", Problem::new("err-date-format"));
        }
        e
    }

    /// Reads a statement. Every problem is named by its line (the header is line 1) and
    /// column; a row with every cell blank is skipped.
    pub fn read(&self, bytes: &[u8]) -> Result<Vec<StatementLine>, FieldErrors> {
        let mut e = FieldErrors::new();
        let Some((mut reader, header)) = super::input::csv_with_header(bytes) else {
            e.add("statement", Problem::new("err-statement-csv"));
            return Err(e);
        };
        let column = |name: &Option<String>| -> Option<usize> {
            name.as_ref()
                .and_then(|n| header.iter().position(|h| h == n))
        };
        let needed: Vec<&Option<String>> = match self.money_out {
            MoneyOut::DebitColumn => vec![&self.debit_column, &self.credit_column],
            _ => vec![&self.amount_column],
        };
        let date_name = Some(self.date_column.clone());
        let check_name = Some(self.check_column.clone());
        let description_name = Some(self.description_column.clone());
        for name in needed
            .into_iter()
            .chain([&date_name, &check_name, &description_name])
        {
            if column(name).is_none() {
                e.add(
                    "statement",
                    Problem::new("err-statement-column")
                        .arg("column", name.clone().unwrap_or_default())
                        .arg("found", header.join(", ")),
                );
                return Err(e);
            }
        }
        let at = |name: &Option<String>| column(name).expect("checked above");
        let (date_at, check_at, description_at) =
            (at(&date_name), at(&check_name), at(&description_name));
        let mut lines = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let line_no = i as i32 + 2;
            let record = match record {
                Ok(r) => r,
                Err(_) => {
                    e.add(format!("line {line_no}"), Problem::new("err-statement-csv"));
                    continue;
                }
            };
            let cell = |at: usize| record.get(at).unwrap_or("").trim();
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let field = |name: &str| format!("line {line_no}, {name}");
            let posted_on = NaiveDate::parse_from_str(cell(date_at), &self.date_format);
            if posted_on.is_err() {
                e.add(
                    field(&self.date_column),
                    Problem::new("err-statement-date")
                        .arg("value", cell(date_at))
                        .arg("format", &self.date_format),
                );
            }
            let signed = match self.money_out {
                MoneyOut::DebitColumn => {
                    let debit_name = self.debit_column.clone().unwrap_or_default();
                    let credit_name = self.credit_column.clone().unwrap_or_default();
                    let debit = amount(cell(at(&self.debit_column)));
                    let credit = amount(cell(at(&self.credit_column)));
                    match (debit, credit) {
                        (Ok(d), Ok(c)) => {
                            Ok(c.unwrap_or_default().abs() - d.unwrap_or_default().abs())
                        }
                        (Err(()), _) => Err(debit_name),
                        (_, Err(())) => Err(credit_name),
                    }
                }
                out => {
                    let name = self.amount_column.clone().unwrap_or_default();
                    match amount(cell(at(&self.amount_column))) {
                        Ok(Some(a)) if out == MoneyOut::Positive => Ok(-a),
                        Ok(Some(a)) => Ok(a),
                        Ok(None) | Err(()) => Err(name),
                    }
                }
            };
            let signed = match signed {
                Ok(a) if !a.is_zero() => Some(a),
                Ok(_) => {
                    e.add(field("amount"), Problem::new("err-statement-amount"));
                    None
                }
                Err(name) => {
                    e.add(field(&name), Problem::new("err-statement-amount"));
                    None
                }
            };
            let check = cell(check_at);
            let check_number = if check.is_empty() {
                None
            } else if let Some(key) = check_key(check) {
                Some(key)
            } else {
                e.add(
                    field(&self.check_column),
                    Problem::new("err-statement-check"),
                );
                None
            };
            let description: String = cell(description_at)
                .chars()
                .filter(|c| !c.is_control())
                .take(500)
                .collect();
            if let (Ok(posted_on), Some(amount)) = (posted_on, signed) {
                lines.push(StatementLine {
                    line_no,
                    posted_on,
                    amount,
                    check_number,
                    description,
                });
            }
            if lines.len() > MAX_LINES {
                e.add(
                    "statement",
                    Problem::new("err-too-many").arg("max", MAX_LINES),
                );
                break;
            }
        }
        if lines.is_empty() && e.is_empty() {
            e.add("statement", Problem::new("err-statement-empty"));
        }
        e.finish(|| lines)
    }
}

/// Whether `format` writes and reads back a whole date (`%m/%d/%Y` does; `%Q` or `%m/%Y`
/// do not).
pub fn date_format_ok(format: &str) -> bool {
    use chrono::format::{Item, StrftimeItems};
    if format.is_empty() || StrftimeItems::new(format).any(|i| matches!(i, Item::Error)) {
        return false;
    }
    let sample = NaiveDate::from_ymd_opt(2026, 11, 29).expect("a date");
    let written = sample.format(format).to_string();
    NaiveDate::parse_from_str(&written, format).ok() == Some(sample)
}

/// A field of a positive-pay record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PayField {
    Account,
    CheckNumber,
    IssueDate,
    Amount,
    Payee,
    /// The issue or void code.
    Action,
}

impl PayField {
    fn title(self) -> &'static str {
        match self {
            PayField::Account => "Account",
            PayField::CheckNumber => "Check Number",
            PayField::IssueDate => "Issue Date",
            PayField::Amount => "Amount",
            PayField::Payee => "Payee",
            PayField::Action => "Action",
        }
    }
}

/// The layout of the positive-pay file a bank takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PositivePayLayout {
    /// The fields of each record, in the bank's order.
    pub columns: Vec<PayField>,
    /// A chrono format for the issue date, e.g. `%m%d%Y`.
    pub date_format: String,
    pub issue_code: String,
    pub void_code: String,
    /// A first row naming the columns.
    pub header: bool,
    /// A last row `TRAILER,<records>,<total issued>`.
    pub trailer: bool,
}

/// A check as positive pay sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct PayRecord {
    pub check_number: String,
    pub issue_date: NaiveDate,
    pub amount: super::Money,
    pub payee: String,
    pub void: bool,
}

impl PositivePayLayout {
    /// The layout's own problems (an admin's edit), by field.
    pub fn problems(&self) -> FieldErrors {
        let mut e = FieldErrors::new();
        for needed in [
            PayField::CheckNumber,
            PayField::Amount,
            PayField::IssueDate,
            PayField::Action,
        ] {
            if !self.columns.contains(&needed) {
                e.add("columns", Problem::new("err-pay-columns"));
                break;
            }
        }
        let mut seen = self.columns.clone();
        seen.sort_by_key(|c| *c as u8);
        seen.dedup();
        if seen.len() != self.columns.len() {
            e.add("columns", Problem::new("err-pay-columns"));
        }
        let code =
            |c: &str| (1..=10).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_alphanumeric());
        if !code(&self.issue_code) {
            e.add("issue_code", Problem::new("err-pay-code"));
        }
        if !code(&self.void_code) || self.void_code == self.issue_code {
            e.add("void_code", Problem::new("err-pay-code"));
        }
        if !date_format_ok(&self.date_format) {
            e.add("date_format", Problem::new("err-date-format"));
        }
        e
    }

    /// The file for `records` of the account `account`: CSV (the csv crate quotes), CRLF.
    pub fn write(&self, account: &str, records: &[PayRecord]) -> Vec<u8> {
        let mut out = csv::WriterBuilder::new()
            .flexible(true)
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        let fail = "writing CSV to memory cannot fail";
        if self.header {
            out.write_record(self.columns.iter().map(|c| c.title()))
                .expect(fail);
        }
        for r in records {
            let cells = self.columns.iter().map(|c| match c {
                PayField::Account => account.to_owned(),
                PayField::CheckNumber => r.check_number.clone(),
                PayField::IssueDate => r.issue_date.format(&self.date_format).to_string(),
                PayField::Amount => r.amount.to_string(),
                PayField::Payee => super::export::spreadsheet_safe(&r.payee).into_owned(),
                PayField::Action => {
                    if r.void {
                        self.void_code.clone()
                    } else {
                        self.issue_code.clone()
                    }
                }
            });
            out.write_record(cells).expect(fail);
        }
        if self.trailer {
            let total: Decimal = records
                .iter()
                .filter(|r| !r.void)
                .map(|r| r.amount.decimal())
                .sum();
            out.write_record([
                "TRAILER".to_owned(),
                records.len().to_string(),
                format!("{total:.2}"),
            ])
            .expect(fail);
        }
        out.into_inner().expect(fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed_template() -> StatementTemplate {
        StatementTemplate {
            date_column: "Posting Date".into(),
            date_format: "%m/%d/%Y".into(),
            amount_column: Some("Amount".into()),
            debit_column: None,
            credit_column: None,
            check_column: "Check or Slip #".into(),
            description_column: "Description".into(),
            money_out: MoneyOut::Negative,
        }
    }

    #[test]
    fn positive_pay_writes_the_bank_s_layout() {
        let layout = PositivePayLayout {
            columns: vec![
                PayField::CheckNumber,
                PayField::Amount,
                PayField::IssueDate,
                PayField::Payee,
                PayField::Action,
                PayField::Account,
            ],
            date_format: "%m%d%Y".into(),
            issue_code: "O".into(),
            void_code: "V".into(),
            header: false,
            trailer: true,
        };
        assert!(layout.problems().is_empty(), "{:?}", layout.problems());
        let on = NaiveDate::from_ymd_opt(2026, 11, 10).unwrap();
        let records = [
            PayRecord {
                check_number: "1001".into(),
                issue_date: on,
                amount: crate::domain::Money::parse("400.00").unwrap(),
                payee: "Wilshire Apartments, LLC".into(),
                void: false,
            },
            PayRecord {
                check_number: "1003".into(),
                issue_date: on,
                amount: crate::domain::Money::parse("250.00").unwrap(),
                payee: "=cmd".into(),
                void: true,
            },
        ];
        let file = String::from_utf8(layout.write("004417829301", &records)).unwrap();
        assert_eq!(
            file,
            "1001,400.00,11102026,\"Wilshire Apartments, LLC\",O,004417829301\r\n1003,250.00,11102026,'=cmd,V,004417829301\r\nTRAILER,2,400.00\r\n"
        );
        let mut bad = layout.clone();
        bad.columns = vec![PayField::Amount, PayField::Amount];
        bad.void_code = "O".into();
        bad.date_format = "%Q".into();
        let fields: Vec<String> = bad.problems().iter().map(|(f, _)| f.clone()).collect();
        assert_eq!(fields, ["columns", "date_format", "void_code"]);
    }

    #[test]
    fn a_signed_statement_reads_with_its_checks() {
        let csv = "\u{feff}Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #\r\n\
                   CHECK,11/20/2026,CHECK 1024,\"-1,400.00\",CHECK_PAID,\"8,600.00\",001024\r\n\
                   CREDIT,11/21/2026,DEPOSIT 한인 교회,$250.00,DEPOSIT,\"8,850.00\",\r\n\
                   ,,,,,,\r\n";
        let lines = signed_template().read(csv.as_bytes()).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].amount, Decimal::new(-140000, 2));
        assert_eq!(lines[0].check_number.as_deref(), Some("1024"));
        assert_eq!(lines[1].amount, Decimal::new(25000, 2));
        assert_eq!(lines[1].description, "DEPOSIT 한인 교회");
        assert_eq!(lines[1].line_no, 3);
    }

    #[test]
    fn debit_and_credit_columns_read_as_one_signed_amount() {
        let t = StatementTemplate {
            date_column: "Date".into(),
            date_format: "%m/%d/%y".into(),
            amount_column: None,
            debit_column: Some("Withdrawals".into()),
            credit_column: Some("Deposits".into()),
            check_column: "Check No.".into(),
            description_column: "Description".into(),
            money_out: MoneyOut::DebitColumn,
        };
        assert!(t.problems().is_empty());
        let csv = "Date,Description,Withdrawals,Deposits,Check No.,Balance\n\
                   11/20/26,CHECK,400.00,,1001,100.00\n11/22/26,DEPOSIT,,(0.50),,99.50\n";
        let lines = t.read(csv.as_bytes()).unwrap();
        assert_eq!(lines[0].amount, Decimal::new(-40000, 2));
        assert_eq!(
            lines[1].amount,
            Decimal::new(50, 2),
            "a deposit is money in, however written"
        );
    }

    #[test]
    fn every_bad_cell_is_named_by_line_and_column() {
        let csv = "Posting Date,Amount,Check or Slip #,Description\n\
                   2026-11-20,-1.00,,ISO date\n11/20/2026,1.005,,three decimals\n\
                   11/20/2026,0,,zero\n11/20/2026,-5.00,12a,bad check\n";
        let e = signed_template().read(csv.as_bytes()).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "line 2, Posting Date",
                "line 3, Amount",
                "line 4, amount",
                "line 5, Check or Slip #"
            ]
        );
        let missing = signed_template().read(b"Date,Amount\n").unwrap_err();
        assert_eq!(
            missing.get("statement").unwrap().key,
            "err-statement-column"
        );
        assert_eq!(
            signed_template()
                .read(b"Posting Date,Amount,Check or Slip #,Description\n")
                .unwrap_err()
                .get("statement")
                .unwrap()
                .key,
            "err-statement-empty"
        );
    }
}
