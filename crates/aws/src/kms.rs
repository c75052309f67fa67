//! AWS KMS as the envelope's key-encryption key: `GenerateDataKey` and `Decrypt` with the
//! encryption context `{"tenantId": …}`, so a wrapped data key only unwraps for its tenant
//! (and CloudTrail records which tenant every unwrap was for).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::future::Future;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use dd_crypto::envelope::{DataKey, GeneratedDataKey, KeyProvider};
use dd_crypto::{CryptoError, EnvelopeFailure};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::aws_json::{AwsJsonClient, KMS};
use crate::{AwsError, SdkEnv};

/// The encryption-context key that binds a data key to its tenant.
pub const TENANT_CONTEXT_KEY: &str = "tenantId";

/// A KMS key as the KEK. New data keys are wrapped by `key_id`; envelopes may be opened only
/// if their header names `key_id` or a key added with [`Self::with_decrypt_key_ids`] (so a
/// forged header cannot point us at someone else's key).
#[derive(Debug, Clone)]
pub struct KmsKeyProvider {
    client: AwsJsonClient,
    key_id: String,
    decrypt_key_ids: Vec<String>,
}

impl KmsKeyProvider {
    /// Builds the client like [`crate::SecretsManagerSource`]; no network traffic yet.
    ///
    /// `key_id` should be the key ARN or the bare key id: headers record the ARN KMS returns,
    /// and an alias could not be matched against it (sealing under an alias fails loudly).
    pub fn new(env: &SdkEnv, key_id: impl Into<String>) -> Self {
        let key_id = key_id.into();
        Self {
            client: AwsJsonClient::new(env, KMS),
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
        let input = GenerateDataKeyInput {
            key_id: &self.key_id,
            key_spec: "AES_256",
            encryption_context: tenant_context(tenant_id),
        };
        let out: GenerateDataKeyOutput = self.call("GenerateDataKey", &input).await?;
        let plaintext = decode_blob("GenerateDataKey", "Plaintext", out.plaintext)?;
        let wrapped = decode_blob("GenerateDataKey", "CiphertextBlob", out.ciphertext_blob)?;
        let key_id = out.key_id.unwrap_or_else(|| self.key_id.clone());
        if !self.may_decrypt_with(&key_id) {
            // Sealing now would write envelopes this provider refuses to open.
            return Err(CryptoError::InvalidConfig(Cow::Owned(format!(
                "KMS wrapped with {key_id}, which is not an accepted key id: configure the key ARN, not an alias"
            ))));
        }
        Ok(GeneratedDataKey {
            key_id,
            plaintext: DataKey::from_slice(&plaintext)?,
            wrapped: wrapped.to_vec(),
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
        let input = DecryptInput {
            // Naming the key makes KMS refuse a blob made under any other key.
            key_id,
            ciphertext_blob: BASE64.encode(wrapped),
            encryption_context: tenant_context(tenant_id),
        };
        let out: DecryptOutput = self.call("Decrypt", &input).await?;
        let plaintext = decode_blob("Decrypt", "Plaintext", out.plaintext)?;
        DataKey::from_slice(&plaintext)
    }

    /// One KMS call: the request as JSON, the reply parsed, failures mapped to envelope kinds.
    async fn call<I: Serialize, O: for<'de> Deserialize<'de>>(
        &self,
        operation: &'static str,
        input: &I,
    ) -> Result<O, CryptoError> {
        let body = serde_json::to_vec(input).map_err(|_| {
            CryptoError::key_unavailable(format!("KMS {operation}: cannot encode the request"))
        })?;
        let reply = self
            .client
            .call(operation, &body)
            .await
            .map_err(|err| match err {
                AwsError::Service { code, .. } => classify(operation, &code),
                other => CryptoError::key_unavailable(format!("KMS {operation}: {}", other.kind())),
            })?;
        // serde's message could quote the reply, which holds a plaintext key: never shown.
        serde_json::from_slice(&reply).map_err(|_| {
            CryptoError::key_unavailable(format!("KMS {operation}: reply is not the expected JSON"))
        })
    }
}

/// `{"tenantId": …}`: binds a data key to its tenant.
fn tenant_context(tenant_id: &str) -> BTreeMap<&'static str, &str> {
    BTreeMap::from([(TENANT_CONTEXT_KEY, tenant_id)])
}

#[derive(Serialize)]
struct GenerateDataKeyInput<'a> {
    #[serde(rename = "KeyId")]
    key_id: &'a str,
    #[serde(rename = "KeySpec")]
    key_spec: &'static str,
    #[serde(rename = "EncryptionContext")]
    encryption_context: BTreeMap<&'static str, &'a str>,
}

#[derive(Deserialize)]
struct GenerateDataKeyOutput {
    #[serde(rename = "KeyId")]
    key_id: Option<String>,
    #[serde(rename = "Plaintext")]
    plaintext: Option<Zeroizing<String>>,
    #[serde(rename = "CiphertextBlob")]
    ciphertext_blob: Option<Zeroizing<String>>,
}

#[derive(Serialize)]
struct DecryptInput<'a> {
    #[serde(rename = "KeyId")]
    key_id: &'a str,
    #[serde(rename = "CiphertextBlob")]
    ciphertext_blob: String,
    #[serde(rename = "EncryptionContext")]
    encryption_context: BTreeMap<&'static str, &'a str>,
}

#[derive(Deserialize)]
struct DecryptOutput {
    #[serde(rename = "Plaintext")]
    plaintext: Option<Zeroizing<String>>,
}

/// A blob field of a reply (base64 in the JSON protocol), wiped when dropped.
fn decode_blob(
    operation: &'static str,
    field: &'static str,
    blob: Option<Zeroizing<String>>,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let text =
        blob.ok_or_else(|| CryptoError::key_unavailable(format!("KMS {operation}: no {field}")))?;
    BASE64
        .decode(text.as_bytes())
        .map(Zeroizing::new)
        .map_err(|_| {
            CryptoError::key_unavailable(format!("KMS {operation}: {field} is not base64"))
        })
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
