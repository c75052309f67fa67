//! `ddctl outbox status`: what payroll has not received yet, and why.
//!
//! A failed delivery goes back to `pending` with a later next attempt, so a drain right
//! then finds nothing due; this view shows those jobs (backing off), the ones in flight
//! and the dead ones, each with its attempts, next attempt and last error. Read-only.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use dd_storage::{JobStatus, OutboxCounts, PayrollJob, Store, now_ms};
use serde_json::{Value, json};

use crate::data_dir::DEFAULT_DATA_DIR;
use crate::database;

#[derive(Args)]
pub struct StatusArgs {
    /// Data directory of `ddctl serve`: its database is the one shown.
    #[arg(long, default_value = DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// Database URL (`sqlite://…`, `postgres://…`); overrides the data directory's.
    #[arg(long, env = "DD_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// One JSON object on stdout instead of the table.
    #[arg(long)]
    json: bool,
    /// Most unfinished jobs to list, oldest first.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(i64).range(1..=10_000))]
    limit: i64,
}

/// The outbox at one instant: counts, and the oldest unfinished jobs.
#[derive(Debug)]
pub struct Snapshot {
    pub counts: OutboxCounts,
    pub jobs: Vec<PayrollJob>,
    pub now_ms: i64,
}

impl Snapshot {
    /// Reads the counts and up to `limit` unfinished jobs.
    pub async fn take(store: &Store, limit: i64) -> anyhow::Result<Self> {
        let now_ms = now_ms();
        let counts = store
            .outbox_counts(now_ms)
            .await
            .context("cannot read the payroll outbox")?;
        let jobs = store
            .unfinished_jobs(limit)
            .await
            .context("cannot read the payroll outbox")?;
        Ok(Self {
            counts,
            jobs,
            now_ms,
        })
    }
}

pub fn run(args: &StatusArgs) -> anyhow::Result<()> {
    let target = database::for_client(&args.data_dir, args.database_url.as_deref())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let snapshot = runtime.block_on(async {
        let store = database::open(&target).await?;
        let snapshot = Snapshot::take(&store, args.limit).await;
        store.close().await;
        snapshot
    })?;
    if args.json {
        let jobs: Vec<Value> = snapshot
            .jobs
            .iter()
            .map(|j| job_json(j, snapshot.now_ms))
            .collect();
        println!(
            "{}",
            json!({
                "database": target.shown(),
                "counts": counts_json(&snapshot.counts),
                "jobs": jobs,
            })
        );
    } else {
        print!("{}", table(target.shown(), &snapshot)?);
    }
    Ok(())
}

/// The counts as JSON (camelCase, like the drain's report).
pub fn counts_json(counts: &OutboxCounts) -> Value {
    json!({
        "due": counts.due,
        "backingOff": counts.backing_off,
        "inFlight": counts.in_flight,
        "dead": counts.dead,
        "done": counts.done,
        "nextAttemptAt": counts.next_attempt_at,
    })
}

fn job_json(job: &PayrollJob, now_ms: i64) -> Value {
    json!({
        "id": job.id,
        "tenantId": job.tenant_id,
        "companyId": job.company_id,
        "employeeId": job.employee_id,
        "depositId": job.deposit_id,
        "action": job.action.as_str(),
        "state": state(job, now_ms),
        "attempts": job.attempts,
        "nextAttemptAt": job.next_attempt_at,
        "leaseUntil": job.lease_until,
        // Reasons are built from kinds, steps and statuses only (dd-delivery): no secrets.
        "lastError": job.last_error,
        "createdAt": job.created_at,
    })
}

/// `due`, `backing_off`, `in_flight` or `dead`.
fn state(job: &PayrollJob, now_ms: i64) -> &'static str {
    match job.status {
        JobStatus::Pending if job.next_attempt_at > now_ms => "backing_off",
        JobStatus::Pending => "due",
        JobStatus::InFlight => "in_flight",
        JobStatus::Dead => "dead",
        JobStatus::Done => "done",
    }
}

fn table(database: &str, s: &Snapshot) -> anyhow::Result<String> {
    let c = &s.counts;
    let mut out = String::new();
    writeln!(out, "Payroll outbox of {database}")?;
    writeln!(out, "  due now      {:>6}", c.due)?;
    let next = c
        .next_attempt_at
        .map(|at| format!("   next attempt {}", when(at, s.now_ms)))
        .unwrap_or_default();
    writeln!(out, "  backing off  {:>6}{next}", c.backing_off)?;
    writeln!(out, "  in flight    {:>6}", c.in_flight)?;
    writeln!(out, "  dead         {:>6}", c.dead)?;
    writeln!(out, "  done         {:>6}", c.done)?;
    if s.jobs.is_empty() {
        writeln!(out, "Nothing waiting: payroll has received every change.")?;
        return Ok(out);
    }
    writeln!(out, "Not delivered (oldest first):")?;
    for job in &s.jobs {
        let timing = match state(job, s.now_ms) {
            "backing_off" | "due" => {
                format!("next attempt {}", when(job.next_attempt_at, s.now_ms))
            }
            "in_flight" => job
                .lease_until
                .map(|at| format!("lease ends {}", when(at, s.now_ms)))
                .unwrap_or_default(),
            _ => "needs an operator".to_owned(),
        };
        writeln!(
            out,
            "  job {} ({}, {}): {} attempts, {timing}; tenant {} company {} employee {} deposit {}",
            job.id,
            job.action.as_str(),
            state(job, s.now_ms).replace('_', " "),
            job.attempts,
            job.tenant_id,
            job.company_id,
            job.employee_id,
            job.deposit_id,
        )?;
        if let Some(error) = &job.last_error {
            writeln!(out, "    last error: {error}")?;
        }
    }
    let listed = i64::try_from(s.jobs.len()).unwrap_or(i64::MAX);
    let total = c.open() + c.dead;
    if total > listed {
        writeln!(out, "  … and {} more (--limit)", total - listed)?;
    }
    Ok(out)
}

/// What a drain left behind, in one line; `None` when payroll has everything.
pub fn left_behind(s: &Snapshot, now_ms: i64) -> Option<String> {
    let c = &s.counts;
    if c.open() + c.dead == 0 {
        return None;
    }
    let mut line = format!(
        "left {} due, {} backing off, {} in flight, {} dead",
        c.due, c.backing_off, c.in_flight, c.dead
    );
    if let Some(at) = c.next_attempt_at {
        let _ = write!(line, " (next attempt {})", when(at, now_ms));
    }
    if let Some(job) = s.jobs.first()
        && let Some(error) = &job.last_error
    {
        let _ = write!(
            line,
            "; oldest: job {} after {} attempts: {error}",
            job.id, job.attempts
        );
    }
    line.push_str("; see `ddctl outbox status`");
    Some(line)
}

/// `in 37 s`, `in 4 min`, `now`, or `5 s ago`, relative to `now_ms`.
fn when(at_ms: i64, now_ms: i64) -> String {
    let secs = (at_ms - now_ms) / 1000;
    match secs {
        0 => "now".to_owned(),
        s if s < 0 => format!("{} s ago", -s),
        s if s < 120 => format!("in {s} s"),
        s if s < 7200 => format!("in {} min", s / 60),
        s => format!("in {} h", s / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_words() {
        assert_eq!(when(1_000, 1_000), "now");
        assert_eq!(when(38_000, 1_000), "in 37 s");
        assert_eq!(when(1_000 + 600_000, 1_000), "in 10 min");
        assert_eq!(when(1_000, 6_000), "5 s ago");
    }

    #[test]
    fn a_clean_outbox_leaves_nothing_behind() {
        let s = Snapshot {
            counts: OutboxCounts {
                done: 3,
                ..OutboxCounts::default()
            },
            jobs: Vec::new(),
            now_ms: 0,
        };
        assert_eq!(left_behind(&s, 0), None);
        let stuck = Snapshot {
            counts: OutboxCounts {
                backing_off: 1,
                next_attempt_at: Some(37_000),
                ..OutboxCounts::default()
            },
            jobs: Vec::new(),
            now_ms: 0,
        };
        assert_eq!(
            left_behind(&stuck, 0).as_deref(),
            Some(
                "left 0 due, 1 backing off, 0 in flight, 0 dead (next attempt in 37 s); see \
                 `ddctl outbox status`"
            )
        );
    }
}
