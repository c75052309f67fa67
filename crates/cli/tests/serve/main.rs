//! The real `ddctl serve` binary on temporary data directories and free ports, driven with
//! curl, raw sockets and the other `ddctl` commands: first run and restart, one server per
//! data directory and database, a clean stop under load, payroll work that is stuck, and
//! Postgres mode.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod concurrent_writers;
mod first_run;
mod lifecycle;
mod outbox;
mod postgres;
mod postgres_restart;
