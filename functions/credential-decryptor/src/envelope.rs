//! `dd1:` envelopes in the same `cipherText` field (docs/architecture.md §2.3).
//!
//! The envelope cipher is generic over its key provider, whose async trait methods cannot be
//! called through `dyn`; this object-safe wrapper lets the Lambda pick KMS and `ddctl serve`
//! a local key file without making the whole service generic.

use std::future::Future;
use std::pin::Pin;

use dd_crypto::CryptoError;
use dd_crypto::envelope::{EnvelopeCipher, KeyProvider, Opened};

type OpenFuture<'a> = Pin<Box<dyn Future<Output = Result<Opened, CryptoError>> + Send + 'a>>;

/// Opens envelopes; implemented for every [`EnvelopeCipher`].
pub trait EnvelopeOpener: Send + Sync + std::fmt::Debug {
    /// With `expected_tenant`, an envelope bound to another tenant fails (`tenant_mismatch`).
    fn open<'a>(&'a self, text: &'a str, expected_tenant: Option<&'a str>) -> OpenFuture<'a>;
}

impl<P> EnvelopeOpener for EnvelopeCipher<P>
where
    P: KeyProvider + std::fmt::Debug + 'static,
{
    fn open<'a>(&'a self, text: &'a str, expected_tenant: Option<&'a str>) -> OpenFuture<'a> {
        Box::pin(EnvelopeCipher::open(self, text, expected_tenant))
    }
}

/// Builds the opener the configuration asks for (no network traffic happens here).
pub fn opener_from_config(
    config: &crate::EnvelopeKeyConfig,
) -> Result<Option<std::sync::Arc<dyn EnvelopeOpener>>, crate::DecryptorError> {
    use crate::{DecryptorError, EnvelopeKeyConfig};
    use dd_crypto::envelope::LocalKeyProvider;
    match config {
        EnvelopeKeyConfig::None => Ok(None),
        EnvelopeKeyConfig::LocalFile(path) => {
            let json = zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(|err| {
                DecryptorError::KeyUnavailable(format!(
                    "cannot read envelope key file {}: {}",
                    path.display(),
                    err.kind()
                ))
            })?);
            let provider = LocalKeyProvider::from_json(&json)?;
            Ok(Some(std::sync::Arc::new(EnvelopeCipher::new(provider))))
        }
        #[cfg(feature = "aws")]
        EnvelopeKeyConfig::Kms(key_id) => {
            let env = dd_aws::SdkEnv::from_env()
                .map_err(|err| DecryptorError::Config(err.to_string()))?;
            let provider = dd_aws::KmsKeyProvider::new(&env, key_id.clone());
            Ok(Some(std::sync::Arc::new(EnvelopeCipher::new(provider))))
        }
        #[cfg(not(feature = "aws"))]
        EnvelopeKeyConfig::Kms(_) => Err(DecryptorError::Config(
            "DD_KMS_KEY_ID is set but this build has no AWS support".to_owned(),
        )),
    }
}
