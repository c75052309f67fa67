//! What the client is configured with and what each call names: suite credentials, tenant
//! credentials, the employee, and the caller's idempotency key.

use core::fmt;
use std::time::Duration;

use secrecy::SecretString;

use crate::error::PayrollError;

/// Client configuration for one payroll suite.
///
/// `Debug` is safe: [`SecretString`] prints redacted.
#[derive(Debug, Clone)]
pub struct PayrollConfig {
    /// `{api}`: scheme, host and optional path prefix, e.g. `https://payroll.example.com`.
    /// Plain `http` is accepted only for loopback hosts (the simulator), because the
    /// requests carry passwords and account numbers.
    pub base_url: String,
    /// The API key: the SSO token's `iss`.
    pub api_key: String,
    /// The API secret: the SSO token's HS256 key.
    pub api_secret: SecretString,
    /// The application id: the SSO token's `sub`.
    pub application_id: String,
    /// Deadline of each HTTP call, connect to last body byte.
    pub request_timeout: Duration,
    /// Deadline of connecting (TCP + TLS); also bounded by `request_timeout`.
    pub connect_timeout: Duration,
    /// Lifetime of each SSO token (used once, right away, so it can be short).
    pub sso_token_ttl: Duration,
    /// An access token is renewed this long before it expires, so a call never starts
    /// with a token about to lapse mid-flight.
    pub token_refresh_margin: Duration,
}

impl PayrollConfig {
    /// A configuration with the default timeouts: 10 s per call, 3 s to connect, 60 s SSO
    /// tokens, renewal 30 s before expiry.
    pub fn new(
        base_url: impl Into<String>,
        api_key: impl Into<String>,
        api_secret: SecretString,
        application_id: impl Into<String>,
    ) -> Self {
        Self {
            base_url: base_url.into(),
            api_key: api_key.into(),
            api_secret,
            application_id: application_id.into(),
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
            sso_token_ttl: Duration::from_secs(60),
            token_refresh_margin: Duration::from_secs(30),
        }
    }
}

/// A tenant's service account, with the **decrypted** password.
///
/// `Debug` is safe: the password prints redacted.
#[derive(Debug, Clone)]
pub struct TenantCredentials {
    /// The tenant id (`{t}` in the identity paths, `tenantId` in the SSO token).
    pub tenant_id: String,
    /// The service account's user name.
    pub username: String,
    /// The service account's password, decrypted by the caller.
    pub password: SecretString,
}

/// The employee whose E/Ds a call reads or writes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmployeeRef {
    /// `{c}`: the payroll client (employer account) id.
    pub client_id: String,
    /// `{co}`: the company id.
    pub company_id: String,
    /// `{e}`: the employee id.
    pub employee_id: String,
}

impl EmployeeRef {
    /// An employee reference.
    pub fn new(
        client_id: impl Into<String>,
        company_id: impl Into<String>,
        employee_id: impl Into<String>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            company_id: company_id.into(),
            employee_id: employee_id.into(),
        }
    }
}

/// Longest idempotency key accepted (fits any outbox key format we use, and header limits).
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// The `Idempotency-Key` a mutating call sends: the outbox job's key, so that a retried
/// delivery is applied once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Validates 1–255 visible ASCII characters (what an HTTP header value can carry
    /// verbatim).
    ///
    /// # Errors
    /// [`PayrollError::InvalidInput`] on `idempotency key`.
    pub fn new(key: impl Into<String>) -> Result<Self, PayrollError> {
        let key = key.into();
        if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_LEN {
            return Err(PayrollError::invalid_input(
                "idempotency key",
                "must be 1 to 255 characters",
            ));
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(PayrollError::invalid_input(
                "idempotency key",
                "must be visible ASCII",
            ));
        }
        Ok(Self(key))
    }

    /// The key.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_key_rules() {
        assert_eq!(
            IdempotencyKey::new("outbox-42").unwrap().as_str(),
            "outbox-42"
        );
        assert!(IdempotencyKey::new("").is_err());
        assert!(IdempotencyKey::new("a b").is_err());
        assert!(IdempotencyKey::new("é").is_err());
        assert!(IdempotencyKey::new("x".repeat(256)).is_err());
        assert!(IdempotencyKey::new("x".repeat(255)).is_ok());
    }
}
