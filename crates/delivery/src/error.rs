//! The crate's one error type, and how the worker reacts to each kind.
//!
//! Every message is built from fixed phrases, error kinds, steps and HTTP statuses: these
//! texts go into the outbox row (`last_error`), the audit trail and logs, so they never
//! carry a password, an account number, a ciphertext or a response body.

use std::borrow::Cow;

use dd_payroll::{ErrorClass, PayrollError};
use dd_storage::StorageError;

/// How the worker treats a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureClass {
    /// Try again later (backoff with jitter) with the same idempotency key.
    Retryable,
    /// Retrying cannot succeed: the job goes dead at once.
    Permanent,
    /// The tenant's service credentials were refused even after one re-read and
    /// re-decrypt. Backs off like a retryable failure (an operator may fix the password
    /// row meanwhile), so it dead-letters only after the attempt limit.
    CredentialsRejected,
}

/// Everything that can go wrong in `dd-delivery`.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The worker was built with unusable settings.
    #[error("invalid delivery configuration: {0}")]
    Config(Cow<'static, str>),
    /// The database failed (claiming, reading, recording).
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A payroll call failed.
    #[error(transparent)]
    Payroll(#[from] PayrollError),
    /// A ciphertext did not decrypt (wrong key, corrupt text, not an envelope).
    #[error("cannot decrypt the {what}: {kind}")]
    Decrypt {
        /// `service password` or `account number`.
        what: &'static str,
        /// A stable error kind (e.g. `padding_error`, `authentication_failed`).
        kind: &'static str,
    },
    /// The decryptor or key provider could not be reached (Lambda invoke, KMS): may clear.
    #[error("decryptor unavailable: {0}")]
    DecryptorUnavailable(Cow<'static, str>),
    /// The job cannot be delivered as stored (missing payroll account, missing deposit,
    /// corrupt snapshot, unusable E/D id).
    #[error("undeliverable job: {0}")]
    Undeliverable(&'static str),
    /// The attempt did not finish within its lease budget; the next claim retries it.
    #[error("attempt exceeded its lease budget")]
    LeaseBudgetExceeded,
}

impl DeliveryError {
    /// How the worker reacts to this failure.
    #[must_use]
    pub fn class(&self) -> FailureClass {
        match self {
            Self::Payroll(e) => match e.class() {
                ErrorClass::Retryable => FailureClass::Retryable,
                ErrorClass::CredentialsRejected => FailureClass::CredentialsRejected,
                ErrorClass::Permanent => FailureClass::Permanent,
            },
            // A database hiccup, an unreachable decryptor and a slow attempt all may clear.
            Self::Storage(_) | Self::DecryptorUnavailable(_) | Self::LeaseBudgetExceeded => {
                FailureClass::Retryable
            }
            // A password that does not decrypt is fixed by rewriting the row, like a
            // rejected one: back off rather than give up on the first try.
            Self::Decrypt { what: PASSWORD, .. } => FailureClass::CredentialsRejected,
            Self::Decrypt { .. } | Self::Undeliverable(_) | Self::Config(_) => {
                FailureClass::Permanent
            }
        }
    }

    /// The short reason recorded in the outbox row and the audit trail:
    /// `<kind> at <step>` for payroll failures, e.g. `credentials_rejected at oauth_token`.
    #[must_use]
    pub fn reason(&self) -> String {
        match self {
            Self::Payroll(e) => payroll_reason(e),
            Self::Storage(e) => format!("database_error: {e}"),
            Self::Decrypt { what, kind } => format!("decrypt_failed: {what}: {kind}"),
            Self::DecryptorUnavailable(detail) => format!("decryptor_unavailable: {detail}"),
            Self::Undeliverable(why) => format!("undeliverable: {why}"),
            Self::LeaseBudgetExceeded => "timeout: attempt exceeded its lease budget".to_owned(),
            Self::Config(why) => format!("config: {why}"),
        }
    }

    pub(crate) fn config(why: impl Into<Cow<'static, str>>) -> Self {
        Self::Config(why.into())
    }
}

/// What [`DeliveryError::Decrypt`] names for the tenant's service password.
pub(crate) const PASSWORD: &str = "service password";
/// What [`DeliveryError::Decrypt`] names for the deposit's account number.
pub(crate) const ACCOUNT: &str = "account number";

fn payroll_reason(e: &PayrollError) -> String {
    let step = e.step().map_or("input", |s| s.as_str());
    match e {
        PayrollError::CredentialsRejected { status, .. } => format!(
            "credentials_rejected at {step} (HTTP {status}; the tenant's service password \
             was re-read and re-decrypted once)"
        ),
        PayrollError::Http { status, code, .. } => match code {
            Some(code) => format!("http_{status} at {step} ({code})"),
            None => format!("http_{status} at {step}"),
        },
        PayrollError::Timeout { .. } => format!("timeout at {step}"),
        PayrollError::Connection { .. } => format!("connection_failed at {step}"),
        PayrollError::InvalidResponse { reason, .. } => {
            format!("invalid_response at {step}: {reason}")
        }
        // Other variants' Display is built from fixed phrases only (see dd-payroll).
        other => format!("payroll_error at {step}: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dd_payroll::Step;

    #[test]
    fn payroll_reasons_name_kind_and_step() {
        let e = DeliveryError::Payroll(PayrollError::CredentialsRejected {
            step: Step::OauthToken,
            status: 401,
        });
        assert!(
            e.reason()
                .starts_with("credentials_rejected at oauth_token")
        );
        assert_eq!(e.class(), FailureClass::CredentialsRejected);
        let e = DeliveryError::Payroll(PayrollError::Http {
            step: Step::EdCreate,
            status: 503,
            code: Some("injected_failure".into()),
        });
        assert_eq!(e.reason(), "http_503 at ed_create (injected_failure)");
        assert_eq!(e.class(), FailureClass::Retryable);
        let e = DeliveryError::Payroll(PayrollError::Http {
            step: Step::EdPut,
            status: 422,
            code: None,
        });
        assert_eq!(e.class(), FailureClass::Permanent);
    }

    #[test]
    fn decrypt_failures_of_the_password_back_off() {
        let pw = DeliveryError::Decrypt {
            what: PASSWORD,
            kind: "padding_error",
        };
        assert_eq!(pw.class(), FailureClass::CredentialsRejected);
        let acct = DeliveryError::Decrypt {
            what: ACCOUNT,
            kind: "authentication_failed",
        };
        assert_eq!(acct.class(), FailureClass::Permanent);
        assert_eq!(
            acct.reason(),
            "decrypt_failed: account number: authentication_failed"
        );
    }
}
