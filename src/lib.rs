//! grant-tracker: the system of record for a community empowerment fund.
//!
//! Capabilities each own their folder (models and service functions in `mod.rs`, JSON
//! handlers in `api.rs`, pages in `web.rs`); the pure rules live in `domain`.

// Diesel selects of plain column tuples read better inline than behind aliases.
#![allow(clippy::type_complexity)]

pub mod app;
pub mod applications;
pub mod audit;
pub mod auth;
pub mod banking;
pub mod casefile;
pub mod cli;
pub mod clock;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod doctor;
pub mod domain;
pub mod eligibility;
pub mod error;
pub mod exports;
pub mod extract;
pub mod fees;
pub mod funds;
pub mod households;
pub mod i18n;
pub mod idempotency;
pub mod impact;
pub mod intake;
pub mod ledger;
pub mod numbering;
pub mod openapi;
pub mod paging;
pub mod payments;
pub mod periods;
pub mod respond;
pub mod review;
pub mod sealed;
pub mod session;
pub mod sites;
pub mod users;
pub mod web;
