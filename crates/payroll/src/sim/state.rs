//! The simulator's memory: issued tokens, E/Ds, the idempotency ledger, the log of applied
//! mutations and counters. One mutex over all of it, never held across an `.await`, so
//! each request's check-and-apply is atomic.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rand_core::{OsRng, RngCore};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use super::{FailMode, FaultConfig, SimConfig, SimTenant};
use crate::mapping::EdWire;

/// Counters of what the simulator saw, for tests and `GET /_sim/stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimStats {
    /// Requests to the payroll endpoints (not `/_sim/`).
    pub requests: u64,
    /// `POST …/oauth/token` requests that reached the handler.
    pub oauth_token_calls: u64,
    /// Access tokens issued.
    pub tokens_issued: u64,
    /// Token requests refused for bad service credentials.
    pub credentials_rejected: u64,
    /// `GET /identity/tenants/{t}` requests that reached the handler.
    pub tenant_lookups: u64,
    /// `GET …/eds/{ed}` requests that reached the handler.
    pub ed_gets: u64,
    /// Mutations applied (each idempotency key at most once).
    pub mutations_applied: u64,
    /// Mutations answered from the idempotency ledger without applying them.
    pub idempotent_replays: u64,
    /// Failures injected by the fault settings.
    pub injected_failures: u64,
}

/// One applied mutation, as listed by `GET /_sim/received`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedMutation {
    /// The request's `Idempotency-Key`.
    pub idempotency_key: String,
    /// The tenant of the access token.
    pub tenant_id: String,
    /// `POST` or `PUT`.
    pub method: String,
    /// The request path.
    pub path: String,
    /// The request body, account number masked.
    pub body: serde_json::Value,
    /// The status answered.
    pub status: u16,
    /// How often the same key came back and got the stored answer.
    pub replays: u32,
}

/// One stored E/D, as listed by `GET /_sim/eds`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimEd {
    /// The owning tenant.
    pub tenant_id: String,
    /// `{sub}/{c}/{co}/{e}/{ed}` of its path.
    pub key: EdKey,
    /// The E/D JSON, account number masked.
    pub ed: serde_json::Value,
}

/// Where an E/D lives: bureau subdomain, client, company, employee, E/D id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EdKey {
    /// `{sub}`.
    pub subdomain: String,
    /// `{c}`.
    pub client_id: String,
    /// `{co}`.
    pub company_id: String,
    /// `{e}`.
    pub employee_id: String,
    /// `{ed}`.
    pub ed_id: String,
}

/// What a mutation asked for; the same key with a different request is refused.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Fingerprint {
    pub method: &'static str,
    pub path: String,
    pub body: serde_json::Value,
}

#[derive(Debug)]
pub(super) struct LedgerEntry {
    pub fingerprint: Fingerprint,
    pub status: u16,
    pub response: serde_json::Value,
    /// Index into `received`.
    pub received_index: usize,
}

#[derive(Debug)]
pub(super) struct Data {
    pub faults: FaultConfig,
    /// Access token → (tenant, expiry).
    pub tokens: HashMap<String, (String, Instant)>,
    pub seen_jti: HashSet<String>,
    pub eds: BTreeMap<EdKey, (String, EdWire)>,
    pub next_ed_id: u64,
    /// (tenant, idempotency key) → stored outcome.
    pub ledger: HashMap<(String, String), LedgerEntry>,
    pub received: Vec<ReceivedMutation>,
    pub stats: SimStats,
}

#[derive(Debug)]
pub(super) struct Inner {
    pub api_key: String,
    pub api_secret: SecretString,
    pub application_id: Option<String>,
    pub tenants: HashMap<String, SimTenant>,
    pub token_ttl: Duration,
    pub data: Mutex<Data>,
}

/// The simulator's shared state; clones share it.
#[derive(Debug, Clone)]
pub struct SimState {
    pub(super) inner: Arc<Inner>,
}

impl SimState {
    /// Fresh state from `config` (a fail rate outside `[0, 1]` is clamped).
    #[must_use]
    pub fn new(config: SimConfig) -> Self {
        let tenants = config
            .tenants
            .into_iter()
            .map(|t| (t.tenant_id.clone(), t))
            .collect();
        let data = Data {
            faults: clamp(config.faults),
            tokens: HashMap::new(),
            seen_jti: HashSet::new(),
            eds: BTreeMap::new(),
            next_ed_id: 1001,
            ledger: HashMap::new(),
            received: Vec::new(),
            stats: SimStats::default(),
        };
        Self {
            inner: Arc::new(Inner {
                api_key: config.api_key,
                api_secret: config.api_secret,
                application_id: config.application_id,
                tenants,
                token_ttl: Duration::from_secs(config.token_ttl_secs),
                data: Mutex::new(data),
            }),
        }
    }

    /// The counters.
    #[must_use]
    pub fn stats(&self) -> SimStats {
        self.lock().stats
    }

    /// Every applied mutation, oldest first, account numbers masked.
    #[must_use]
    pub fn received(&self) -> Vec<ReceivedMutation> {
        self.lock().received.clone()
    }

    /// How many mutations were applied with idempotency key `key` (any tenant): at most 1
    /// if idempotency holds.
    #[must_use]
    pub fn applied_count(&self, key: &str) -> usize {
        self.lock()
            .received
            .iter()
            .filter(|r| r.idempotency_key == key)
            .count()
    }

    /// The stored E/Ds, account numbers masked.
    #[must_use]
    pub fn eds(&self) -> Vec<SimEd> {
        self.lock()
            .eds
            .iter()
            .map(|(key, (tenant_id, wire))| SimEd {
                tenant_id: tenant_id.clone(),
                key: key.clone(),
                ed: wire.to_masked_json(),
            })
            .collect()
    }

    /// The current fault settings.
    #[must_use]
    pub fn faults(&self) -> FaultConfig {
        self.lock().faults
    }

    /// Replaces the fault settings (a fail rate outside `[0, 1]` is clamped).
    pub fn set_faults(&self, faults: FaultConfig) {
        self.lock().faults = clamp(faults);
    }

    /// Revokes every issued access token (the next E/D call gets 401), to exercise the
    /// client's renew-once path.
    pub fn revoke_tokens(&self) {
        self.lock().tokens.clear();
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Data> {
        // A handler that panicked mid-update leaves at worst a half-counted request: the
        // simulator keeps serving rather than failing every later request.
        self.inner
            .data
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts a request and decides its latency and whether it fails (and how).
    pub(super) fn fault_decision(&self) -> (Duration, Option<FailMode>) {
        let mut data = self.lock();
        data.stats.requests += 1;
        let faults = data.faults;
        let fail = if data.faults.fail_next > 0 {
            data.faults.fail_next -= 1;
            true
        } else {
            faults.fail_rate > 0.0 && random_unit() < faults.fail_rate
        };
        if fail {
            data.stats.injected_failures += 1;
        }
        (faults.latency(), fail.then_some(faults.fail_mode))
    }

    /// Issues an access token for `tenant_id`.
    pub(super) fn issue_token(&self, tenant_id: &str) -> String {
        let mut bytes = [0u8; 24];
        OsRng.fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        let mut data = self.lock();
        data.stats.tokens_issued += 1;
        let expires = Instant::now() + self.inner.token_ttl;
        data.tokens
            .insert(token.clone(), (tenant_id.to_owned(), expires));
        token
    }

    /// The tenant of a live access token.
    pub(super) fn token_tenant(&self, token: &str) -> Option<String> {
        let data = self.lock();
        let (tenant, expires) = data.tokens.get(token)?;
        (Instant::now() < *expires).then(|| tenant.clone())
    }

    /// Whether `username`/`password` are `tenant_id`'s service account.
    pub(super) fn credentials_ok(&self, tenant_id: &str, username: &str, password: &str) -> bool {
        self.inner
            .tenants
            .get(tenant_id)
            .is_some_and(|t| t.username == username && t.password.expose_secret() == password)
    }
}

fn clamp(mut faults: FaultConfig) -> FaultConfig {
    faults.fail_rate = if faults.fail_rate.is_nan() {
        0.0
    } else {
        faults.fail_rate.clamp(0.0, 1.0)
    };
    faults
}

/// A uniform number in `[0, 1)`.
fn random_unit() -> f64 {
    f64::from(OsRng.next_u32()) / (f64::from(u32::MAX) + 1.0)
}
