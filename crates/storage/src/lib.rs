//! Storage of the Direct Deposits module (docs/architecture.md §3): sqlx repositories that run the
//! same SQL and the same migration on SQLite (the embedded default) and Postgres (RDS).
//!
//! Every method is scoped by tenant. Every write is one transaction holding the row, its
//! audit row (account masked to the last 4) and, when payroll must see the change, its
//! outbox job. Account numbers arrive already encrypted by the caller, with a keyed
//! fingerprint for the duplicate rule: no clear account number is ever stored, and no
//! error message carries a bound value.

mod audit;
mod connect;
mod deposits;
mod directory;
mod dispatch;
mod error;
mod idempotency;
mod import;
mod import_deposits;
mod import_directory;
mod import_rows;
mod jobs;
mod outbox;
mod outbox_status;
mod payroll_delivery;
mod payroll_keys;
mod queries;
mod records;
mod reviews;
mod rules;
mod seed;
#[cfg(feature = "testing")]
pub mod testing;

pub use audit::{AuditRecord, ENTITY_DIRECT_DEPOSIT};
pub use connect::{
    Backend, DEFAULT_MAX_DEPOSITS_PER_EMPLOYEE, DEFAULT_POOL_WAIT, PoolSettings, Store, now_ms,
};
pub use directory::{PayrollAccount, Role, UserProfile, UserRecord};
pub use dispatch::{NoDispatch, PayrollDispatch};
pub use error::{DbFailure, StorageError};
pub use idempotency::{IdempotencyInput, RenderResponse, StoredResponse};
pub use import::{
    ImportCompany, ImportCounts, ImportDeposit, ImportEmployee, ImportMode, ImportOutcome,
    ImportRefusal, ImportUser, LegacyImport,
};
pub use import_deposits::{DEPOSIT_TABLE, DepositCounts};
pub use import_directory::DirectoryCounts;
pub use jobs::{ClaimOptions, DepositSnapshot, JobAction, JobStatus, PayrollJob, backoff_ms};
pub use outbox_status::OutboxCounts;
pub use payroll_delivery::{DeliveryTarget, PAYROLL_DELIVERY_ACTOR, PayrollOutcome};
pub use payroll_keys::PayrollEmployeeKeys;
pub use queries::MAX_PAGE_SIZE;
pub use records::{Actor, Committed, DeleteOutcome, DepositRecord, EmployeeKey, NewDepositRecord};
pub use reviews::{ACTION_ACCOUNT_REVEALED, PendingDeposit};
pub use seed::{CompanySeed, DEMO_TENANT_1, DEMO_TENANT_2, DemoSeed, EmployeeSeed, TenantSeed};
