//! The worker's settings: the payroll suite's API identity and the retry policy.

use std::time::Duration;

use secrecy::SecretString;

use crate::DeliveryError;

/// The payroll suite's API identity, shared by every tenant (each tenant has its own
/// service account and base URL in its payroll account row).
///
/// `Debug` is safe: the secret prints redacted.
#[derive(Debug, Clone)]
pub struct PayrollSuite {
    /// The API key (the SSO token's `iss`).
    pub api_key: String,
    /// The API secret (the SSO token's HS256 key).
    pub api_secret: SecretString,
    /// The application id (the SSO token's `sub`).
    pub application_id: String,
    /// Deadline of each payroll HTTP call.
    pub request_timeout: Duration,
    /// Deadline of connecting.
    pub connect_timeout: Duration,
}

impl PayrollSuite {
    /// The suite identity with 10 s calls and 3 s connects.
    pub fn new(
        api_key: impl Into<String>,
        api_secret: SecretString,
        application_id: impl Into<String>,
    ) -> Self {
        Self {
            api_key: api_key.into(),
            api_secret,
            application_id: application_id.into(),
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
        }
    }
}

/// When to retry and when to give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// First backoff ceiling; doubles per attempt (full jitter: the delay is uniform in
    /// `[0, ceiling]`).
    pub base_ms: i64,
    /// Largest backoff ceiling.
    pub cap_ms: i64,
    /// Attempts (claims) before a job goes dead.
    pub max_attempts: i64,
    /// How long a claim holds a job. An attempt is cut off before its lease ends, so a
    /// slow payroll suite never lets two drainers work one job at the same time.
    pub lease_ms: i64,
}

impl Default for RetryPolicy {
    /// 1 s doubling to 5 min, 10 attempts (about 20 min of retries in the worst case
    /// before jitter), 2 min leases.
    fn default() -> Self {
        Self {
            base_ms: 1_000,
            cap_ms: 300_000,
            max_attempts: 10,
            lease_ms: 120_000,
        }
    }
}

impl RetryPolicy {
    /// Checks the numbers make sense.
    ///
    /// # Errors
    /// [`DeliveryError::Config`] naming the bad field.
    pub fn validate(&self) -> Result<(), DeliveryError> {
        if self.base_ms < 0 || self.cap_ms < self.base_ms {
            return Err(DeliveryError::config("backoff needs 0 <= base <= cap"));
        }
        if self.max_attempts < 1 {
            return Err(DeliveryError::config("max attempts must be at least 1"));
        }
        if self.lease_ms < 1_000 {
            return Err(DeliveryError::config("lease must be at least 1 s"));
        }
        Ok(())
    }

    /// Time an attempt may take: the lease less a margin for recording the outcome.
    #[must_use]
    pub fn attempt_budget(&self) -> Duration {
        let margin = (self.lease_ms / 10).clamp(200, 5_000);
        Duration::from_millis(u64::try_from(self.lease_ms - margin).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_and_budget() {
        assert!(RetryPolicy::default().validate().is_ok());
        let p = RetryPolicy {
            lease_ms: 500,
            ..RetryPolicy::default()
        };
        assert!(p.validate().is_err());
        let p = RetryPolicy {
            cap_ms: 10,
            base_ms: 100,
            ..RetryPolicy::default()
        };
        assert!(p.validate().is_err());
        assert_eq!(
            RetryPolicy::default().attempt_budget(),
            Duration::from_millis(115_000)
        );
    }
}
