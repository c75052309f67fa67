//! The legacy decrypt Lambda's algorithm (docs/architecture.md §2.1) as a key value built once.
//!
//! key ‖ IV = PBKDF2-HMAC-SHA1(keyPhrase as UTF-8, salt as UTF-16LE, 1000 iterations, 48 bytes);
//! AES-256-CBC with PKCS#7; plaintext UTF-16LE. PBKDF2 runs in [`DecryptLambdaKey::new`] only,
//! never per call.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::CryptoError;
use crate::legacy::{
    HashAlgorithm, IvSource, LegacyCipher, LegacyParams, MIN_RFC2898_SALT, Scheme, TextEncoding,
};

/// The secret's JSON as stored in Secrets Manager: `{"salt": "...", "keyPhrase": "..."}`.
#[derive(Deserialize)]
struct KeySecret {
    #[serde(alias = "Salt")]
    salt: SecretString,
    #[serde(rename = "keyPhrase", alias = "KeyPhrase", alias = "keyphrase")]
    key_phrase: SecretString,
}

/// The decrypt Lambda's key: derived once, then used for any number of calls.
pub struct DecryptLambdaKey {
    cipher: LegacyCipher,
}

impl std::fmt::Debug for DecryptLambdaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DecryptLambdaKey(<redacted>)")
    }
}

impl DecryptLambdaKey {
    /// Derives the key from the secret's salt and key phrase. A salt under 8 bytes (as
    /// UTF-16LE) is a configuration error, as in .NET.
    pub fn new(salt: &str, key_phrase: &str) -> Result<Self, CryptoError> {
        let salt_bytes: Zeroizing<Vec<u8>> =
            Zeroizing::new(salt.encode_utf16().flat_map(u16::to_le_bytes).collect());
        if salt_bytes.len() < MIN_RFC2898_SALT {
            return Err(CryptoError::config(
                "salt must be at least 8 bytes as UTF-16LE (4 characters)",
            ));
        }
        let mut params = LegacyParams::new(Scheme::AesCbcRfc2898, SecretString::from(key_phrase));
        params.salt = Some(salt_bytes.to_vec());
        params.iterations = Some(1000);
        params.hash = Some(HashAlgorithm::Sha1);
        params.iv = Some(IvSource::Derived);
        params.key_size = Some(256);
        params.plaintext_encoding = Some(TextEncoding::Utf16Le);
        Ok(Self {
            cipher: LegacyCipher::new(&params)?,
        })
    }

    /// Parses the secret's JSON (`salt`, `keyPhrase`; other properties ignored) and derives.
    pub fn from_secret_json(json: &str) -> Result<Self, CryptoError> {
        // serde_json's error text can quote the input, so it is not passed on.
        let secret: KeySecret = serde_json::from_str(json).map_err(|_| {
            CryptoError::config("key secret must be JSON with string fields salt and keyPhrase")
        })?;
        Self::new(
            secret.salt.expose_secret(),
            secret.key_phrase.expose_secret(),
        )
    }

    /// Decrypts a base64 `cipherText` as the legacy Lambda did.
    pub fn decrypt(&self, cipher_text: &str) -> Result<SecretString, CryptoError> {
        self.cipher.decrypt(cipher_text)
    }

    /// Encrypts a plaintext as the legacy encrypt Lambda did (deterministic: fixed IV).
    pub fn encrypt(&self, plain_text: &str) -> Result<String, CryptoError> {
        self.cipher.encrypt(plain_text)
    }
}
