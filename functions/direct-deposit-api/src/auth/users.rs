//! Who a token's user is, remembered for a moment: every request resolves its token's
//! e-mail against the users table (role, employee link), and under load that lookup was a
//! database round trip as costly as the request's own read.
//!
//! Staleness is bounded by [`USER_CACHE_TTL`] (2 s): a user removed or given another role
//! keeps the old rights for at most that long after the change, while the bearer token
//! itself stays valid for its whole life (an hour or more), so the cache adds no exposure
//! anyone could notice between an HR change and the next click. Only users that exist are
//! remembered: a user added a moment ago works at once, and tokens for unknown e-mails
//! cannot fill the cache. The cache is bounded ([`MAX_ENTRIES`]) and per process (each
//! Lambda instance has its own).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use dd_storage::{StorageError, Store, UserRecord};

/// How long a looked-up user is trusted without asking the database again.
pub const USER_CACHE_TTL: Duration = Duration::from_secs(2);

/// Users remembered at most; past it the expired ones go, and if none had expired, all.
const MAX_ENTRIES: usize = 10_000;

type Key = (String, String);

/// The users of recent requests, each with when it was read.
#[derive(Debug)]
pub struct UserCache {
    ttl: Duration,
    entries: Mutex<HashMap<Key, (Instant, UserRecord)>>,
}

impl Default for UserCache {
    fn default() -> Self {
        Self::new(USER_CACHE_TTL)
    }
}

impl UserCache {
    /// A cache trusting an entry for `ttl` (zero: every lookup goes to the database).
    #[must_use]
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The user with `email` (compared lower-case) in `tenant`, from the cache while fresh,
    /// else from `store`.
    ///
    /// # Errors
    /// [`StorageError`] when the database lookup fails.
    pub async fn find(
        &self,
        store: &Store,
        tenant: &str,
        email: &str,
    ) -> Result<Option<UserRecord>, StorageError> {
        if self.ttl.is_zero() {
            return store.find_user(tenant, email).await;
        }
        let key = (tenant.to_owned(), email.to_lowercase());
        if let Some(user) = self.fresh(&key) {
            return Ok(Some(user));
        }
        let found = store.find_user(tenant, email).await?;
        if let Some(user) = &found {
            self.remember(key, user.clone());
        }
        Ok(found)
    }

    fn fresh(&self, key: &Key) -> Option<UserRecord> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(key)
            .filter(|(read_at, _)| read_at.elapsed() < self.ttl)
            .map(|(_, user)| user.clone())
    }

    fn remember(&self, key: Key, user: UserRecord) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
            entries.retain(|_, (read_at, _)| read_at.elapsed() < self.ttl);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), user));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dd_storage::{CompanySeed, DemoSeed, EmployeeSeed, Role, TenantSeed};

    const TENANT: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    const EMAIL: &str = "ann@cache.example";

    async fn store() -> Store {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        store.migrate().await.unwrap();
        let seed = DemoSeed {
            tenants: vec![TenantSeed {
                id: TENANT.to_owned(),
                name: "Cache".to_owned(),
                companies: vec![CompanySeed {
                    id: 1,
                    name: "Cache Co".to_owned(),
                    employees: vec![EmployeeSeed {
                        id: 1,
                        first_name: "Ann".to_owned(),
                        last_name: "Lee".to_owned(),
                        email: EMAIL.to_owned(),
                        role: Role::Employee,
                    }],
                }],
                payroll: None,
            }],
        };
        store.seed(&seed).await.unwrap();
        store
    }

    #[tokio::test]
    async fn remembers_existing_users_until_the_ttl_runs_out() {
        let store = store().await;
        let cache = UserCache::new(Duration::from_millis(300));
        let ann = cache.find(&store, TENANT, EMAIL).await.unwrap().unwrap();
        assert_eq!(ann.role, Role::Employee);
        // Gone from the database: still known while fresh (e-mail case does not matter)...
        sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(ann.id)
            .execute(store.pool())
            .await
            .unwrap();
        let upper = EMAIL.to_uppercase();
        assert_eq!(cache.find(&store, TENANT, &upper).await.unwrap(), Some(ann));
        // ...and unknown once the entry expired; misses are never remembered.
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert_eq!(cache.find(&store, TENANT, EMAIL).await.unwrap(), None);
        assert_eq!(
            cache
                .find(&store, TENANT, "nobody@x.example")
                .await
                .unwrap(),
            None
        );
        assert_eq!(cache.len(), 1);
    }

    #[tokio::test]
    async fn zero_ttl_always_asks_the_database() {
        let store = store().await;
        let cache = UserCache::new(Duration::ZERO);
        assert!(cache.find(&store, TENANT, EMAIL).await.unwrap().is_some());
        assert_eq!(cache.len(), 0);
    }
}
