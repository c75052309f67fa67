//! The crate's one error type, with the step that failed and how a caller should react.
//!
//! Messages carry the step, the HTTP status and at most a short server error code: never a
//! password, token, account number or request/response body, because these errors end up
//! in logs, outbox rows and API error replies.

use core::fmt;

/// Which call of the payroll conversation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// Signing the SSO JWT (local; fails only on a broken random source).
    SsoToken,
    /// `POST /identity/tenants/{t}/oauth/token`.
    OauthToken,
    /// `GET /identity/tenants/{t}`.
    TenantLookup,
    /// `GET …/eds/{ed}`.
    EdGet,
    /// `PUT …/eds/{ed}` (update or end-date).
    EdPut,
    /// `POST …/eds`.
    EdCreate,
}

impl Step {
    /// Stable snake_case name, for logs, metrics and outbox rows.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SsoToken => "sso_token",
            Self::OauthToken => "oauth_token",
            Self::TenantLookup => "tenant_lookup",
            Self::EdGet => "ed_get",
            Self::EdPut => "ed_put",
            Self::EdCreate => "ed_create",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the caller (the outbox worker) should do with a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// Try again later with the same idempotency key: timeouts, connection failures, 5xx,
    /// 408 and 429.
    Retryable,
    /// Retrying the same request cannot succeed: 4xx, bad input, malformed responses.
    Permanent,
    /// The payroll suite refused the tenant's service credentials (401/403 on the oauth
    /// step). Re-read and re-decrypt the credential once (it may have been rotated), then
    /// treat a second rejection as permanent.
    CredentialsRejected,
}

/// Every failure of the payroll client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PayrollError {
    /// The call did not complete within the configured timeout.
    #[error("payroll {step}: timed out")]
    Timeout {
        /// The step that timed out.
        step: Step,
        /// The transport error (its text names the URL, never a body or header).
        #[source]
        source: Option<reqwest::Error>,
    },
    /// Connecting failed, or the connection broke before a full response arrived.
    #[error("payroll {step}: connection failed")]
    Connection {
        /// The step whose connection failed.
        step: Step,
        /// The transport error.
        #[source]
        source: Option<reqwest::Error>,
    },
    /// The payroll suite refused the tenant's service credentials.
    #[error("payroll {step}: credentials rejected (HTTP {status})")]
    CredentialsRejected {
        /// Always [`Step::OauthToken`].
        step: Step,
        /// 401 or 403.
        status: u16,
    },
    /// Any other non-success status.
    #[error("payroll {step}: HTTP {status}{}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Http {
        /// The step that got the status.
        step: Step,
        /// The HTTP status.
        status: u16,
        /// A short machine-readable error code from the response, when it had one that
        /// looks like a code (never free text, which could echo the request).
        code: Option<String>,
    },
    /// A success response that could not be understood.
    #[error("payroll {step}: invalid response: {reason}")]
    InvalidResponse {
        /// The step whose response was invalid.
        step: Step,
        /// What was wrong (a fixed phrase).
        reason: &'static str,
    },
    /// The SSO JWT could not be made.
    #[error("payroll {step}: cannot build the SSO token: {reason}")]
    Sso {
        /// Always [`Step::SsoToken`].
        step: Step,
        /// What failed (a fixed phrase).
        reason: &'static str,
    },
    /// The caller passed something unusable (bad config, id or key).
    #[error("payroll: invalid {what}: {reason}")]
    InvalidInput {
        /// The field or argument.
        what: &'static str,
        /// Why (a fixed phrase).
        reason: &'static str,
    },
}

impl PayrollError {
    /// The step that failed; `None` for input errors found before any call.
    #[must_use]
    pub const fn step(&self) -> Option<Step> {
        match self {
            Self::Timeout { step, .. }
            | Self::Connection { step, .. }
            | Self::CredentialsRejected { step, .. }
            | Self::Http { step, .. }
            | Self::InvalidResponse { step, .. }
            | Self::Sso { step, .. } => Some(*step),
            Self::InvalidInput { .. } => None,
        }
    }

    /// How the caller should react; see [`ErrorClass`].
    #[must_use]
    pub const fn class(&self) -> ErrorClass {
        match self {
            Self::Timeout { .. } | Self::Connection { .. } => ErrorClass::Retryable,
            Self::CredentialsRejected { .. } => ErrorClass::CredentialsRejected,
            Self::Http { status, .. } if status_is_retryable(*status) => ErrorClass::Retryable,
            // A broken random source is an environment fault that may clear.
            Self::Sso { .. } => ErrorClass::Retryable,
            Self::Http { .. } | Self::InvalidResponse { .. } | Self::InvalidInput { .. } => {
                ErrorClass::Permanent
            }
        }
    }

    /// Shorthand for `class() == Retryable`.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        self.class() == ErrorClass::Retryable
    }

    /// Shorthand for `class() == CredentialsRejected`.
    #[must_use]
    pub fn is_credentials_rejected(&self) -> bool {
        self.class() == ErrorClass::CredentialsRejected
    }

    /// The HTTP status, when the failure was one.
    #[must_use]
    pub const fn status(&self) -> Option<u16> {
        match self {
            Self::CredentialsRejected { status, .. } | Self::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Maps a transport error: timeouts apart, everything that kept a full response from
    /// arriving is a connection failure, which a retry may cure.
    pub(crate) fn transport(step: Step, err: reqwest::Error) -> Self {
        if err.is_timeout() {
            Self::Timeout {
                step,
                source: Some(err),
            }
        } else {
            Self::Connection {
                step,
                source: Some(err),
            }
        }
    }

    pub(crate) const fn invalid_response(step: Step, reason: &'static str) -> Self {
        Self::InvalidResponse { step, reason }
    }

    pub(crate) const fn invalid_input(what: &'static str, reason: &'static str) -> Self {
        Self::InvalidInput { what, reason }
    }
}

/// 408 Request Timeout, 425 Too Early, 429 Too Many Requests and every 5xx are transient.
const fn status_is_retryable(status: u16) -> bool {
    matches!(status, 408 | 425 | 429 | 500..=599)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        let http = |status| PayrollError::Http {
            step: Step::EdPut,
            status,
            code: None,
        };
        assert_eq!(http(503).class(), ErrorClass::Retryable);
        assert_eq!(http(429).class(), ErrorClass::Retryable);
        assert_eq!(http(400).class(), ErrorClass::Permanent);
        assert_eq!(http(404).class(), ErrorClass::Permanent);
        let rejected = PayrollError::CredentialsRejected {
            step: Step::OauthToken,
            status: 401,
        };
        assert!(rejected.is_credentials_rejected());
        assert_eq!(rejected.step(), Some(Step::OauthToken));
        assert_eq!(
            rejected.to_string(),
            "payroll oauth_token: credentials rejected (HTTP 401)"
        );
    }

    #[test]
    fn display_names_step_and_code() {
        let e = PayrollError::Http {
            step: Step::EdCreate,
            status: 422,
            code: Some("invalid_routing".into()),
        };
        assert_eq!(
            e.to_string(),
            "payroll ed_create: HTTP 422 (invalid_routing)"
        );
        let e = PayrollError::Http {
            step: Step::TenantLookup,
            status: 404,
            code: None,
        };
        assert_eq!(e.to_string(), "payroll tenant_lookup: HTTP 404");
    }
}
