//! The application life cycle of SPEC.md, in one place:
//!
//! `draft → submitted → (eligible | ineligible | needs_review) → approved | denied → paid → closed`,
//! and `withdrawn` from any state before the first disbursement.
//!
//! Every service that changes an application's status asks [`Status::apply`]; nothing
//! else writes the status column. Which transitions a user can reach today depends on
//! which services exist, not on this table.

use std::fmt;

text_enum! {
    pub enum Status {
        Draft = "draft",
        Submitted = "submitted",
        Eligible = "eligible",
        Ineligible = "ineligible",
        NeedsReview = "needs_review",
        Approved = "approved",
        Denied = "denied",
        Paid = "paid",
        Closed = "closed",
        Withdrawn = "withdrawn",
    }
}

text_enum! {
    /// The outcome of an eligibility check (or of an admin's override of one).
    pub enum CheckResult {
        Eligible = "eligible",
        Ineligible = "ineligible",
        NeedsReview = "needs_review",
    }
}

/// Something that happens to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Submit,
    /// An eligibility check ran; re-running after an edit is allowed until the board decides.
    Check(CheckResult),
    /// An admin overrides the result of the last check.
    Override(CheckResult),
    Approve,
    Deny,
    /// A disbursement brought the paid total up to the approved amount.
    PayInFull,
    /// A void took a fully paid application below its approved amount again.
    VoidPayment,
    Close,
    /// Close an approved application that was paid less than approved; the rest is released.
    Settle,
    /// `disbursed` tells whether any money has gone out for the application.
    Withdraw {
        disbursed: bool,
    },
}

/// A transition the life cycle does not allow from the current state (HTTP 409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IllegalTransition {
    pub from: Status,
    pub transition: Transition,
}

impl fmt::Display for IllegalTransition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let action = match self.transition {
            Transition::Submit => "submit",
            Transition::Check(_) => "record an eligibility check on",
            Transition::Override(_) => "override the eligibility of",
            Transition::Approve => "approve",
            Transition::Deny => "deny",
            Transition::PayInFull => "mark as paid",
            Transition::VoidPayment => "void a payment of",
            Transition::Close => "close",
            Transition::Settle => "close with less paid",
            Transition::Withdraw { disbursed: true } => {
                return write!(
                    f,
                    "cannot withdraw an application once money has been disbursed (it is {})",
                    self.from
                );
            }
            Transition::Withdraw { .. } => "withdraw",
        };
        write!(f, "cannot {action} an application that is {}", self.from)
    }
}

impl std::error::Error for IllegalTransition {}

impl IllegalTransition {
    /// The refusal as a catalogue message (the pages say it in the reader's language).
    pub fn problem(&self) -> crate::domain::Problem {
        let key = match self.transition {
            Transition::Submit => "err-transition-submit",
            Transition::Check(_) => "err-transition-check",
            Transition::Override(_) => "err-transition-override",
            Transition::Approve => "err-transition-approve",
            Transition::Deny => "err-transition-deny",
            Transition::PayInFull => "err-transition-pay",
            Transition::VoidPayment => "err-transition-void",
            Transition::Close => "err-transition-close",
            Transition::Settle => "err-transition-settle",
            Transition::Withdraw { disbursed: true } => "err-transition-withdraw-disbursed",
            Transition::Withdraw { .. } => "err-transition-withdraw",
        };
        crate::domain::Problem::new(key).arg("status", self.from)
    }
}

impl From<CheckResult> for Status {
    fn from(result: CheckResult) -> Status {
        match result {
            CheckResult::Eligible => Status::Eligible,
            CheckResult::Ineligible => Status::Ineligible,
            CheckResult::NeedsReview => Status::NeedsReview,
        }
    }
}

impl Status {
    /// The state after `transition`, or why it is not allowed.
    pub fn apply(self, transition: Transition) -> Result<Status, IllegalTransition> {
        use Status::*;
        let next = match (self, transition) {
            (Draft, Transition::Submit) => Some(Submitted),
            (Submitted | Eligible | Ineligible | NeedsReview, Transition::Check(result)) => {
                Some(result.into())
            }
            (Eligible | Ineligible | NeedsReview, Transition::Override(result)) => {
                Some(result.into())
            }
            (Eligible | NeedsReview, Transition::Approve | Transition::Deny) => {
                Some(if transition == Transition::Approve {
                    Approved
                } else {
                    Denied
                })
            }
            (Approved, Transition::PayInFull) => Some(Paid),
            (Paid, Transition::VoidPayment) => Some(Approved),
            (Paid, Transition::Close) => Some(Closed),
            (Approved, Transition::Settle) => Some(Closed),
            (Paid | Closed | Withdrawn, Transition::Withdraw { .. }) => None,
            (_, Transition::Withdraw { disbursed: false }) => Some(Withdrawn),
            _ => None,
        };
        next.ok_or(IllegalTransition {
            from: self,
            transition,
        })
    }

    /// Whether a caseworker may still change what was entered.
    pub fn is_editable(self) -> bool {
        self == Status::Draft
    }
}

/// Every kind of transition, for tests that go through them all.
#[cfg(test)]
pub(crate) const ALL_TRANSITIONS: &[Transition] = &[
    Transition::Submit,
    Transition::Check(CheckResult::Eligible),
    Transition::Check(CheckResult::Ineligible),
    Transition::Check(CheckResult::NeedsReview),
    Transition::Override(CheckResult::Eligible),
    Transition::Approve,
    Transition::Deny,
    Transition::PayInFull,
    Transition::VoidPayment,
    Transition::Close,
    Transition::Settle,
    Transition::Withdraw { disbursed: false },
    Transition::Withdraw { disbursed: true },
];

#[cfg(test)]
mod tests {
    use super::*;
    use CheckResult as C;
    use Status::*;

    #[test]
    fn the_happy_path() {
        let mut s = Draft;
        for t in [
            Transition::Submit,
            Transition::Check(C::Eligible),
            Transition::Approve,
            Transition::PayInFull,
            Transition::Close,
        ] {
            s = s.apply(t).unwrap();
        }
        assert_eq!(s, Closed);
    }

    #[test]
    fn every_allowed_transition_and_nothing_else() {
        let allowed: &[(Status, Transition, Status)] = &[
            (Draft, Transition::Submit, Submitted),
            (Submitted, Transition::Check(C::Eligible), Status::Eligible),
            (
                Submitted,
                Transition::Check(C::Ineligible),
                Status::Ineligible,
            ),
            (
                Submitted,
                Transition::Check(C::NeedsReview),
                Status::NeedsReview,
            ),
            (
                Status::Eligible,
                Transition::Check(C::Eligible),
                Status::Eligible,
            ),
            (
                Status::Eligible,
                Transition::Check(C::Ineligible),
                Status::Ineligible,
            ),
            (
                Status::Eligible,
                Transition::Check(C::NeedsReview),
                Status::NeedsReview,
            ),
            (
                Status::Ineligible,
                Transition::Check(C::Eligible),
                Status::Eligible,
            ),
            (
                Status::Ineligible,
                Transition::Check(C::Ineligible),
                Status::Ineligible,
            ),
            (
                Status::Ineligible,
                Transition::Check(C::NeedsReview),
                Status::NeedsReview,
            ),
            (
                Status::NeedsReview,
                Transition::Check(C::Eligible),
                Status::Eligible,
            ),
            (
                Status::NeedsReview,
                Transition::Check(C::Ineligible),
                Status::Ineligible,
            ),
            (
                Status::NeedsReview,
                Transition::Check(C::NeedsReview),
                Status::NeedsReview,
            ),
            (
                Status::Eligible,
                Transition::Override(C::Eligible),
                Status::Eligible,
            ),
            (
                Status::Ineligible,
                Transition::Override(C::Eligible),
                Status::Eligible,
            ),
            (
                Status::NeedsReview,
                Transition::Override(C::Eligible),
                Status::Eligible,
            ),
            (Status::Eligible, Transition::Approve, Approved),
            (Status::NeedsReview, Transition::Approve, Approved),
            (Status::Eligible, Transition::Deny, Denied),
            (Status::NeedsReview, Transition::Deny, Denied),
            (Approved, Transition::PayInFull, Paid),
            (Paid, Transition::VoidPayment, Approved),
            (Paid, Transition::Close, Closed),
            (Approved, Transition::Settle, Closed),
        ];
        for from in Status::ALL {
            for t in ALL_TRANSITIONS {
                let expected = allowed
                    .iter()
                    .find(|(f, tr, _)| f == from && tr == t)
                    .map(|(_, _, to)| *to)
                    .or(match t {
                        Transition::Withdraw { disbursed: false }
                            if !matches!(from, Paid | Closed | Withdrawn) =>
                        {
                            Some(Withdrawn)
                        }
                        _ => None,
                    });
                assert_eq!(from.apply(*t).ok(), expected, "{from} + {t:?}");
            }
        }
    }

    #[test]
    fn withdrawal_stops_at_the_first_disbursement() {
        assert_eq!(
            Approved.apply(Transition::Withdraw { disbursed: false }),
            Ok(Withdrawn)
        );
        let err = Approved
            .apply(Transition::Withdraw { disbursed: true })
            .unwrap_err();
        assert!(err.to_string().contains("money has been disbursed"));
    }

    #[test]
    fn illegal_transitions_name_the_current_state() {
        let err = Submitted.apply(Transition::Submit).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot submit an application that is submitted"
        );
        assert!(Draft.apply(Transition::Approve).is_err());
        assert!(Ineligible.apply(Transition::Approve).is_err());
        assert!(Denied.apply(Transition::PayInFull).is_err());
    }
}
