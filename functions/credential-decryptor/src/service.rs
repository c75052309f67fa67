//! The handler core, shared by the Lambda and `ddctl serve`'s `POST /decrypt`.

use std::sync::Arc;

use dd_crypto::decrypt_lambda::DecryptLambdaKey;
use dd_crypto::{CryptoError, DecryptFailure, ExposeSecret, SecretString};

use crate::envelope::EnvelopeOpener;
use crate::event::{BatchItem, Event};
use crate::reply::{BatchReply, BatchResult, ItemError, Reply, Response};
use crate::{KeyCache, Operation};

/// How an invocation ended, for the one log line per invocation. Never secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub kind: &'static str,
    /// Items in a v2 batch (0 for the legacy shape) and how many failed.
    pub items: usize,
    pub failed_items: usize,
}

impl Outcome {
    fn single(kind: &'static str) -> Self {
        Self {
            kind,
            items: 0,
            failed_items: 0,
        }
    }
}

/// Decrypts (or encrypts) legacy credentials with the container's key.
#[derive(Debug, Clone)]
pub struct CredentialService {
    operation: Operation,
    keys: Arc<KeyCache>,
    envelopes: Option<Arc<dyn EnvelopeOpener>>,
}

impl CredentialService {
    pub fn new(operation: Operation, keys: Arc<KeyCache>) -> Self {
        Self {
            operation,
            keys,
            envelopes: None,
        }
    }

    /// Also accept `dd1:` envelopes in `cipherText` (without this they fail as
    /// `envelope_unsupported`).
    pub fn with_envelopes(mut self, opener: Arc<dyn EnvelopeOpener>) -> Self {
        self.envelopes = Some(opener);
        self
    }

    /// Handles one event. Never fails: every failure is the legacy 500 reply (or a per-item
    /// error in a batch) plus an outcome kind for the log.
    pub async fn handle(&self, event: Event) -> (Response, Outcome) {
        if event.is_batch() && self.operation == Operation::Decrypt {
            let items = event.items.unwrap_or_default();
            return self.handle_batch(items).await;
        }
        let (reply, kind) = match self.operation {
            Operation::Decrypt => match self.decrypt(event.cipher_text.as_deref()).await {
                Ok(plain) => (Reply::ok(plain.expose_secret().to_owned()), "ok"),
                Err(kind) => (Reply::failure(), kind),
            },
            Operation::Encrypt => match self.encrypt(event.plain_text.as_ref()).await {
                Ok(cipher_text) => (Reply::ok(cipher_text), "ok"),
                Err(kind) => (Reply::failure(), kind),
            },
        };
        (Response::Legacy(reply), Outcome::single(kind))
    }

    async fn handle_batch(&self, items: Vec<BatchItem>) -> (Response, Outcome) {
        let mut results = Vec::with_capacity(items.len());
        let mut failed_items = 0;
        for item in items {
            let decrypted = self
                .decrypt_for(item.cipher_text.as_deref(), item.tenant_id.as_deref())
                .await;
            let result = match decrypted {
                Ok(plain) => BatchResult::Ok {
                    id: item.id,
                    plain_text: plain.expose_secret().to_owned(),
                },
                Err(kind) => {
                    failed_items += 1;
                    BatchResult::Failed {
                        id: item.id,
                        error: item_error(kind),
                    }
                }
            };
            results.push(result);
        }
        let outcome = Outcome {
            kind: "batch",
            items: results.len(),
            failed_items,
        };
        (
            Response::Batch(BatchReply {
                version: 2,
                results,
            }),
            outcome,
        )
    }

    /// Decrypts one ciphertext; the error is a stable kind.
    async fn decrypt(&self, cipher_text: Option<&str>) -> Result<SecretString, &'static str> {
        self.decrypt_for(cipher_text, None).await
    }

    /// Decrypts a legacy ciphertext or an envelope. `tenant` (batch items only) must match an
    /// envelope's bound tenant; legacy ciphertexts carry no tenant, so it does not apply.
    async fn decrypt_for(
        &self,
        cipher_text: Option<&str>,
        tenant: Option<&str>,
    ) -> Result<SecretString, &'static str> {
        let text = cipher_text
            .filter(|t| !t.is_empty())
            .ok_or("missing_cipher_text")?;
        if dd_crypto::envelope::is_envelope(text) {
            let opener = self.envelopes.as_ref().ok_or("envelope_unsupported")?;
            let opened = opener.open(text, tenant).await.map_err(|err| err.kind())?;
            return opened.into_secret_string().map_err(|err| err.kind());
        }
        let key = self.key().await?;
        match key.decrypt(text) {
            Ok(plain) => Ok(plain),
            // Only a wrong key gives a padding error: maybe the secret was rotated.
            Err(CryptoError::Decrypt(DecryptFailure::PaddingError)) => {
                match self.keys.refresh_after_failure(&key).await {
                    Some(fresh) => fresh.decrypt(text).map_err(|err| err.kind()),
                    None => Err(DecryptFailure::PaddingError.as_str()),
                }
            }
            Err(err) => Err(err.kind()),
        }
    }

    async fn encrypt(&self, plain_text: Option<&SecretString>) -> Result<String, &'static str> {
        let plain = plain_text
            .map(ExposeSecret::expose_secret)
            .filter(|t| !t.trim().is_empty())
            .ok_or("missing_plain_text")?;
        let key = self.key().await?;
        key.encrypt(plain).map_err(|err| err.kind())
    }

    async fn key(&self) -> Result<Arc<DecryptLambdaKey>, &'static str> {
        self.keys.current().await.map_err(|err| err.kind())
    }
}

/// Fixed messages per kind: nothing from the input is ever echoed.
fn item_error(kind: &'static str) -> ItemError {
    let message = match kind {
        "missing_cipher_text" => "cipherText is missing or empty",
        "key_unavailable" | "key_invalid" => "the decrypt key is unavailable",
        "tenant_mismatch" => "the envelope belongs to another tenant",
        "envelope_unsupported" => "envelopes are not configured on this function",
        _ => "decryption failed",
    };
    ItemError { kind, message }
}
