//! `grant-tracker demo`: a fictional, bilingual data set for trying the service and for
//! realistic exports. Every record is made through the same service functions a user's
//! request goes through (households, applications, documents, checks, votes, payments,
//! voids, closing), so the data obeys every rule the service and the database enforce.
//!
//! About 200 households over the three sites, 300 applications in every state, a general
//! fund and two restricted funds with their receipts, payments, a void and its reissue.
//! All names, addresses and phone numbers are invented (555 numbers). Loading twice adds
//! nothing: the demo's admin user marks a loaded database.

mod data;
mod steps;

use diesel_async::AsyncPgConnection;

use crate::clock::Today;
use crate::error::AppResult;

/// Every demo user's password (the demo is for trying the service, never for real data).
pub const PASSWORD: &str = "demo-password-2026";
const MARKER: &str = "demo.admin@example.org";

/// What was loaded.
#[derive(Debug, Default)]
pub struct Loaded {
    pub users: usize,
    pub households: usize,
    pub applications: usize,
    pub payments: usize,
    /// Months of the books closed.
    pub closed_months: usize,
    pub already: bool,
}

/// A small deterministic generator (an LCG), so every load builds the same families.
pub(super) struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Loads the demo once, in one transaction (all of it or nothing); a second call finds the
/// marker and adds nothing.
pub async fn load(conn: &mut AsyncPgConnection, clock: Today) -> AppResult<Loaded> {
    use diesel_async::AsyncConnection;
    conn.transaction(async |conn| load_once(conn, clock).await)
        .await
}

/// The steps in order: the staff, the funds and their receipts, the households, then each
/// application as far through its life cycle as its number says. The dice are thrown in
/// the same order every time, so every load builds the same data.
async fn load_once(conn: &mut AsyncPgConnection, clock: Today) -> AppResult<Loaded> {
    if crate::users::find_by_email(conn, MARKER).await.is_ok() {
        return Ok(Loaded {
            already: true,
            ..Loaded::default()
        });
    }
    let mut loaded = Loaded::default();
    let staff = steps::staff(conn).await?;
    loaded.users = 3 + 4 + 2 + 1;
    let mut dice = steps::funds(conn, &staff, clock).await?;
    let households = steps::households(conn, &staff, clock, &mut dice).await?;
    loaded.households = households.len();
    for a in 0..300 {
        let household = &households[a % households.len()];
        loaded.payments += steps::application(conn, &staff, clock, &mut dice, a, household).await?;
        loaded.applications += 1;
    }
    steps::fee_cases(conn, clock, &households).await?;
    loaded.applications += 2;
    steps::reconcile(conn, &staff, clock).await?;
    // The positive-pay file of every check so far, voided ones as voids.
    crate::banking::make_batch(conn, steps::accountant_id(&staff), "generic").await?;
    loaded.closed_months = steps::close_months(conn, &staff, clock).await?;
    Ok(loaded)
}
