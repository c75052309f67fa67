//! What HR admins review (the company's pending list, audited reveals), who a user is, and
//! the deposits a paycheck split starts from.

use dd_domain::{AmountType, DomainError, Status};
use dd_storage::{
    ACTION_ACCOUNT_REVEALED, DEMO_TENANT_1, ENTITY_DIRECT_DEPOSIT, EmployeeKey, Role, StorageError,
    Store,
};

use crate::common::{REMAINDER, admin, alice, deposit, flat, on_both, percent};

on_both!(
    pending_list_is_company_wide_oldest_first,
    reveal_is_audited_without_the_number,
    user_profile_names_tenant_and_employee,
    deposit_allocations_leave_out_end_dated,
    per_employee_maximum_counts_active_deposits,
    rejected_deposits_are_final,
);

fn bob() -> EmployeeKey<'static> {
    EmployeeKey::new(DEMO_TENANT_1, 1, 2)
}

async fn pending_list_is_company_wide_oldest_first(store: Store) {
    let a = store
        .create_deposit(
            alice(),
            &deposit("021000021", "1111", flat(100)),
            &admin(),
            None,
        )
        .await
        .unwrap();
    let b = store
        .create_deposit(
            bob(),
            &deposit("021000021", "2222", flat(100)),
            &admin(),
            None,
        )
        .await
        .unwrap();
    let c = store
        .create_deposit(
            alice(),
            &deposit("011000015", "3333", REMAINDER),
            &admin(),
            None,
        )
        .await
        .unwrap();
    store
        .approve_deposit(alice(), c.id, &admin())
        .await
        .unwrap();
    let (page, total) = store.list_pending(DEMO_TENANT_1, 1, 1, 30).await.unwrap();
    assert_eq!(total, 2);
    let ids: Vec<i64> = page.iter().map(|p| p.record.id).collect();
    assert_eq!(ids, vec![a.id, b.id]);
    assert_eq!(page[1].first_name, "Bob");
    assert_eq!(page[1].last_name, "Baker");
    let (second, total) = store.list_pending(DEMO_TENANT_1, 1, 2, 1).await.unwrap();
    assert_eq!((second.len(), total), (1, 2));
    assert_eq!(second[0].record.id, b.id);
    let (none, total) = store.list_pending(DEMO_TENANT_1, 2, 1, 30).await.unwrap();
    assert!(none.is_empty() && total == 0);
    assert!(store.company_exists(DEMO_TENANT_1, 1).await.unwrap());
    assert!(!store.company_exists(DEMO_TENANT_1, 2).await.unwrap());
}

async fn reveal_is_audited_without_the_number(store: Store) {
    let d = store
        .create_deposit(
            alice(),
            &deposit("021000021", "123456789", flat(100)),
            &admin(),
            None,
        )
        .await
        .unwrap();
    let shown = store.record_reveal(alice(), d.id, &admin()).await.unwrap();
    assert_eq!(shown.id, d.id);
    let audit = store
        .list_audit(DEMO_TENANT_1, ENTITY_DIRECT_DEPOSIT, d.id)
        .await
        .unwrap();
    let last = audit.last().unwrap();
    assert_eq!(last.action, ACTION_ACCOUNT_REVEALED);
    assert_eq!(last.actor, "hr@acme.example");
    let snapshot = last.new_value.as_deref().unwrap();
    assert!(!snapshot.contains("123456789") && !snapshot.contains("CT["));
    assert!(matches!(
        store.record_reveal(bob(), d.id, &admin()).await,
        Err(StorageError::NotFound("deposit"))
    ));
    assert_eq!(
        store
            .list_audit(DEMO_TENANT_1, ENTITY_DIRECT_DEPOSIT, d.id)
            .await
            .unwrap()
            .len(),
        audit.len()
    );
}

async fn user_profile_names_tenant_and_employee(store: Store) {
    let alice = store
        .user_profile(DEMO_TENANT_1, "Alice@Acme.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alice.tenant_name, "Acme");
    assert_eq!(alice.first_name.as_deref(), Some("Alice"));
    assert_eq!(alice.user.role, Role::Employee);
    assert_eq!(alice.user.employee_id, Some(1));
    assert!(
        store
            .user_profile(DEMO_TENANT_1, "nobody@acme.example")
            .await
            .unwrap()
            .is_none()
    );
}

async fn deposit_allocations_leave_out_end_dated(store: Store) {
    let mut ids = Vec::new();
    for (account, allocation) in [
        ("1111", flat(100)),
        ("2222", percent(1000)),
        ("3333", REMAINDER),
    ] {
        let d = store
            .create_deposit(
                alice(),
                &deposit("021000021", account, allocation),
                &admin(),
                None,
            )
            .await
            .unwrap();
        ids.push(d.id);
    }
    store
        .reject_deposit(alice(), ids[1], "not this one", &admin())
        .await
        .unwrap();
    store
        .approve_deposit(alice(), ids[2], &admin())
        .await
        .unwrap();
    let inputs = store.deposit_allocations(alice()).await.unwrap();
    assert_eq!(
        inputs,
        vec![
            (ids[0], flat(100), Status::Pending),
            (ids[1], percent(1000), Status::Rejected),
            (ids[2], REMAINDER, Status::Approved)
        ]
    );
    store
        .delete_deposit(alice(), ids[2], &admin())
        .await
        .unwrap();
    assert_eq!(store.deposit_allocations(alice()).await.unwrap().len(), 2);
}

async fn per_employee_maximum_counts_active_deposits(store: Store) {
    let store = store.with_max_deposits_per_employee(3);
    let mut ids = Vec::new();
    for account in ["1001", "1002", "1003"] {
        let d = store
            .create_deposit(
                alice(),
                &deposit("021000021", account, flat(100)),
                &admin(),
                None,
            )
            .await
            .unwrap();
        ids.push(d.id);
    }
    let before = store.count_audit(DEMO_TENANT_1).await.unwrap();
    let err = store
        .create_deposit(
            alice(),
            &deposit("021000021", "1004", flat(100)),
            &admin(),
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        StorageError::Domain(DomainError::TooManyDeposits { limit: 3 })
    ));
    assert!(err.to_string().contains("3 direct deposits"), "{err}");
    assert_eq!(store.count_audit(DEMO_TENANT_1).await.unwrap(), before);
    // The duplicate rule is reported first: it says more.
    assert!(matches!(
        store
            .create_deposit(
                alice(),
                &deposit("021000021", "1001", flat(1)),
                &admin(),
                None
            )
            .await,
        Err(StorageError::Domain(DomainError::Duplicate { .. }))
    ));
    // Another employee is not affected; an end-dated deposit no longer counts.
    store
        .create_deposit(
            bob(),
            &deposit("021000021", "1004", flat(100)),
            &admin(),
            None,
        )
        .await
        .unwrap();
    store
        .approve_deposit(alice(), ids[0], &admin())
        .await
        .unwrap();
    store
        .delete_deposit(alice(), ids[0], &admin())
        .await
        .unwrap();
    store
        .create_deposit(
            alice(),
            &deposit("021000021", "1004", flat(100)),
            &admin(),
            None,
        )
        .await
        .unwrap();
}

async fn rejected_deposits_are_final(store: Store) {
    let d = store
        .create_deposit(
            alice(),
            &deposit("021000021", "5555", flat(100)),
            &admin(),
            None,
        )
        .await
        .unwrap();
    store
        .reject_deposit(alice(), d.id, "closed account", &admin())
        .await
        .unwrap();
    let before = store.count_audit(DEMO_TENANT_1).await.unwrap();
    let change = dd_domain::Allocation::new(AmountType::Flat, Some(2.0)).unwrap();
    assert!(matches!(
        store.update_deposit(alice(), d.id, change, &admin()).await,
        Err(StorageError::Domain(DomainError::NotEditable {
            status: Status::Rejected
        }))
    ));
    assert_eq!(store.count_audit(DEMO_TENANT_1).await.unwrap(), before);
    // Deleting it is how the employee starts over.
    store.delete_deposit(alice(), d.id, &admin()).await.unwrap();
}
