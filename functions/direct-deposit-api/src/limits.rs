//! The API's limits, read once at start-up: the most deposits an employee may have, the
//! largest request body, and how long a request may take. (The database pool's wait limit
//! is a `dd_storage::PoolSettings`, given when the store connects.)
//!
//! - `DD_MAX_DEPOSITS_PER_EMPLOYEE` (default 10): more is a 409.
//! - `DD_MAX_BODY_BYTES` (default 16384): more is a 413.
//! - `DD_REQUEST_TIMEOUT_MS` (default 10000): longer is a 503 with `Retry-After`, and the
//!   request's transaction rolls back.
//! - `DD_DB_POOL_WAIT_MS` (default 2000): waiting longer for a connection is a 503.

use std::time::Duration;

use dd_storage::{DEFAULT_MAX_DEPOSITS_PER_EMPLOYEE, DEFAULT_POOL_WAIT, PoolSettings};

use crate::error::ApiError;

/// Request bodies larger than this are refused (a create is about 200 bytes).
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024;

/// Requests taking longer than this are answered 503 (API Gateway gives up at 29 s).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most active deposits per employee.
    pub max_deposits_per_employee: u32,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Longest a request may take.
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_deposits_per_employee: DEFAULT_MAX_DEPOSITS_PER_EMPLOYEE,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }
}

fn number<T: std::str::FromStr + PartialOrd + From<u8>>(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, ApiError> {
    match var(name) {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse::<T>()
            .ok()
            .filter(|v| *v >= T::from(1))
            .ok_or_else(|| ApiError::Config(format!("{name} must be a positive integer"))),
    }
}

impl Limits {
    /// Reads the limits through `var` (defaults for unset ones).
    ///
    /// # Errors
    /// [`ApiError::Config`] naming a setting that is not a positive integer.
    pub fn from_lookup(var: &impl Fn(&str) -> Option<String>) -> Result<Self, ApiError> {
        let defaults = Self::default();
        let timeout_ms = number(var, "DD_REQUEST_TIMEOUT_MS", 10_000_u64)?;
        Ok(Self {
            max_deposits_per_employee: number(
                var,
                "DD_MAX_DEPOSITS_PER_EMPLOYEE",
                defaults.max_deposits_per_employee,
            )?,
            max_body_bytes: number(var, "DD_MAX_BODY_BYTES", defaults.max_body_bytes)?,
            request_timeout: Duration::from_millis(timeout_ms),
        })
    }

    /// The pool settings of `DD_DB_POOL_WAIT_MS`.
    ///
    /// # Errors
    /// As [`Limits::from_lookup`].
    pub fn pool_from_lookup(
        var: &impl Fn(&str) -> Option<String>,
    ) -> Result<PoolSettings, ApiError> {
        let default_ms = u64::try_from(DEFAULT_POOL_WAIT.as_millis()).unwrap_or(2000);
        Ok(PoolSettings {
            wait: Duration::from_millis(number(var, "DD_DB_POOL_WAIT_MS", default_ms)?),
            ..PoolSettings::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let none = |_: &str| None;
        assert_eq!(Limits::from_lookup(&none).unwrap(), Limits::default());
        let set = |name: &str| match name {
            "DD_MAX_DEPOSITS_PER_EMPLOYEE" => Some("3".to_owned()),
            "DD_REQUEST_TIMEOUT_MS" => Some("250".to_owned()),
            "DD_DB_POOL_WAIT_MS" => Some("100".to_owned()),
            _ => None,
        };
        let limits = Limits::from_lookup(&set).unwrap();
        assert_eq!(limits.max_deposits_per_employee, 3);
        assert_eq!(limits.request_timeout, Duration::from_millis(250));
        assert_eq!(
            Limits::pool_from_lookup(&set).unwrap().wait,
            Duration::from_millis(100)
        );
        for bad in ["0", "-1", "ten", ""] {
            let var = |name: &str| (name == "DD_MAX_BODY_BYTES").then(|| bad.to_owned());
            let err = Limits::from_lookup(&var).unwrap_err();
            assert!(err.to_string().contains("DD_MAX_BODY_BYTES"), "{bad}");
        }
    }
}
