//! Where the tenant's service password comes from: the legacy ciphertext in the payroll
//! account row, decrypted in-process with the decrypt Lambda's key, or by invoking the
//! credential-decryptor Lambda (feature `lambda-decryptor`, `DD_DECRYPTOR_FUNCTION`).
//!
//! Decrypted passwords are cached per tenant together with the ciphertext they came from:
//! a rotated row (new ciphertext) misses the cache by itself, and a refused password is
//! re-decrypted from a freshly read row once (see the worker).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use dd_crypto::decrypt_lambda::DecryptLambdaKey;
use dd_payroll::TenantCredentials;
use dd_storage::PayrollAccount;
use secrecy::SecretString;

use crate::DeliveryError;
use crate::error::PASSWORD;

/// Decrypts tenants' legacy service-password ciphertexts.
#[derive(Debug, Clone)]
pub enum CredentialSource {
    /// In-process, with the key derived once (PBKDF2 runs in [`DecryptLambdaKey::new`]).
    InProcess(Arc<DecryptLambdaKey>),
    /// By invoking the credential-decryptor Lambda with `{"cipherText": …}`.
    #[cfg(feature = "lambda-decryptor")]
    Lambda(crate::lambda_decryptor::LambdaDecryptor),
}

impl CredentialSource {
    /// In-process decryption with `key`.
    #[must_use]
    pub fn in_process(key: DecryptLambdaKey) -> Self {
        Self::InProcess(Arc::new(key))
    }

    /// The clear password of `cipher_text`.
    ///
    /// # Errors
    /// [`DeliveryError::Decrypt`] when the text does not decrypt under the key;
    /// [`DeliveryError::DecryptorUnavailable`] when the decryptor Lambda cannot be reached.
    pub async fn decrypt(&self, cipher_text: &str) -> Result<SecretString, DeliveryError> {
        match self {
            Self::InProcess(key) => key
                .decrypt(cipher_text)
                .map_err(|e| DeliveryError::Decrypt {
                    what: PASSWORD,
                    kind: e.kind(),
                }),
            #[cfg(feature = "lambda-decryptor")]
            Self::Lambda(lambda) => lambda.decrypt(cipher_text).await,
        }
    }
}

/// Decrypted credentials by tenant, each with the ciphertext it was decrypted from.
#[derive(Debug, Default)]
pub(crate) struct CredentialCache {
    entries: Mutex<HashMap<String, (String, TenantCredentials)>>,
}

impl CredentialCache {
    /// The tenant's credentials for `account`: cached when the row's ciphertext and user
    /// are unchanged and `fresh` is false, else decrypted (and cached).
    pub(crate) async fn get(
        &self,
        source: &CredentialSource,
        tenant: &str,
        account: &PayrollAccount,
        fresh: bool,
    ) -> Result<TenantCredentials, DeliveryError> {
        if !fresh {
            let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((cipher_text, creds)) = entries.get(tenant)
                && *cipher_text == account.password_ciphertext
                && creds.username == account.username
            {
                return Ok(creds.clone());
            }
        }
        let creds = TenantCredentials {
            tenant_id: tenant.to_owned(),
            username: account.username.clone(),
            password: source.decrypt(&account.password_ciphertext).await?,
        };
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                tenant.to_owned(),
                (account.password_ciphertext.clone(), creds.clone()),
            );
        Ok(creds)
    }

    /// Drops the tenant's entry (its password was refused).
    pub(crate) fn forget(&self, tenant: &str) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(tenant);
    }
}
