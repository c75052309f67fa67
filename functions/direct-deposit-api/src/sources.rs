//! Where the API's secrets and keys come from: local values and files (`ddctl serve`, tests,
//! the benchmark) or AWS (the deployed Lambda: Secrets Manager, KMS, the SSO's JWKS URL).
//!
//! Everything remote is read once, at init, concurrently (`load_remote`), so a cold start
//! pays for the slowest fetch, not for their sum; nothing is fetched per request.

use std::path::{Path, PathBuf};
use std::time::Duration;

use dd_aws::{DatabaseTarget, EnvelopeKeys, KmsKeyProvider, SdkEnv, SecretsManagerSource};
use dd_crypto::envelope::LocalKeyProvider;
use secrecy::{ExposeSecret as _, SecretString};
use zeroize::Zeroizing;

use crate::error::ApiError;

/// How long one JWKS download may take at init.
const JWKS_TIMEOUT: Duration = Duration::from_secs(5);

/// The tenant database.
#[derive(Debug)]
pub enum DatabaseSource {
    /// `DD_DATABASE_URL`: a full URL (SQLite, or Postgres with its password).
    Url(SecretString),
    /// `DD_DATABASE_SECRET_ID`: credentials in Secrets Manager (RDS's JSON shape), with
    /// `DD_DATABASE_HOST` / `_PORT` / `_NAME` / `_SSLMODE` overriding the secret's values.
    Secret {
        secret_id: String,
        target: DatabaseTarget,
    },
}

/// The key-encryption key of the `dd1:` envelopes.
#[derive(Debug, PartialEq, Eq)]
pub enum KekSource {
    /// `DD_KEK_FILE`: a local key file.
    File(PathBuf),
    /// `DD_KMS_KEY_ID` (key ARN), plus retired keys that may still unwrap in
    /// `DD_KMS_DECRYPT_KEY_IDS` (comma-separated).
    Kms {
        key_id: String,
        decrypt_key_ids: Vec<String>,
    },
}

/// The account-fingerprint key.
pub enum FingerprintSource {
    /// `DD_FINGERPRINT_KEY`: hex.
    Hex(Zeroizing<Vec<u8>>),
    /// `DD_FINGERPRINT_KEY_SECRET_ID`: a Secrets Manager secret whose string is the hex.
    Secret(String),
}

impl std::fmt::Debug for FingerprintSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Hex(_) => f.write_str("Hex(<redacted>)"),
            Self::Secret(id) => f.debug_tuple("Secret").field(id).finish(),
        }
    }
}

fn config_error(message: impl Into<String>) -> ApiError {
    ApiError::Config(message.into())
}

fn exactly_one<T>(a: Option<T>, b: Option<T>, names: &str) -> Result<T, ApiError> {
    match (a, b) {
        (Some(value), None) | (None, Some(value)) => Ok(value),
        (Some(_), Some(_)) => Err(config_error(format!("set only one of {names}"))),
        (None, None) => Err(config_error(format!("{names}: one is required"))),
    }
}

impl DatabaseSource {
    pub(crate) fn from_lookup(var: &impl Fn(&str) -> Option<String>) -> Result<Self, ApiError> {
        let port = var("DD_DATABASE_PORT")
            .map(|p| p.parse::<u16>())
            .transpose()
            .map_err(|_| config_error("DD_DATABASE_PORT must be a port number"))?;
        let secret = var("DD_DATABASE_SECRET_ID").map(|secret_id| Self::Secret {
            secret_id,
            target: DatabaseTarget {
                host: var("DD_DATABASE_HOST"),
                port,
                dbname: var("DD_DATABASE_NAME"),
                sslmode: var("DD_DATABASE_SSLMODE"),
            },
        });
        let url = var("DD_DATABASE_URL").map(|url| Self::Url(SecretString::from(url)));
        exactly_one(url, secret, "DD_DATABASE_URL and DD_DATABASE_SECRET_ID")
    }
}

impl KekSource {
    pub(crate) fn from_lookup(var: &impl Fn(&str) -> Option<String>) -> Result<Self, ApiError> {
        let kms = var("DD_KMS_KEY_ID").map(|key_id| Self::Kms {
            key_id,
            decrypt_key_ids: var("DD_KMS_DECRYPT_KEY_IDS")
                .map(|ids| KmsKeyProvider::parse_key_id_list(&ids))
                .unwrap_or_default(),
        });
        let file = var("DD_KEK_FILE").map(|f| Self::File(PathBuf::from(f)));
        exactly_one(file, kms, "DD_KEK_FILE and DD_KMS_KEY_ID")
    }
}

impl FingerprintSource {
    pub(crate) fn from_lookup(var: &impl Fn(&str) -> Option<String>) -> Result<Self, ApiError> {
        let hex = var("DD_FINGERPRINT_KEY")
            .map(|text| parse_hex(&Zeroizing::new(text)).map(Self::Hex))
            .transpose()?;
        let secret = var("DD_FINGERPRINT_KEY_SECRET_ID").map(Self::Secret);
        exactly_one(
            hex,
            secret,
            "DD_FINGERPRINT_KEY and DD_FINGERPRINT_KEY_SECRET_ID",
        )
    }
}

fn parse_hex(text: &str) -> Result<Zeroizing<Vec<u8>>, ApiError> {
    hex::decode(text.trim())
        .map(Zeroizing::new)
        .map_err(|_| config_error("the fingerprint key must be hex"))
}

/// What init fetched: the database URL, the fingerprint key bytes and, if configured, the
/// JWKS document.
pub(crate) struct Loaded {
    pub database_url: SecretString,
    pub fingerprint_key: Zeroizing<Vec<u8>>,
    pub jwks: Option<String>,
}

/// Resolves the sources, fetching the remote ones concurrently.
pub(crate) async fn load(
    database: DatabaseSource,
    fingerprint: FingerprintSource,
    jwks_url: Option<&str>,
    sdk: Option<&SdkEnv>,
    ca_bundle: Option<&Path>,
) -> Result<Loaded, ApiError> {
    let database_url = async {
        match database {
            DatabaseSource::Url(url) => Ok(url),
            DatabaseSource::Secret { secret_id, target } => {
                let json = fetch_secret(sdk, &secret_id).await?;
                dd_aws::postgres_url(&json, &target)
                    .map_err(|e| config_error(format!("database secret {secret_id}: {e}")))
            }
        }
    };
    let fingerprint_key = async {
        match fingerprint {
            FingerprintSource::Hex(bytes) => Ok(bytes),
            FingerprintSource::Secret(secret_id) => {
                parse_hex(fetch_secret(sdk, &secret_id).await?.expose_secret())
            }
        }
    };
    let jwks = async {
        let Some(url) = jwks_url else {
            return Ok(None);
        };
        let reply = dd_aws::fetch::get(url, JWKS_TIMEOUT, ca_bundle)
            .await
            .map_err(|e| config_error(format!("DD_JWKS_URL: {e}")))?;
        String::from_utf8(reply.body)
            .map(Some)
            .map_err(|_| config_error("DD_JWKS_URL: the document is not UTF-8"))
    };
    let (database_url, fingerprint_key, jwks) = tokio::join!(database_url, fingerprint_key, jwks);
    Ok(Loaded {
        database_url: database_url?,
        fingerprint_key: fingerprint_key?,
        jwks: jwks?,
    })
}

async fn fetch_secret(sdk: Option<&SdkEnv>, secret_id: &str) -> Result<SecretString, ApiError> {
    let sdk = sdk.ok_or_else(|| config_error("AWS environment not loaded"))?;
    SecretsManagerSource::new(sdk, secret_id)
        .fetch()
        .await
        .map_err(|e| config_error(format!("secret {secret_id}: {e}")))
}

/// The envelope key provider (no network traffic: KMS is called per seal/open).
pub(crate) fn envelope_keys(
    source: &KekSource,
    sdk: Option<&SdkEnv>,
) -> Result<EnvelopeKeys, ApiError> {
    match source {
        KekSource::File(path) => {
            let kek = Zeroizing::new(
                std::fs::read_to_string(path)
                    .map_err(|_| config_error("cannot read DD_KEK_FILE"))?,
            );
            LocalKeyProvider::from_json(&kek)
                .map(EnvelopeKeys::Local)
                .map_err(|_| config_error("DD_KEK_FILE is not a local key file"))
        }
        KekSource::Kms {
            key_id,
            decrypt_key_ids,
        } => {
            let sdk = sdk.ok_or_else(|| config_error("AWS environment not loaded"))?;
            Ok(EnvelopeKeys::Kms(
                KmsKeyProvider::new(sdk, key_id.clone())
                    .with_decrypt_key_ids(decrypt_key_ids.clone()),
            ))
        }
    }
}

/// Whether any source lives in AWS (only then is the AWS environment read, so a local set-up
/// needs no AWS variables).
pub(crate) fn needs_aws(
    database: &DatabaseSource,
    kek: &KekSource,
    fingerprint: &FingerprintSource,
) -> bool {
    matches!(database, DatabaseSource::Secret { .. })
        || matches!(kek, KekSource::Kms { .. })
        || matches!(fingerprint, FingerprintSource::Secret(_))
}
