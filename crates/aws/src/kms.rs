//! AWS KMS as the envelope's key-encryption key: `GenerateDataKey` and `Decrypt` with the
//! encryption context `{"tenantId": …}`, so a wrapped data key only unwraps for its tenant
//! (and CloudTrail records which tenant every unwrap was for).

use std::borrow::Cow;
use std::future::Future;

use aws_sdk_kms::config::{BehaviorVersion, Region};
use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use dd_crypto::envelope::{DataKey, GeneratedDataKey, KeyProvider};
use dd_crypto::{CryptoError, EnvelopeFailure};
use zeroize::Zeroizing;

use crate::SdkEnv;
use crate::secrets::service_error_code;

/// The encryption-context key that binds a data key to its tenant.
pub const TENANT_CONTEXT_KEY: &str = "tenantId";

/// A KMS key as the KEK. New data keys are wrapped by `key_id`; envelopes may be opened only
/// if their header names `key_id` or a key added with [`Self::with_decrypt_key_ids`] (so a
/// forged header cannot point us at someone else's key).
#[derive(Debug, Clone)]
pub struct KmsKeyProvider {
    client: aws_sdk_kms::Client,
    key_id: String,
    decrypt_key_ids: Vec<String>,
}

impl KmsKeyProvider {
    /// Builds the client like [`crate::SecretsManagerSource`]; no network traffic yet.
    ///
    /// `key_id` should be the key ARN or the bare key id: headers record the ARN KMS returns,
    /// and an alias could not be matched against it (sealing under an alias fails loudly).
    pub fn new(env: &SdkEnv, key_id: impl Into<String>) -> Self {
        let mut config = aws_sdk_kms::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(env.region.clone()))
            .credentials_provider(env.credentials())
            .http_client(env.http_client());
        if let Some(url) = &env.endpoint_url {
            config = config.endpoint_url(url);
        }
        Self::from_client(aws_sdk_kms::Client::from_conf(config.build()), key_id)
    }

    pub fn from_client(client: aws_sdk_kms::Client, key_id: impl Into<String>) -> Self {
        let key_id = key_id.into();
        Self {
            client,
            decrypt_key_ids: vec![key_id.clone()],
            key_id,
        }
    }

    /// Also accepts envelopes wrapped by these (retired) keys, e.g. after moving to a new KMS
    /// key. KMS's own automatic rotation keeps the ARN and needs nothing here.
    pub fn with_decrypt_key_ids<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.decrypt_key_ids.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Parses `DD_KMS_DECRYPT_KEY_IDS`: comma-separated key ids or ARNs, blanks ignored, so
    /// every function reads the retired keys the same way.
    pub fn parse_key_id_list(text: &str) -> Vec<String> {
        text.split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .collect()
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    fn may_decrypt_with(&self, header_key_id: &str) -> bool {
        self.decrypt_key_ids
            .iter()
            .any(|allowed| key_matches(header_key_id, allowed))
    }

    async fn generate(&self, tenant_id: &str) -> Result<GeneratedDataKey, CryptoError> {
        let mut out = self
            .client
            .generate_data_key()
            .key_id(&self.key_id)
            .key_spec(DataKeySpec::Aes256)
            .encryption_context(TENANT_CONTEXT_KEY, tenant_id)
            .send()
            .await
            .map_err(|err| kms_error("GenerateDataKey", &err))?;
        let plaintext = Zeroizing::new(
            out.plaintext
                .take()
                .ok_or_else(|| CryptoError::key_unavailable("KMS GenerateDataKey: no Plaintext"))?
                .into_inner(),
        );
        let wrapped = out
            .ciphertext_blob
            .take()
            .ok_or_else(|| CryptoError::key_unavailable("KMS GenerateDataKey: no CiphertextBlob"))?
            .into_inner();
        let key_id = out.key_id.take().unwrap_or_else(|| self.key_id.clone());
        if !self.may_decrypt_with(&key_id) {
            // Sealing now would write envelopes this provider refuses to open.
            return Err(CryptoError::InvalidConfig(Cow::Owned(format!(
                "KMS wrapped with {key_id}, which is not an accepted key id: configure the key ARN, not an alias"
            ))));
        }
        Ok(GeneratedDataKey {
            key_id,
            plaintext: DataKey::from_slice(&plaintext)?,
            wrapped,
        })
    }

    async fn decrypt(
        &self,
        key_id: &str,
        wrapped: &[u8],
        tenant_id: &str,
    ) -> Result<DataKey, CryptoError> {
        if !self.may_decrypt_with(key_id) {
            return Err(EnvelopeFailure::UnknownKey.into());
        }
        let mut out = self
            .client
            .decrypt()
            // Naming the key makes KMS refuse a blob made under any other key.
            .key_id(key_id)
            .ciphertext_blob(Blob::new(wrapped))
            .encryption_context(TENANT_CONTEXT_KEY, tenant_id)
            .send()
            .await
            .map_err(|err| kms_error("Decrypt", &err))?;
        let plaintext = Zeroizing::new(
            out.plaintext
                .take()
                .ok_or_else(|| CryptoError::key_unavailable("KMS Decrypt: no Plaintext"))?
                .into_inner(),
        );
        DataKey::from_slice(&plaintext)
    }
}

impl KeyProvider for KmsKeyProvider {
    fn generate_data_key(
        &self,
        tenant_id: &str,
    ) -> impl Future<Output = Result<GeneratedDataKey, CryptoError>> + Send {
        self.generate(tenant_id)
    }

    fn decrypt_data_key(
        &self,
        key_id: &str,
        wrapped: &[u8],
        tenant_id: &str,
    ) -> impl Future<Output = Result<DataKey, CryptoError>> + Send {
        self.decrypt(key_id, wrapped, tenant_id)
    }
}

/// A header's key id (KMS returns the ARN) against a configured id (ARN or bare key id).
fn key_matches(header_key_id: &str, allowed: &str) -> bool {
    if header_key_id == allowed {
        return true;
    }
    let bare = !allowed.is_empty() && !allowed.contains([':', '/']);
    bare && header_key_id
        .strip_suffix(allowed)
        .is_some_and(|prefix| prefix.starts_with("arn:") && prefix.ends_with(":key/"))
}

/// Maps a KMS failure to the envelope's error kinds.
fn kms_error<E, R>(operation: &'static str, err: &SdkError<E, R>) -> CryptoError
where
    E: ProvideErrorMetadata,
{
    classify(operation, &service_error_code(err))
}

/// The error kind for an AWS error code (or transport class). The detail holds the operation
/// and the code only, never a request or response body.
fn classify(operation: &'static str, code: &str) -> CryptoError {
    match code {
        // The blob was altered, made under another key, or bound to another tenant.
        "InvalidCiphertextException" | "IncorrectKeyException" => {
            EnvelopeFailure::AuthenticationFailed.into()
        }
        "NotFoundException" => EnvelopeFailure::UnknownKey.into(),
        // Denied, disabled, pending deletion, throttled, KMS or network down: an operator or
        // a retry can fix these, the envelope itself may be fine.
        _ => CryptoError::key_unavailable(format!("KMS {operation}: {code}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retired_key_list_ignores_blanks_and_spaces() {
        assert_eq!(
            KmsKeyProvider::parse_key_id_list(" arn:a , ,arn:b,"),
            vec!["arn:a".to_owned(), "arn:b".to_owned()]
        );
        assert!(KmsKeyProvider::parse_key_id_list(" , ").is_empty());
    }

    #[test]
    fn kms_codes_map_to_stable_kinds() {
        for code in [
            "AccessDeniedException",
            "DisabledException",
            "KMSInvalidStateException",
            "KeyUnavailableException",
            "ThrottlingException",
            "DependencyTimeoutException",
            "KMSInternalException",
            "DispatchFailure",
            "Timeout",
        ] {
            let err = classify("Decrypt", code);
            assert_eq!(err.kind(), "key_unavailable", "{code}");
            assert_eq!(
                err.to_string(),
                format!("key provider unavailable: KMS Decrypt: {code}")
            );
        }
        for code in ["InvalidCiphertextException", "IncorrectKeyException"] {
            let err = classify("Decrypt", code);
            assert_eq!(err.kind(), "authentication_failed");
            assert_eq!(err.to_string(), "decryption failed");
        }
        assert_eq!(
            classify("Decrypt", "NotFoundException").kind(),
            "unknown_key"
        );
    }

    #[test]
    fn key_ids_match_arn_or_bare_id_never_alias() {
        let arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        assert!(key_matches(arn, arn));
        assert!(key_matches(arn, "1234abcd-12ab-34cd-56ef-1234567890ab"));
        assert!(!key_matches(arn, "alias/dd-envelope"));
        assert!(!key_matches(arn, "34cd-56ef-1234567890ab"));
        assert!(!key_matches(arn, ""));
        assert!(!key_matches(
            "evil-1234abcd-12ab-34cd-56ef-1234567890ab",
            "1234abcd-12ab-34cd-56ef-1234567890ab"
        ));
    }
}
