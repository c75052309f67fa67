//! Payroll-suite (Evolution-style) client and a local simulator of its API (docs/architecture.md §2.5).
//!
//! [`PayrollClient`] runs the conversation: an SSO JWT (HS256 with the API secret) buys an
//! oauth access token with the tenant's decrypted service password; a tenant lookup gives
//! the bureau subdomain; then E/Ds are read, created, updated and end-dated. Sessions are
//! cached per tenant until shortly before expiry. Every mutating call carries the caller's
//! [`IdempotencyKey`], and every failure is a [`PayrollError`] naming its [`Step`] and
//! [`ErrorClass`] (retryable, permanent, credentials rejected).
//!
//! [`sim`] (feature `sim`, on by default) serves the same endpoints locally.
//!
//! Secrets: the password, API secret and access tokens are [`secrecy::SecretString`]; the
//! account number is a [`dd_domain::AccountNumber`]. Neither appears in `Debug`, errors or
//! logs; the account number is written in the clear only into the E/D request body.

mod client;
mod config;
mod endpoint;
mod error;
mod mapping;
mod session;
pub mod sso;

#[cfg(feature = "sim")]
pub mod sim;

pub use client::{IDEMPOTENCY_KEY_HEADER, PayrollClient, install_crypto_provider};
pub use config::{
    EmployeeRef, IdempotencyKey, MAX_IDEMPOTENCY_KEY_LEN, PayrollConfig, TenantCredentials,
};
pub use error::{ErrorClass, PayrollError, Step};
pub use mapping::{DIRECT_DEPOSIT_ED_CODE, DirectDepositEd, EdDate, EdRecord};
