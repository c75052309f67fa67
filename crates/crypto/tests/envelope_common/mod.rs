//! Test support for the envelope tests: a runtime-free `block_on`, a manual clock and a
//! fake key provider that can fail like KMS does.
#![allow(clippy::unwrap_used, dead_code)]

use std::future::Future;
use std::pin::pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use dd_crypto::CryptoError;
use dd_crypto::envelope::{Clock, DataKey, GeneratedDataKey, KeyProvider, LocalKeyProvider};

/// Drives a future to completion on this thread. dd-crypto has no runtime, and its futures
/// (local and fake providers) are ready at once, so polling with a no-op waker suffices.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::yield_now();
    }
}

/// A clock the test moves by hand.
pub struct ManualClock(Mutex<Instant>);

impl ManualClock {
    pub fn new() -> Self {
        Self(Mutex::new(Instant::now()))
    }

    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        *self.0.lock().unwrap()
    }
}

/// How the fake KMS answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FakeKms {
    Healthy,
    /// The caller's role may not use the key.
    AccessDenied,
    /// The key is disabled or pending deletion.
    Disabled,
    Throttling,
}

/// A key provider with KMS's failure modes, backed by a real local KEK; counts calls.
pub struct FakeProvider {
    inner: LocalKeyProvider,
    pub mode: Mutex<FakeKms>,
    pub generates: AtomicUsize,
    pub decrypts: AtomicUsize,
}

impl FakeProvider {
    pub fn new() -> Self {
        Self {
            inner: LocalKeyProvider::generate().unwrap(),
            mode: Mutex::new(FakeKms::Healthy),
            generates: AtomicUsize::new(0),
            decrypts: AtomicUsize::new(0),
        }
    }

    pub fn set(&self, mode: FakeKms) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn calls(&self) -> (usize, usize) {
        (
            self.generates.load(Ordering::SeqCst),
            self.decrypts.load(Ordering::SeqCst),
        )
    }

    fn failure(&self, operation: &str) -> Option<CryptoError> {
        let code = match *self.mode.lock().unwrap() {
            FakeKms::Healthy => return None,
            FakeKms::AccessDenied => "AccessDeniedException",
            FakeKms::Disabled => "DisabledException",
            FakeKms::Throttling => "ThrottlingException",
        };
        Some(CryptoError::key_unavailable(format!(
            "fake KMS {operation}: {code}"
        )))
    }
}

impl KeyProvider for FakeProvider {
    async fn generate_data_key(&self, tenant_id: &str) -> Result<GeneratedDataKey, CryptoError> {
        self.generates.fetch_add(1, Ordering::SeqCst);
        match self.failure("GenerateDataKey") {
            Some(err) => Err(err),
            None => self.inner.generate_data_key(tenant_id).await,
        }
    }

    async fn decrypt_data_key(
        &self,
        key_id: &str,
        wrapped: &[u8],
        tenant_id: &str,
    ) -> Result<DataKey, CryptoError> {
        self.decrypts.fetch_add(1, Ordering::SeqCst);
        match self.failure("Decrypt") {
            Some(err) => Err(err),
            None => {
                self.inner
                    .decrypt_data_key(key_id, wrapped, tenant_id)
                    .await
            }
        }
    }
}
