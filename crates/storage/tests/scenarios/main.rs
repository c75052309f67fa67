//! Scenario tests of `dd-storage`: every scenario runs on SQLite and on Postgres.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod deposits;
mod directory;
mod integrity;
mod outbox;
mod outbox_status;
mod reviews;
