//! The payroll outbox delivery worker (issue 6, docs/architecture.md §2.4–§2.5).
//!
//! Every approved change is written with an outbox job in its own transaction. The
//! [`Deliverer`] takes it to the tenant's payroll suite: right after commit
//! ([`Deliverer::spawn_delivery`], never awaited by the API response) and from the drain
//! ([`Deliverer::drain`], the `ddctl outbox drain` command and the scheduled
//! `payroll-outbox-drainer` Lambda), which also retries.
//!
//! Per job: read the tenant's payroll account, decrypt its legacy service password
//! ([`CredentialSource`]), open the deposit's `dd1:` account number ([`AccountOpener`]),
//! create / update / end-date the E/D with the job's idempotency key, then mark the job
//! done and write a masked audit row. Failures: retryable ones back off exponentially with
//! full jitter; a refused password is re-read and re-decrypted once before the failure is
//! recorded as `credentials_rejected at oauth_token`; permanent ones and jobs out of
//! attempts go dead with their reason. Recorded reasons never hold a secret.

mod accounts;
mod api_dispatch;
mod attempt;
mod config;
mod credentials;
mod deliverer;
mod ed;
mod error;
#[cfg(feature = "lambda-decryptor")]
mod lambda_decryptor;
mod report;

pub use accounts::{AccountOpener, OpenFuture};
pub use config::{PayrollSuite, RetryPolicy};
pub use credentials::CredentialSource;
pub use deliverer::Deliverer;
pub use error::{DeliveryError, FailureClass};
#[cfg(feature = "lambda-decryptor")]
pub use lambda_decryptor::LambdaDecryptor;
pub use report::{DrainReport, JobOutcome};
