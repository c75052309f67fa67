//! How `ddctl serve` stops: on SIGTERM (a service manager, `kill`) or SIGINT (Ctrl-C) it
//! stops accepting connections, lets the requests in flight finish (up to a grace period),
//! stops payroll delivery between jobs, closes the pool and checkpoints SQLite's
//! write-ahead log into the database file (`database::close`), then exits 0.

use std::time::Duration;

use anyhow::Context as _;
use tokio::signal::unix::{Signal, SignalKind, signal};

/// How long requests in flight, and payroll deliveries in flight, may take to finish.
pub const GRACE: Duration = Duration::from_secs(20);

/// The stop signals, listened for from the start: a SIGTERM that arrives while the server
/// starts (or right after it printed "Ready.") is a clean stop too, never the default
/// action that kills the process mid-write.
#[derive(Debug)]
pub struct StopSignals {
    term: Signal,
    int: Signal,
}

impl StopSignals {
    /// Installs the handlers (inside the runtime).
    ///
    /// # Errors
    /// When the process cannot listen for signals.
    pub fn install() -> anyhow::Result<Self> {
        Ok(Self {
            term: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
            int: signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?,
        })
    }

    /// Resolves with the name of the first stop signal received.
    pub async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "SIGINT",
        }
    }
}
