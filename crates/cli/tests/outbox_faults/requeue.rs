//! An operator requeues dead jobs after HR end-dated their deposits: the requeued create
//! and update must not make the deposits live at payroll again (delivery reads the deposit's
//! state now, not only the job's snapshot). Checked at the simulator, which holds payroll's
//! E/Ds.

use dd_storage::{DEMO_TENANT_1, ENTITY_DIRECT_DEPOSIT, JobStatus};

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
