//! Per-tenant access-token cache.
//!
//! One async mutex per tenant: concurrent calls for a tenant whose token is missing or
//! stale wait for a single oauth exchange instead of each starting one, while other
//! tenants are not held up.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};

/// An open session with the payroll suite for one tenant.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub access_token: SecretString,
    /// `{sub}` of the E/D paths, from the tenant lookup.
    pub subdomain: String,
    /// When to stop using the token (its expiry minus the refresh margin).
    pub renew_at: Instant,
}

impl Session {
    pub fn new(
        access_token: SecretString,
        subdomain: String,
        expires_in: Duration,
        margin: Duration,
    ) -> Self {
        // A token shorter-lived than the margin is still used for half its life rather
        // than fetched again on every call.
        let usable = if expires_in > margin {
            expires_in - margin
        } else {
            expires_in / 2
        };
        Self {
            access_token,
            subdomain,
            renew_at: Instant::now() + usable,
        }
    }

    pub fn is_fresh(&self) -> bool {
        Instant::now() < self.renew_at
    }
}

type Slot = Arc<tokio::sync::Mutex<Option<Session>>>;

#[derive(Debug, Default)]
pub(crate) struct SessionCache {
    slots: Mutex<HashMap<String, Slot>>,
}

impl SessionCache {
    /// The tenant's slot; lock it to read or (re)fill the session.
    pub fn slot(&self, tenant_id: &str) -> Slot {
        // Poisoning only means another thread panicked mid-insert; the map is still sound.
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(slots.entry(tenant_id.to_owned()).or_default())
    }

    /// Drops the tenant's session if it still holds `stale_token` (another task may have
    /// replaced it already; keep that one).
    pub async fn invalidate(&self, tenant_id: &str, stale_token: &SecretString) {
        let slot = self.slot(tenant_id);
        let mut guard = slot.lock().await;
        if guard
            .as_ref()
            .is_some_and(|s| s.access_token.expose_secret() == stale_token.expose_secret())
        {
            *guard = None;
        }
    }

    /// Drops the tenant's session unconditionally.
    pub async fn forget(&self, tenant_id: &str) {
        *self.slot(tenant_id).lock().await = None;
    }
}
