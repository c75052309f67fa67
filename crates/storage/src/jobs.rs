//! Outbox job types: what a payroll job is, its states, and the retry schedule helper.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::StorageError;

/// What payroll must do with the deposit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobAction {
    /// Create or update the payroll deposit (approve, update of an Approved deposit).
    Upsert,
    /// End-date the payroll deposit (delete of an Approved deposit).
    EndDate,
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for `next_attempt_at`.
    Pending,
    /// Claimed by a drainer until `lease_until`.
    InFlight,
    /// Payroll applied it.
    Done,
    /// Gave up after too many attempts; needs an operator.
    Dead,
}

macro_rules! str_enum {
    ($t:ty, $($v:path => $s:literal),+) => {
        impl $t {
            /// The database string.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $($v => $s),+ }
            }
            pub(crate) fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($v),)+ _ => None }
            }
        }
    };
}
str_enum!(JobAction, JobAction::Upsert => "upsert", JobAction::EndDate => "end_date");
str_enum!(JobStatus, JobStatus::Pending => "pending", JobStatus::InFlight => "in_flight",
    JobStatus::Done => "done", JobStatus::Dead => "dead");

/// The deposit as it was when the change committed: what payroll must end up with.
/// The account travels only as the caller's ciphertext.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositSnapshot {
    /// Routing number.
    pub routing_number: String,
    /// Encrypted account number (decrypt right before the payroll call).
    pub account_ciphertext: String,
    /// Last 4 characters of the account number.
    pub account_last4: String,
    /// Designation wire string.
    pub designation: String,
    /// Amount type wire string.
    pub amount_type: String,
    /// Stored amount (cents / hundredths of a percent), `None` for Balance Remainder.
    pub amount: Option<i64>,
    /// Status wire string.
    pub status: String,
    /// End date (epoch ms) for [`JobAction::EndDate`].
    pub end_dated_at: Option<i64>,
    /// Deposit version this snapshot was taken at.
    pub version: i64,
}

impl core::fmt::Debug for DepositSnapshot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DepositSnapshot")
            .field("routing_number", &self.routing_number)
            .field("account", &"<redacted>")
            .field("amount_type", &self.amount_type)
            .field("amount", &self.amount)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// One outbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayrollJob {
    /// Job id.
    pub id: i64,
    /// Tenant id.
    pub tenant_id: String,
    /// Company id.
    pub company_id: i64,
    /// Employee id.
    pub employee_id: i64,
    /// Deposit id.
    pub deposit_id: i64,
    /// What payroll must do.
    pub action: JobAction,
    /// The deposit as of the change.
    pub payload: DepositSnapshot,
    /// Sent with every attempt so payroll applies the change once.
    pub idempotency_key: String,
    /// Current status.
    pub status: JobStatus,
    /// Claims so far (the current one included); the fencing token of the lease.
    pub attempts: i64,
    /// When the job is next due, epoch ms.
    pub next_attempt_at: i64,
    /// End of the current lease, while in flight.
    pub lease_until: Option<i64>,
    /// Reason of the last failure.
    pub last_error: Option<String>,
    /// Creation time, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
}

/// Parameters of a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimOptions {
    /// "Now" in epoch ms (explicit so tests and drains can reason about leases).
    pub now_ms: i64,
    /// How long the claimer may hold a job before another may take it over.
    pub lease_ms: i64,
    /// Most jobs to claim.
    pub limit: i64,
    /// A job whose lease expired after this many attempts goes `dead` instead of being
    /// claimed again (a job that kills its drainer must not loop forever).
    pub max_attempts: i64,
}

pub(crate) const JOB_COLUMNS: &str = "id, tenant_id, company_id, employee_id, deposit_id, action, payload, \
     idempotency_key, status, attempts, next_attempt_at, lease_until, last_error, created_at, \
     updated_at";

pub(crate) const OUTBOX: &str = "payroll_outbox";

impl PayrollJob {
    pub(crate) fn from_row(row: &AnyRow) -> Result<Self, StorageError> {
        let action: String = row.try_get("action")?;
        let status: String = row.try_get("status")?;
        let payload: String = row.try_get("payload")?;
        Ok(Self {
            id: row.try_get("id")?,
            tenant_id: row.try_get("tenant_id")?,
            company_id: row.try_get("company_id")?,
            employee_id: row.try_get("employee_id")?,
            deposit_id: row.try_get("deposit_id")?,
            action: JobAction::parse(&action)
                .ok_or_else(|| StorageError::corrupt(OUTBOX, "unknown action"))?,
            payload: serde_json::from_str(&payload)
                .map_err(|_| StorageError::corrupt(OUTBOX, "unreadable payload"))?,
            idempotency_key: row.try_get("idempotency_key")?,
            status: JobStatus::parse(&status)
                .ok_or_else(|| StorageError::corrupt(OUTBOX, "unknown status"))?,
            attempts: row.try_get("attempts")?,
            next_attempt_at: row.try_get("next_attempt_at")?,
            lease_until: row.try_get("lease_until")?,
            last_error: row.try_get("last_error")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

/// Exponential backoff with full jitter: a uniformly random delay in
/// `[0, min(cap, base · 2^(attempt-1))]`. `unit` is a random number in `[0, 1)` from the
/// caller (keeps this crate free of an RNG and the function testable).
#[must_use]
pub fn backoff_ms(attempt: i64, base_ms: i64, cap_ms: i64, unit: f64) -> i64 {
    let exp = u32::try_from(attempt.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let ceiling = base_ms.saturating_mul(1_i64 << exp).min(cap_ms).max(0);
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    let delay = (ceiling as f64 * unit.clamp(0.0, 1.0)) as i64;
    delay.clamp(0, ceiling)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff_ms(1, 100, 10_000, 1.0), 100);
        assert_eq!(backoff_ms(3, 100, 10_000, 1.0), 400);
        assert_eq!(backoff_ms(30, 100, 10_000, 1.0), 10_000);
        assert_eq!(backoff_ms(3, 100, 10_000, 0.5), 200);
        assert_eq!(backoff_ms(0, 100, 10_000, 0.0), 0);
    }
}
