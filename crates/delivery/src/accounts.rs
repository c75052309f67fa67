//! Opening the deposit's account number: a `dd1:` envelope sealed for the tenant
//! (docs/architecture.md §2.3), opened right before the payroll call and dropped (zeroized) after it.

use std::future::Future;
use std::pin::Pin;

use dd_crypto::CryptoError;
use dd_crypto::envelope::{self, EnvelopeCipher, KeyProvider};
use dd_domain::AccountNumber;

use crate::DeliveryError;
use crate::error::ACCOUNT;

/// A boxed future: keeps [`AccountOpener`] object-safe so the worker need not be generic
/// over the key provider (local key file, KMS).
pub type OpenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<AccountNumber, DeliveryError>> + Send + 'a>>;

/// Opens the account-number ciphertexts of one tenant's deposits.
pub trait AccountOpener: Send + Sync {
    /// The clear account number of `cipher_text`, which must be sealed for `tenant`.
    fn open_account<'a>(&'a self, tenant: &'a str, cipher_text: &'a str) -> OpenFuture<'a>;
}

impl<P: KeyProvider> AccountOpener for EnvelopeCipher<P> {
    fn open_account<'a>(&'a self, tenant: &'a str, cipher_text: &'a str) -> OpenFuture<'a> {
        Box::pin(async move {
            if !envelope::is_envelope(cipher_text) {
                return Err(DeliveryError::Decrypt {
                    what: ACCOUNT,
                    kind: "not_an_envelope",
                });
            }
            // The tenant is checked against the header before any key is touched.
            let opened = self
                .open(cipher_text, Some(tenant))
                .await
                .map_err(crypto_error)?;
            let text =
                std::str::from_utf8(&opened.plaintext).map_err(|_| DeliveryError::Decrypt {
                    what: ACCOUNT,
                    kind: "invalid_plaintext",
                })?;
            AccountNumber::parse(text).map_err(|_| DeliveryError::Decrypt {
                what: ACCOUNT,
                kind: "invalid_account_number",
            })
        })
    }
}

fn crypto_error(e: CryptoError) -> DeliveryError {
    match e {
        // KMS outages and throttling clear by themselves: retry later.
        CryptoError::KeyUnavailable(detail) => DeliveryError::DecryptorUnavailable(detail),
        other => DeliveryError::Decrypt {
            what: ACCOUNT,
            kind: other.kind(),
        },
    }
}
