//! `POST /decrypt`: the credential decryptor's Lambda contract over HTTP, for local callers
//! (the same JSON in and out as a Lambda invoke, via the decryptor's own service). Like the
//! Lambda, it takes legacy ciphertexts and `dd1:` envelopes in the same `cipherText` field.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use credential_decryptor::{
    CredentialService, EnvelopeOpener, Event, KeyCache, KeySource, Operation,
};
use secrecy::SecretString;

/// The route over a decryptor with the legacy key secret `key_json` that opens envelopes
/// with `envelopes`.
pub fn router(key_json: SecretString, envelopes: Arc<dyn EnvelopeOpener>) -> Router {
    let keys = KeyCache::new(KeySource::Inline(key_json), None);
    // Start deriving now so the first call does not pay for PBKDF2.
    keys.prime();
    let service =
        Arc::new(CredentialService::new(Operation::Decrypt, keys).with_envelopes(envelopes));
    Router::new()
        .route("/decrypt", post(decrypt))
        .with_state(service)
}

async fn decrypt(
    State(service): State<Arc<CredentialService>>,
    body: Bytes,
) -> axum::Json<credential_decryptor::Response> {
    // Anything that is not JSON is an event without cipherText: the legacy 500 reply.
    let event: Event = serde_json::from_slice(&body).unwrap_or_default();
    let (response, outcome) = service.handle(event).await;
    tracing::info!(
        outcome = outcome.kind,
        items = outcome.items,
        failed_items = outcome.failed_items,
        "decrypt"
    );
    axum::Json(response)
}
