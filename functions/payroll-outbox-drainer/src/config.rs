//! Settings, read and validated once per container from the environment.
//!
//! - The tenant database: `DD_DATABASE_URL`, or (in AWS) `DD_DATABASE_SECRET_ID`, the RDS
//!   credentials JSON in Secrets Manager, with `DD_DATABASE_HOST` (e.g. the RDS Proxy),
//!   `DD_DATABASE_PORT`, `DD_DATABASE_NAME`, `DD_DATABASE_SSLMODE` (default `require`).
//! - Account numbers (`dd1:` envelopes): `DD_KMS_KEY_ID` (KMS key id or ARN; more ARNs that
//!   may unwrap old envelopes in `DD_KMS_DECRYPT_KEY_IDS`, comma-separated), else a local
//!   key file `DD_KEK_FILE` (alias `DD_ENVELOPE_KEY_FILE`).
//! - Service passwords: `DD_DECRYPTOR_FUNCTION` (invoke the credential-decryptor Lambda),
//!   else in-process with the key secret from `DD_KEY_JSON`, `DD_KEY_FILE`, or Secrets
//!   Manager `DD_KEY_SECRET_ID` (default `EvoApiServiceAccountEncryptionKeys`).
//! - Payroll API identity: `DD_PAYROLL_API_KEY`, `DD_PAYROLL_APPLICATION_ID`, and the secret
//!   in `DD_PAYROLL_API_SECRET` or Secrets Manager `DD_PAYROLL_API_SECRET_ID`.
//! - Tuning (all optional): `DD_OUTBOX_BATCH` (25), `DD_OUTBOX_MAX_ATTEMPTS` (10),
//!   `DD_OUTBOX_LEASE_MS` (120000), `DD_OUTBOX_BACKOFF_BASE_MS` (1000),
//!   `DD_OUTBOX_BACKOFF_CAP_MS` (300000), `DD_PAYROLL_TIMEOUT_MS` (10000).

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use dd_aws::{DatabaseTarget, KmsKeyProvider};
use dd_delivery::RetryPolicy;
use secrecy::SecretString;

/// The legacy secret's name, which existing deployments use.
pub const DEFAULT_KEY_SECRET_ID: &str = "EvoApiServiceAccountEncryptionKeys";

/// Where the `dd1:` key-encryption key is.
#[derive(Debug, PartialEq, Eq)]
pub enum EnvelopeKeys {
    /// KMS: the current key and extra keys allowed to unwrap.
    Kms {
        key_id: String,
        decrypt_key_ids: Vec<String>,
    },
    /// A local key file.
    File(PathBuf),
}

/// How service passwords are decrypted.
#[derive(Debug)]
pub enum Passwords {
    /// Invoke this function.
    Function(String),
    /// In-process, key secret JSON inline.
    KeyJson(SecretString),
    /// In-process, key secret JSON in a file.
    KeyFile(PathBuf),
    /// In-process, key secret JSON in Secrets Manager.
    KeySecret(String),
}

/// Where the database is.
#[derive(Debug)]
pub enum Database {
    /// A full URL (with its password).
    Url(SecretString),
    /// Credentials in Secrets Manager, connected to at `target`.
    Secret {
        secret_id: String,
        target: DatabaseTarget,
    },
}

/// The payroll API secret's source.
#[derive(Debug)]
pub enum ApiSecret {
    Inline(SecretString),
    SecretsManager(String),
}

#[derive(Debug)]
pub struct Config {
    pub database: Database,
    pub envelope_keys: EnvelopeKeys,
    pub passwords: Passwords,
    pub api_key: String,
    pub api_secret: ApiSecret,
    pub application_id: String,
    pub request_timeout_ms: u64,
    pub batch: i64,
    pub policy: RetryPolicy,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Reads settings through `var` (testable without the process environment).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let number = |name: &str, default: i64| -> anyhow::Result<i64> {
            var(name).map_or(Ok(default), |v| {
                v.parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0)
                    .with_context(|| format!("{name} must be a non-negative whole number"))
            })
        };
        let envelope_keys = match (
            var("DD_KMS_KEY_ID"),
            var("DD_KEK_FILE").or_else(|| var("DD_ENVELOPE_KEY_FILE")),
        ) {
            (Some(_), Some(_)) => bail!("set DD_KMS_KEY_ID or DD_KEK_FILE, not both"),
            (Some(key_id), None) => EnvelopeKeys::Kms {
                key_id,
                decrypt_key_ids: var("DD_KMS_DECRYPT_KEY_IDS")
                    .map(|ids| KmsKeyProvider::parse_key_id_list(&ids))
                    .unwrap_or_default(),
            },
            (None, Some(file)) => EnvelopeKeys::File(PathBuf::from(file)),
            (None, None) => bail!("DD_KMS_KEY_ID or DD_KEK_FILE is required (account numbers)"),
        };
        let passwords = if let Some(function) = var("DD_DECRYPTOR_FUNCTION") {
            Passwords::Function(function)
        } else if let Some(json) = var("DD_KEY_JSON") {
            Passwords::KeyJson(SecretString::from(json))
        } else if let Some(file) = var("DD_KEY_FILE") {
            Passwords::KeyFile(PathBuf::from(file))
        } else {
            Passwords::KeySecret(
                var("DD_KEY_SECRET_ID").unwrap_or_else(|| DEFAULT_KEY_SECRET_ID.to_owned()),
            )
        };
        let api_secret = match (
            var("DD_PAYROLL_API_SECRET"),
            var("DD_PAYROLL_API_SECRET_ID"),
        ) {
            (Some(secret), None) => ApiSecret::Inline(SecretString::from(secret)),
            (None, Some(id)) => ApiSecret::SecretsManager(id),
            _ => bail!("set exactly one of DD_PAYROLL_API_SECRET and DD_PAYROLL_API_SECRET_ID"),
        };
        let policy = RetryPolicy {
            base_ms: number("DD_OUTBOX_BACKOFF_BASE_MS", 1_000)?,
            cap_ms: number("DD_OUTBOX_BACKOFF_CAP_MS", 300_000)?,
            max_attempts: number("DD_OUTBOX_MAX_ATTEMPTS", 10)?,
            lease_ms: number("DD_OUTBOX_LEASE_MS", 120_000)?,
        };
        policy.validate()?;
        let batch = number("DD_OUTBOX_BATCH", 25)?;
        if batch < 1 {
            bail!("DD_OUTBOX_BATCH must be at least 1");
        }
        let database = match (var("DD_DATABASE_URL"), var("DD_DATABASE_SECRET_ID")) {
            (Some(url), None) => Database::Url(SecretString::from(url)),
            (None, Some(secret_id)) => Database::Secret {
                secret_id,
                target: DatabaseTarget {
                    host: var("DD_DATABASE_HOST"),
                    port: var("DD_DATABASE_PORT")
                        .map(|p| p.parse::<u16>())
                        .transpose()
                        .context("DD_DATABASE_PORT must be a port number")?,
                    dbname: var("DD_DATABASE_NAME"),
                    sslmode: var("DD_DATABASE_SSLMODE"),
                },
            },
            _ => bail!("set exactly one of DD_DATABASE_URL and DD_DATABASE_SECRET_ID"),
        };
        Ok(Self {
            database,
            envelope_keys,
            passwords,
            api_key: var("DD_PAYROLL_API_KEY").context("DD_PAYROLL_API_KEY is required")?,
            api_secret,
            application_id: var("DD_PAYROLL_APPLICATION_ID")
                .context("DD_PAYROLL_APPLICATION_ID is required")?,
            request_timeout_ms: u64::try_from(number("DD_PAYROLL_TIMEOUT_MS", 10_000)?)
                .unwrap_or(10_000),
            batch,
            policy,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> anyhow::Result<Config> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    const BASE: &[(&str, &str)] = &[
        ("DD_DATABASE_URL", "postgres://db/dd"),
        ("DD_KMS_KEY_ID", "arn:aws:kms:us-east-1:1:key/k"),
        ("DD_PAYROLL_API_KEY", "k"),
        ("DD_PAYROLL_API_SECRET", "s"),
        ("DD_PAYROLL_APPLICATION_ID", "app"),
    ];

    #[test]
    fn defaults() {
        let c = config(BASE).unwrap();
        assert!(matches!(c.passwords, Passwords::KeySecret(ref id) if id == DEFAULT_KEY_SECRET_ID));
        assert_eq!(c.policy, RetryPolicy::default());
        assert_eq!(c.batch, 25);
    }

    #[test]
    fn decryptor_function_wins_and_bad_numbers_fail() {
        let mut vars = BASE.to_vec();
        vars.push(("DD_DECRYPTOR_FUNCTION", "evo-api-prod-decrypt"));
        vars.push(("DD_KEY_JSON", "{}"));
        assert!(matches!(
            config(&vars).unwrap().passwords,
            Passwords::Function(_)
        ));
        vars.push(("DD_OUTBOX_LEASE_MS", "soon"));
        assert!(config(&vars).is_err());
        assert!(config(&BASE[..2]).is_err());
    }

    #[test]
    fn database_credentials_may_come_from_secrets_manager() {
        let mut vars = BASE[1..].to_vec();
        vars.push((
            "DD_DATABASE_SECRET_ID",
            "arn:aws:secretsmanager:eu-west-1:1:secret:db",
        ));
        vars.push(("DD_DATABASE_HOST", "proxy.example"));
        let c = config(&vars).unwrap();
        assert!(matches!(c.database, Database::Secret { ref target, .. }
            if target.host.as_deref() == Some("proxy.example")));
        vars.push(("DD_DATABASE_URL", "postgres://db/dd"));
        assert!(config(&vars).is_err());
    }
}
