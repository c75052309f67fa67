//! The decrypt key, loaded once per container and kept fresh.
//!
//! A local secret is derived (PBKDF2, ~0.35 ms) during init, before the runtime's first
//! `next`; a Secrets Manager secret is fetched on its own thread, so that network wait
//! overlaps the runtime's start (see [`KeyCache::prime`]). With `DD_KEY_TTL_SECS` the secret is re-read in the background when it ages out, and
//! a decrypt that fails with a padding error may force one re-read (rate-limited), so a rotated
//! secret is picked up without a cold start.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use dd_crypto::decrypt_lambda::DecryptLambdaKey;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use tokio::sync::oneshot;

use crate::{DecryptorError, KeySourceConfig};

/// A failed decrypt forces at most one secret re-read per this interval, so garbage input
/// cannot turn into a flood of Secrets Manager calls.
const MIN_FORCED_REFRESH_INTERVAL: Duration = Duration::from_secs(10);

/// After a failed load, calls fail fast for this long before the next attempt.
const FAILED_LOAD_BACKOFF: Duration = Duration::from_secs(5);

type LoadFuture = Pin<Box<dyn Future<Output = Result<LoadedKey, DecryptorError>> + Send>>;

/// Where the key secret is read from.
#[derive(Debug)]
pub enum KeySource {
    Inline(SecretString),
    File(PathBuf),
    /// Secrets Manager; the client is built on the loading thread (building it loads the
    /// TLS trust roots, several milliseconds that must not delay the runtime's first poll).
    #[cfg(feature = "aws")]
    SecretsManager {
        env: dd_aws::SdkEnv,
        secret_id: String,
    },
}

impl KeySource {
    /// Builds the source; for Secrets Manager this reads the AWS settings (no network yet).
    pub fn from_config(config: KeySourceConfig) -> Result<Self, DecryptorError> {
        match config {
            KeySourceConfig::Inline(json) => Ok(Self::Inline(json)),
            KeySourceConfig::File(path) => Ok(Self::File(path)),
            #[cfg(feature = "aws")]
            KeySourceConfig::SecretsManager(secret_id) => {
                let env = dd_aws::SdkEnv::from_env()
                    .map_err(|err| DecryptorError::Config(err.to_string()))?;
                Ok(Self::SecretsManager { env, secret_id })
            }
            #[cfg(not(feature = "aws"))]
            KeySourceConfig::SecretsManager(_) => Err(DecryptorError::Config(
                "no DD_KEY_JSON or DD_KEY_FILE, and built without Secrets Manager".to_owned(),
            )),
        }
    }

    /// Whether re-reading can ever give a different key.
    fn can_change(&self) -> bool {
        !matches!(self, Self::Inline(_))
    }

    /// Starts loading now (local secrets begin deriving on a thread immediately) and returns
    /// the future that completes the load.
    fn begin_load(&self) -> LoadFuture {
        match self {
            Self::Inline(json) => derive_on_thread(Ok(json.clone())),
            Self::File(path) => derive_on_thread(read_secret_file(path)),
            #[cfg(feature = "aws")]
            Self::SecretsManager { env, secret_id } => {
                let (env, secret_id) = (env.clone(), secret_id.clone());
                run_on_thread("key-fetch", move || {
                    // A private runtime: this thread must not share the handler's.
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|_| DecryptorError::KeyUnavailable("no runtime".to_owned()))?;
                    let source = dd_aws::SecretsManagerSource::new(&env, secret_id);
                    dd_startup_marks::mark("sm_client");
                    let secret = runtime
                        .block_on(source.fetch())
                        .map_err(|err| DecryptorError::KeyUnavailable(err.to_string()))?;
                    dd_startup_marks::mark("secret_fetched");
                    derive(&secret)
                })
            }
        }
    }

    /// Loads a local secret on the calling thread; `None` for Secrets Manager.
    fn load_local(&self) -> Option<Result<LoadedKey, DecryptorError>> {
        match self {
            Self::Inline(json) => Some(derive(json)),
            Self::File(path) => Some(read_secret_file(path).and_then(|json| derive(&json))),
            #[cfg(feature = "aws")]
            Self::SecretsManager { .. } => None,
        }
    }
}

fn read_secret_file(path: &std::path::Path) -> Result<SecretString, DecryptorError> {
    std::fs::read_to_string(path)
        .map(SecretString::from)
        .map_err(|err| {
            DecryptorError::KeyUnavailable(format!(
                "cannot read {}: {}",
                path.display(),
                err.kind()
            ))
        })
}

/// A derived key and a fingerprint of the secret it came from (to notice rotation).
#[derive(Clone)]
struct LoadedKey {
    key: Arc<DecryptLambdaKey>,
    fingerprint: [u8; 32],
    loaded_at: Instant,
}

/// Runs PBKDF2 on its own thread so it overlaps whatever the runtime is doing.
fn derive_on_thread(secret: Result<SecretString, DecryptorError>) -> LoadFuture {
    match secret {
        Ok(secret) => run_on_thread("key-derivation", move || derive(&secret)),
        Err(err) => Box::pin(std::future::ready(Err(err))),
    }
}

/// Derives the key from the secret's JSON (PBKDF2: call off the runtime thread).
fn derive(secret: &SecretString) -> Result<LoadedKey, DecryptorError> {
    let json = secret.expose_secret();
    let key = DecryptLambdaKey::from_secret_json(json)?;
    dd_startup_marks::mark("key_ready");
    Ok(LoadedKey {
        key: Arc::new(key),
        fingerprint: Sha256::digest(json.as_bytes()).into(),
        loaded_at: Instant::now(),
    })
}

/// Runs `load` on a new thread now; the returned future waits for its result.
fn run_on_thread(
    name: &str,
    load: impl FnOnce() -> Result<LoadedKey, DecryptorError> + Send + 'static,
) -> LoadFuture {
    let (tx, rx) = oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            // The receiver only goes away when the container is shutting down.
            let _ = tx.send(load());
        });
    Box::pin(async move {
        spawned.map_err(|_| DecryptorError::KeyUnavailable("cannot start a thread".to_owned()))?;
        rx.await
            .map_err(|_| DecryptorError::KeyUnavailable("key loading stopped".to_owned()))?
    })
}

/// The container's key: one load at a time, shared by every invocation.
#[derive(Debug)]
pub struct KeyCache {
    source: KeySource,
    ttl: Option<Duration>,
    current: RwLock<Option<LoadedKey>>,
    /// Held while a load is in flight, so concurrent callers wait for it instead of
    /// starting their own.
    loading: Arc<tokio::sync::Mutex<()>>,
    background_refresh: AtomicBool,
    last_forced_refresh: Mutex<Option<Instant>>,
    last_failed_load: Mutex<Option<(Instant, &'static str)>>,
}

impl std::fmt::Debug for LoadedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoadedKey(<redacted>)")
    }
}

impl KeyCache {
    pub fn new(source: KeySource, ttl: Option<Duration>) -> Arc<Self> {
        Arc::new(Self {
            source,
            ttl,
            current: RwLock::new(None),
            loading: Arc::new(tokio::sync::Mutex::new(())),
            background_refresh: AtomicBool::new(false),
            last_forced_refresh: Mutex::new(None),
            last_failed_load: Mutex::new(None),
        })
    }

    /// Starts the first load right away (call during init, after logging is set up); logs
    /// clearly if it fails.
    ///
    /// A local secret (`DD_KEY_JSON`, `DD_KEY_FILE`) is derived right here, on the calling
    /// thread: PBKDF2 is CPU work that a second thread cannot hide on a Lambda's fraction of
    /// a vCPU, and on the bench the thread's spawn and scheduling cost more than it saved
    /// (bench/RESULTS.md, 2026-11-28 session 5). Secrets Manager is read on a thread: that
    /// wait is the network, which a thread does overlap with the runtime's start.
    pub fn prime(self: &Arc<Self>) {
        if let Some(loaded) = self.source.load_local() {
            match loaded {
                Ok(loaded) => self.store(loaded),
                Err(err) => {
                    tracing::error!(kind = err.kind(), error = %err, "decrypt key not loaded");
                    self.note_failed_load(&err);
                }
            }
            return;
        }
        let Ok(guard) = self.loading.clone().try_lock_owned() else {
            return;
        };
        let pending = self.source.begin_load();
        let this = Arc::clone(self);
        tokio::spawn(async move {
            let _guard = guard;
            match pending.await {
                Ok(loaded) => this.store(loaded),
                Err(err) => {
                    tracing::error!(kind = err.kind(), error = %err, "decrypt key not loaded");
                    this.note_failed_load(&err);
                }
            }
        });
    }

    fn note_failed_load(&self, err: &DecryptorError) {
        if let Ok(mut last) = self.last_failed_load.lock() {
            *last = Some((Instant::now(), err.kind()));
        }
    }

    /// The current key, waiting for an in-flight load or loading it if there is none.
    pub async fn current(self: &Arc<Self>) -> Result<Arc<DecryptLambdaKey>, DecryptorError> {
        if let Some(loaded) = self.snapshot() {
            if self
                .ttl
                .is_some_and(|ttl| loaded.loaded_at.elapsed() >= ttl)
            {
                self.refresh_in_background();
            }
            return Ok(loaded.key);
        }
        let _guard = self.loading.lock().await;
        if let Some(loaded) = self.snapshot() {
            return Ok(loaded.key);
        }
        let recent_failure = self
            .last_failed_load
            .lock()
            .ok()
            .and_then(|last| *last)
            .filter(|(at, _)| at.elapsed() < FAILED_LOAD_BACKOFF);
        if let Some((_, kind)) = recent_failure {
            return Err(DecryptorError::RecentlyFailed { kind });
        }
        match self.source.begin_load().await {
            Ok(loaded) => {
                self.store(loaded.clone());
                Ok(loaded.key)
            }
            Err(err) => {
                tracing::warn!(kind = err.kind(), error = %err, "decrypt key load failed");
                self.note_failed_load(&err);
                Err(err)
            }
        }
    }

    /// After a decrypt failed with `failed`: re-reads the secret (at most once per
    /// [`MIN_FORCED_REFRESH_INTERVAL`]) and returns a key worth one retry, if it changed.
    pub async fn refresh_after_failure(
        self: &Arc<Self>,
        failed: &Arc<DecryptLambdaKey>,
    ) -> Option<Arc<DecryptLambdaKey>> {
        if !self.source.can_change() {
            return None;
        }
        let _guard = self.loading.lock().await;
        if let Some(loaded) = self.snapshot().filter(|l| !Arc::ptr_eq(&l.key, failed)) {
            return Some(loaded.key); // someone else already refreshed it
        }
        {
            let mut last = self.last_forced_refresh.lock().ok()?;
            if last.is_some_and(|at| at.elapsed() < MIN_FORCED_REFRESH_INTERVAL) {
                return None;
            }
            *last = Some(Instant::now());
        }
        let before = self.snapshot().map(|l| l.fingerprint);
        match self.source.begin_load().await {
            Ok(loaded) => {
                let changed = before != Some(loaded.fingerprint);
                self.store(loaded.clone());
                if changed {
                    tracing::info!("decrypt key changed; retrying with the new key");
                }
                changed.then_some(loaded.key)
            }
            Err(err) => {
                tracing::warn!(kind = err.kind(), error = %err, "decrypt key re-read failed");
                None
            }
        }
    }

    fn refresh_in_background(self: &Arc<Self>) {
        if self.background_refresh.swap(true, Ordering::AcqRel) {
            return;
        }
        let this = Arc::clone(self);
        tokio::spawn(async move {
            let guard = this.loading.lock().await;
            match this.source.begin_load().await {
                Ok(loaded) => this.store(loaded),
                Err(err) => {
                    // Keep serving the old key; the next invocation past the TTL tries again.
                    tracing::warn!(kind = err.kind(), error = %err, "decrypt key refresh failed");
                }
            }
            drop(guard);
            this.background_refresh.store(false, Ordering::Release);
        });
    }

    fn snapshot(&self) -> Option<LoadedKey> {
        self.current.read().ok().and_then(|current| current.clone())
    }

    fn store(&self, loaded: LoadedKey) {
        if let Ok(mut current) = self.current.write() {
            *current = Some(loaded);
        }
    }
}
