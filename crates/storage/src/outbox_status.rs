//! The operator's view of the payroll outbox: how many jobs are due, backing off, in
//! flight, dead or done, and which jobs are not done yet with their last error.
//!
//! Read-only. A job that failed stays `pending` with a later `next_attempt_at`; that is
//! the state a drain cannot see ("nothing due") while payroll work is stuck, so it is
//! counted apart as *backing off*.

use sqlx::Row;

use crate::connect::Store;
use crate::error::StorageError;
use crate::jobs::{JOB_COLUMNS, OUTBOX, PayrollJob};

/// Job counts by state, as of one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Pending and due now (a drain would claim them, unless an older job of the same
    /// deposit goes first).
    pub due: i64,
    /// Pending, but not before `next_attempt_at` (a failed attempt is waiting to retry).
    pub backing_off: i64,
    /// Claimed by a drainer.
    pub in_flight: i64,
    /// Given up; needs an operator.
    pub dead: i64,
    /// Applied (or nothing to do) at payroll.
    pub done: i64,
    /// The earliest `next_attempt_at` of the jobs backing off, epoch ms.
    pub next_attempt_at: Option<i64>,
}

impl OutboxCounts {
    /// Jobs that are not done and not dead: work payroll has not received yet.
    #[must_use]
    pub const fn open(&self) -> i64 {
        self.due + self.backing_off + self.in_flight
    }
}

impl Store {
    /// Counts the outbox's jobs of every tenant by state, as of `now_ms`.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the query fails.
    pub async fn outbox_counts(&self, now_ms: i64) -> Result<OutboxCounts, StorageError> {
        // One scan; the state is computed in SQL so "due" and "backing off" use the same
        // instant. MIN over a CASE gives the next retry of the jobs backing off.
        let rows = sqlx::query(
            "SELECT CASE WHEN status = 'pending' AND next_attempt_at > $1 THEN 'backing_off' \
             ELSE status END AS state, COUNT(*) AS n, \
             MIN(CASE WHEN status = 'pending' AND next_attempt_at > $1 THEN next_attempt_at END) \
             AS next_at \
             FROM payroll_outbox GROUP BY 1",
        )
        .bind(now_ms)
        .fetch_all(&self.pool)
        .await?;
        let mut counts = OutboxCounts::default();
        for row in rows {
            let state: String = row.try_get("state")?;
            let n: i64 = row.try_get("n")?;
            match state.as_str() {
                "pending" => counts.due = n,
                "backing_off" => {
                    counts.backing_off = n;
                    counts.next_attempt_at = row.try_get("next_at")?;
                }
                "in_flight" => counts.in_flight = n,
                "dead" => counts.dead = n,
                "done" => counts.done = n,
                _ => return Err(StorageError::corrupt(OUTBOX, "unknown status")),
            }
        }
        Ok(counts)
    }

    /// Jobs of every tenant that are not done (pending, in flight or dead), oldest first.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the query fails.
    pub async fn unfinished_jobs(&self, limit: i64) -> Result<Vec<PayrollJob>, StorageError> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM payroll_outbox WHERE status <> 'done' ORDER BY id LIMIT $1"
        );
        let rows = sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(PayrollJob::from_row).collect()
    }
}
