//! A key-encryption key held locally (a key file) instead of in KMS: the default for
//! `ddctl serve` and for tests. The caller does the file I/O; this type only parses and
//! prints the file's JSON.
//!
//! File: `{"keyId":"local:<16 hex>","key":"<base64 of 32 bytes>"}`, or after a rotation an
//! array of such objects, the first being current (it wraps new data keys) and the rest
//! retired (they only unwrap). A wrapped data key is `nonce[12] ‖ AES-256-GCM(KEK, nonce,
//! data key, AAD)` with `AAD = "dd1/local-wrap" ‖ u16be len ‖ key id ‖ u16be len ‖ tenant id`,
//! the local analogue of KMS's encryption context.

use std::future::{Future, ready};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use rand_core::{OsRng, RngCore};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::format::{MAX_KEY_ID_LEN, NONCE_LEN};
use super::provider::{DATA_KEY_LEN, DataKey, GeneratedDataKey, KeyProvider};
use crate::{CryptoError, EnvelopeFailure};

/// Every local key id starts with this, so a header tells local and KMS keys apart.
pub const LOCAL_KEY_ID_PREFIX: &str = "local:";
const WRAP_LABEL: &[u8] = b"dd1/local-wrap";
const WRAPPED_LEN: usize = NONCE_LEN + DATA_KEY_LEN + 16;

struct Kek {
    key_id: String,
    key: Zeroizing<[u8; DATA_KEY_LEN]>,
}

/// Local key-encryption keys: one current, any number retired.
pub struct LocalKeyProvider {
    keks: Vec<Kek>,
}

impl std::fmt::Debug for LocalKeyProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keks.iter().map(|k| k.key_id.as_str()).collect();
        f.debug_struct("LocalKeyProvider")
            .field("key_ids", &ids)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct KekJson {
    #[serde(rename = "keyId")]
    key_id: String,
    key: SecretString,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum FileJson {
    One(KekJson),
    Many(Vec<KekJson>),
}

impl LocalKeyProvider {
    /// A fresh random KEK (first run). Persist [`Self::to_json`] before sealing anything.
    pub fn generate() -> Result<Self, CryptoError> {
        Ok(Self {
            keks: vec![random_kek()?],
        })
    }

    /// A provider with a new current KEK; the old ones stay for unwrapping only.
    pub fn rotate(&self) -> Result<Self, CryptoError> {
        let mut keks = vec![random_kek()?];
        keks.extend(self.keks.iter().map(|k| Kek {
            key_id: k.key_id.clone(),
            key: k.key.clone(),
        }));
        Ok(Self { keks })
    }

    /// Parses a key file's JSON. Errors never quote the input.
    pub fn from_json(json: &str) -> Result<Self, CryptoError> {
        let parsed: FileJson = serde_json::from_str(json).map_err(|_| {
            CryptoError::config("key file must be JSON {\"keyId\",\"key\"} or an array of them")
        })?;
        let entries = match parsed {
            FileJson::One(one) => vec![one],
            FileJson::Many(many) => many,
        };
        if entries.is_empty() {
            return Err(CryptoError::config("key file holds no key"));
        }
        let mut keks: Vec<Kek> = Vec::with_capacity(entries.len());
        for entry in entries {
            let kek = kek_from_json(entry)?;
            if keks.iter().any(|k| k.key_id == kek.key_id) {
                return Err(CryptoError::config("key file repeats a keyId"));
            }
            keks.push(kek);
        }
        Ok(Self { keks })
    }

    /// The key file's JSON (holds the KEK in the clear: write it with owner-only permissions).
    pub fn to_json(&self) -> Zeroizing<String> {
        let entries: Vec<serde_json::Value> = self.keks.iter().map(json_entry).collect();
        let value = match <[_; 1]>::try_from(entries) {
            Ok([one]) => one,
            Err(many) => serde_json::Value::Array(many),
        };
        // serde_json's intermediate strings are not zeroized; the file text itself is.
        Zeroizing::new(value.to_string())
    }

    /// The current KEK's id (the one new envelopes name).
    pub fn key_id(&self) -> &str {
        self.current().key_id.as_str()
    }

    fn current(&self) -> &Kek {
        // Every constructor puts at least one KEK in; `from_json` refuses an empty file.
        &self.keks[0]
    }

    fn wrap(&self, tenant_id: &str) -> Result<GeneratedDataKey, CryptoError> {
        let kek = self.current();
        let mut data_key = Zeroizing::new([0u8; DATA_KEY_LEN]);
        let mut nonce = [0u8; NONCE_LEN];
        fill_random(data_key.as_mut_slice())?;
        fill_random(&mut nonce)?;
        let aad = wrap_aad(&kek.key_id, tenant_id);
        let sealed = Aes256Gcm::new(kek.key.as_slice().into())
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: data_key.as_slice(),
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::key_unavailable("local key wrap failed"))?;
        let mut wrapped = Vec::with_capacity(WRAPPED_LEN);
        wrapped.extend_from_slice(&nonce);
        wrapped.extend_from_slice(&sealed);
        Ok(GeneratedDataKey {
            key_id: kek.key_id.clone(),
            plaintext: DataKey::from_array(*data_key),
            wrapped,
        })
    }

    fn unwrap(
        &self,
        key_id: &str,
        wrapped: &[u8],
        tenant_id: &str,
    ) -> Result<DataKey, CryptoError> {
        let kek = self
            .keks
            .iter()
            .find(|k| k.key_id == key_id)
            .ok_or(EnvelopeFailure::UnknownKey)?;
        if wrapped.len() != WRAPPED_LEN {
            return Err(EnvelopeFailure::AuthenticationFailed.into());
        }
        let (nonce, sealed) = wrapped.split_at(NONCE_LEN);
        let aad = wrap_aad(key_id, tenant_id);
        let plain = Aes256Gcm::new(kek.key.as_slice().into())
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| EnvelopeFailure::AuthenticationFailed)?;
        let plain = Zeroizing::new(plain);
        DataKey::from_slice(&plain)
    }
}

impl KeyProvider for LocalKeyProvider {
    fn generate_data_key(
        &self,
        tenant_id: &str,
    ) -> impl Future<Output = Result<GeneratedDataKey, CryptoError>> + Send {
        ready(self.wrap(tenant_id))
    }

    fn decrypt_data_key(
        &self,
        key_id: &str,
        wrapped: &[u8],
        tenant_id: &str,
    ) -> impl Future<Output = Result<DataKey, CryptoError>> + Send {
        ready(self.unwrap(key_id, wrapped, tenant_id))
    }
}

fn json_entry(kek: &Kek) -> serde_json::Value {
    let key = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(kek.key.as_slice()));
    serde_json::json!({ "keyId": kek.key_id, "key": key.as_str() })
}

fn kek_from_json(entry: KekJson) -> Result<Kek, CryptoError> {
    let id_ok = entry.key_id.starts_with(LOCAL_KEY_ID_PREFIX)
        && entry.key_id.len() > LOCAL_KEY_ID_PREFIX.len()
        && entry.key_id.len() <= MAX_KEY_ID_LEN;
    if !id_ok {
        return Err(CryptoError::config(
            "keyId must be \"local:\" followed by an id",
        ));
    }
    let bytes = Zeroizing::new(
        base64::engine::general_purpose::STANDARD
            .decode(entry.key.expose_secret().trim())
            .map_err(|_| CryptoError::config("key must be base64"))?,
    );
    let key: [u8; DATA_KEY_LEN] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| CryptoError::config("key must be 32 bytes"))?;
    Ok(Kek {
        key_id: entry.key_id,
        key: Zeroizing::new(key),
    })
}

fn random_kek() -> Result<Kek, CryptoError> {
    let mut key = Zeroizing::new([0u8; DATA_KEY_LEN]);
    fill_random(key.as_mut_slice())?;
    // The id is a fingerprint, so two generated files never share an id by accident; the
    // label separates it from any other use of the key.
    let digest = Sha256::new()
        .chain_update(b"dd1/local-kek-id")
        .chain_update(key.as_slice())
        .finalize();
    Ok(Kek {
        key_id: format!("{LOCAL_KEY_ID_PREFIX}{}", hex::encode(&digest[..8])),
        key,
    })
}

fn wrap_aad(key_id: &str, tenant_id: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(WRAP_LABEL.len() + 4 + key_id.len() + tenant_id.len());
    aad.extend_from_slice(WRAP_LABEL);
    for field in [key_id.as_bytes(), tenant_id.as_bytes()] {
        // Both are bounded by the header limits (≤ 2048 bytes) before they get here; a longer
        // value would only make the AAD differ, never collide, because it cannot open anyway.
        let len = u16::try_from(field.len()).unwrap_or(u16::MAX);
        aad.extend_from_slice(&len.to_be_bytes());
        aad.extend_from_slice(field);
    }
    aad
}

fn fill_random(bytes: &mut [u8]) -> Result<(), CryptoError> {
    OsRng
        .try_fill_bytes(bytes)
        .map_err(|_| CryptoError::RandomUnavailable)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn wrap_unwrap_is_bound_to_tenant_and_key() {
        let provider = LocalKeyProvider::generate().unwrap();
        let made = provider.wrap("acme").unwrap();
        assert_eq!(made.wrapped.len(), WRAPPED_LEN);
        let back = provider
            .unwrap(&made.key_id, &made.wrapped, "acme")
            .unwrap();
        assert_eq!(back.expose(), made.plaintext.expose());
        let other = provider
            .unwrap(&made.key_id, &made.wrapped, "globex")
            .unwrap_err();
        assert_eq!(other.kind(), "authentication_failed");
        let unknown = provider
            .unwrap("local:nope", &made.wrapped, "acme")
            .unwrap_err();
        assert_eq!(unknown.kind(), "unknown_key");
    }

    #[test]
    fn json_round_trip_and_rotation() {
        let provider = LocalKeyProvider::generate().unwrap();
        assert!(provider.key_id().starts_with("local:"));
        let again = LocalKeyProvider::from_json(&provider.to_json()).unwrap();
        assert_eq!(again.key_id(), provider.key_id());
        let made = provider.wrap("acme").unwrap();

        let rotated = provider.rotate().unwrap();
        assert_ne!(rotated.key_id(), provider.key_id());
        let reloaded = LocalKeyProvider::from_json(&rotated.to_json()).unwrap();
        assert_eq!(reloaded.key_id(), rotated.key_id());
        let back = reloaded
            .unwrap(&made.key_id, &made.wrapped, "acme")
            .unwrap();
        assert_eq!(back.expose(), made.plaintext.expose());
    }

    #[test]
    fn bad_files_are_config_errors_without_the_key() {
        for json in [
            "",
            "[]",
            r#"{"keyId":"kms:x","key":"AAAA"}"#,
            r#"{"keyId":"local:x","key":"c2hvcnQ="}"#,
            r#"{"keyId":"local:x","key":"not base64"}"#,
        ] {
            let err = LocalKeyProvider::from_json(json).unwrap_err();
            assert_eq!(err.kind(), "invalid_config", "{json}");
            assert!(!err.to_string().contains("c2hvcnQ"));
        }
        let key = base64::engine::general_purpose::STANDARD.encode([1u8; 32]);
        let dup =
            format!(r#"[{{"keyId":"local:a","key":"{key}"}},{{"keyId":"local:a","key":"{key}"}}]"#);
        assert_eq!(
            LocalKeyProvider::from_json(&dup).unwrap_err().kind(),
            "invalid_config"
        );
        let one = format!(r#"{{"keyId":"local:a","key":"{key}"}}"#);
        let debug = format!("{:?}", LocalKeyProvider::from_json(&one).unwrap());
        assert!(!debug.contains(&key));
    }
}
