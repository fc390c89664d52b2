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
    }
}
