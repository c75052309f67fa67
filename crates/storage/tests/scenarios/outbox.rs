//! The payroll outbox: claims, leases, retries, dead letters, ordering.

use std::collections::HashSet;

use dd_storage::{ClaimOptions, JobAction, JobStatus, PayrollJob, Store, now_ms};

use crate::common::{admin, alice, deposit, flat, on_both};

on_both!(
    claim_lease_retry_and_dead_letter,
    kill_job_dead_letters_with_a_short_reason,
    jobs_of_one_deposit_are_delivered_in_order,
    concurrent_claimers_never_share_a_job,
    claim_one_job_after_commit,
);

fn opts(now_ms: i64) -> ClaimOptions {
    ClaimOptions {
        now_ms,
        lease_ms: 1000,
        limit: 10,
        max_attempts: 3,
    }
}

/// Approves a fresh deposit to routing `r` and returns its job id.
async fn approved_job(store: &Store, routing: &str, account: &str) -> i64 {
    let d = store
        .create_deposit(
            alice(),
            &deposit(routing, account, flat(100)),
            &admin(),
            None,
        )
        .await
        .unwrap();
    store
        .approve_deposit(alice(), d.id, &admin())
        .await
        .unwrap()
        .payroll_job
        .unwrap()
}

async fn job(store: &Store, id: i64) -> PayrollJob {
    let jobs = store
        .list_jobs(Some(alice().tenant), None, 100)
        .await
        .unwrap();
    jobs.into_iter().find(|j| j.id == id).unwrap()
}

async fn claim_lease_retry_and_dead_letter(store: Store) {
    let id = approved_job(&store, "021000021", "1111").await;
    let queued = job(&store, id).await;
    assert_eq!((queued.status, queued.attempts), (JobStatus::Pending, 0));
    assert_eq!(queued.action, JobAction::Upsert);
    assert_eq!(queued.payload.status, "Approved");
    let t0 = now_ms() + 10;

    let first = store.claim_due_jobs(&opts(t0)).await.unwrap();
    assert_eq!(first.len(), 1);
    let j1 = &first[0];
    assert_eq!(
        (j1.id, j1.status, j1.attempts),
        (id, JobStatus::InFlight, 1)
    );
    assert_eq!(j1.lease_until, Some(t0 + 1000));
    assert!(
        store.claim_due_jobs(&opts(t0)).await.unwrap().is_empty(),
        "leased"
    );

    // A failure schedules the retry; the job is not due before then.
    assert!(
        store
            .fail_job(j1, "payroll returned 503", t0 + 500)
            .await
            .unwrap()
    );
    let failed = job(&store, id).await;
    assert_eq!(failed.status, JobStatus::Pending);
    assert_eq!(failed.last_error.as_deref(), Some("payroll returned 503"));
    assert_eq!(failed.lease_until, None);
    assert!(
        store
            .claim_due_jobs(&opts(t0 + 100))
            .await
            .unwrap()
            .is_empty()
    );
    let j2 = store
        .claim_due_jobs(&opts(t0 + 500))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(j2.attempts, 2);

    // The drainer holding j2 dies: once its lease expires another drainer takes over,
    // and the dead one's late result is refused.
    assert!(
        store
            .claim_due_jobs(&opts(t0 + 1499))
            .await
            .unwrap()
            .is_empty()
    );
    let j3 = store
        .claim_due_jobs(&opts(t0 + 1500))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(j3.attempts, 3);
    assert!(!store.complete_job(&j2).await.unwrap());
    assert_eq!(
        j3.idempotency_key, queued.idempotency_key,
        "same key on every retry"
    );

    // The last attempt's lease expires too: dead letter, not another claim.
    assert!(
        store
            .claim_due_jobs(&opts(t0 + 2500))
            .await
            .unwrap()
            .is_empty()
    );
    let dead = job(&store, id).await;
    assert_eq!(dead.status, JobStatus::Dead);
    assert!(dead.last_error.unwrap().contains("lease expired"));
    assert!(!store.complete_job(&j3).await.unwrap());
    assert_eq!(
        store
            .count_jobs(Some(alice().tenant), Some(JobStatus::Dead))
            .await
            .unwrap(),
        1
    );

    // An operator requeues it; this time it is delivered.
    store.requeue_dead_job(alice().tenant, id).await.unwrap();
    let j4 = store
        .claim_due_jobs(&opts(now_ms() + 10))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(j4.attempts, 1);
    assert!(store.complete_job(&j4).await.unwrap());
    let done = job(&store, id).await;
    assert_eq!((done.status, done.lease_until), (JobStatus::Done, None));
    assert!(
        store
            .claim_due_jobs(&opts(now_ms() + 100_000))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.count_jobs(None, Some(JobStatus::Done)).await.unwrap(),
        1
    );
    assert_eq!(store.count_jobs(None, None).await.unwrap(), 1);
}

async fn kill_job_dead_letters_with_a_short_reason(store: Store) {
    let id = approved_job(&store, "021000021", "1111").await;
    let j = store
        .claim_due_jobs(&opts(now_ms() + 10))
        .await
        .unwrap()
        .remove(0);
    let long = "x".repeat(2000);
    assert!(store.kill_job(&j, &long).await.unwrap());
    let dead = job(&store, id).await;
    assert_eq!(dead.status, JobStatus::Dead);
    assert_eq!(dead.last_error.unwrap().len(), 500);
    let listed = store
        .list_jobs(None, Some(JobStatus::Dead), 10)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert!(
        store
            .list_jobs(None, Some(JobStatus::Pending), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn jobs_of_one_deposit_are_delivered_in_order(store: Store) {
    let d = store
        .create_deposit(
            alice(),
            &deposit("021000021", "1111", flat(100)),
            &admin(),
            None,
        )
        .await
        .unwrap();
    let approve = store
        .approve_deposit(alice(), d.id, &admin())
        .await
        .unwrap();
    let update = store
        .update_deposit(alice(), d.id, flat(200), &admin())
        .await
        .unwrap();
    let other = approved_job(&store, "011000015", "2222").await;
    let t = now_ms() + 10;

    // The update waits for the approval; another deposit's job does not.
    let claimed: Vec<i64> = store
        .claim_due_jobs(&opts(t))
        .await
        .unwrap()
        .iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(claimed, vec![approve.payroll_job.unwrap(), other]);
    let first = job(&store, approve.payroll_job.unwrap()).await;
    assert!(store.complete_job(&first).await.unwrap());
    let next = store.claim_due_jobs(&opts(t)).await.unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(Some(next[0].id), update.payroll_job);
    assert_eq!(next[0].payload.amount, Some(200));
    // Each change has its own payroll idempotency key.
    assert_ne!(next[0].idempotency_key, first.idempotency_key);
}

async fn concurrent_claimers_never_share_a_job(store: Store) {
    let routings = [
        "021000021",
        "011000015",
        "026009593",
        "121000358",
        "111000025",
        "122105278",
    ];
    for (i, r) in routings.iter().enumerate() {
        approved_job(&store, r, &format!("{i}0000")).await;
    }
    let t = now_ms() + 10;
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .claim_due_jobs(&ClaimOptions {
                    limit: 4,
                    ..opts(t)
                })
                .await
                .unwrap()
        }));
    }
    let mut seen = HashSet::new();
    for task in tasks {
        for j in task.await.unwrap() {
            assert!(seen.insert(j.id), "job {} claimed twice", j.id);
        }
    }
    assert_eq!(seen.len(), routings.len());
}

async fn claim_one_job_after_commit(store: Store) {
    let id = approved_job(&store, "021000021", "1111").await;
    let other = approved_job(&store, "011000015", "2222").await;
    let t = now_ms() + 10;
    let j = store
        .claim_job(alice().tenant, id, &opts(t))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((j.id, j.status), (id, JobStatus::InFlight));
    assert_eq!(
        store.claim_job(alice().tenant, id, &opts(t)).await.unwrap(),
        None
    );
    // The other job was not touched by the targeted claim.
    assert_eq!(job(&store, other).await.status, JobStatus::Pending);
}
