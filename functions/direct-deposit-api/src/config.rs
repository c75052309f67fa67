//! Lambda settings, read and validated once at start-up (never per request).
//!
//! - `DD_DATABASE_URL`: `postgres://…` (RDS) or `sqlite://…`.
//! - `DD_JWT_SECRET`: HS256 secret (its UTF-8 bytes are the key); and/or
//!   `DD_JWKS_FILE`: a JWKS document with the RS256 keys. At least one.
//! - `DD_FINGERPRINT_KEY`: hex, at least 32 bytes: keys the account fingerprints.
//! - `DD_KEK_FILE`: the local key-encryption-key file of the `dd1:` envelope (a KMS
//!   provider plugs into the same `AccountVault` seam later).
//! - `DD_MIGRATE`: `true` to apply migrations at start-up.
//! - `DD_CORS_ORIGINS`: comma-separated exact origins allowed to call from a browser
//!   (default none: the web app is on the API's origin).
//! - `DD_JWT_ISSUER` / `DD_JWT_AUDIENCE`: when set, tokens must carry this `iss` / `aud`.
//! - The limits of `limits.rs` (`DD_MAX_DEPOSITS_PER_EMPLOYEE`, `DD_MAX_BODY_BYTES`,
//!   `DD_REQUEST_TIMEOUT_MS`, `DD_DB_POOL_WAIT_MS`).

use std::path::PathBuf;
use std::sync::Arc;

use dd_crypto::envelope::{EnvelopeCipher, LocalKeyProvider};
use dd_storage::{PoolSettings, Store};
use secrecy::SecretSlice;
use zeroize::Zeroizing;

use crate::auth::jwt::Verifier;
use crate::cors::CorsPolicy;
use crate::error::ApiError;
use crate::limits::Limits;
use crate::state::AppState;
use crate::vault::FingerprintKey;

/// Validated settings.
pub struct Config {
    /// Database URL.
    pub database_url: String,
    /// HS256 secret, if any.
    pub jwt_secret: Option<SecretSlice<u8>>,
    /// JWKS file, if any.
    pub jwks_file: Option<PathBuf>,
    /// Fingerprint key bytes.
    pub fingerprint_key: Zeroizing<Vec<u8>>,
    /// Local KEK file.
    pub kek_file: PathBuf,
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
            .field("jwks_file", &self.jwks_file)
            .field("kek_file", &self.kek_file)
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
        let database_url =
            var("DD_DATABASE_URL").ok_or_else(|| config_error("DD_DATABASE_URL is required"))?;
        let jwt_secret = var("DD_JWT_SECRET").map(|s| SecretSlice::from(s.into_bytes()));
        let jwks_file = var("DD_JWKS_FILE").map(PathBuf::from);
        if jwt_secret.is_none() && jwks_file.is_none() {
            return Err(config_error("set DD_JWT_SECRET and/or DD_JWKS_FILE"));
        }
        let fingerprint_hex = Zeroizing::new(
            var("DD_FINGERPRINT_KEY")
                .ok_or_else(|| config_error("DD_FINGERPRINT_KEY is required"))?,
        );
        let fingerprint_key = Zeroizing::new(
            hex::decode(fingerprint_hex.trim())
                .map_err(|_| config_error("DD_FINGERPRINT_KEY must be hex"))?,
        );
        let kek_file = var("DD_KEK_FILE")
            .map(PathBuf::from)
            .ok_or_else(|| config_error("DD_KEK_FILE is required"))?;
        let migrate = matches!(var("DD_MIGRATE").as_deref(), Some("1" | "true" | "yes"));
        let cors = CorsPolicy::from_list(var("DD_CORS_ORIGINS").as_deref().unwrap_or(""))
            .map_err(|e| ApiError::Config(format!("DD_CORS_ORIGINS: {e}")))?;
        let limits = Limits::from_lookup(&var)?;
        let pool = Limits::pool_from_lookup(&var)?;
        Ok(Self {
            database_url,
            jwt_secret,
            jwks_file,
            fingerprint_key,
            kek_file,
            migrate,
            cors,
            jwt_issuer: var("DD_JWT_ISSUER"),
            jwt_audience: var("DD_JWT_AUDIENCE"),
            limits,
            pool,
        })
    }

    /// Connects and builds the state.
    ///
    /// # Errors
    /// [`ApiError::Config`] for unreadable key files; storage errors when the database
    /// cannot be reached.
    pub async fn into_state(self) -> Result<AppState, ApiError> {
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
        let kek = Zeroizing::new(
            std::fs::read_to_string(&self.kek_file)
                .map_err(|_| config_error("cannot read DD_KEK_FILE"))?,
        );
        let provider = LocalKeyProvider::from_json(&kek)
            .map_err(|_| config_error("DD_KEK_FILE is not a local key file"))?;
        let fingerprint =
            FingerprintKey::new(self.fingerprint_key.to_vec()).map_err(config_error)?;
        let store = Store::connect_with(&self.database_url, self.pool).await?;
        if self.migrate {
            store.migrate().await?;
        }
        Ok(AppState::new(
            store,
            verifier,
            Arc::new(EnvelopeCipher::new(provider)),
            fingerprint,
        )
        .with_cors(self.cors)
        .with_limits(self.limits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requires_the_essentials() {
        fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        }
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
}
