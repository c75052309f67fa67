//! The `dd1:` envelope for new and rewrapped credentials (docs/architecture.md §2.3, `docs/envelope.md`).
//!
//! A message is AES-256-GCM under a per-tenant data key; the data key travels wrapped by a
//! key-encryption key (AWS KMS in production, a local key file otherwise), bound to the tenant
//! id (KMS encryption context `{"tenantId": …}`). The header (version, tenant id, KEK id,
//! wrapped key, nonce) is the GCM AAD, so none of it can be swapped without detection.
//!
//! ```ignore
//! let cipher = EnvelopeCipher::new(LocalKeyProvider::generate()?);
//! let text = cipher.seal("acme", b"hunter2").await?;          // "dd1:AQAE…"
//! let opened = cipher.open(&text, Some("acme")).await?;       // tenant checked first
//! ```
//!
//! Legacy ciphertexts are plain base64, which never contains `:`; [`is_envelope`] routes a
//! `cipherText` to the right decoder.

mod cache;
mod cipher;
pub mod format;
mod local;
mod provider;

pub use cache::{CacheConfig, CacheStats, Clock, DataKeyCache, MAX_USES_LIMIT, SystemClock};
pub use cipher::{EnvelopeCipher, Opened};
pub use local::{LOCAL_KEY_ID_PREFIX, LocalKeyProvider};
pub use provider::{DATA_KEY_LEN, DataKey, GeneratedDataKey, KeyProvider};

use crate::CryptoError;

/// Whether a ciphertext is an envelope (`dd<version>:`) rather than legacy base64. An
/// unknown version still counts, so it fails as `unsupported_version` instead of as bad
/// legacy base64.
pub fn is_envelope(text: &str) -> bool {
    format::looks_like_envelope(text)
}

/// The tenant an envelope belongs to, from its header alone (no key is touched, nothing is
/// authenticated: use it to route or to reject early, never to trust).
pub fn peek_tenant(text: &str) -> Result<String, CryptoError> {
    let binary = format::decode_text(text)?;
    Ok(format::parse(&binary)?.header.tenant_id.to_owned())
}

/// The KEK id an envelope names, from its header alone (e.g. to find envelopes to rewrap
/// after a key rotation).
pub fn peek_key_id(text: &str) -> Result<String, CryptoError> {
    let binary = format::decode_text(text)?;
    Ok(format::parse(&binary)?.header.key_id.to_owned())
}
