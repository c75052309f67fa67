//! A bounded cache of plaintext data keys, so a warm Lambda does not call KMS per message.
//!
//! - Seal side: one current data key per tenant, reused until its TTL or its use count runs
//!   out. The use bound also keeps random 96-bit nonces far below their collision limit.
//! - Open side: unwrapped keys, looked up by a digest of (key id, tenant id, wrapped key). The
//!   tenant is part of the slot so a cache hit can never skip the KEK's tenant binding.
//!
//! Both sides hold at most `max_entries`; expired entries go first, then the oldest. Keys are
//! [`DataKey`]s behind `Arc`: an evicted key is zeroized as soon as the last in-flight
//! operation using it finishes. Time comes in as a parameter (see [`Clock`]) so tests need no
//! sleeping.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::provider::{DataKey, GeneratedDataKey};

/// The hard ceiling on uses of one data key with random nonces: NIST SP 800-38D's 2^32.
pub const MAX_USES_LIMIT: u64 = 1 << 32;

/// Where the cache reads the time. Inject a manual clock in tests.
pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
}

/// The monotonic system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// Cache limits. `max_entries = 0` turns caching off (every call goes to the provider).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheConfig {
    /// How long a data key stays usable after it was generated or unwrapped.
    pub ttl: Duration,
    /// How many messages one cached key may seal or open before it is dropped; clamped to
    /// [`MAX_USES_LIMIT`].
    pub max_uses: u64,
    /// Entries per side (seal: tenants; open: distinct wrapped keys).
    pub max_entries: usize,
}

impl Default for CacheConfig {
    /// 5 minutes, 2^20 uses (collision chance of random nonces about 2^-57), 1024 entries.
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(300),
            max_uses: 1 << 20,
            max_entries: 1024,
        }
    }
}

/// Entry counts, for tests and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub seal_entries: usize,
    pub open_entries: usize,
}

struct Entry<T> {
    value: Arc<T>,
    created: Instant,
    uses: u64,
}

/// The data-key cache (both sides). Cheap to share: wrap the cipher in an `Arc`.
pub struct DataKeyCache {
    config: CacheConfig,
    seal: Mutex<HashMap<String, Entry<GeneratedDataKey>>>,
    open: Mutex<HashMap<[u8; 32], Entry<DataKey>>>,
}

impl std::fmt::Debug for DataKeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKeyCache")
            .field("config", &self.config)
            .field("stats", &self.stats())
            .finish()
    }
}

impl DataKeyCache {
    pub fn new(mut config: CacheConfig) -> Self {
        config.max_uses = config.max_uses.clamp(1, MAX_USES_LIMIT);
        Self {
            config,
            seal: Mutex::new(HashMap::new()),
            open: Mutex::new(HashMap::new()),
        }
    }

    pub fn config(&self) -> CacheConfig {
        self.config
    }

    /// The tenant's current data key, counting one use; `None` when absent or spent.
    pub fn seal_key(&self, tenant_id: &str, now: Instant) -> Option<Arc<GeneratedDataKey>> {
        take_use(&mut lock(&self.seal), tenant_id, now, &self.config)
    }

    /// Stores a fresh key as the tenant's current one (its first use is the caller's) and
    /// makes it available to the open side too.
    pub fn insert_seal_key(
        &self,
        tenant_id: &str,
        key: GeneratedDataKey,
        now: Instant,
    ) -> Arc<GeneratedDataKey> {
        let key = Arc::new(key);
        let slot = open_slot(&key.key_id, &key.wrapped, tenant_id);
        let open_value = Arc::new(key.plaintext.clone());
        insert(&mut lock(&self.open), slot, open_value, now, &self.config);
        insert(
            &mut lock(&self.seal),
            tenant_id.to_owned(),
            Arc::clone(&key),
            now,
            &self.config,
        );
        key
    }

    /// An unwrapped key for this header, counting one use.
    pub fn open_key(
        &self,
        key_id: &str,
        wrapped: &[u8],
        tenant_id: &str,
        now: Instant,
    ) -> Option<Arc<DataKey>> {
        let slot = open_slot(key_id, wrapped, tenant_id);
        take_use(&mut lock(&self.open), &slot, now, &self.config)
    }

    /// Stores a key the provider just unwrapped (its first use is the caller's).
    pub fn insert_open_key(
        &self,
        key_id: &str,
        wrapped: &[u8],
        tenant_id: &str,
        key: DataKey,
        now: Instant,
    ) -> Arc<DataKey> {
        let key = Arc::new(key);
        let slot = open_slot(key_id, wrapped, tenant_id);
        insert(
            &mut lock(&self.open),
            slot,
            Arc::clone(&key),
            now,
            &self.config,
        );
        key
    }

    /// Drops (and so zeroizes) every cached key, e.g. after a KEK rotation.
    pub fn clear(&self) {
        lock(&self.seal).clear();
        lock(&self.open).clear();
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            seal_entries: lock(&self.seal).len(),
            open_entries: lock(&self.open).len(),
        }
    }
}

/// A poisoned lock only means another thread panicked mid-update; every update leaves the
/// map consistent, so keep using it rather than failing every later call.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn usable<T>(entry: &Entry<T>, now: Instant, config: &CacheConfig) -> bool {
    now.saturating_duration_since(entry.created) < config.ttl && entry.uses < config.max_uses
}

fn take_use<K, Q, T>(
    map: &mut HashMap<K, Entry<T>>,
    key: &Q,
    now: Instant,
    config: &CacheConfig,
) -> Option<Arc<T>>
where
    K: std::borrow::Borrow<Q> + std::hash::Hash + Eq,
    Q: std::hash::Hash + Eq + ?Sized,
{
    let entry = map.get_mut(key)?;
    if usable(entry, now, config) {
        entry.uses += 1;
        return Some(Arc::clone(&entry.value));
    }
    map.remove(key);
    None
}

fn insert<K, T>(
    map: &mut HashMap<K, Entry<T>>,
    key: K,
    value: Arc<T>,
    now: Instant,
    config: &CacheConfig,
) where
    K: std::hash::Hash + Eq + Clone,
{
    if config.max_entries == 0 {
        return;
    }
    if !map.contains_key(&key) && map.len() >= config.max_entries {
        map.retain(|_, entry| usable(entry, now, config));
        while map.len() >= config.max_entries {
            let oldest = map
                .iter()
                .min_by_key(|(_, entry)| entry.created)
                .map(|(key, _)| key.clone());
            match oldest {
                Some(oldest) => map.remove(&oldest),
                None => break,
            };
        }
    }
    map.insert(
        key,
        Entry {
            value,
            created: now,
            uses: 1,
        },
    );
}

/// The open side's slot: a digest, so the map holds no wrapped keys and lookups need no
/// owned copies. Fields are length-prefixed so no two headers share a slot.
fn open_slot(key_id: &str, wrapped: &[u8], tenant_id: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for field in [key_id.as_bytes(), tenant_id.as_bytes(), wrapped] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field);
    }
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn key(tag: u8) -> GeneratedDataKey {
        GeneratedDataKey {
            key_id: "local:test".into(),
            plaintext: DataKey::from_array([tag; 32]),
            wrapped: vec![tag; 60],
        }
    }

    fn config(ttl_secs: u64, max_uses: u64, max_entries: usize) -> CacheConfig {
        CacheConfig {
            ttl: Duration::from_secs(ttl_secs),
            max_uses,
            max_entries,
        }
    }

    #[test]
    fn seal_key_expires_after_ttl() {
        let cache = DataKeyCache::new(config(60, 100, 8));
        let t0 = Instant::now();
        cache.insert_seal_key("acme", key(1), t0);
        assert!(
            cache
                .seal_key("acme", t0 + Duration::from_secs(59))
                .is_some()
        );
        assert!(
            cache
                .seal_key("acme", t0 + Duration::from_secs(60))
                .is_none()
        );
        assert_eq!(cache.stats().seal_entries, 0);
    }

    #[test]
    fn seal_key_is_spent_after_max_uses() {
        let cache = DataKeyCache::new(config(60, 3, 8));
        let t0 = Instant::now();
        cache.insert_seal_key("acme", key(1), t0); // use 1
        assert!(cache.seal_key("acme", t0).is_some()); // use 2
        assert!(cache.seal_key("acme", t0).is_some()); // use 3
        assert!(cache.seal_key("acme", t0).is_none());
        assert!(cache.seal_key("globex", t0).is_none());
    }

    #[test]
    fn open_side_is_keyed_by_tenant_key_id_and_wrapped_key() {
        let cache = DataKeyCache::new(config(60, 100, 8));
        let t0 = Instant::now();
        let made = key(7);
        cache.insert_seal_key("acme", made.clone(), t0);
        let hit = cache
            .open_key(&made.key_id, &made.wrapped, "acme", t0)
            .unwrap();
        assert_eq!(hit.expose(), &[7; 32]);
        assert!(
            cache
                .open_key(&made.key_id, &made.wrapped, "globex", t0)
                .is_none()
        );
        assert!(
            cache
                .open_key("local:other", &made.wrapped, "acme", t0)
                .is_none()
        );
        assert!(cache.open_key(&made.key_id, &[7; 59], "acme", t0).is_none());
        assert!(
            cache
                .open_key(
                    &made.key_id,
                    &made.wrapped,
                    "acme",
                    t0 + Duration::from_secs(61)
                )
                .is_none()
        );
    }

    #[test]
    fn entries_are_bounded_expired_then_oldest_first() {
        let cache = DataKeyCache::new(config(60, 100, 2));
        let t0 = Instant::now();
        cache.insert_seal_key("a", key(1), t0);
        cache.insert_seal_key("b", key(2), t0 + Duration::from_secs(1));
        cache.insert_seal_key("c", key(3), t0 + Duration::from_secs(2));
        let now = t0 + Duration::from_secs(3);
        assert!(cache.seal_key("a", now).is_none());
        assert!(cache.seal_key("b", now).is_some());
        assert!(cache.seal_key("c", now).is_some());
        assert_eq!(
            cache.stats(),
            CacheStats {
                seal_entries: 2,
                open_entries: 2
            }
        );
    }

    #[test]
    fn evicted_key_is_dropped_once_unused() {
        let cache = DataKeyCache::new(config(60, 100, 1));
        let t0 = Instant::now();
        let first = cache.insert_seal_key("a", key(1), t0);
        cache.insert_seal_key("b", key(2), t0);
        // Only the in-flight handle keeps the evicted key alive; dropping it zeroizes it.
        assert_eq!(Arc::strong_count(&first), 1);
    }

    #[test]
    fn zero_entries_disables_caching_and_uses_are_clamped() {
        let cache = DataKeyCache::new(config(60, 0, 0));
        assert_eq!(cache.config().max_uses, 1);
        let t0 = Instant::now();
        cache.insert_seal_key("a", key(1), t0);
        assert!(cache.seal_key("a", t0).is_none());
        let huge = DataKeyCache::new(config(60, u64::MAX, 1));
        assert_eq!(huge.config().max_uses, MAX_USES_LIMIT);
    }
}
