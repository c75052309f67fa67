//! Payroll delivery inside `ddctl serve`: each job the API commits is delivered at once in
//! the background, and a drain loop retries what failed (with backoff) and what a crash left
//! leased. Unlike the detached tasks of `Deliverer`'s own dispatch, these tasks are tracked,
//! so a shutdown stops the loop between passes and lets deliveries in flight finish.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use dd_delivery::Deliverer;
use dd_storage::PayrollDispatch;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// Jobs claimed per drain-loop pass, and the pause between passes.
const DRAIN_BATCH: i64 = 25;
const DRAIN_POLL: Duration = Duration::from_secs(2);

/// The server's delivery: the API's dispatch seam and the drain loop.
#[derive(Debug)]
pub struct LocalDelivery {
    deliverer: Deliverer,
    /// Immediate deliveries in flight (finished ones are reaped on each new job).
    tasks: Mutex<JoinSet<()>>,
    stop: watch::Sender<bool>,
    drain_loop: Mutex<Option<JoinHandle<()>>>,
}

impl LocalDelivery {
    /// Starts the drain loop (inside the server's runtime).
    pub fn start(deliverer: Deliverer) -> Arc<Self> {
        let (stop, stopped) = watch::channel(false);
        let drain_loop = tokio::spawn(drain_loop(deliverer.clone(), stopped));
        Arc::new(Self {
            deliverer,
            tasks: Mutex::new(JoinSet::new()),
            stop,
            drain_loop: Mutex::new(Some(drain_loop)),
        })
    }

    /// Stops taking new work and waits up to `grace` for the work in flight; what is still
    /// running then is cancelled (its job stays leased and is retried after the lease).
    pub async fn stop(&self, grace: Duration) {
        let _ = self.stop.send(true);
        let drain_loop = self
            .drain_loop
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let mut tasks =
            std::mem::take(&mut *self.tasks.lock().unwrap_or_else(PoisonError::into_inner));
        let finish = async {
            if let Some(handle) = drain_loop {
                let _ = handle.await;
            }
            while tasks.join_next().await.is_some() {}
        };
        if tokio::time::timeout(grace, finish).await.is_err() {
            tracing::warn!(
                grace_secs = grace.as_secs(),
                "payroll deliveries still running after the grace period; their jobs are \
                 retried after their lease"
            );
        }
    }
}

impl PayrollDispatch for LocalDelivery {
    fn job_committed(&self, tenant: &str, job_id: i64) {
        if *self.stop.borrow() {
            tracing::info!(
                job = job_id,
                tenant,
                "stopping; job left for the next drain"
            );
            return;
        }
        let mut tasks = self.tasks.lock().unwrap_or_else(PoisonError::into_inner);
        while tasks.try_join_next().is_some() {}
        let deliverer = self.deliverer.clone();
        let tenant = tenant.to_owned();
        tasks.spawn(async move {
            if let Err(err) = deliverer.deliver_now(&tenant, job_id).await {
                tracing::warn!(job = job_id, tenant = %tenant, error = %err, "immediate delivery failed; the drain loop retries");
            }
        });
    }
}

/// Drains what is due every `DRAIN_POLL` until told to stop; a pass in progress finishes.
async fn drain_loop(deliverer: Deliverer, mut stopped: watch::Receiver<bool>) {
    loop {
        match deliverer.drain_due(DRAIN_BATCH, None).await {
            Ok(report) if report.claimed > 0 => tracing::info!(?report, "drained"),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "drain failed; retrying"),
        }
        // Only `true` is ever sent, and a dropped sender means the server is gone: either
        // way, a change ends the loop.
        tokio::select! {
            _ = stopped.changed() => return,
            () = tokio::time::sleep(DRAIN_POLL) => {}
        }
    }
}
