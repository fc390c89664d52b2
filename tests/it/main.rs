//! One integration binary: every test gets its own PostgreSQL database, cloned from a
//! template migrated once per run, and talks to the router in-process.

mod helpers;
mod openapi;

mod api_applications;
mod api_households;
mod architecture;
mod audit;
mod auth;
mod bad_input;
mod bank;
mod bank_run;
mod browser;
mod dashboard;
mod duplicates;
mod eligibility;
mod exports;
mod fees;
mod funds_ui;
mod hardening;
mod impact;
mod intake;
mod korean;
mod ledger;
mod periods;
mod restart;
mod review;
mod review_ui;
mod screens;
mod ui;
