//! The payroll outbox: changes that payroll must apply, written in the transaction of the
//! change, then delivered after commit or by the drain command.
//!
//! Life of a job: `pending` → (claim) `in_flight` with a lease → `done`, or back to
//! `pending` with a later `next_attempt_at` after a failure, or `dead` after too many tries.
//! A claim increments `attempts`, and every later transition is fenced on that number, so a
//! drainer whose lease expired (killed, or stuck past the lease) cannot overwrite the
//! result of the drainer that re-claimed the job. Jobs of one deposit are claimed in order:
//! a job is not due while an older job of the same deposit is pending or in flight.

use sqlx::{Any, Row, Transaction};

use crate::connect::{Backend, Store, now_ms};
use crate::error::StorageError;
use crate::jobs::{
    ClaimOptions, DepositSnapshot, JOB_COLUMNS, JobAction, JobStatus, OUTBOX, PayrollJob,
};
use crate::records::DepositRecord;

/// Longest `last_error` kept; callers pass a short reason (never secrets or bodies).
const MAX_ERROR_LEN: usize = 500;

/// Queues a payroll job for `record` (already in its post-change state) inside `tx`.
///
/// The idempotency key names the deposit version the change produced: unique per change,
/// identical across the retries of that change.
pub(crate) async fn enqueue(
    tx: &mut Transaction<'static, Any>,
    action: JobAction,
    record: &DepositRecord,
) -> Result<i64, StorageError> {
    let snapshot = DepositSnapshot {
        routing_number: record.routing.as_str().to_owned(),
        account_ciphertext: record.account_ciphertext.clone(),
        account_last4: record.account_last4.clone(),
        designation: record.designation.as_str().to_owned(),
        amount_type: record.allocation.amount_type().as_str().to_owned(),
        amount: record.allocation.stored_amount(),
        status: record.status.as_str().to_owned(),
        end_dated_at: record.end_dated_at,
        version: record.version,
    };
    let payload = serde_json::to_string(&snapshot)
        .map_err(|_| StorageError::corrupt(OUTBOX, "payload not serializable"))?;
    let key = format!(
        "dd:{}:{}:{}:{}",
        record.tenant_id,
        record.id,
        record.version,
        action.as_str()
    );
    let now = now_ms();
    let row = sqlx::query(
        "INSERT INTO payroll_outbox (tenant_id, company_id, employee_id, deposit_id, action, \
         payload, idempotency_key, status, attempts, next_attempt_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8, $8) RETURNING id",
    )
    .bind(record.tenant_id.as_str())
    .bind(record.company_id)
    .bind(record.employee_id)
    .bind(record.id)
    .bind(action.as_str())
    .bind(payload)
    .bind(key)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    tracing::debug!(
        job = id,
        deposit = record.id,
        action = action.as_str(),
        "payroll job queued"
    );
    Ok(id)
}

fn truncate_error(error: &str) -> &str {
    match error.char_indices().nth(MAX_ERROR_LEN) {
        Some((i, _)) => &error[..i],
        None => error,
    }
}

impl Store {
    /// Claims up to `opts.limit` due jobs of every tenant (the drain command's view: a job
    /// carries its tenant). Jobs whose expired lease used the last attempt go `dead` first.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the claim fails; nothing is claimed then.
    pub async fn claim_due_jobs(
        &self,
        opts: &ClaimOptions,
    ) -> Result<Vec<PayrollJob>, StorageError> {
        self.claim(opts, None).await
    }

    /// Claims one job of `tenant` if it is due: the delivery right after commit.
    /// `None` when it is not due, held by another drainer, finished, or not this tenant's.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the claim fails.
    pub async fn claim_job(
        &self,
        tenant: &str,
        job_id: i64,
        opts: &ClaimOptions,
    ) -> Result<Option<PayrollJob>, StorageError> {
        let one = ClaimOptions { limit: 1, ..*opts };
        Ok(self.claim(&one, Some((tenant, job_id))).await?.pop())
    }

    async fn claim(
        &self,
        opts: &ClaimOptions,
        only: Option<(&str, i64)>,
    ) -> Result<Vec<PayrollJob>, StorageError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE payroll_outbox SET status = 'dead', lease_until = NULL, updated_at = $1, \
             last_error = 'lease expired on the last attempt' \
             WHERE status = 'in_flight' AND lease_until <= $1 AND attempts >= $2",
        )
        .bind(opts.now_ms)
        .bind(opts.max_attempts)
        .execute(&mut *tx)
        .await?;
        let filter = if only.is_some() {
            " AND o.tenant_id = $4 AND o.id = $5"
        } else {
            ""
        };
        // Postgres: concurrent drainers skip each other's rows instead of queueing on them.
        // SQLite: BEGIN IMMEDIATE already serializes writers.
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE payroll_outbox SET status = 'in_flight', attempts = attempts + 1, \
             lease_until = $1, updated_at = $2 WHERE id IN (\
               SELECT o.id FROM payroll_outbox o \
               WHERE ((o.status = 'pending' AND o.next_attempt_at <= $2) \
                   OR (o.status = 'in_flight' AND o.lease_until <= $2)) \
                 AND NOT EXISTS (SELECT 1 FROM payroll_outbox e WHERE e.tenant_id = o.tenant_id \
                   AND e.deposit_id = o.deposit_id AND e.id < o.id \
                   AND e.status IN ('pending', 'in_flight')){filter} \
               ORDER BY o.next_attempt_at, o.id LIMIT $3{lock}) \
             RETURNING {JOB_COLUMNS}"
        );
        let mut query = sqlx::query(&sql)
            .bind(opts.now_ms.saturating_add(opts.lease_ms))
            .bind(opts.now_ms)
            .bind(opts.limit);
        if let Some((tenant, id)) = only {
            query = query.bind(tenant).bind(id);
        }
        let rows = query.fetch_all(&mut *tx).await?;
        let mut jobs = rows
            .iter()
            .map(PayrollJob::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit().await?;
        jobs.sort_by_key(|j| j.id);
        Ok(jobs)
    }

    /// Marks a claimed job done. `false` when the claim is no longer ours (lease taken
    /// over: the other drainer's outcome stands).
    ///
    /// # Errors
    /// [`StorageError::Database`] when the update fails.
    pub async fn complete_job(&self, job: &PayrollJob) -> Result<bool, StorageError> {
        self.finish(job, "done", None, None).await
    }

    /// Records a failed attempt and when to retry. `error` is a short reason chosen by the
    /// caller (status code, error kind), never a secret or a response body; it is cut to
    /// 500 characters. `false` when the claim is no longer ours.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the update fails.
    pub async fn fail_job(
        &self,
        job: &PayrollJob,
        error: &str,
        next_attempt_at: i64,
    ) -> Result<bool, StorageError> {
        self.finish(job, "pending", Some(error), Some(next_attempt_at))
            .await
    }

    /// Gives up on a claimed job (too many attempts, or a permanent error).
    /// `false` when the claim is no longer ours.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the update fails.
    pub async fn kill_job(&self, job: &PayrollJob, error: &str) -> Result<bool, StorageError> {
        self.finish(job, "dead", Some(error), None).await
    }

    async fn finish(
        &self,
        job: &PayrollJob,
        status: &'static str,
        error: Option<&str>,
        next_attempt_at: Option<i64>,
    ) -> Result<bool, StorageError> {
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE payroll_outbox SET status = $1, lease_until = NULL, last_error = $2, \
             next_attempt_at = $3, updated_at = $4 \
             WHERE tenant_id = $5 AND id = $6 AND status = 'in_flight' AND attempts = $7",
        )
        .bind(status)
        .bind(error.map(truncate_error))
        .bind(next_attempt_at.unwrap_or(job.next_attempt_at))
        .bind(now)
        .bind(job.tenant_id.as_str())
        .bind(job.id)
        .bind(job.attempts)
        .execute(&self.pool)
        .await?;
        let ours = done.rows_affected() == 1;
        if !ours {
            tracing::warn!(job = job.id, status, "job lease lost before it finished");
        }
        Ok(ours)
    }

    /// Puts a dead job of `tenant` back in the queue with fresh attempts (operator action).
    ///
    /// # Errors
    /// [`StorageError::NotFound`] when there is no dead job `job_id` in `tenant`.
    pub async fn requeue_dead_job(&self, tenant: &str, job_id: i64) -> Result<(), StorageError> {
        let done = sqlx::query(
            "UPDATE payroll_outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, \
             updated_at = $1 WHERE tenant_id = $2 AND id = $3 AND status = 'dead'",
        )
        .bind(now_ms())
        .bind(tenant)
        .bind(job_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StorageError::NotFound("dead payroll job"))
        }
    }

    /// Job `job_id` of `tenant`, whatever its status; `None` when `tenant` has no such job.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the query fails.
    pub async fn job(&self, tenant: &str, job_id: i64) -> Result<Option<PayrollJob>, StorageError> {
        let sql =
            format!("SELECT {JOB_COLUMNS} FROM payroll_outbox WHERE tenant_id = $1 AND id = $2");
        let row = sqlx::query(&sql)
            .bind(tenant)
            .bind(job_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(PayrollJob::from_row).transpose()
    }

    /// Jobs, oldest first, optionally only of one tenant and/or one status.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the query fails.
    pub async fn list_jobs(
        &self,
        tenant: Option<&str>,
        status: Option<JobStatus>,
        limit: i64,
    ) -> Result<Vec<PayrollJob>, StorageError> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM payroll_outbox WHERE {} ORDER BY id LIMIT $3",
            job_filter(tenant, status)
        );
        let rows = sqlx::query(&sql)
            .bind(tenant.unwrap_or_default())
            .bind(status.map_or("", JobStatus::as_str))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(PayrollJob::from_row).collect()
    }

    /// Number of jobs, optionally only of one tenant and/or one status.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the query fails.
    pub async fn count_jobs(
        &self,
        tenant: Option<&str>,
        status: Option<JobStatus>,
    ) -> Result<i64, StorageError> {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM payroll_outbox WHERE {}",
            job_filter(tenant, status)
        );
        let row = sqlx::query(&sql)
            .bind(tenant.unwrap_or_default())
            .bind(status.map_or("", JobStatus::as_str))
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }
}

/// Both parameters are always bound (typed TEXT) and the clause picks which ones count, so
/// the statement never depends on a typed NULL, which Postgres cannot infer.
fn job_filter(tenant: Option<&str>, status: Option<JobStatus>) -> &'static str {
    match (tenant.is_some(), status.is_some()) {
        (true, true) => "tenant_id = $1 AND status = $2",
        (true, false) => "tenant_id = $1 AND $2 = ''",
        (false, true) => "$1 = '' AND status = $2",
        (false, false) => "$1 = '' AND $2 = ''",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_truncated_on_char_boundaries() {
        let long = "é".repeat(600);
        assert_eq!(truncate_error(&long).chars().count(), MAX_ERROR_LEN);
        assert_eq!(truncate_error("short"), "short");
    }
}
