//! Cross-cutting HTTP behaviour: one structured log line per request (CORS: `cors.rs`).
//!
//! The log line names the route template (`/tenants/{tenantId}/…`), not the raw path, and
//! never a header or body: whatever a client puts in a URL or a token stays out of the logs.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

/// One `info` line per request: method, route template, status, duration.
pub async fn access_log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(unmatched)".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    tracing::info!(
        method = %method,
        route = %route,
        status = response.status().as_u16(),
        duration_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        "request"
    );
    response
}
