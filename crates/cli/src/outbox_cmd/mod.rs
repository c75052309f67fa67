//! `ddctl outbox …`: the payroll outbox of a served data directory (or any database).

mod drain;
mod requeue;
mod status;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum OutboxAction {
    /// Deliver due payroll jobs to the tenants' payroll suites (`ddctl serve` does this by
    /// itself; this is for a database without a running server).
    Drain(drain::DrainArgs),
    /// Show what payroll has not received yet: jobs due, backing off after a failure, in
    /// flight, and dead, with their last error and next attempt.
    Status(status::StatusArgs),
    /// Put dead jobs of a tenant back in the queue (by id and/or all of them), printing
    /// what was requeued and what was skipped and why.
    Requeue(requeue::RequeueArgs),
}

pub fn run(action: OutboxAction) -> anyhow::Result<()> {
    init_tracing();
    match action {
        OutboxAction::Drain(args) => drain::run(&args),
        OutboxAction::Status(args) => status::run(&args),
        OutboxAction::Requeue(args) => requeue::run(&args),
    }
}

/// Logs to stderr, `RUST_LOG` or `info`; once per process.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}
