//! `ddctl import legacy` end to end, on SQLite and PostgreSQL, with the fixture export of a
//! legacy tenant database (`fixtures/legacy/`, made by its `generate.py`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod api;
mod export_queries;
mod mapping;
mod payroll;
mod refusals;
mod rerun;
mod secrets;
mod verification;
