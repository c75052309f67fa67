//! The key-encryption-key side of the envelope: who makes and unwraps per-tenant data keys.
//!
//! The trait is async without naming a runtime (this crate has no tokio): the KMS provider in
//! `dd-aws` awaits its HTTPS call to KMS, the local provider returns ready futures.

use std::future::Future;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::CryptoError;

/// Length of an AES-256 data key.
pub const DATA_KEY_LEN: usize = 32;

/// A plaintext AES-256 data key: zeroized on drop, never printed.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; DATA_KEY_LEN]>);

impl DataKey {
    /// Copies a 32-byte key; any other length is an error (the caller zeroizes its copy).
    pub fn from_slice(bytes: &[u8]) -> Result<Self, CryptoError> {
        let array: [u8; DATA_KEY_LEN] = bytes
            .try_into()
            .map_err(|_| CryptoError::key_unavailable("data key is not 32 bytes"))?;
        Ok(Self(Zeroizing::new(array)))
    }

    /// Takes ownership of key bytes.
    pub fn from_array(bytes: [u8; DATA_KEY_LEN]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The key bytes, for the cipher only.
    pub fn expose(&self) -> &[u8; DATA_KEY_LEN] {
        &self.0
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

/// A fresh data key in both forms, as `GenerateDataKey` returns it.
#[derive(Debug, Clone)]
pub struct GeneratedDataKey {
    /// The key-encryption key that wrapped it (KMS key ARN, `local:…`): goes in the header.
    pub key_id: String,
    pub plaintext: DataKey,
    /// The data key wrapped under the KEK, bound to the tenant (KMS encryption context
    /// `{"tenantId": …}` or the local provider's AAD).
    pub wrapped: Vec<u8>,
}

/// Makes and unwraps per-tenant data keys under a key-encryption key.
///
/// Contract for implementations:
/// - the wrapped key must be bound to `tenant_id`, so unwrapping it for another tenant fails
///   with [`EnvelopeFailure::AuthenticationFailed`](crate::EnvelopeFailure);
/// - a `key_id` the provider does not hold or may not use fails with
///   [`EnvelopeFailure::UnknownKey`](crate::EnvelopeFailure);
/// - outages, throttling, denied access and disabled keys fail with
///   [`CryptoError::KeyUnavailable`], whose detail names no secret.
pub trait KeyProvider: Send + Sync {
    /// A new data key for `tenant_id`, plaintext and wrapped.
    fn generate_data_key(
        &self,
        tenant_id: &str,
    ) -> impl Future<Output = Result<GeneratedDataKey, CryptoError>> + Send;

    /// Unwraps a data key taken from an envelope header.
    fn decrypt_data_key(
        &self,
        key_id: &str,
        wrapped: &[u8],
        tenant_id: &str,
    ) -> impl Future<Output = Result<DataKey, CryptoError>> + Send;
}

/// Lets one provider serve several ciphers (e.g. a shared KMS client).
impl<P: KeyProvider> KeyProvider for Arc<P> {
    fn generate_data_key(
        &self,
        tenant_id: &str,
    ) -> impl Future<Output = Result<GeneratedDataKey, CryptoError>> + Send {
        P::generate_data_key(self, tenant_id)
    }

    fn decrypt_data_key(
        &self,
        key_id: &str,
        wrapped: &[u8],
        tenant_id: &str,
    ) -> impl Future<Output = Result<DataKey, CryptoError>> + Send {
        P::decrypt_data_key(self, key_id, wrapped, tenant_id)
    }
}
