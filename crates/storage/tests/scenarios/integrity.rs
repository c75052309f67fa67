//! All-or-nothing writes, idempotency keys, tenant isolation, concurrent writers.

use dd_domain::Status;
use dd_storage::{
    ClaimOptions, DEMO_TENANT_2, EmployeeKey, IdempotencyInput, StorageError, Store, StoredResponse,
};
use sqlx::Executor;

use crate::common::{admin, alice, deposit, flat, on_both};

on_both!(
    idempotency_round_trip,
    failed_idempotency_insert_rolls_back_row_and_audit,
    failed_outbox_insert_rolls_back_row_and_audit,
    tenant_b_cannot_see_tenant_a,
    concurrent_duplicate_creates_let_one_through,
    invalid_input_is_refused_before_writing,
);

fn render(record: &dd_storage::DepositRecord) -> (u16, String) {
    (201, format!("{{\"id\":{}}}", record.id))
}

async fn counts(store: &Store, tenant: &str) -> (i64, i64, i64) {
    let deposits = store
        .list_deposits(EmployeeKey::new(tenant, 1, 1), 1, 100)
        .await
        .unwrap()
        .1;
    (
        deposits,
        store.count_audit(tenant).await.unwrap(),
        store.count_jobs(Some(tenant), None).await.unwrap(),
    )
}

async fn idempotency_round_trip(store: Store) {
    let t = alice().tenant;
    assert_eq!(
        store.idempotency_lookup(t, "alice", "k1").await.unwrap(),
        None
    );
    let input = IdempotencyInput {
        principal: "alice",
        key: "k1",
        request_hash: "h1",
        render: &render,
    };
    let d = store
        .create_deposit(
            alice(),
            &deposit("021000021", "1111", flat(1)),
            &admin(),
            Some(&input),
        )
        .await
        .unwrap();
    let stored = store.idempotency_lookup(t, "alice", "k1").await.unwrap();
    assert_eq!(
        stored,
        Some(StoredResponse {
            request_hash: "h1".into(),
            status: 201,
            body: format!("{{\"id\":{}}}", d.id),
        })
    );
    // Keys are per caller and per tenant.
    assert_eq!(
        store.idempotency_lookup(t, "bob", "k1").await.unwrap(),
        None
    );
    assert_eq!(
        store
            .idempotency_lookup(DEMO_TENANT_2, "alice", "k1")
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.purge_idempotency_keys(0).await.unwrap(), 0);
    assert_eq!(store.purge_idempotency_keys(i64::MAX).await.unwrap(), 1);
    assert_eq!(
        store.idempotency_lookup(t, "alice", "k1").await.unwrap(),
        None
    );
}

async fn failed_idempotency_insert_rolls_back_row_and_audit(store: Store) {
    let t = alice().tenant;
    let input = IdempotencyInput {
        principal: "alice",
        key: "same",
        request_hash: "h1",
        render: &render,
    };
    store
        .create_deposit(
            alice(),
            &deposit("021000021", "1111", flat(1)),
            &admin(),
            Some(&input),
        )
        .await
        .unwrap();
    let before = counts(&store, t).await;
    // The key's insert is the last statement of the create: it fails after the row and
    // the audit row were written, and must take them down with it.
    let err = store
        .create_deposit(
            alice(),
            &deposit("011000015", "2222", flat(1)),
            &admin(),
            Some(&input),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::Conflict(_)), "{err:?}");
    assert_eq!(counts(&store, t).await, before);
}

async fn failed_outbox_insert_rolls_back_row_and_audit(store: Store) {
    let t = alice().tenant;
    let d = store
        .create_deposit(
            alice(),
            &deposit("021000021", "1111", flat(1)),
            &admin(),
            None,
        )
        .await
        .unwrap();
    let before = counts(&store, t).await;
    // Fault injection: the outbox table disappears, so the approval fails at its last step.
    store
        .pool()
        .execute("ALTER TABLE payroll_outbox RENAME TO payroll_outbox_gone")
        .await
        .unwrap();
    let err = store
        .approve_deposit(alice(), d.id, &admin())
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::Database { .. }), "{err:?}");
    assert!(!err.to_string().contains("CT["));
    store
        .pool()
        .execute("ALTER TABLE payroll_outbox_gone RENAME TO payroll_outbox")
        .await
        .unwrap();
    assert_eq!(counts(&store, t).await, before);
    let still = store.get_deposit(alice(), d.id).await.unwrap();
    assert_eq!((still.status, still.version), (Status::Pending, 1));
    // And the same approval goes through once the fault is gone.
    store
        .approve_deposit(alice(), d.id, &admin())
        .await
        .unwrap();
    assert_eq!(counts(&store, t).await, (1, before.1 + 1, 1));
}

async fn tenant_b_cannot_see_tenant_a(store: Store) {
    // Tenant 2 also has company 1 / employee 1: only the tenant tells them apart.
    let b = EmployeeKey::new(DEMO_TENANT_2, 1, 1);
    let d = store
        .create_deposit(
            alice(),
            &deposit("021000021", "1111", flat(1)),
            &admin(),
            None,
        )
        .await
        .unwrap();
    assert!(matches!(
        store.get_deposit(b, d.id).await,
        Err(StorageError::NotFound(_))
    ));
    assert_eq!(store.list_deposits(b, 1, 30).await.unwrap(), (vec![], 0));
    assert!(matches!(
        store.update_deposit(b, d.id, flat(2), &admin()).await,
        Err(StorageError::NotFound(_))
    ));
    assert!(matches!(
        store.approve_deposit(b, d.id, &admin()).await,
        Err(StorageError::NotFound(_))
    ));
    assert!(matches!(
        store
            .reject_deposit(b, d.id, "wrong account", &admin())
            .await,
        Err(StorageError::NotFound(_))
    ));
    assert!(matches!(
        store.delete_deposit(b, d.id, &admin()).await,
        Err(StorageError::NotFound(_))
    ));
    assert!(matches!(
        store.set_payroll_ed_id(DEMO_TENANT_2, d.id, 7).await,
        Err(StorageError::NotFound(_))
    ));
    let audit = store
        .list_audit(DEMO_TENANT_2, dd_storage::ENTITY_DIRECT_DEPOSIT, d.id)
        .await
        .unwrap();
    assert!(audit.is_empty());
    assert_eq!(store.count_audit(DEMO_TENANT_2).await.unwrap(), 0);

    let job = store
        .approve_deposit(alice(), d.id, &admin())
        .await
        .unwrap()
        .payroll_job
        .unwrap();
    assert!(
        store
            .list_jobs(Some(DEMO_TENANT_2), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let opts = ClaimOptions {
        now_ms: dd_storage::now_ms() + 1000,
        lease_ms: 1000,
        limit: 10,
        max_attempts: 5,
    };
    assert_eq!(
        store.claim_job(DEMO_TENANT_2, job, &opts).await.unwrap(),
        None
    );
    assert!(matches!(
        store.requeue_dead_job(DEMO_TENANT_2, job).await,
        Err(StorageError::NotFound(_))
    ));
    // Nothing of tenant 1 changed through all of that.
    let still = store.get_deposit(alice(), d.id).await.unwrap();
    assert_eq!(still.allocation, flat(1));
    store
        .set_payroll_ed_id(alice().tenant, d.id, 7)
        .await
        .unwrap();
    assert_eq!(
        store
            .get_deposit(alice(), d.id)
            .await
            .unwrap()
            .payroll_ed_id,
        Some(7)
    );
}

async fn concurrent_duplicate_creates_let_one_through(store: Store) {
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .create_deposit(
                    alice(),
                    &deposit("021000021", "1111", flat(1)),
                    &admin(),
                    None,
                )
                .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StorageError::Domain(_) | StorageError::Conflict(_)) => {}
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(store.list_deposits(alice(), 1, 30).await.unwrap().1, 1);
}

async fn invalid_input_is_refused_before_writing(store: Store) {
    let mut bad = deposit("021000021", "1111", flat(1));
    bad.account_last4 = "12345".into();
    assert!(matches!(
        store.create_deposit(alice(), &bad, &admin(), None).await,
        Err(StorageError::InvalidInput(_))
    ));
    let mut bad = deposit("021000021", "1111", flat(1));
    bad.account_fingerprint = String::new();
    assert!(matches!(
        store.create_deposit(alice(), &bad, &admin(), None).await,
        Err(StorageError::InvalidInput(_))
    ));
    assert_eq!(counts(&store, alice().tenant).await, (0, 0, 0));
}
