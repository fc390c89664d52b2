//! The audit exports' names (SPEC.md "Audit exports"); each is defined by `reports/<name>.sql`.

text_enum! {
    /// The exports; each is `reports/<kind>.sql`.
    pub enum ExportKind {
        GeneralLedger = "general-ledger",
        DisbursementRegister = "disbursement-register",
        TrialBalance = "trial-balance",
        FundActivity = "fund-activity",
        ApplicationRegister = "application-register",
        EligibilityAudit = "eligibility-audit",
        BoardMinutes = "board-minutes",
        /// The general ledger in QuickBooks Online's journal import columns.
        GeneralLedgerQuickbooks = "general-ledger-quickbooks",
        /// The general ledger in Xero's manual journal import columns.
        GeneralLedgerXero = "general-ledger-xero",
        /// Form 990 Schedule I Part III for a year: assistance by type.
        ScheduleIPartIii = "schedule-i-part-iii",
        /// The IRS grant file for a year: every grant with its criteria and selection.
        GrantFile = "grant-file",
    }
}

impl ExportKind {
    /// Whether the export is about applications and so takes a site: every one but the
    /// fund's own totals (fund activity, the trial balance).
    pub fn by_site(self) -> bool {
        !matches!(self, ExportKind::FundActivity | ExportKind::TrialBalance)
    }

    /// Whether the export covers a calendar year (`year`) rather than dates.
    pub fn by_year(self) -> bool {
        matches!(self, ExportKind::ScheduleIPartIii | ExportKind::GrantFile)
    }

    /// Whether the export names families (accountants and admins only; each download is
    /// logged as a read of every household in it).
    pub fn names_families(self) -> bool {
        self == ExportKind::GrantFile
    }
}

/// A cell as a spreadsheet may safely open it (SPEC "Privacy"): text that starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return would run as a formula, so it gets a
/// leading `'`. Numbers (`-400.00`) are left as they are.
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<rust_decimal::Decimal>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_safe;

    #[test]
    fn formulas_are_defused_and_numbers_left_alone() {
        for (cell, safe) in [
            (
                "=HYPERLINK(\"http://x\",\"click\")",
                "'=HYPERLINK(\"http://x\",\"click\")",
            ),
            ("+1+1", "'+1+1"),
            ("-1+1", "'-1+1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("=cmd|'/C calc'!A0", "'=cmd|'/C calc'!A0"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-", "'-"),
            ("-400.00", "-400.00"),
            ("760.00", "760.00"),
            ("", ""),
            ("김민준 = 가족", "김민준 = 가족"),
            ("Landlord, \"Kim\" LLC", "Landlord, \"Kim\" LLC"),
        ] {
            assert_eq!(spreadsheet_safe(cell), safe, "{cell:?}");
        }
    }
}
