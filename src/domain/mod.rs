//! The domain: pure types and rules with no IO. Money, the application state machine,
//! roles, the programs' vocabularies, and parsing of user input into them.
//! Most unit tests live here.

#[macro_use]
mod text_enum;
pub mod application;
pub mod bank;
pub mod eligibility;
pub mod export;
pub mod fees;
pub mod household;
pub mod impact;
pub mod input;
pub mod ledger;
pub mod money;
pub mod period;
pub mod policy;
pub mod review;
pub mod schema;
pub mod status;
pub mod vocab;

pub use input::{FieldErrors, Problem};
pub use money::Money;
pub use status::{Status, Transition};
pub use vocab::*;
