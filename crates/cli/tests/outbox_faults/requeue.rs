//! An operator requeues dead jobs after HR end-dated their deposits: the requeued create
//! and update must not make the deposits live at payroll again (delivery reads the deposit's
//! state now, not only the job's snapshot). Checked at the simulator, which holds payroll's
//! E/Ds.

use std::process::Command;

use dd_storage::{ClaimOptions, DEMO_TENANT_1, ENTITY_DIRECT_DEPOSIT, JobStatus, now_ms};
use serde_json::Value;

use crate::support::{self, World, flat};
use crate::{ALICE, BOB, Db, Sim, admin, with, world};

/// The test tenants' password, and one payroll refuses.
fn good(tenant: &str) -> String {
    support::password_of(tenant).to_owned()
}
fn wrong(_: &str) -> String {
    "not-the-password".to_owned()
}

async fn last_audit_action(w: &World, deposit: i64) -> String {
    let audit = w
        .store
        .list_audit(DEMO_TENANT_1, ENTITY_DIRECT_DEPOSIT, deposit)
        .await
        .unwrap();
    audit.last().unwrap().action.clone()
}

pub(crate) async fn requeued_dead_jobs_of_end_dated_deposits_stay_dead_at_payroll(db: Db) {
    let sim = Sim::start(0, &[]);
    let Some((w, _pg)) = world(db, &sim.url).await else {
        return;
    };
    // Bob's deposit reaches payroll.
    let (b, b_create) = w.approved(BOB, "444455556666", 20_000).await;
    let report = w.drain(&with(&["--until-empty"]));
    assert_eq!(report["applied"].as_u64(), Some(1), "{report}");

    // Payroll refuses the password: Alice's create and Bob's update go dead.
    w.seed(&sim.url, &wrong).await;
    let (a, a_create) = w.approved(ALICE, "111122223333", 10_000).await;
    let b_update = w
        .store
        .update_deposit(BOB, b.id, flat(25_000), &admin())
        .await
        .unwrap()
        .payroll_job
        .unwrap();
    let report = w.drain(&with(&["--max-attempts", "1"]));
    assert_eq!(report["dead"].as_u64(), Some(2), "{report}");

    // HR deletes both (Approved: end-dated); the end-dates go out once payroll accepts us
    // again: Bob's E/D is end-dated, Alice's deposit never reached payroll.
    w.store.delete_deposit(ALICE, a.id, &admin()).await.unwrap();
    w.store.delete_deposit(BOB, b.id, &admin()).await.unwrap();
    w.seed(&sim.url, &good).await;
    let report = w.drain(&with(&["--until-empty"]));
    assert_eq!(
        (report["applied"].as_u64(), report["skipped"].as_u64()),
        (Some(1), Some(1)),
        "{report}"
    );

    // The operator requeues the dead jobs: both are skipped, nothing is sent.
    let sent_before = sim.received().await.len();
    for job in [a_create, b_update] {
        w.store.requeue_dead_job(DEMO_TENANT_1, job).await.unwrap();
    }
    let report = w.drain(&with(&["--until-empty"]));
    assert_eq!(
        (report["skipped"].as_u64(), report["applied"].as_u64()),
        (Some(2), Some(0)),
        "{report}"
    );
    assert_eq!(sim.received().await.len(), sent_before);
    let jobs = w.jobs().await;
    assert!(jobs.iter().all(|j| j.status == JobStatus::Done), "{jobs:?}");
    for id in [a_create, b_update] {
        let job = jobs.iter().find(|j| j.id == id).unwrap();
        assert_eq!(sim.applied_count(&job.idempotency_key).await, 0, "{job:?}");
    }
    let b_key = &jobs
        .iter()
        .find(|j| j.id == b_create)
        .unwrap()
        .idempotency_key;
    assert_eq!(sim.applied_count(b_key).await, 1);
    assert_eq!(last_audit_action(&w, a.id).await, "payroll_skipped");
    assert_eq!(last_audit_action(&w, b.id).await, "payroll_skipped");

    // Payroll holds no live copy: Bob's one E/D is end-dated, Alice has none.
    let eds = sim.get("eds").await;
    let eds = eds.as_array().unwrap();
    assert_eq!(eds.len(), 1, "{eds:?}");
    assert!(eds[0]["ed"]["effectiveEndDate"].is_string(), "{eds:?}");
    let bob_ed = w
        .store
        .delivery_target(DEMO_TENANT_1, b.id)
        .await
        .unwrap()
        .unwrap()
        .payroll_ed_id
        .unwrap();
    assert_eq!(eds[0]["key"]["edId"], bob_ed.to_string().as_str());
    assert_eq!(
        w.store
            .delivery_target(DEMO_TENANT_1, a.id)
            .await
            .unwrap()
            .unwrap()
            .payroll_ed_id,
        None
    );
    w.store.close().await;
}

/// `ddctl outbox requeue --json` on this world's database.
fn requeue_cli(w: &World, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_ddctl"))
        .args(["outbox", "requeue", "--json", "--database-url", &w.db_url])
        .args(["--tenant", DEMO_TENANT_1])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "requeue failed: {stderr}");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The create of a deposit went dead, HR deleted the deposit, and its end-date job went
/// dead too (its drainer died holding it on the last attempt). Requeueing the create alone
/// must not make the deposit live at payroll: nothing would end it there. `ddctl outbox
/// requeue` says so, delivery skips it, and requeueing the end-date settles the deposit.
pub(crate) async fn requeued_create_with_a_dead_end_date_is_not_sent(db: Db) {
    let sim = Sim::start(0, &[]);
    let Some((w, _pg)) = world(db, &sim.url).await else {
        return;
    };
    w.seed(&sim.url, &wrong).await;
    let (a, create) = w.approved(ALICE, "111122223333", 10_000).await;
    let report = w.drain(&with(&["--max-attempts", "1"]));
    assert_eq!(report["dead"].as_u64(), Some(1), "{report}");
    let end_date = w
        .store
        .delete_deposit(ALICE, a.id, &admin())
        .await
        .unwrap()
        .payroll_job
        .unwrap();
    // A drainer claims the end-date on its last attempt and dies; the next claim buries it.
    let last_try = ClaimOptions {
        now_ms: now_ms(),
        lease_ms: 1,
        limit: 1,
        max_attempts: 1,
    };
    let held = w.store.claim_job(DEMO_TENANT_1, end_date, &last_try).await;
    assert_eq!(held.unwrap().map(|j| j.id), Some(end_date));
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    w.drain(&with(&["--max-attempts", "1"]));
    let dead: Vec<i64> = w
        .jobs()
        .await
        .iter()
        .filter(|j| j.status == JobStatus::Dead)
        .map(|j| j.id)
        .collect();
    assert_eq!(dead, [create, end_date]);

    // Payroll accepts us again; the operator requeues the create (and a typo, and it twice).
    w.seed(&sim.url, &good).await;
    let out = requeue_cli(&w, &[&create.to_string(), "999999", &create.to_string()]);
    assert_eq!(out["requeued"].as_array().unwrap().len(), 1, "{out}");
    assert_eq!(out["requeued"][0]["id"].as_i64(), Some(create), "{out}");
    assert!(
        out["requeued"][0]["note"]
            .as_str()
            .unwrap()
            .contains("end-dated"),
        "{out}"
    );
    assert_eq!(out["skipped"][0]["id"].as_i64(), Some(999_999), "{out}");
    assert_eq!(
        out["skipped"][0]["reason"], "no such job in this tenant",
        "{out}"
    );
    let report = w.drain(&with(&["--until-empty"]));
    assert_eq!(
        (report["skipped"].as_u64(), report["applied"].as_u64()),
        (Some(1), Some(0)),
        "{report}"
    );
    assert!(sim.get("eds").await.as_array().unwrap().is_empty());

    // Requeueing what is left (the end-date; the create is done now): settled, nothing sent.
    let out = requeue_cli(&w, &["--all-dead", &create.to_string()]);
    assert_eq!(out["requeued"][0]["id"].as_i64(), Some(end_date), "{out}");
    assert!(out["requeued"][0]["note"].is_null(), "{out}");
    assert_eq!(out["skipped"][0]["reason"], "not dead (done)", "{out}");
    let report = w.drain(&with(&["--until-empty"]));
    assert_eq!(report["skipped"].as_u64(), Some(1), "{report}");
    assert!(sim.get("eds").await.as_array().unwrap().is_empty());
    assert!(w.jobs().await.iter().all(|j| j.status == JobStatus::Done));
    assert_eq!(last_audit_action(&w, a.id).await, "payroll_skipped");
    w.store.close().await;
}
