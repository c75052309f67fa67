//! The worker: claims outbox jobs, runs one attempt each, and records the outcome
//! (done, rescheduled with backoff, or dead) fenced on the claim.
//!
//! Nothing is lost: a job leaves the outbox only as `done` (payroll confirmed it) or
//! `dead` (recorded with its reason, for an operator). Nothing is applied twice: every
//! attempt of a job sends the job's idempotency key with a byte-identical request, and a
//! drainer that lost its lease cannot overwrite the outcome of the one that took over.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use dd_payroll::{PayrollClient, PayrollConfig, TenantCredentials};
use dd_storage::{
    ClaimOptions, JobStatus, PayrollAccount, PayrollJob, PayrollOutcome, Store, backoff_ms, now_ms,
};
use rand_core::{OsRng, RngCore};
use tokio::task::{JoinHandle, JoinSet};

use crate::accounts::AccountOpener;
use crate::attempt::Delivered;
use crate::credentials::{CredentialCache, CredentialSource};
use crate::{DeliveryError, DrainReport, FailureClass, JobOutcome, PayrollSuite, RetryPolicy};

/// The outbox delivery worker. Cheap to clone (one shared state): clone it into tasks.
#[derive(Clone)]
pub struct Deliverer {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    suite: PayrollSuite,
    /// One client per payroll base URL (tenants may sit on different suites); each caches
    /// its tenants' sessions.
    clients: Mutex<HashMap<String, Arc<PayrollClient>>>,
    source: CredentialSource,
    credentials: CredentialCache,
    accounts: Arc<dyn AccountOpener>,
    policy: RetryPolicy,
}

impl std::fmt::Debug for Deliverer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deliverer")
            .field("store", &self.inner.store.backend())
            .field("suite", &self.inner.suite)
            .field("source", &self.inner.source)
            .field("policy", &self.inner.policy)
            .finish_non_exhaustive()
    }
}

impl Deliverer {
    /// A worker over `store`, calling the payroll suite as `suite`, decrypting service
    /// passwords with `source` and account numbers with `accounts`.
    ///
    /// # Errors
    /// [`DeliveryError::Config`] for an invalid `policy`.
    pub fn new(
        store: Store,
        suite: PayrollSuite,
        source: CredentialSource,
        accounts: Arc<dyn AccountOpener>,
        policy: RetryPolicy,
    ) -> Result<Self, DeliveryError> {
        policy.validate()?;
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                suite,
                clients: Mutex::new(HashMap::new()),
                source,
                credentials: CredentialCache::default(),
                accounts,
                policy,
            }),
        })
    }

    /// The database.
    #[must_use]
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The retry policy.
    #[must_use]
    pub fn policy(&self) -> RetryPolicy {
        self.inner.policy
    }

    /// Delivers one job right after its commit, if it is due and nobody holds it.
    /// `None` when there was nothing to claim (already done, held by a drainer, or an
    /// older job of the same deposit is still open: the drain delivers it in order).
    ///
    /// # Errors
    /// [`DeliveryError::Storage`] when the claim or the outcome cannot be written; the job
    /// then stays with the drain.
    pub async fn deliver_now(
        &self,
        tenant: &str,
        job_id: i64,
    ) -> Result<Option<JobOutcome>, DeliveryError> {
        let claimed = self
            .store()
            .claim_job(tenant, job_id, &self.claim_options(1))
            .await?;
        match claimed {
            Some(job) => Ok(Some(self.process(job).await?)),
            None => {
                tracing::debug!(
                    job = job_id,
                    tenant,
                    "job not claimable now; left to the drain"
                );
                Ok(None)
            }
        }
    }

    /// Starts [`Self::deliver_now`] in the background and returns at once: what the API
    /// calls after committing a change, so a slow payroll suite never slows the response.
    /// Failures are logged; the drain retries. Outside a tokio runtime nothing is started
    /// (`None`) and the job waits for the drain.
    pub fn spawn_delivery(&self, tenant: &str, job_id: i64) -> Option<JoinHandle<()>> {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(
                job = job_id,
                tenant,
                "no async runtime; job left for the drain"
            );
            return None;
        };
        let this = self.clone();
        let tenant = tenant.to_owned();
        Some(runtime.spawn(async move {
            if let Err(e) = this.deliver_now(&tenant, job_id).await {
                tracing::warn!(job = job_id, tenant = %tenant, error = %e, "immediate delivery failed; the drain will retry");
            }
        }))
    }

    /// Claims up to `limit` due jobs of all tenants and delivers them concurrently (at
    /// most one job per deposit is ever due at a time, so order per deposit holds).
    ///
    /// # Errors
    /// [`DeliveryError::Storage`] when the claim fails (nothing was claimed then).
    pub async fn drain(&self, limit: i64) -> Result<DrainReport, DeliveryError> {
        let jobs = self
            .store()
            .claim_due_jobs(&self.claim_options(limit))
            .await?;
        let mut report = DrainReport {
            claimed: u64::try_from(jobs.len()).unwrap_or(u64::MAX),
            ..DrainReport::default()
        };
        let mut tasks = JoinSet::new();
        for job in jobs {
            let this = self.clone();
            tasks.spawn(async move { this.process(job).await });
        }
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(Ok(outcome)) => report.count(outcome),
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "job outcome not recorded; it is retried after its lease");
                    report.unrecorded += 1;
                }
                Err(e) => {
                    tracing::error!(error = %e, "delivery task failed");
                    report.unrecorded += 1;
                }
            }
        }
        Ok(report)
    }

    /// Drains what is due now: batches of `batch` for as long as a batch comes back full
    /// (a short batch took everything that was due; jobs that failed in this pass wait for
    /// the next one), and no further batch once a claim could outlive `stop_at` (a
    /// Lambda's deadline).
    ///
    /// # Errors
    /// As [`Self::drain`].
    pub async fn drain_due(
        &self,
        batch: i64,
        stop_at: Option<Instant>,
    ) -> Result<DrainReport, DeliveryError> {
        let mut total = DrainReport::default();
        loop {
            let lease = self.policy().attempt_budget();
            if stop_at.is_some_and(|t| Instant::now() + lease >= t) {
                break;
            }
            let round = self.drain(batch).await?;
            total.merge(&round);
            if i64::try_from(round.claimed).unwrap_or(i64::MAX) < batch {
                break;
            }
        }
        Ok(total)
    }

    /// Drains until no job is pending or in flight: waits out backoffs and the leases of
    /// drainers that died. Dead jobs do not count.
    ///
    /// # Errors
    /// As [`Self::drain`].
    pub async fn drain_until_empty(
        &self,
        batch: i64,
        poll: Duration,
    ) -> Result<DrainReport, DeliveryError> {
        let mut total = DrainReport::default();
        loop {
            total.merge(&self.drain_due(batch, None).await?);
            let store = self.store();
            let open = store.count_jobs(None, Some(JobStatus::Pending)).await?
                + store.count_jobs(None, Some(JobStatus::InFlight)).await?;
            if open == 0 {
                return Ok(total);
            }
            tokio::time::sleep(poll).await;
        }
    }

    /// Drains forever, every `poll`; database failures are logged and retried.
    pub async fn watch(&self, batch: i64, poll: Duration) {
        loop {
            match self.drain_due(batch, None).await {
                Ok(report) if report.claimed > 0 => {
                    tracing::info!(?report, "drained");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "drain failed; retrying"),
            }
            tokio::time::sleep(poll).await;
        }
    }

    /// Starts [`Self::watch`] in the background (the safety net behind
    /// [`Self::spawn_delivery`]: retries, and jobs whose immediate delivery never ran).
    pub fn spawn_drain_loop(&self, batch: i64, poll: Duration) -> JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move { this.watch(batch, poll).await })
    }

    fn claim_options(&self, limit: i64) -> ClaimOptions {
        let policy = self.policy();
        ClaimOptions {
            now_ms: now_ms(),
            lease_ms: policy.lease_ms,
            limit,
            max_attempts: policy.max_attempts,
        }
    }

    /// Runs one attempt of a claimed job and records its outcome.
    async fn process(&self, job: PayrollJob) -> Result<JobOutcome, DeliveryError> {
        let started = Instant::now();
        let budget = self.policy().attempt_budget();
        let result = tokio::time::timeout(budget, self.attempt(&job))
            .await
            .unwrap_or(Err(DeliveryError::LeaseBudgetExceeded));
        let store = self.store();
        let outcome = match result {
            Ok(Delivered::Applied(ed)) => {
                self.finish_done(&job, PayrollOutcome::Applied, Some(ed), None)
                    .await?
            }
            Ok(Delivered::Skipped(why)) => {
                self.finish_done(&job, PayrollOutcome::Skipped, None, Some(why))
                    .await?
            }
            Err(e) => self.record_failure(&job, &e).await?,
        };
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(
            job = job.id,
            tenant = %job.tenant_id,
            deposit = job.deposit_id,
            action = job.action.as_str(),
            attempt = job.attempts,
            ?outcome,
            elapsed_ms,
            backend = ?store.backend(),
            "payroll job processed"
        );
        Ok(outcome)
    }

    async fn finish_done(
        &self,
        job: &PayrollJob,
        audit: PayrollOutcome,
        ed_id: Option<i64>,
        detail: Option<&str>,
    ) -> Result<JobOutcome, DeliveryError> {
        if !self.store().complete_job(job).await? {
            return Ok(JobOutcome::LeaseLost);
        }
        self.audit(job, audit, ed_id, detail).await;
        Ok(match audit {
            PayrollOutcome::Skipped => JobOutcome::Skipped,
            _ => JobOutcome::Applied { ed_id },
        })
    }

    async fn record_failure(
        &self,
        job: &PayrollJob,
        error: &DeliveryError,
    ) -> Result<JobOutcome, DeliveryError> {
        let policy = self.policy();
        let class = error.class();
        let mut reason = error.reason();
        tracing::warn!(
            job = job.id,
            tenant = %job.tenant_id,
            deposit = job.deposit_id,
            attempt = job.attempts,
            class = ?class,
            reason = %reason,
            "payroll delivery attempt failed"
        );
        let store = self.store();
        if class == FailureClass::Permanent || job.attempts >= policy.max_attempts {
            if class != FailureClass::Permanent {
                reason.push_str(&format!("; gave up after {} attempts", job.attempts));
            }
            if !store.kill_job(job, &reason).await? {
                return Ok(JobOutcome::LeaseLost);
            }
            self.audit(job, PayrollOutcome::Dead, None, Some(&reason))
                .await;
            return Ok(JobOutcome::Dead);
        }
        let delay = backoff_ms(job.attempts, policy.base_ms, policy.cap_ms, random_unit());
        let next_attempt_at = now_ms().saturating_add(delay);
        if store.fail_job(job, &reason, next_attempt_at).await? {
            Ok(JobOutcome::Retrying { next_attempt_at })
        } else {
            Ok(JobOutcome::LeaseLost)
        }
    }

    /// Audit rows are best effort once the job's outcome is recorded: the outbox row is the
    /// record of truth, and failing here must not make a done job look undone.
    async fn audit(
        &self,
        job: &PayrollJob,
        outcome: PayrollOutcome,
        ed_id: Option<i64>,
        detail: Option<&str>,
    ) {
        if let Err(e) = self
            .store()
            .record_payroll_outcome(job, outcome, ed_id, detail)
            .await
        {
            tracing::warn!(job = job.id, error = %e, "audit row of a payroll outcome not written");
        }
    }

    pub(crate) fn accounts(&self) -> &dyn AccountOpener {
        self.inner.accounts.as_ref()
    }

    /// The client of the account's payroll suite (built once per base URL).
    pub(crate) fn client(
        &self,
        account: &PayrollAccount,
    ) -> Result<Arc<PayrollClient>, DeliveryError> {
        let mut clients = self
            .inner
            .clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(client) = clients.get(&account.api_base_url) {
            return Ok(Arc::clone(client));
        }
        let suite = &self.inner.suite;
        let mut config = PayrollConfig::new(
            account.api_base_url.clone(),
            suite.api_key.clone(),
            suite.api_secret.clone(),
            suite.application_id.clone(),
        );
        config.request_timeout = suite.request_timeout;
        config.connect_timeout = suite.connect_timeout;
        let client = Arc::new(PayrollClient::new(config)?);
        clients.insert(account.api_base_url.clone(), Arc::clone(&client));
        Ok(client)
    }

    pub(crate) async fn tenant_credentials(
        &self,
        tenant: &str,
        account: &PayrollAccount,
        fresh: bool,
    ) -> Result<TenantCredentials, DeliveryError> {
        self.inner
            .credentials
            .get(&self.inner.source, tenant, account, fresh)
            .await
    }

    pub(crate) fn forget_credentials(&self, tenant: &str) {
        self.inner.credentials.forget(tenant);
    }
}

/// A uniform number in `[0, 1)` for the backoff's jitter.
fn random_unit() -> f64 {
    f64::from(OsRng.next_u32()) / (f64::from(u32::MAX) + 1.0)
}
