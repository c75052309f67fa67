//! The direct-deposits REST API (docs/architecture.md §2.4), wire-compatible with the legacy Node API.
//!
//! [`app`] builds the axum router over an [`AppState`]; the Lambda binary serves it with
//! `lambda_http`, and `ddctl serve` mounts it on a local listener. Routes, under
//! `/tenants/{tenantId}/companies/{companyId}/employees/{employeeId}/direct-deposits`:
//! `GET` (list), `POST` (create), `GET /{id}`, `PATCH /{id}`, `DELETE /{id}`, and for HR
//! admins `POST /{id}/approve`, `POST /{id}/reject` and `POST /{id}/reveal`; beside them
//! `GET /tenants/{tenantId}/me`, `POST …/employees/{employeeId}/paycheck-preview` and (HR
//! admins) `GET /tenants/{tenantId}/companies/{companyId}/pending-direct-deposits`. The
//! contract is written in `docs/openapi.yaml`, which tests check against this router.

pub mod auth;
pub mod body;
pub mod config;
pub mod cors;
mod error;
mod handlers;
pub mod limits;
mod me;
pub mod middleware;
pub mod paths;
mod preview;
pub mod render;
mod review;
pub mod review_body;
pub mod sources;
#[cfg(feature = "lambda")]
pub mod stage;
mod state;
mod time;
pub mod vault;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};

pub use auth::Principal;
pub use auth::jwt::{AccountClaim, Claims, Verifier, sign_hs256};
pub use config::{Config, Prepared};
pub use cors::{CorsError, CorsPolicy};
// The payroll seam is dd-storage's (under both the API and dd-delivery); re-exported so the
// API's users plug their dispatch in without naming the storage crate.
pub use dd_storage::{NoDispatch, PayrollDispatch};
pub use error::ApiError;
pub use handlers::IDEMPOTENCY_KEY_HEADER;
pub use limits::Limits;
pub use state::AppState;
pub use vault::{AccountVault, FingerprintKey};

/// The collection route.
pub const COLLECTION: &str =
    "/tenants/{tenantId}/companies/{companyId}/employees/{employeeId}/direct-deposits";

/// The API router over `state`.
pub fn app(state: AppState) -> Router {
    let item = format!("{COLLECTION}/{{id}}");
    let employee = "/tenants/{tenantId}/companies/{companyId}/employees/{employeeId}";
    let cors = state.cors.clone();
    let limits = state.limits;
    Router::new()
        .route("/tenants/{tenantId}/me", get(me::me))
        .route(COLLECTION, get(handlers::list).post(handlers::create))
        .route(
            &item,
            get(handlers::get_one)
                .patch(handlers::update)
                .delete(handlers::delete),
        )
        .route(&format!("{item}/approve"), post(handlers::approve))
        .route(&format!("{item}/reject"), post(handlers::reject))
        .route(&format!("{item}/reveal"), post(review::reveal))
        .route(
            &format!("{employee}/paycheck-preview"),
            post(preview::preview),
        )
        .route(
            "/tenants/{tenantId}/companies/{companyId}/pending-direct-deposits",
            get(review::pending),
        )
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(from_fn_with_state(
            limits.request_timeout,
            middleware::timeout,
        ))
        .layer(from_fn(middleware::access_log))
        .layer(from_fn_with_state(cors, cors::cors))
        .layer(from_fn(middleware::security_headers))
        .with_state(state)
}
