//! The direct-deposits REST API (DESIGN §2.4), wire-compatible with the legacy Node API.
//!
//! [`app`] builds the axum router over an [`AppState`]; the Lambda binary serves it with
//! `lambda_http`, and `ddctl serve` mounts it on a local listener. Routes, under
//! `/tenants/{tenantId}/companies/{companyId}/employees/{employeeId}/direct-deposits`:
//! `GET` (list), `POST` (create), `PATCH /{id}`, `DELETE /{id}`, and for HR admins
//! `POST /{id}/approve` and `POST /{id}/reject`. The contract is written in
//! `docs/openapi.yaml`, which a test checks against this router.

pub mod auth;
pub mod body;
pub mod config;
pub mod dispatch;
mod error;
mod handlers;
pub mod middleware;
pub mod paths;
pub mod render;
pub mod sources;
#[cfg(feature = "lambda")]
pub mod stage;
mod state;
pub mod vault;

use axum::Router;
use axum::routing::{get, patch, post};

pub use auth::Principal;
pub use auth::jwt::{AccountClaim, Claims, Verifier, sign_hs256};
pub use config::Config;
pub use dispatch::{NoDispatch, PayrollDispatch};
pub use error::ApiError;
pub use handlers::IDEMPOTENCY_KEY_HEADER;
pub use state::AppState;
pub use vault::{AccountVault, FingerprintKey};

/// The collection route.
pub const COLLECTION: &str =
    "/tenants/{tenantId}/companies/{companyId}/employees/{employeeId}/direct-deposits";

/// The API router over `state`.
pub fn app(state: AppState) -> Router {
    let item = format!("{COLLECTION}/{{id}}");
    Router::new()
        .route(COLLECTION, get(handlers::list).post(handlers::create))
        .route(&item, patch(handlers::update).delete(handlers::delete))
        .route(&format!("{item}/approve"), post(handlers::approve))
        .route(&format!("{item}/reject"), post(handlers::reject))
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::not_found)
        .layer(axum::middleware::from_fn(middleware::access_log))
        .layer(axum::middleware::from_fn(middleware::cors))
        .with_state(state)
}
