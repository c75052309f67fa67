//! Sealing and opening `dd1:` envelopes with a [`KeyProvider`] and the data-key cache.

use std::sync::Arc;

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use rand_core::{OsRng, RngCore};
use secrecy::SecretString;
use zeroize::Zeroizing;

use super::cache::{CacheConfig, Clock, DataKeyCache, SystemClock};
use super::format::{self, Header, MAX_PLAINTEXT_LEN, NONCE_LEN};
use super::provider::{DataKey, GeneratedDataKey, KeyProvider};
use crate::{CryptoError, EnvelopeFailure};

/// An opened envelope: whose it is and what it says.
pub struct Opened {
    pub tenant_id: String,
    /// The key-encryption key that wrapped the data key (for rewrap-on-rotation decisions).
    pub key_id: String,
    pub plaintext: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("tenant_id", &self.tenant_id)
            .field("key_id", &self.key_id)
            .field("plaintext", &"<redacted>")
            .finish()
    }
}

impl Opened {
    /// The plaintext as text (credentials are UTF-8); consumes `self` so no copy lingers.
    pub fn into_secret_string(self) -> Result<SecretString, CryptoError> {
        let text = std::str::from_utf8(&self.plaintext)
            .map_err(|_| CryptoError::InvalidPlaintext("envelope plaintext is not UTF-8"))?;
        Ok(SecretString::from(text))
    }
}

/// Seals and opens `dd1:` envelopes. Share one per process (e.g. in an `Arc`): the cache is
/// what keeps a warm Lambda from calling the provider per message.
pub struct EnvelopeCipher<P> {
    provider: P,
    cache: DataKeyCache,
    clock: Arc<dyn Clock>,
}

impl<P: std::fmt::Debug> std::fmt::Debug for EnvelopeCipher<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvelopeCipher")
            .field("provider", &self.provider)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl<P: KeyProvider> EnvelopeCipher<P> {
    /// A cipher with [`CacheConfig::default`] and the system clock.
    pub fn new(provider: P) -> Self {
        Self::with_cache(provider, CacheConfig::default())
    }

    pub fn with_cache(provider: P, config: CacheConfig) -> Self {
        Self {
            provider,
            cache: DataKeyCache::new(config),
            clock: Arc::new(SystemClock),
        }
    }

    /// Replaces the clock the cache reads (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn provider(&self) -> &P {
        &self.provider
    }

    pub fn cache(&self) -> &DataKeyCache {
        &self.cache
    }

    /// Encrypts `plaintext` for `tenant_id` under the tenant's current data key.
    pub async fn seal(&self, tenant_id: &str, plaintext: &[u8]) -> Result<String, CryptoError> {
        format::check_tenant_id(tenant_id)
            .map_err(|_| CryptoError::InvalidInput("tenant id must be 1 to 256 bytes"))?;
        if plaintext.len() > MAX_PLAINTEXT_LEN {
            return Err(CryptoError::InvalidInput("plaintext exceeds 64 KiB"));
        }
        let key = self.seal_key(tenant_id).await?;
        let mut nonce = [0u8; NONCE_LEN];
        OsRng
            .try_fill_bytes(&mut nonce)
            .map_err(|_| CryptoError::RandomUnavailable)?;
        let header = Header {
            tenant_id,
            key_id: &key.key_id,
            wrapped_key: &key.wrapped,
            nonce,
        };
        // Only a provider returning an oversized key id or wrapped key can fail here.
        let mut out = format::serialize_header(&header).map_err(|_| {
            CryptoError::key_unavailable("provider returned an oversized key id or wrapped key")
        })?;
        let header_len = out.len();
        let mut buffer = Zeroizing::new(Vec::with_capacity(plaintext.len() + format::TAG_LEN));
        buffer.extend_from_slice(plaintext);
        Aes256Gcm::new(key.plaintext.expose().into())
            .encrypt_in_place(Nonce::from_slice(&nonce), &out[..header_len], &mut *buffer)
            .map_err(|_| CryptoError::InvalidInput("plaintext too long for AES-GCM"))?;
        out.extend_from_slice(&buffer);
        Ok(format::encode_text(&out))
    }

    /// Decrypts an envelope. With `expected_tenant`, an envelope of another tenant fails with
    /// `tenant_mismatch` before any key is touched; without it (the single-field legacy
    /// contract) the header's tenant is used and returned.
    pub async fn open(
        &self,
        text: &str,
        expected_tenant: Option<&str>,
    ) -> Result<Opened, CryptoError> {
        let binary = format::decode_text(text)?;
        let parsed = format::parse(&binary)?;
        let header = &parsed.header;
        if expected_tenant.is_some_and(|expected| expected != header.tenant_id) {
            return Err(EnvelopeFailure::TenantMismatch.into());
        }
        let key = self
            .open_key(header.key_id, header.wrapped_key, header.tenant_id)
            .await?;
        let mut buffer = Zeroizing::new(parsed.ciphertext.to_vec());
        Aes256Gcm::new(key.expose().into())
            .decrypt_in_place(Nonce::from_slice(&header.nonce), parsed.aad, &mut *buffer)
            .map_err(|_| EnvelopeFailure::AuthenticationFailed)?;
        Ok(Opened {
            tenant_id: header.tenant_id.to_owned(),
            key_id: header.key_id.to_owned(),
            plaintext: buffer,
        })
    }

    async fn seal_key(&self, tenant_id: &str) -> Result<Arc<GeneratedDataKey>, CryptoError> {
        if let Some(key) = self.cache.seal_key(tenant_id, self.clock.now()) {
            return Ok(key);
        }
        let fresh = self.provider.generate_data_key(tenant_id).await?;
        Ok(self
            .cache
            .insert_seal_key(tenant_id, fresh, self.clock.now()))
    }

    async fn open_key(
        &self,
        key_id: &str,
        wrapped: &[u8],
        tenant_id: &str,
    ) -> Result<Arc<DataKey>, CryptoError> {
        if let Some(key) = self
            .cache
            .open_key(key_id, wrapped, tenant_id, self.clock.now())
        {
            return Ok(key);
        }
        let key = self
            .provider
            .decrypt_data_key(key_id, wrapped, tenant_id)
            .await?;
        Ok(self
            .cache
            .insert_open_key(key_id, wrapped, tenant_id, key, self.clock.now()))
    }
}
