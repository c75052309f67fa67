//! Lambda entry point of the credential decryptor.
//!
//! Start-up order: logging first (so a bad configuration or key is logged), then the key: a
//! local secret is derived right away, on this thread, a Secrets Manager secret is fetched on
//! its own thread while the runtime starts (see `KeyCache::prime`). `dd_startup_marks` stamps
//! each step for the bench's timeline (only with `DD_STARTUP_MARKS=1`; otherwise one atomic
//! load per call).
//!
//! The per-invocation `invocation` line is written after the runtime has posted the response
//! (`dd_lambda_log::AfterResponse`), inside the runtime's request span as before: the caller
//! never waits for it (issue 14: ~45 µs of the first invocation was its JSON formatting).

use std::sync::Arc;
use std::time::Instant;

use credential_decryptor::{Config, CredentialService, Event, KeyCache, KeySource, Response};
use dd_lambda_log::AfterResponse;
use dd_startup_marks::mark;
use lambda_runtime::layers::TracingLayer;
use lambda_runtime::{LambdaEvent, Runtime, service_fn};

fn main() -> Result<(), lambda_runtime::Error> {
    dd_startup_marks::begin();
    // current_thread: the handler never blocks, and worker threads would only add start-up.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    mark("tokio");
    runtime.block_on(serve())
}

async fn serve() -> Result<(), lambda_runtime::Error> {
    let config = Config::from_env();
    mark("config");
    dd_lambda_log::init();
    mark("logging");
    let started = config.and_then(|config| {
        let keys = KeyCache::new(KeySource::from_config(config.key_source)?, config.key_ttl);
        keys.prime();
        mark("key");
        let envelopes = credential_decryptor::envelope::opener_from_config(&config.envelope_keys)?;
        Ok((config.operation, keys, envelopes))
    });
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
    let after = AfterResponse::new();
    let handler_after = after.clone();
    mark("runtime");
    // `lambda_runtime::run` is `Runtime::new(handler).layer(TracingLayer::new())`; the
    // after-response layer goes inside the tracing one (added last = outermost), so the
    // deferred line is still written in the request's span.
    Runtime::new(service_fn(move |event: LambdaEvent<Event>| {
        let service = Arc::clone(&service);
        let after = handler_after.clone();
        async move {
            Ok::<Response, std::convert::Infallible>(invoke(&service, &after, event).await)
        }
    }))
    .layer(after.layer())
    .layer(TracingLayer::new())
    .run()
    .await
}

async fn invoke(
    service: &CredentialService,
    after: &AfterResponse,
    event: LambdaEvent<Event>,
) -> Response {
    dd_startup_marks::invocation_begins();
    let started = Instant::now();
    let (response, outcome) = service.handle(event.payload).await;
    let duration_us = started.elapsed().as_micros() as u64;
    let request_id = event.context.request_id;
    // Only the request id, the outcome kind and counts: nothing of the event or the answer.
    after.defer(move || {
        tracing::info!(
            request_id = %request_id,
            outcome = outcome.kind,
            items = outcome.items,
            failed_items = outcome.failed_items,
            duration_us,
            "invocation"
        );
    });
    dd_startup_marks::invocation_ends();
    response
}
