//! Payroll delivery under faults, with real processes: `ddctl payroll-sim` as the payroll
//! suite, `ddctl outbox drain` as the worker (killed with SIGKILL in one scenario), SQLite
//! files and a fresh Postgres database. Exactly-once is checked at the simulator, which
//! records every mutation it applied with its idempotency key.
//!
//! No assertion here is about wall-clock time: "fast" is shown by ordering (the API call
//! returned while payroll had not answered yet), and the measured numbers are printed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod lambda_watch;
mod measure;
mod pg;
mod requeue;
mod support;

use std::time::Duration;

use dd_delivery::RetryPolicy;
use dd_storage::{
    Actor, DEMO_TENANT_1, DEMO_TENANT_2, ENTITY_DIRECT_DEPOSIT, EmployeeKey, JobStatus, Store,
};
use serde_json::json;
use support::{FAST_RETRIES, Sim, TempDir, World, eventually, flat, free_port};

#[derive(Clone, Copy)]
enum Db {
    Sqlite,
    Postgres,
}

async fn world(db: Db, payroll_url: &str) -> Option<(World, Option<pg::PgDb>)> {
    match db {
        Db::Sqlite => Some((World::sqlite(payroll_url).await, None)),
        Db::Postgres => {
            let pg = pg::PgDb::create().await?;
            let store = Store::connect(&pg.url).await.unwrap();
            let w = World::new(TempDir::new(), pg.url.clone(), store, payroll_url).await;
            Some((w, Some(pg)))
        }
    }
}

fn admin() -> Actor {
    Actor::user(3, "hr@acme.example")
}

const ALICE: EmployeeKey<'static> = EmployeeKey::new(DEMO_TENANT_1, 1, 1);
const BOB: EmployeeKey<'static> = EmployeeKey::new(DEMO_TENANT_1, 1, 2);
const CAROL: EmployeeKey<'static> = EmployeeKey::new(DEMO_TENANT_2, 1, 1);

fn with(extra: &[&'static str]) -> Vec<&'static str> {
    [&FAST_RETRIES[..], extra].concat()
}

/// Payroll is down while HR approves, updates and deletes; the changes commit, the outbox
/// keeps them with the reason, and after recovery each reaches payroll exactly once.
async fn payroll_down_then_recovers(db: Db) {
    let port = free_port();
    let Some((w, _pg)) = world(db, &format!("http://127.0.0.1:{port}")).await else {
        return;
    };
    let (a, _) = w.approved(ALICE, "111122223333", 10_000).await;
    let (b, _) = w.approved(BOB, "444455556666", 20_000).await;
    let (c, _) = w.approved(CAROL, "777788889999", 30_000).await;
    w.store
        .update_deposit(ALICE, a.id, flat(12_500), &admin())
        .await
        .unwrap();
    w.store.delete_deposit(BOB, b.id, &admin()).await.unwrap();
    assert_eq!(w.jobs().await.len(), 5);

    // Down: one attempt per deposit (later changes of a deposit wait for the earlier one).
    let report = w.drain(&with(&[]));
    assert_eq!(
        (report["claimed"].as_u64(), report["retrying"].as_u64()),
        (Some(3), Some(3))
    );
    for job in w.jobs().await {
        assert_eq!(job.status, JobStatus::Pending, "job {job:?}");
        if job.attempts > 0 {
            assert_eq!(
                job.last_error.as_deref(),
                Some("connection_failed at oauth_token")
            );
        }
    }
    let a_now = w.store.get_deposit(ALICE, a.id).await.unwrap();
    assert_eq!(
        (a_now.allocation, a_now.payroll_ed_id),
        (flat(12_500), None)
    );

    // Recovered.
    let sim = Sim::start(port, &[]);
    let report = w.drain(&with(&["--until-empty"]));
    assert_eq!(report["applied"].as_u64(), Some(5), "{report}");
    let jobs = w.jobs().await;
    assert!(jobs.iter().all(|j| j.status == JobStatus::Done), "{jobs:?}");
    assert_eq!(sim.received().await.len(), 5);
    for job in &jobs {
        assert_eq!(sim.applied_count(&job.idempotency_key).await, 1, "{job:?}");
    }
    // Payroll holds what HR decided: a updated, b end-dated, c created.
    let eds = sim.get("eds").await;
    let ed_a = ed_of(&w, &eds, ALICE, a.id).await;
    assert_eq!(
        ed_a["ed"]["calculation"],
        json!({"method": "Fixed", "amount": 125.0})
    );
    assert_eq!(ed_a["ed"]["directDeposit"]["accountNumber"], "********3333");
    assert!(ed_of(&w, &eds, BOB, b.id).await["ed"]["effectiveEndDate"].is_string());
    assert!(ed_of(&w, &eds, CAROL, c.id).await["ed"]["effectiveEndDate"].is_null());
    let audit = w
        .store
        .list_audit(DEMO_TENANT_1, ENTITY_DIRECT_DEPOSIT, a.id)
        .await
        .unwrap();
    let applied: Vec<_> = audit
        .iter()
        .filter(|r| r.action == "payroll_applied")
        .collect();
    assert_eq!(applied.len(), 2);
    assert!(
        applied
            .iter()
            .all(|r| !r.new_value.as_deref().unwrap().contains("111122223333"))
    );
    w.store.close().await;
}

/// The simulator's E/D of a deposit, found by the E/D id delivery recorded.
async fn ed_of(
    w: &World,
    eds: &serde_json::Value,
    key: EmployeeKey<'_>,
    deposit: i64,
) -> serde_json::Value {
    let target = w
        .store
        .delivery_target(key.tenant, deposit)
        .await
        .unwrap()
        .unwrap();
    let id = target.payroll_ed_id.unwrap().to_string();
    let all = eds.as_array().unwrap();
    all.iter()
        .find(|e| e["key"]["edId"] == id.as_str())
        .unwrap()
        .clone()
}

/// Half of all payroll requests are applied and then lose their answer: every change is
/// still applied exactly once, and nothing is left behind.
async fn flaky_payroll_applies_each_change_once(db: Db) {
    let sim = Sim::start(0, &["--fail-rate", "0.5", "--fail-mode", "after-apply"]);
    let Some((w, _pg)) = world(db, &sim.url).await else {
        return;
    };
    let employees = [ALICE, BOB, CAROL, EmployeeKey::new(DEMO_TENANT_1, 1, 3)];
    for (i, key) in employees.iter().enumerate() {
        for n in 0..2 {
            w.approved(*key, &format!("9000{i}{n}12345"), 1_000 * (n + 1))
                .await;
        }
    }
    let report = w.drain(&with(&["--until-empty", "--max-attempts", "100"]));
    let jobs = w.jobs().await;
    assert!(jobs.iter().all(|j| j.status == JobStatus::Done), "{jobs:?}");
    for job in &jobs {
        assert_eq!(sim.applied_count(&job.idempotency_key).await, 1, "{job:?}");
    }
    let stats = sim.stats().await;
    assert!(stats["injectedFailures"].as_u64().unwrap() > 0);
    let attempts: i64 = jobs.iter().map(|j| j.attempts).sum();
    eprintln!(
        "MEASURE fail-rate 0.5 after-apply: {} jobs, {attempts} attempts ({} retries), \
         {} idempotent replays, {} injected failures; drain {report}",
        jobs.len(),
        attempts - i64::try_from(jobs.len()).unwrap(),
        stats["idempotentReplays"],
        stats["injectedFailures"],
    );
    w.store.close().await;
}

mod sqlite {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn payroll_down_then_recovers() {
        super::payroll_down_then_recovers(Db::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn flaky_payroll_applies_each_change_once() {
        super::flaky_payroll_applies_each_change_once(Db::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requeued_dead_jobs_of_end_dated_deposits_stay_dead_at_payroll() {
        requeue::requeued_dead_jobs_of_end_dated_deposits_stay_dead_at_payroll(Db::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requeued_create_with_a_dead_end_date_is_not_sent() {
        requeue::requeued_create_with_a_dead_end_date_is_not_sent(Db::Sqlite).await;
    }
}

mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn payroll_down_then_recovers() {
        super::payroll_down_then_recovers(Db::Postgres).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn flaky_payroll_applies_each_change_once() {
        super::flaky_payroll_applies_each_change_once(Db::Postgres).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requeued_dead_jobs_of_end_dated_deposits_stay_dead_at_payroll() {
        requeue::requeued_dead_jobs_of_end_dated_deposits_stay_dead_at_payroll(Db::Postgres).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requeued_create_with_a_dead_end_date_is_not_sent() {
        requeue::requeued_create_with_a_dead_end_date_is_not_sent(Db::Postgres).await;
    }
}

/// The drainer is killed (SIGKILL) while its payroll calls are in flight; a new drainer
/// takes the jobs over after the lease and each change is applied exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drainer_killed_mid_delivery_loses_and_duplicates_nothing() {
    let sim = Sim::start(0, &["--latency-ms", "1000"]);
    let w = World::sqlite(&sim.url).await;
    w.approved(ALICE, "123412341234", 5_000).await;
    w.approved(BOB, "567856785678", 6_000).await;
    let mut drainer = w
        .drain_command(&with(&["--watch", "--lease-ms", "4000"]))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Token, tenant lookup, then the E/D calls: by the third request a mutation is in
    // flight at the simulator (held by the injected latency).
    eventually("E/D calls in flight", || async {
        sim.stats().await["requests"].as_u64().unwrap() >= 3
    })
    .await;
    drainer.kill().unwrap();
    drainer.wait().unwrap();
    assert_eq!(
        w.count(JobStatus::InFlight).await,
        2,
        "both jobs were held by the dead drainer"
    );
    sim.set_faults(json!({"failRate": 0.0, "latencyMs": 0}))
        .await;

    let report = w.drain(&with(&["--until-empty", "--lease-ms", "4000"]));
    let jobs = w.jobs().await;
    assert!(
        jobs.iter().all(|j| j.status == JobStatus::Done),
        "{jobs:?} {report}"
    );
    assert!(jobs.iter().all(|j| j.attempts == 2), "{jobs:?}");
    for job in &jobs {
        assert_eq!(sim.applied_count(&job.idempotency_key).await, 1, "{job:?}");
    }
    assert_eq!(sim.received().await.len(), 2);
}

/// A wrong service password: the job records a clear, secret-free reason, the deposit is
/// untouched, the password is re-read and re-decrypted exactly once per attempt, and a
/// fixed password delivers the change once requeued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_service_password_is_a_clear_error_and_the_record_stays() {
    let sim = Sim::start(0, &[]);
    let w = World::sqlite(&sim.url).await;
    w.seed(&sim.url, &|_| "not-the-password".to_owned()).await;
    let (d, job_id) = w.approved(ALICE, "246824682468", 7_500).await;

    let report = w.drain(&with(&["--max-attempts", "2"]));
    assert_eq!(report["retrying"].as_u64(), Some(1), "{report}");
    let job = w.jobs().await.pop().unwrap();
    let error = job.last_error.clone().unwrap();
    assert!(
        error.starts_with("credentials_rejected at oauth_token"),
        "{error}"
    );
    assert!(!error.contains("not-the-password") && !error.contains("246824682468"));
    let stats = sim.stats().await;
    assert_eq!(
        stats["oauthTokenCalls"].as_u64(),
        Some(2),
        "one re-read and re-decrypt"
    );
    assert_eq!(stats["credentialsRejected"].as_u64(), Some(2));

    let now = w.store.get_deposit(ALICE, d.id).await.unwrap();
    assert_eq!(
        (now.version, now.status, now.payroll_ed_id),
        (d.version, d.status, None)
    );
    assert!(sim.received().await.is_empty());

    // Out of attempts: dead, with the reason and an audit row.
    tokio::time::sleep(Duration::from_millis(250)).await;
    let report = w.drain(&with(&["--max-attempts", "2"]));
    assert_eq!(report["dead"].as_u64(), Some(1), "{report}");
    let job = w.jobs().await.pop().unwrap();
    assert_eq!(job.status, JobStatus::Dead);
    assert!(job.last_error.unwrap().contains("gave up after 2 attempts"));
    let audit = w
        .store
        .list_audit(DEMO_TENANT_1, ENTITY_DIRECT_DEPOSIT, d.id)
        .await
        .unwrap();
    assert_eq!(audit.last().unwrap().action, "payroll_dead");

    // The operator fixes the password and requeues: delivered once.
    w.seed(&sim.url, &|t| support::password_of(t).to_owned())
        .await;
    w.store
        .requeue_dead_job(DEMO_TENANT_1, job_id)
        .await
        .unwrap();
    let report = w.drain(&with(&["--until-empty"]));
    assert_eq!(report["applied"].as_u64(), Some(1), "{report}");
    assert_eq!(sim.applied_count(&job.idempotency_key).await, 1);
}

/// The password row is rotated while the first token request is in flight: payroll
/// refuses the old password, the worker re-reads the row, decrypts the new ciphertext and
/// succeeds within the same attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_password_is_reread_within_the_attempt() {
    let sim = Sim::start(0, &["--latency-ms", "300"]);
    let w = World::sqlite(&sim.url).await;
    w.seed(&sim.url, &|_| "before-rotation".to_owned()).await;
    let deliverer = w.deliverer(RetryPolicy::default(), Duration::from_secs(10));
    let (_, job) = w.approved(ALICE, "975397539753", 3_300).await;
    let delivery = deliverer.spawn_delivery(DEMO_TENANT_1, job).unwrap();
    // The row was read before the token request left; rotate while payroll holds it.
    eventually("token request in flight", || async {
        sim.stats().await["requests"].as_u64().unwrap() >= 1
    })
    .await;
    w.seed(&sim.url, &|t| support::password_of(t).to_owned())
        .await;
    delivery.await.unwrap();

    let done = w.jobs().await.pop().unwrap();
    assert_eq!(
        (done.status, done.attempts),
        (JobStatus::Done, 1),
        "{done:?}"
    );
    let stats = sim.stats().await;
    assert_eq!(stats["credentialsRejected"].as_u64(), Some(1));
    assert_eq!(stats["oauthTokenCalls"].as_u64(), Some(2));
    assert_eq!(sim.applied_count(&done.idempotency_key).await, 1);
}

/// Payroll takes 30 s to answer: approving (commit + the immediate delivery nudge) returns
/// while the payroll suite has not answered anything, and the job waits in flight.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_payroll_keeps_the_api_fast() {
    let sim = Sim::start(0, &["--latency-ms", "30000"]);
    let w = World::sqlite(&sim.url).await;
    let deliverer = w.deliverer(RetryPolicy::default(), Duration::from_secs(60));

    let (d, job) = w.approved(ALICE, "135713571357", 4_200).await;
    let delivery = deliverer.spawn_delivery(DEMO_TENANT_1, job).unwrap();
    // The "API call" (commit + nudge) is over; payroll has not answered anything yet.
    assert!(sim.received().await.is_empty());
    assert_eq!(sim.stats().await["tokensIssued"].as_u64(), Some(0));
    eventually("the delivery reached payroll", || async {
        sim.stats().await["requests"].as_u64().unwrap() >= 1
    })
    .await;
    assert!(sim.received().await.is_empty());
    assert_eq!(w.count(JobStatus::InFlight).await, 1);
    assert_eq!(
        w.store.get_deposit(ALICE, d.id).await.unwrap().status,
        d.status
    );
    delivery.abort();
}
