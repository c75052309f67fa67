//! The seam between the writers of the outbox and payroll delivery.
//!
//! It lives here, under both: the API reports jobs through it and dd-delivery implements it,
//! so neither depends on the other and dependencies point one way (docs/architecture.md §3).
//!
//! A committed write that queued a payroll job (approve, an update or delete of an Approved
//! deposit) reports the job here right after commit. Implementations must not block: the
//! API answers without waiting on payroll, and the outbox row (written in the same
//! transaction) is the durable record that a drain retries if this nudge is lost.

/// Told about payroll jobs the API just committed.
pub trait PayrollDispatch: Send + Sync + std::fmt::Debug {
    /// Job `job_id` of `tenant` was committed to the outbox. Must return promptly (spawn or
    /// enqueue; never await payroll here).
    fn job_committed(&self, tenant: &str, job_id: i64);
}

/// Delivers nothing: jobs wait in the outbox for `ddctl outbox drain` (or a delivery
/// implementation plugged into the state).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDispatch;

impl PayrollDispatch for NoDispatch {
    fn job_committed(&self, tenant: &str, job_id: i64) {
        tracing::debug!(
            tenant,
            job = job_id,
            "payroll job left for the outbox drain"
        );
    }
}
