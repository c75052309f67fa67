//! Lambda settings, read and validated once at start-up (never per request).
//!
//! - `DD_DATABASE_URL`: `postgres://…` or `sqlite://…`; or, in AWS, `DD_DATABASE_SECRET_ID`
//!   (RDS credentials JSON in Secrets Manager) with `DD_DATABASE_HOST`, `DD_DATABASE_PORT`,
//!   `DD_DATABASE_NAME`, `DD_DATABASE_SSLMODE` (default `require`) overriding the secret.
//! - `DD_JWT_SECRET`: HS256 secret (its UTF-8 bytes are the key); and/or the RS256 keys of a
//!   JWKS document: `DD_JWKS_URL` (the SSO's, fetched once at init) or `DD_JWKS_FILE`.
//! - `DD_FINGERPRINT_KEY`: hex, at least 32 bytes: keys the account fingerprints; or
//!   `DD_FINGERPRINT_KEY_SECRET_ID`: a Secrets Manager secret holding that hex.
//! - `DD_KEK_FILE`: the local key-encryption-key file of the `dd1:` envelope; or
//!   `DD_KMS_KEY_ID` (KMS key ARN; retired keys in `DD_KMS_DECRYPT_KEY_IDS`).
//! - `DD_MIGRATE`: `true` to apply migrations at start-up.
//! - `DD_CORS_ORIGINS`: comma-separated exact origins allowed to call from a browser
//!   (default none: the web app is on the API's origin).
//! - `DD_JWT_ISSUER` / `DD_JWT_AUDIENCE`: when set, tokens must carry this `iss` / `aud`.
//! - The limits of `limits.rs` (`DD_MAX_DEPOSITS_PER_EMPLOYEE`, `DD_MAX_BODY_BYTES`,
//!   `DD_REQUEST_TIMEOUT_MS`, `DD_DB_POOL_WAIT_MS`).
//! - `SSL_CERT_FILE`: extra trusted CAs for AWS and the JWKS URL (see `dd-aws`).
//!
//! Secrets Manager, KMS and the JWKS URL are only touched when configured (`sources.rs`).

use std::path::PathBuf;
use std::sync::Arc;

use dd_crypto::envelope::EnvelopeCipher;
use dd_storage::{PoolSettings, Store};
use secrecy::{ExposeSecret as _, SecretSlice};

use crate::auth::jwt::Verifier;
use crate::cors::CorsPolicy;
use crate::error::ApiError;
use crate::limits::Limits;
use crate::sources::{self, DatabaseSource, FingerprintSource, KekSource};
use crate::state::AppState;
use crate::vault::FingerprintKey;

/// Validated settings.
pub struct Config {
    /// The database (URL or credentials secret).
    pub database: DatabaseSource,
    /// HS256 secret, if any.
    pub jwt_secret: Option<SecretSlice<u8>>,
    /// JWKS file, if any.
    pub jwks_file: Option<PathBuf>,
    /// JWKS URL (the SSO's), if any.
    pub jwks_url: Option<String>,
    /// Fingerprint key (hex or secret).
    pub fingerprint: FingerprintSource,
    /// Envelope key-encryption key (file or KMS).
    pub kek: KekSource,
    /// Extra trusted CAs (`SSL_CERT_FILE`).
    pub ca_bundle: Option<PathBuf>,
    /// Apply migrations at start-up.
    pub migrate: bool,
    /// Origins allowed to call from a browser.
    pub cors: CorsPolicy,
    /// Required token issuer / audience, if any.
    pub jwt_issuer: Option<String>,
    /// Required token audience, if any.
    pub jwt_audience: Option<String>,
    /// Body size, request time and per-employee limits.
    pub limits: Limits,
    /// The database pool's wait limit.
    pub pool: PoolSettings,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database", &self.database)
            .field("jwks_file", &self.jwks_file)
            .field("jwks_url", &self.jwks_url)
            .field("kek", &self.kek)
            .field("migrate", &self.migrate)
            .field("cors", &self.cors)
            .field("jwt_issuer", &self.jwt_issuer)
            .field("jwt_audience", &self.jwt_audience)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

fn config_error(message: &str) -> ApiError {
    ApiError::Config(message.to_owned())
}

impl Config {
    /// Reads the process environment.
    ///
    /// # Errors
    /// [`ApiError::Config`] naming the missing or malformed setting (never its value).
    pub fn from_env() -> Result<Self, ApiError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Reads settings through `var` (testable without the process environment).
    ///
    /// # Errors
    /// As [`Config::from_env`].
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, ApiError> {
        let database = DatabaseSource::from_lookup(&var)?;
        let jwt_secret = var("DD_JWT_SECRET").map(|s| SecretSlice::from(s.into_bytes()));
        let jwks_file = var("DD_JWKS_FILE").map(PathBuf::from);
        let jwks_url = var("DD_JWKS_URL");
        if jwks_url
            .as_deref()
            .is_some_and(|url| !url.starts_with("https://"))
        {
            return Err(config_error("DD_JWKS_URL must be an https:// URL"));
        }
        if jwt_secret.is_none() && jwks_file.is_none() && jwks_url.is_none() {
            return Err(config_error(
                "set DD_JWT_SECRET and/or DD_JWKS_URL or DD_JWKS_FILE",
            ));
        }
        let fingerprint = FingerprintSource::from_lookup(&var)?;
        let kek = KekSource::from_lookup(&var)?;
        let migrate = matches!(var("DD_MIGRATE").as_deref(), Some("1" | "true" | "yes"));
        let cors = CorsPolicy::from_list(var("DD_CORS_ORIGINS").as_deref().unwrap_or(""))
            .map_err(|e| ApiError::Config(format!("DD_CORS_ORIGINS: {e}")))?;
        let limits = Limits::from_lookup(&var)?;
        let pool = Limits::pool_from_lookup(&var)?;
        Ok(Self {
            database,
            jwt_secret,
            jwks_file,
            jwks_url,
            fingerprint,
            kek,
            ca_bundle: var("SSL_CERT_FILE").map(PathBuf::from),
            migrate,
            cors,
            jwt_issuer: var("DD_JWT_ISSUER"),
            jwt_audience: var("DD_JWT_AUDIENCE"),
            limits,
            pool,
        })
    }

    /// Fetches what lives in AWS (concurrently), connects and builds the state.
    ///
    /// # Errors
    /// [`ApiError::Config`] for unreadable key files, missing AWS settings or failed
    /// fetches (naming the setting and the AWS error code, never a value); storage errors
    /// when the database cannot be reached.
    pub async fn into_state(self) -> Result<AppState, ApiError> {
        self.prepare()?.connect().await
    }

    /// As [`Config::into_state`], with the AWS settings given instead of read from the
    /// environment (tests point them at moto).
    ///
    /// # Errors
    /// As [`Config::into_state`].
    pub async fn into_state_with(self, sdk: Option<dd_aws::SdkEnv>) -> Result<AppState, ApiError> {
        self.prepare_with(sdk)?.connect().await
    }

    /// The start-up steps that need no network: the AWS settings (when a source lives in
    /// AWS), the local key files, the token verifier. A bad configuration fails here, before
    /// the Lambda asks for its first event; [`Prepared::connect`] does the rest.
    ///
    /// # Errors
    /// [`ApiError::Config`] for unreadable or malformed key files and missing AWS settings.
    pub fn prepare(self) -> Result<Prepared, ApiError> {
        let sdk = if sources::needs_aws(&self.database, &self.kek, &self.fingerprint) {
            Some(dd_aws::SdkEnv::from_env().map_err(|e| config_error(&e.to_string()))?)
        } else {
            None
        };
        self.prepare_with(sdk)
    }

    /// As [`Config::prepare`], with the AWS settings given.
    ///
    /// # Errors
    /// As [`Config::prepare`].
    pub fn prepare_with(self, sdk: Option<dd_aws::SdkEnv>) -> Result<Prepared, ApiError> {
        let keys = sources::envelope_keys(&self.kek, sdk.as_ref())?;
        // A local fingerprint key's length is configuration too: refused here, at start-up
        // (a key from Secrets Manager is checked once fetched).
        if let FingerprintSource::Hex(bytes) = &self.fingerprint {
            FingerprintKey::new(bytes.to_vec()).map_err(config_error)?;
        }
        let mut verifier = Verifier::new(self.jwt_secret);
        if let Some(issuer) = self.jwt_issuer {
            verifier = verifier.with_issuer(issuer);
        }
        if let Some(audience) = self.jwt_audience {
            verifier = verifier.with_audience(audience);
        }
        if let Some(path) = &self.jwks_file {
            let jwks = std::fs::read_to_string(path)
                .map_err(|_| config_error("cannot read DD_JWKS_FILE"))?;
            verifier = verifier.with_jwks(&jwks).map_err(|e| config_error(e.0))?;
        }
        Ok(Prepared {
            keys,
            verifier,
            database: self.database,
            fingerprint: self.fingerprint,
            jwks_url: self.jwks_url,
            sdk,
            ca_bundle: self.ca_bundle,
            migrate: self.migrate,
            cors: self.cors,
            limits: self.limits,
            pool: self.pool,
        })
    }
}

/// A validated configuration with its local files read ([`Config::prepare`]): what is left
/// is network work (AWS fetches, the JWKS URL, the database).
pub struct Prepared {
    keys: dd_aws::EnvelopeKeys,
    verifier: Verifier,
    database: DatabaseSource,
    fingerprint: FingerprintSource,
    jwks_url: Option<String>,
    sdk: Option<dd_aws::SdkEnv>,
    ca_bundle: Option<PathBuf>,
    migrate: bool,
    cors: CorsPolicy,
    limits: Limits,
    pool: PoolSettings,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("database", &self.database)
            .field("jwks_url", &self.jwks_url)
            .field("migrate", &self.migrate)
            .finish_non_exhaustive()
    }
}

impl Prepared {
    /// Fetches what lives in AWS (concurrently), connects and builds the state.
    ///
    /// # Errors
    /// As [`Config::into_state`], less what [`Config::prepare`] already checked.
    pub async fn connect(self) -> Result<AppState, ApiError> {
        let loaded = sources::load(
            self.database,
            self.fingerprint,
            self.jwks_url.as_deref(),
            self.sdk.as_ref(),
            self.ca_bundle.as_deref(),
        )
        .await?;
        let mut verifier = self.verifier;
        if let Some(jwks) = &loaded.jwks {
            verifier = verifier
                .with_jwks(jwks)
                .map_err(|e| config_error(&format!("DD_JWKS_URL: {}", e.0)))?;
        }
        let fingerprint =
            FingerprintKey::new(loaded.fingerprint_key.to_vec()).map_err(config_error)?;
        let store = Store::connect_with(loaded.database_url.expose_secret(), self.pool).await?;
        if self.migrate {
            store.migrate().await?;
        }
        Ok(AppState::new(
            store,
            verifier,
            Arc::new(EnvelopeCipher::new(self.keys)),
            fingerprint,
        )
        .with_cors(self.cors)
        .with_limits(self.limits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An environment made of fixed pairs.
    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn requires_the_essentials() {
        assert!(Config::from_lookup(env(&[])).is_err());
        const PARTIAL: &[(&str, &str)] = &[("DD_DATABASE_URL", "sqlite::memory:")];
        let err = Config::from_lookup(env(PARTIAL)).unwrap_err();
        assert!(err.to_string().contains("DD_JWT_SECRET"));
        const FULL: &[(&str, &str)] = &[
            ("DD_DATABASE_URL", "sqlite::memory:"),
            ("DD_JWT_SECRET", "s"),
            ("DD_FINGERPRINT_KEY", "zz"),
            ("DD_KEK_FILE", "/k"),
        ];
        let err = Config::from_lookup(env(FULL)).unwrap_err();
        assert!(err.to_string().contains("hex"));
    }

    /// The Lambda runs `prepare` before asking for its first event and the network part
    /// afterwards: a bad local file or key must fail in `prepare`, i.e. at start-up.
    #[test]
    fn prepare_refuses_bad_local_keys_without_touching_the_database() {
        let dir = std::env::temp_dir().join(format!("dd-prepare-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let kek = dir.join("kek.json");
        let provider = dd_crypto::envelope::LocalKeyProvider::generate().unwrap();
        std::fs::write(&kek, provider.to_json().as_bytes()).unwrap();
        let kek = kek.to_str().unwrap().to_owned();
        let missing = dir.join("missing.json").to_str().unwrap().to_owned();
        let long_key = "ab".repeat(32);
        // An unreachable database: `prepare` must not try it.
        let unreachable = "postgres://dd@127.0.0.1:1/dd?sslmode=disable".to_owned();
        let with = |kek: &str, key: &str| {
            let pairs = [
                ("DD_DATABASE_URL", unreachable.clone()),
                ("DD_JWT_SECRET", "s".to_owned()),
                ("DD_FINGERPRINT_KEY", key.to_owned()),
                ("DD_KEK_FILE", kek.to_owned()),
            ];
            Config::from_lookup(move |name| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.clone())
            })
            .unwrap()
        };
        let err = with(&missing, &long_key).prepare().unwrap_err();
        assert!(err.to_string().contains("DD_KEK_FILE"), "{err}");
        let err = with(&kek, "00").prepare().unwrap_err();
        assert!(err.to_string().contains("32 bytes"), "{err}");
        assert!(with(&kek, &long_key).prepare().is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn aws_sources_replace_the_local_ones_one_of_each() {
        const AWS: &[(&str, &str)] = &[
            (
                "DD_DATABASE_SECRET_ID",
                "arn:aws:secretsmanager:eu-west-1:1:secret:db-AbC",
            ),
            ("DD_DATABASE_HOST", "proxy.example"),
            ("DD_DATABASE_PORT", "5432"),
            ("DD_JWKS_URL", "https://sso.example/.well-known/jwks.json"),
            ("DD_FINGERPRINT_KEY_SECRET_ID", "dd-fingerprint"),
            ("DD_KMS_KEY_ID", "arn:aws:kms:eu-west-1:1:key/k"),
        ];
        let config = Config::from_lookup(env(AWS)).unwrap();
        assert!(
            matches!(config.database, DatabaseSource::Secret { ref target, .. }
            if target.host.as_deref() == Some("proxy.example") && target.port == Some(5432))
        );
        assert!(matches!(config.kek, KekSource::Kms { .. }));
        assert!(matches!(config.fingerprint, FingerprintSource::Secret(_)));
        const BOTH: &[(&str, &str)] = &[
            ("DD_DATABASE_URL", "sqlite::memory:"),
            ("DD_DATABASE_SECRET_ID", "db"),
            ("DD_JWT_SECRET", "s"),
            ("DD_FINGERPRINT_KEY", "00"),
            ("DD_KEK_FILE", "/k"),
        ];
        let err = Config::from_lookup(env(BOTH)).unwrap_err().to_string();
        assert!(err.contains("only one of DD_DATABASE_URL"), "{err}");
        const PLAIN_HTTP_JWKS: &[(&str, &str)] = &[
            ("DD_DATABASE_URL", "sqlite::memory:"),
            ("DD_JWKS_URL", "http://sso.example/jwks"),
            ("DD_FINGERPRINT_KEY", "00"),
            ("DD_KEK_FILE", "/k"),
        ];
        let err = Config::from_lookup(env(PLAIN_HTTP_JWKS))
            .unwrap_err()
            .to_string();
        assert!(err.contains("https://"), "{err}");
    }
}
