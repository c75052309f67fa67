//! One key provider type for callers that pick local or KMS keys at run time (the trait's
//! async methods make `dyn KeyProvider` impossible, so an enum stands in for it).

use dd_crypto::CryptoError;
use dd_crypto::envelope::{DataKey, GeneratedDataKey, KeyProvider, LocalKeyProvider};

use crate::KmsKeyProvider;

/// The envelope's key-encryption key: a local key file or AWS KMS.
#[derive(Debug)]
pub enum EnvelopeKeys {
    Local(LocalKeyProvider),
    Kms(KmsKeyProvider),
}

impl KeyProvider for EnvelopeKeys {
    async fn generate_data_key(&self, tenant_id: &str) -> Result<GeneratedDataKey, CryptoError> {
        match self {
            Self::Local(local) => local.generate_data_key(tenant_id).await,
            Self::Kms(kms) => kms.generate_data_key(tenant_id).await,
        }
    }

    async fn decrypt_data_key(
        &self,
        key_id: &str,
        wrapped: &[u8],
        tenant_id: &str,
    ) -> Result<DataKey, CryptoError> {
        match self {
            Self::Local(local) => local.decrypt_data_key(key_id, wrapped, tenant_id).await,
            Self::Kms(kms) => kms.decrypt_data_key(key_id, wrapped, tenant_id).await,
        }
    }
}
