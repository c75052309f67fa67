//! Lambda entry point of the credential decryptor.
//!
//! Start-up order matters for the cold start: configuration is read and the key derivation
//! starts on its own thread before anything else, so PBKDF2 overlaps logging setup and the
//! runtime's first `next` request.

use std::sync::Arc;
use std::time::Instant;

use credential_decryptor::{Config, CredentialService, Event, KeyCache, KeySource, Response};
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let started = Config::from_env().and_then(|config| {
        let keys = KeyCache::new(KeySource::from_config(config.key_source)?, config.key_ttl);
        keys.prime();
        let envelopes = credential_decryptor::envelope::opener_from_config(&config.envelope_keys)?;
        Ok((config.operation, keys, envelopes))
    });
    dd_lambda_log::init();
    let (operation, keys, envelopes) = match started {
        Ok(ready) => ready,
        Err(err) => {
            tracing::error!(kind = err.kind(), error = %err, "cannot start");
            return Err(err.into());
        }
    };
    let mut service = CredentialService::new(operation, keys);
    if let Some(opener) = envelopes {
        service = service.with_envelopes(opener);
    }
    let service = Arc::new(service);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| {
        let service = Arc::clone(&service);
        async move { Ok::<Response, std::convert::Infallible>(invoke(&service, event).await) }
    }))
    .await
}

async fn invoke(service: &CredentialService, event: LambdaEvent<Event>) -> Response {
    let started = Instant::now();
    let (response, outcome) = service.handle(event.payload).await;
    tracing::info!(
        request_id = %event.context.request_id,
        outcome = outcome.kind,
        items = outcome.items,
        failed_items = outcome.failed_items,
        duration_us = started.elapsed().as_micros() as u64,
        "invocation"
    );
    response
}
