//! A local payroll suite (`ddctl payroll-sim`): the Evolution-style endpoints the client
//! calls, with real credential checks, in-memory E/Ds, idempotent mutations, injected
//! latency and failures, and introspection under `/_sim/`.
//!
//! Endpoints:
//! - `POST /identity/tenants/{t}/oauth/token`: Bearer SSO JWT (HS256 with the API secret,
//!   `iss` = API key, not expired, `tenantId` = `{t}`, `jti` not seen before) and a
//!   password grant with the tenant's service credentials.
//! - `GET /identity/tenants/{t}`: `{"tenantId","subdomain"}`.
//! - `GET`/`PUT …/bureaus/{sub}/clients/{c}/companies/{co}/employees/{e}/eds/{ed}`,
//!   `POST …/eds`: mutations require `Idempotency-Key`; a key already applied gets the
//!   stored response and changes nothing.
//! - `GET /_sim/received` (applied mutations, account numbers masked), `GET /_sim/eds`
//!   (current E/Ds, masked), `GET /_sim/stats` (counters), `GET`/`POST /_sim/config`
//!   (fault settings at runtime). These are never slowed down or failed.

mod handlers;
mod state;

use std::time::Duration;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

pub use state::{EdKey, ReceivedMutation, SimEd, SimState, SimStats};

/// Where an injected failure happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FailMode {
    /// Answer 503 before doing anything: the request had no effect.
    #[default]
    BeforeApply,
    /// Handle the request (a mutation is applied and its idempotency key recorded), then
    /// break the connection instead of answering, as a timeout or dropped connection
    /// would: the client cannot know it succeeded, and its retry must not apply it twice.
    AfterApply,
}

/// Fault injection on the payroll endpoints (never on `/_sim/`).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FaultConfig {
    /// Probability in `[0, 1]` that a request fails.
    pub fail_rate: f64,
    /// How injected failures happen.
    pub fail_mode: FailMode,
    /// Delay added before each request is handled.
    pub latency_ms: u64,
    /// Fail this many next requests for sure (then back to `fail_rate`): deterministic
    /// faults for tests.
    pub fail_next: u32,
}

impl FaultConfig {
    /// The added latency.
    #[must_use]
    pub const fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms)
    }
}

/// A tenant the simulator knows, with its service account.
///
/// `Debug` is safe: the password prints redacted.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SimTenant {
    /// The tenant id.
    pub tenant_id: String,
    /// The bureau subdomain the tenant lookup returns (`{sub}` of the E/D paths).
    pub subdomain: String,
    /// The service account's user name.
    pub username: String,
    /// The service account's password (clear: this is what the client must send).
    pub password: SecretString,
}

impl SimTenant {
    /// A tenant with its service account.
    pub fn new(
        tenant_id: impl Into<String>,
        subdomain: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            subdomain: subdomain.into(),
            username: username.into(),
            password: SecretString::from(password.into()),
        }
    }
}

/// Simulator configuration; also readable from JSON (camelCase keys).
///
/// `Debug` is safe: secrets print redacted.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SimConfig {
    /// The API key SSO tokens must carry as `iss`.
    pub api_key: String,
    /// The HS256 key of SSO tokens.
    pub api_secret: SecretString,
    /// When set, SSO tokens must carry it as `sub`.
    #[serde(default)]
    pub application_id: Option<String>,
    /// The tenants and their service accounts.
    #[serde(default)]
    pub tenants: Vec<SimTenant>,
    /// Lifetime of issued access tokens (`expires_in`).
    #[serde(default = "default_token_ttl_secs")]
    pub token_ttl_secs: u64,
    /// Initial fault settings (changeable at runtime through `POST /_sim/config`).
    #[serde(default)]
    pub faults: FaultConfig,
}

const fn default_token_ttl_secs() -> u64 {
    3600
}

impl SimConfig {
    /// A configuration with no tenants, no faults and one-hour access tokens.
    pub fn new(api_key: impl Into<String>, api_secret: impl Into<String>) -> Self {
        Self {
            api_key: api_key.into(),
            api_secret: SecretString::from(api_secret.into()),
            application_id: None,
            tenants: Vec::new(),
            token_ttl_secs: default_token_ttl_secs(),
            faults: FaultConfig::default(),
        }
    }

    /// Adds a tenant.
    #[must_use]
    pub fn with_tenant(mut self, tenant: SimTenant) -> Self {
        self.tenants.push(tenant);
        self
    }

    /// Sets the initial fault settings.
    #[must_use]
    pub const fn with_faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }
}

/// The simulator's routes over `state` (keep a clone of `state` to inspect it in-process).
pub fn router(state: SimState) -> axum::Router {
    handlers::router(state)
}

/// Serves a fresh simulator built from `config` on `listener` until the task is dropped.
///
/// # Errors
/// The listener's I/O error.
pub async fn serve(config: SimConfig, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    serve_state(SimState::new(config), listener).await
}

/// Serves `state` on `listener` (for callers that keep the state to inspect it).
///
/// # Errors
/// The listener's I/O error.
pub async fn serve_state(
    state: SimState,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "payroll simulator listening");
    }
    axum::serve(listener, router(state)).await
}
