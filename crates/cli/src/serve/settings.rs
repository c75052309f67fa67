//! The settings `ddctl serve` shares with the direct-deposit Lambda, read from the
//! environment once, before anything starts: the API's limits (`DD_MAX_DEPOSITS_PER_EMPLOYEE`,
//! `DD_MAX_BODY_BYTES`, `DD_REQUEST_TIMEOUT_MS`) and the database pool's wait
//! (`DD_DB_POOL_WAIT_MS`). The same parser as the Lambda's, so both honour the same names
//! and refuse the same bad values; a bad value stops the start before a port is bound.

use anyhow::Context as _;
use dd_storage::PoolSettings;
use direct_deposit_api::Limits;

/// What the environment sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Body size, request time and per-employee limits.
    pub limits: Limits,
    /// The pool's wait for a free connection.
    pub pool: PoolSettings,
}

impl Settings {
    /// Reads the process environment (empty values count as unset, as for the Lambda).
    ///
    /// # Errors
    /// Naming the setting that is not a positive integer (never echoing the value).
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(&|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    fn from_lookup(var: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        Ok(Self {
            limits: Limits::from_lookup(var).context("invalid API limit")?,
            pool: Limits::pool_from_lookup(var).context("invalid database pool setting")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use dd_storage::DEFAULT_POOL_WAIT;

    use super::*;

    #[test]
    fn pool_wait_and_limits_come_from_the_lambdas_variables() {
        let none = Settings::from_lookup(&|_: &str| None).unwrap();
        assert_eq!(none.pool.wait, DEFAULT_POOL_WAIT);
        assert_eq!(none.limits, Limits::default());
        let set = Settings::from_lookup(&|name: &str| match name {
            "DD_DB_POOL_WAIT_MS" => Some("250".to_owned()),
            "DD_REQUEST_TIMEOUT_MS" => Some("4000".to_owned()),
            _ => None,
        })
        .unwrap();
        assert_eq!(set.pool.wait, Duration::from_millis(250));
        assert_eq!(set.limits.request_timeout, Duration::from_millis(4000));
        for bad in ["0", "-5", "soon", "1.5"] {
            let err = Settings::from_lookup(&|name: &str| {
                (name == "DD_DB_POOL_WAIT_MS").then(|| bad.to_owned())
            })
            .unwrap_err();
            let text = format!("{err:#}");
            assert!(text.contains("DD_DB_POOL_WAIT_MS"), "{bad}: {text}");
        }
    }
}
