//! Account numbers at rest: sealed as `dd1:` envelopes for the tenant, plus a keyed
//! fingerprint for the duplicate rule (storage compares fingerprints, never clear numbers).
//!
//! `dd_crypto::envelope::KeyProvider` uses `impl Future` and so cannot sit behind `dyn`;
//! [`AccountVault`] is the object-safe face of an `EnvelopeCipher<P>` for any provider, so
//! the state holds one `Arc<dyn AccountVault>` whether the KEK is a local file (`ddctl
//! serve`) or KMS (Lambda, later).

use std::future::Future;
use std::pin::Pin;

use dd_crypto::CryptoError;
use dd_crypto::envelope::{EnvelopeCipher, KeyProvider};
use dd_domain::AccountNumber;
use dd_storage::NewDepositRecord;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;
use zeroize::Zeroizing;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Seals and opens account numbers for a tenant.
pub trait AccountVault: Send + Sync {
    /// Encrypts `plaintext` for `tenant`; returns the stored text form.
    fn seal<'a>(
        &'a self,
        tenant: &'a str,
        plaintext: &'a [u8],
    ) -> BoxFuture<'a, Result<String, CryptoError>>;

    /// Decrypts a stored text form; fails for another tenant's envelope.
    fn open<'a>(
        &'a self,
        tenant: &'a str,
        text: &'a str,
    ) -> BoxFuture<'a, Result<Zeroizing<Vec<u8>>, CryptoError>>;
}

impl<P: KeyProvider + 'static> AccountVault for EnvelopeCipher<P> {
    fn seal<'a>(
        &'a self,
        tenant: &'a str,
        plaintext: &'a [u8],
    ) -> BoxFuture<'a, Result<String, CryptoError>> {
        Box::pin(EnvelopeCipher::seal(self, tenant, plaintext))
    }

    fn open<'a>(
        &'a self,
        tenant: &'a str,
        text: &'a str,
    ) -> BoxFuture<'a, Result<Zeroizing<Vec<u8>>, CryptoError>> {
        Box::pin(async move {
            let opened = EnvelopeCipher::open(self, text, Some(tenant)).await?;
            Ok(opened.plaintext)
        })
    }
}

/// The deployment's fingerprint key: HMAC-SHA256 over
/// [`NewDepositRecord::fingerprint_input`], hex.
pub struct FingerprintKey(SecretSlice<u8>);

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FingerprintKey(<redacted>)")
    }
}

/// Shortest fingerprint key accepted: the HMAC-SHA256 output size.
pub const MIN_FINGERPRINT_KEY_LEN: usize = 32;

impl FingerprintKey {
    /// Wraps key bytes.
    ///
    /// # Errors
    /// A fixed reason when the key is shorter than [`MIN_FINGERPRINT_KEY_LEN`] bytes.
    pub fn new(bytes: Vec<u8>) -> Result<Self, &'static str> {
        if bytes.len() < MIN_FINGERPRINT_KEY_LEN {
            return Err("fingerprint key must be at least 32 bytes");
        }
        Ok(Self(SecretSlice::from(bytes)))
    }

    /// The stored fingerprint of `account`.
    #[must_use]
    pub fn fingerprint(&self, account: &AccountNumber) -> String {
        let input = NewDepositRecord::fingerprint_input(account);
        // HMAC takes keys of any length; `new` already refused short ones.
        let mut mac = match Hmac::<Sha256>::new_from_slice(self.0.expose_secret()) {
            Ok(mac) => mac,
            Err(_) => return String::new(),
        };
        mac.update(input.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ignores_case_and_depends_on_key() {
        let k1 = FingerprintKey::new(vec![1; 32]).unwrap();
        let k2 = FingerprintKey::new(vec![2; 32]).unwrap();
        let a = AccountNumber::parse("abc12345").unwrap();
        let b = AccountNumber::parse("ABC12345").unwrap();
        assert_eq!(k1.fingerprint(&a), k1.fingerprint(&b));
        assert_ne!(k1.fingerprint(&a), k2.fingerprint(&a));
        assert_eq!(k1.fingerprint(&a).len(), 64);
        assert!(FingerprintKey::new(vec![0; 8]).is_err());
    }
}
