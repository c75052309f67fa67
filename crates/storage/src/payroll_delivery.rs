//! What the payroll delivery worker reads besides the job, and the audit rows of delivery
//! outcomes. The worker runs outside any user request, so its audit rows name a system
//! actor and carry the masked snapshot only (last 4 of the account, never the ciphertext).

use sqlx::Row;

use crate::audit::ENTITY_DIRECT_DEPOSIT;
use crate::connect::{Store, now_ms};
use crate::error::StorageError;
use crate::jobs::PayrollJob;

/// Actor name of the delivery worker's audit rows.
pub const PAYROLL_DELIVERY_ACTOR: &str = "payroll-outbox";

/// What the worker needs of a deposit, end-dated or not: its state now, not as of the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryTarget {
    /// The payroll suite's E/D id, once a delivery recorded it.
    pub payroll_ed_id: Option<i64>,
    /// When the deposit was created (epoch ms): stable for the deposit's whole life.
    pub created_at: i64,
    /// When the deposit was end-dated (epoch ms), if it is: a job requeued after that must
    /// not make it live again at payroll.
    pub end_dated_at: Option<i64>,
}

/// How a delivery ended, as recorded in the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayrollOutcome {
    /// Payroll applied the change.
    Applied,
    /// Nothing to do at payroll (e.g. end-dating a deposit payroll never had).
    Skipped,
    /// Given up: the job is dead and needs an operator.
    Dead,
}

impl PayrollOutcome {
    /// The audit row's `action`.
    #[must_use]
    pub const fn audit_action(self) -> &'static str {
        match self {
            Self::Applied => "payroll_applied",
            Self::Skipped => "payroll_skipped",
            Self::Dead => "payroll_dead",
        }
    }
}

/// Upsert jobs of the deposit before this one that were delivered, plus a legacy E/D id.
const EARLIER_UPSERT_DELIVERED: &str = "SELECT (SELECT COUNT(*) FROM payroll_outbox \
     WHERE tenant_id = $1 AND deposit_id = $2 AND id < $3 AND action = 'upsert' \
     AND status = 'done') + (SELECT COUNT(*) FROM legacy_deposit_imports \
     WHERE tenant_id = $1 AND deposit_id = $2 AND payroll_ed_id IS NOT NULL) AS n";

/// Jobs of the deposit after this one that are done.
const LATER_JOB_DONE: &str = "SELECT COUNT(*) AS n FROM payroll_outbox WHERE tenant_id = $1 \
     AND deposit_id = $2 AND id > $3 AND status = 'done'";

/// End-date jobs of the deposit after this one that are still queued.
const LATER_END_DATE_QUEUED: &str = "SELECT COUNT(*) AS n FROM payroll_outbox \
     WHERE tenant_id = $1 AND deposit_id = $2 AND id > $3 AND action = 'end_date' \
     AND status IN ('pending', 'in_flight')";

impl Store {
    /// The deposit's payroll id, creation time and end date, whether or not it is end-dated.
    /// `None` when the deposit is not in `tenant`.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the query fails.
    pub async fn delivery_target(
        &self,
        tenant: &str,
        deposit_id: i64,
    ) -> Result<Option<DeliveryTarget>, StorageError> {
        let row = sqlx::query(
            "SELECT payroll_ed_id, created_at, end_dated_at FROM direct_deposits \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(deposit_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(DeliveryTarget {
                payroll_ed_id: row.try_get("payroll_ed_id")?,
                created_at: row.try_get("created_at")?,
                end_dated_at: row.try_get("end_dated_at")?,
            })
        })
        .transpose()
    }

    /// Whether an upsert job of the same deposit older than `job` was delivered. The first
    /// delivered upsert of a deposit is the one that created its E/D; a job re-run after a
    /// crash between recording the E/D id and completing must still be that create (its
    /// idempotency key was spent on a create), so this, not the E/D id alone, decides.
    /// A deposit imported with its legacy E/D id counts as delivered: the legacy system
    /// created that E/D (`ddctl import legacy`).
    ///
    /// # Errors
    /// [`StorageError::Database`] when the query fails.
    pub async fn earlier_upsert_delivered(&self, job: &PayrollJob) -> Result<bool, StorageError> {
        self.job_has_neighbour(EARLIER_UPSERT_DELIVERED, job).await
    }

    /// Whether a job of the same deposit newer than `job` is done. Jobs of a deposit are
    /// claimed in order, so this happens only to a job that went dead and was requeued after
    /// the deposit's later changes reached payroll: its snapshot is stale, and sending it
    /// would roll payroll back (or, for a create, make a second E/D).
    ///
    /// # Errors
    /// [`StorageError::Database`] when the query fails.
    pub async fn later_job_done(&self, job: &PayrollJob) -> Result<bool, StorageError> {
        self.job_has_neighbour(LATER_JOB_DONE, job).await
    }

    /// Whether an end-date job of the same deposit newer than `job` is still queued
    /// (pending or in flight). An upsert of an end-dated deposit may only be sent when one
    /// is: the end-date then follows it. Without one (it went dead, or there never was one)
    /// the upsert would leave payroll with a live copy of a deposit HR deleted.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the query fails.
    pub async fn later_end_date_queued(&self, job: &PayrollJob) -> Result<bool, StorageError> {
        self.job_has_neighbour(LATER_END_DATE_QUEUED, job).await
    }

    /// Runs one of the neighbour queries below for `job`: bound to its tenant ($1), deposit
    /// ($2) and id ($3), returning a count `n`; true when it is above zero.
    async fn job_has_neighbour(&self, sql: &str, job: &PayrollJob) -> Result<bool, StorageError> {
        let row = sqlx::query(sql)
            .bind(job.tenant_id.as_str())
            .bind(job.deposit_id)
            .bind(job.id)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// Writes the audit row of a delivery outcome. `detail` is a short reason chosen by the
    /// worker (error kind and step), never a secret or a response body.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the insert fails.
    pub async fn record_payroll_outcome(
        &self,
        job: &PayrollJob,
        outcome: PayrollOutcome,
        payroll_ed_id: Option<i64>,
        detail: Option<&str>,
    ) -> Result<i64, StorageError> {
        let snapshot = &job.payload;
        let value = serde_json::json!({
            "job": job.id,
            "jobAction": job.action.as_str(),
            "attempt": job.attempts,
            "idempotencyKey": job.idempotency_key,
            "payrollEdId": payroll_ed_id,
            "routingNumber": snapshot.routing_number,
            "accountLast4": snapshot.account_last4,
            "amountType": snapshot.amount_type,
            "amount": snapshot.amount,
            "version": snapshot.version,
            "detail": detail,
        })
        .to_string();
        let row = sqlx::query(
            "INSERT INTO audit_log (tenant_id, company_id, employee_id, entity, entity_id, action, \
             actor_user_id, actor, old_value, new_value, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, NULL, $8, $9) RETURNING id",
        )
        .bind(job.tenant_id.as_str())
        .bind(job.company_id)
        .bind(job.employee_id)
        .bind(ENTITY_DIRECT_DEPOSIT)
        .bind(job.deposit_id)
        .bind(outcome.audit_action())
        .bind(PAYROLL_DELIVERY_ACTOR)
        .bind(value)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("id")?)
    }
}
