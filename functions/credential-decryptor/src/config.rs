//! Settings, read and validated once per container.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

use crate::DecryptorError;

/// The legacy secret's name, which existing deployments use.
pub const DEFAULT_SECRET_ID: &str = "EvoApiServiceAccountEncryptionKeys";

/// Which of the two legacy functions this deployment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Decrypt,
    Encrypt,
}

/// Where the key secret `{"salt", "keyPhrase"}` comes from.
#[derive(Debug)]
pub enum KeySourceConfig {
    /// `DD_KEY_JSON`.
    Inline(SecretString),
    /// `DD_KEY_FILE`.
    File(PathBuf),
    /// Secrets Manager secret id (`DD_KEY_SECRET_ID`, default [`DEFAULT_SECRET_ID`]).
    SecretsManager(String),
}

/// Where the envelope key-encryption key is (none: `dd1:` input is refused).
#[derive(Debug, PartialEq, Eq)]
pub enum EnvelopeKeyConfig {
    None,
    /// `DD_ENVELOPE_KEY_FILE`: a local key file (what `ddctl serve` writes).
    LocalFile(PathBuf),
    /// `DD_KMS_KEY_ID`: an AWS KMS key (id, ARN or alias).
    Kms(String),
}

#[derive(Debug)]
pub struct Config {
    pub operation: Operation,
    pub key_source: KeySourceConfig,
    pub envelope_keys: EnvelopeKeyConfig,
    /// `DD_KEY_TTL_SECS`: re-read the secret in the background after this long.
    pub key_ttl: Option<Duration>,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, DecryptorError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Reads settings through `var` (testable without touching the process environment).
    ///
    /// - `DD_OPERATION` = `decrypt` | `encrypt`; by default a function whose name ends in
    ///   `-encrypt` encrypts (the legacy `<service>-<stage>-encrypt` naming), others decrypt.
    /// - Key: `DD_KEY_JSON`, else `DD_KEY_FILE`, else Secrets Manager `DD_KEY_SECRET_ID`.
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, DecryptorError> {
        let operation = match var("DD_OPERATION").as_deref() {
            Some("decrypt") => Operation::Decrypt,
            Some("encrypt") => Operation::Encrypt,
            Some(other) => {
                return Err(DecryptorError::Config(format!(
                    "DD_OPERATION must be decrypt or encrypt, not {other:?}"
                )));
            }
            None => match var("AWS_LAMBDA_FUNCTION_NAME") {
                Some(name) if name.ends_with("-encrypt") => Operation::Encrypt,
                _ => Operation::Decrypt,
            },
        };
        let key_source = if let Some(json) = var("DD_KEY_JSON") {
            KeySourceConfig::Inline(SecretString::from(json))
        } else if let Some(path) = var("DD_KEY_FILE") {
            KeySourceConfig::File(PathBuf::from(path))
        } else {
            KeySourceConfig::SecretsManager(
                var("DD_KEY_SECRET_ID").unwrap_or_else(|| DEFAULT_SECRET_ID.to_owned()),
            )
        };
        let key_ttl = match var("DD_KEY_TTL_SECS") {
            None => None,
            Some(text) => match text.parse::<u64>() {
                Ok(0) => None,
                Ok(secs) => Some(Duration::from_secs(secs)),
                Err(_) => {
                    return Err(DecryptorError::Config(
                        "DD_KEY_TTL_SECS must be a whole number of seconds".to_owned(),
                    ));
                }
            },
        };
        let envelope_keys = match (var("DD_KMS_KEY_ID"), var("DD_ENVELOPE_KEY_FILE")) {
            (Some(kms), _) => EnvelopeKeyConfig::Kms(kms),
            (None, Some(path)) => EnvelopeKeyConfig::LocalFile(PathBuf::from(path)),
            (None, None) => EnvelopeKeyConfig::None,
        };
        Ok(Self {
            operation,
            key_source,
            envelope_keys,
            key_ttl,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, DecryptorError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_to_decrypt_with_the_legacy_secret() {
        let c = config(&[]).unwrap();
        assert_eq!(c.operation, Operation::Decrypt);
        assert!(
            matches!(c.key_source, KeySourceConfig::SecretsManager(ref id) if id == DEFAULT_SECRET_ID)
        );
        assert_eq!(c.key_ttl, None);
        assert_eq!(c.envelope_keys, EnvelopeKeyConfig::None);
    }

    #[test]
    fn envelope_keys_prefer_kms() {
        let c = config(&[("DD_ENVELOPE_KEY_FILE", "/kek.json")]).unwrap();
        assert_eq!(
            c.envelope_keys,
            EnvelopeKeyConfig::LocalFile("/kek.json".into())
        );
        let c = config(&[
            ("DD_ENVELOPE_KEY_FILE", "/kek.json"),
            ("DD_KMS_KEY_ID", "alias/dd"),
        ])
        .unwrap();
        assert_eq!(c.envelope_keys, EnvelopeKeyConfig::Kms("alias/dd".into()));
    }

    #[test]
    fn legacy_function_names_pick_the_operation() {
        let c = config(&[("AWS_LAMBDA_FUNCTION_NAME", "evo-api-prod-encrypt")]).unwrap();
        assert_eq!(c.operation, Operation::Encrypt);
        let c = config(&[("AWS_LAMBDA_FUNCTION_NAME", "evo-api-prod-decrypt")]).unwrap();
        assert_eq!(c.operation, Operation::Decrypt);
        let c = config(&[
            ("AWS_LAMBDA_FUNCTION_NAME", "x-encrypt"),
            ("DD_OPERATION", "decrypt"),
        ])
        .unwrap();
        assert_eq!(c.operation, Operation::Decrypt);
    }

    #[test]
    fn key_sources_in_order_and_bad_values_rejected() {
        let c = config(&[("DD_KEY_JSON", "{}"), ("DD_KEY_FILE", "/k")]).unwrap();
        assert!(matches!(c.key_source, KeySourceConfig::Inline(_)));
        let c = config(&[("DD_KEY_FILE", "/k"), ("DD_KEY_TTL_SECS", "300")]).unwrap();
        assert!(matches!(c.key_source, KeySourceConfig::File(_)));
        assert_eq!(c.key_ttl, Some(Duration::from_secs(300)));
        assert!(config(&[("DD_KEY_TTL_SECS", "soon")]).is_err());
        assert!(config(&[("DD_OPERATION", "rot13")]).is_err());
    }
}
