//! `POST /decrypt`: the credential decryptor's Lambda contract over HTTP, for local callers
//! (the same JSON in and out as a Lambda invoke, via the decryptor's own service).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use credential_decryptor::{CredentialService, Event, KeyCache, KeySource, Operation};

/// The route over a decryptor that reads the key secret from `key_file`.
pub fn router(key_file: std::path::PathBuf) -> Router {
    let keys = KeyCache::new(KeySource::File(key_file), None);
    // Start deriving now so the first call does not pay for PBKDF2.
    keys.prime();
    let service = Arc::new(CredentialService::new(Operation::Decrypt, keys));
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
