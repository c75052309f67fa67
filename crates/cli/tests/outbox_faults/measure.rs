//! Measurements, not pass/fail checks: printed with `--nocapture` (`MEASURE …` lines).

use std::time::{Duration, Instant};

use dd_delivery::RetryPolicy;
use dd_storage::JobStatus;
use serde_json::json;

use crate::support::{Sim, World};
use crate::{ALICE, BOB, CAROL};

async fn job_deposit(w: &World, job: i64) -> i64 {
    w.jobs()
        .await
        .into_iter()
        .find(|j| j.id == job)
        .unwrap()
        .deposit_id
}

/// Not a pass/fail check: prints commit → applied-at-payroll latency of the immediate
/// delivery, and retries under a 50 % before-apply failure rate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn measure_delivery_latency_and_retries() {
    let sim = Sim::start(0, &[]);
    let w = World::sqlite(&sim.url).await;
    // 40 attempts, not the default 10: at a 50 % failure rate one of 20 jobs used up 10
    // attempts (went dead) in about 2 % of runs, a flaky failure of a measurement.
    let policy = RetryPolicy {
        base_ms: 20,
        cap_ms: 200,
        max_attempts: 40,
        ..RetryPolicy::default()
    };
    let deliverer = w.deliverer(policy, Duration::from_secs(10));
    let (mut latencies, mut recorded) = (Vec::new(), Vec::new());
    for n in 0..20 {
        let key = [ALICE, BOB, CAROL][n % 3];
        let (_, job) = w
            .approved(
                key,
                &format!("7000{n:02}0001"),
                100 + i64::try_from(n).unwrap(),
            )
            .await;
        let idem = format!(
            "dd:{}:{}:{}:upsert",
            key.tenant,
            job_deposit(&w, job).await,
            2
        );
        let committed = Instant::now();
        let delivery = deliverer.spawn_delivery(key.tenant, job).unwrap();
        // 1 ms polling of the simulator's record: the latency includes up to ~1 ms of it.
        while sim.applied_count(&idem).await == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        latencies.push(committed.elapsed());
        delivery.await.unwrap();
        recorded.push(committed.elapsed());
    }
    for (what, v) in [
        ("applied at payroll", &mut latencies),
        ("job recorded done", &mut recorded),
    ] {
        v.sort();
        eprintln!(
            "MEASURE immediate delivery commit->{what} (SQLite, sim on loopback, 20 changes): \
             min {:?} p50 {:?} p90 {:?} max {:?} (the first pays token + tenant lookup)",
            v[0], v[10], v[18], v[19]
        );
    }

    sim.set_faults(json!({"failRate": 0.5, "failMode": "beforeApply"}))
        .await;
    let before = w.jobs().await.len();
    for n in 0..20 {
        let key = [ALICE, BOB, CAROL][n % 3];
        w.approved(key, &format!("8000{n:02}0001"), 100).await;
    }
    let started = Instant::now();
    let report = deliverer
        .drain_until_empty(25, Duration::from_millis(20))
        .await
        .unwrap();
    let jobs = w.jobs().await;
    let fresh = &jobs[before..];
    assert!(fresh.iter().all(|j| j.status == JobStatus::Done));
    let attempts: i64 = fresh.iter().map(|j| j.attempts).sum();
    eprintln!(
        "MEASURE fail-rate 0.5 before-apply: 20 jobs, {attempts} attempts ({} retries, max {} \
         for one job), drained in {:?}; {report:?}",
        attempts - 20,
        fresh.iter().map(|j| j.attempts).max().unwrap(),
        started.elapsed()
    );
}
