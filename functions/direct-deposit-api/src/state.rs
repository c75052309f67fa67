//! What every request shares: the store, the token verifier, the account vault, the
//! fingerprint key and the payroll seam. Built once at start-up; cheap to clone.

use std::sync::Arc;

use dd_storage::Store;

use crate::auth::jwt::Verifier;
use crate::auth::users::UserCache;
use crate::cors::CorsPolicy;
use crate::limits::Limits;
use crate::vault::{AccountVault, FingerprintKey};
use dd_storage::{NoDispatch, PayrollDispatch};

/// The API's shared state.
#[derive(Clone)]
pub struct AppState {
    /// The tenant database.
    pub store: Store,
    /// Bearer-token verification keys.
    pub verifier: Arc<Verifier>,
    /// Token users looked up recently (a 2-s TTL, `auth/users.rs`).
    pub users: Arc<UserCache>,
    /// Seals and opens account numbers (`dd1:` envelopes).
    pub vault: Arc<dyn AccountVault>,
    /// Keys the duplicate-rule fingerprint.
    pub fingerprint: Arc<FingerprintKey>,
    /// Told about committed payroll jobs; never awaited.
    pub dispatch: Arc<dyn PayrollDispatch>,
    /// Origins allowed to call from a browser (none by default: same origin).
    pub cors: CorsPolicy,
    /// Body size, request time and per-employee limits.
    pub limits: Limits,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store)
            .field("verifier", &self.verifier)
            .field("fingerprint", &self.fingerprint)
            .field("dispatch", &self.dispatch)
            .field("cors", &self.cors)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State with no payroll delivery ([`NoDispatch`]): jobs wait in the outbox.
    #[must_use]
    pub fn new(
        store: Store,
        verifier: Verifier,
        vault: Arc<dyn AccountVault>,
        fingerprint: FingerprintKey,
    ) -> Self {
        Self {
            store,
            verifier: Arc::new(verifier),
            users: Arc::new(UserCache::default()),
            vault,
            fingerprint: Arc::new(fingerprint),
            dispatch: Arc::new(NoDispatch),
            cors: CorsPolicy::none(),
            limits: Limits::default(),
        }
        .with_limits(Limits::default())
    }

    /// Applies `limits` (the per-employee maximum is enforced by the store's creates).
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.store = self
            .store
            .with_max_deposits_per_employee(limits.max_deposits_per_employee);
        self.limits = limits;
        self
    }

    /// Replaces the user cache (e.g. a zero TTL, where a test changes users under a
    /// running server and expects the change at once).
    #[must_use]
    pub fn with_user_cache(mut self, users: UserCache) -> Self {
        self.users = Arc::new(users);
        self
    }

    /// Allows browser calls from the origins of `cors` (`ddctl serve --cors-origin`,
    /// `DD_CORS_ORIGINS`).
    #[must_use]
    pub fn with_cors(mut self, cors: CorsPolicy) -> Self {
        self.cors = cors;
        self
    }

    /// Replaces the payroll seam (e.g. with `dd-delivery`'s in-process deliverer).
    #[must_use]
    pub fn with_dispatch(mut self, dispatch: Arc<dyn PayrollDispatch>) -> Self {
        self.dispatch = dispatch;
        self
    }

    /// Reports a committed job to the payroll seam (non-blocking by contract).
    pub(crate) fn job_committed(&self, tenant: &str, job: Option<i64>) {
        if let Some(job) = job {
            self.dispatch.job_committed(tenant, job);
        }
    }
}
