//! Deposit lifecycle and the per-employee rules.

use dd_domain::{AmountType, DomainError, DuplicateKind, Status};
use dd_storage::{DeleteOutcome, ENTITY_DIRECT_DEPOSIT, JobStatus, StorageError, Store};

use crate::common::{REMAINDER, admin, alice, deposit, flat, on_both, percent};

on_both!(
    create_get_list_and_page,
    duplicate_bank_account,
    one_balance_remainder,
    delete_pending_removes_the_row,
    delete_approved_end_dates_and_frees_the_rules,
    approve_reject_lifecycle,
    update_changes_allocation,
    unknown_employee_or_deposit_is_not_found,
);

async fn create_get_list_and_page(store: Store) {
    let a = store
        .create_deposit(
            alice(),
            &deposit("021000021", "12345678", flat(1050)),
            &admin(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(a.status, Status::Pending);
    assert_eq!(a.version, 1);
    assert_eq!(a.account_last4, "5678");
    assert_eq!(a.account_ciphertext, "CT[8]");
    assert_eq!(a.allocation, flat(1050));
    let b = store
        .create_deposit(
            alice(),
            &deposit("011000015", "222233334444", percent(2550)),
            &admin(),
            None,
        )
        .await
        .unwrap();
    let c = store
        .create_deposit(
            alice(),
            &deposit("026009593", "ABC999", REMAINDER),
            &admin(),
            None,
        )
        .await
        .unwrap();
    assert!(a.id < b.id && b.id < c.id);
    assert_eq!(store.get_deposit(alice(), b.id).await.unwrap(), b);

    let (page1, total) = store.list_deposits(alice(), 1, 2).await.unwrap();
    assert_eq!(total, 3);
    assert_eq!(page1, vec![a.clone(), b]);
    let (page2, total) = store.list_deposits(alice(), 2, 2).await.unwrap();
    assert_eq!((page2, total), (vec![c], 3));
    let (page3, total) = store.list_deposits(alice(), 3, 2).await.unwrap();
    assert_eq!((page3.len(), total), (0, 3));
    assert!(matches!(
        store.list_deposits(alice(), 1, 0).await,
        Err(StorageError::InvalidInput(_))
    ));

    // The audit row is masked: last 4 only, neither clear number, ciphertext nor fingerprint.
    let audit = store
        .list_audit(alice().tenant, ENTITY_DIRECT_DEPOSIT, a.id)
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "create");
    assert_eq!(audit[0].actor, "hr@acme.example");
    assert_eq!(audit[0].actor_user_id, Some(3));
    assert_eq!(audit[0].old_value, None);
    let new = audit[0].new_value.as_deref().unwrap();
    assert!(new.contains("\"accountLast4\":\"5678\""), "{new}");
    for secret in ["12345678", "CT[", "FP["] {
        assert!(!new.contains(secret), "audit row leaks {secret}: {new}");
    }
    // Debug of a record does not print the ciphertext either.
    assert!(!format!("{a:?}").contains("CT["));
}

async fn duplicate_bank_account(store: Store) {
    let first = store
        .create_deposit(
            alice(),
            &deposit("021000021", "abc12345", flat(100)),
            &admin(),
            None,
        )
        .await
        .unwrap();
    // Same routing + account, in another letter case: duplicate (409).
    let err = store
        .create_deposit(
            alice(),
            &deposit("021000021", "ABC12345", flat(200)),
            &admin(),
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        StorageError::Domain(DomainError::Duplicate { kind: DuplicateKind::BankAccount, existing_id })
            if existing_id == first.id
    ));
    // Same account at another bank is a different account.
    store
        .create_deposit(
            alice(),
            &deposit("011000015", "abc12345", flat(100)),
            &admin(),
            None,
        )
        .await
        .unwrap();
    // Another employee may use the same account.
    let bob = dd_storage::EmployeeKey::new(alice().tenant, 1, 2);
    store
        .create_deposit(
            bob,
            &deposit("021000021", "abc12345", flat(100)),
            &admin(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(store.list_deposits(alice(), 1, 30).await.unwrap().1, 2);
}

async fn one_balance_remainder(store: Store) {
    let rem = store
        .create_deposit(
            alice(),
            &deposit("021000021", "1111", REMAINDER),
            &admin(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(rem.allocation.amount_type(), AmountType::BalanceRemainder);
    let err = store
        .create_deposit(
            alice(),
            &deposit("011000015", "2222", REMAINDER),
            &admin(),
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        StorageError::Domain(DomainError::Duplicate { kind: DuplicateKind::BalanceRemainder, existing_id })
            if existing_id == rem.id
    ));
    let flat_one = store
        .create_deposit(
            alice(),
            &deposit("011000015", "2222", flat(500)),
            &admin(),
            None,
        )
        .await
        .unwrap();
    // Turning another deposit into a remainder is refused; the remainder itself may stay one.
    let err = store
        .update_deposit(alice(), flat_one.id, REMAINDER, &admin())
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        StorageError::Domain(DomainError::Duplicate {
            kind: DuplicateKind::BalanceRemainder,
            ..
        })
    ));
    store
        .update_deposit(alice(), rem.id, REMAINDER, &admin())
        .await
        .unwrap();
    // After the remainder becomes Flat, another deposit may become the remainder.
    store
        .update_deposit(alice(), rem.id, flat(700), &admin())
        .await
        .unwrap();
    store
        .update_deposit(alice(), flat_one.id, REMAINDER, &admin())
        .await
        .unwrap();
}

async fn delete_pending_removes_the_row(store: Store) {
    let d = store
        .create_deposit(
            alice(),
            &deposit("021000021", "12345678", flat(100)),
            &admin(),
            None,
        )
        .await
        .unwrap();
    let out = store.delete_deposit(alice(), d.id, &admin()).await.unwrap();
    assert_eq!(out.value, DeleteOutcome::Removed);
    assert_eq!(out.payroll_job, None);
    assert!(matches!(
        store.get_deposit(alice(), d.id).await,
        Err(StorageError::NotFound(_))
    ));
    assert!(matches!(
        store.delete_deposit(alice(), d.id, &admin()).await,
        Err(StorageError::NotFound(_))
    ));
    let audit = store
        .list_audit(alice().tenant, ENTITY_DIRECT_DEPOSIT, d.id)
        .await
        .unwrap();
    let actions: Vec<_> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["create", "delete"]);
    assert!(audit[1].old_value.is_some() && audit[1].new_value.is_none());
    assert_eq!(
        store.count_jobs(Some(alice().tenant), None).await.unwrap(),
        0
    );
    // Ids are never reused after a removal.
    let again = store
        .create_deposit(
            alice(),
            &deposit("021000021", "12345678", flat(100)),
            &admin(),
            None,
        )
        .await
        .unwrap();
    assert!(again.id > d.id);
}

async fn delete_approved_end_dates_and_frees_the_rules(store: Store) {
    let d = store
        .create_deposit(
            alice(),
            &deposit("021000021", "12345678", REMAINDER),
            &admin(),
            None,
        )
        .await
        .unwrap();
    store
        .approve_deposit(alice(), d.id, &admin())
        .await
        .unwrap();
    let out = store.delete_deposit(alice(), d.id, &admin()).await.unwrap();
    let DeleteOutcome::EndDated(ended) = out.value else {
        panic!("approved deposit must be end-dated")
    };
    assert!(ended.end_dated_at.is_some());
    assert_eq!(ended.status, Status::Approved);
    let job = out.payroll_job.unwrap();
    let jobs = store
        .list_jobs(Some(alice().tenant), None, 10)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[1].id, job);
    assert_eq!(jobs[1].action, dd_storage::JobAction::EndDate);
    assert_eq!(jobs[1].payload.end_dated_at, ended.end_dated_at);
    assert_eq!(jobs[1].status, JobStatus::Pending);

    // End-dated rows are history: not listed, not found, not counted by the rules.
    assert_eq!(
        store.list_deposits(alice(), 1, 30).await.unwrap(),
        (vec![], 0)
    );
    assert!(matches!(
        store.get_deposit(alice(), d.id).await,
        Err(StorageError::NotFound(_))
    ));
    assert!(matches!(
        store.update_deposit(alice(), d.id, flat(1), &admin()).await,
        Err(StorageError::NotFound(_))
    ));
    store
        .create_deposit(
            alice(),
            &deposit("021000021", "12345678", REMAINDER),
            &admin(),
            None,
        )
        .await
        .unwrap();
    let audit = store
        .list_audit(alice().tenant, ENTITY_DIRECT_DEPOSIT, d.id)
        .await
        .unwrap();
    let actions: Vec<_> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["create", "approve", "end_date"]);
}

async fn approve_reject_lifecycle(store: Store) {
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
            alice(),
            &deposit("011000015", "2222", flat(100)),
            &admin(),
            None,
        )
        .await
        .unwrap();
    let approved = store
        .approve_deposit(alice(), a.id, &admin())
        .await
        .unwrap();
    assert_eq!(approved.value.status, Status::Approved);
    assert_eq!(approved.value.version, 2);
    assert!(approved.payroll_job.is_some());
    let rejected = store
        .reject_deposit(alice(), b.id, "wrong account", &admin())
        .await
        .unwrap();
    assert_eq!(rejected.status, Status::Rejected);
    assert_eq!(rejected.rejection_reason.as_deref(), Some("wrong account"));
    let audit = store
        .list_audit(&rejected.tenant_id, ENTITY_DIRECT_DEPOSIT, b.id)
        .await
        .unwrap();
    let last = audit.last().unwrap();
    assert_eq!(last.action, "reject");
    assert!(last.new_value.as_deref().unwrap().contains("wrong account"));
    // Decided deposits are final.
    for result in [
        store
            .approve_deposit(alice(), a.id, &admin())
            .await
            .map(|c| c.value),
        store
            .reject_deposit(alice(), a.id, "wrong account", &admin())
            .await,
        store
            .approve_deposit(alice(), b.id, &admin())
            .await
            .map(|c| c.value),
    ] {
        assert!(matches!(
            result,
            Err(StorageError::Domain(DomainError::InvalidTransition { .. }))
        ));
    }
    // Only the approval reached the outbox; a rejected deposit is removed on delete.
    assert_eq!(
        store.count_jobs(Some(alice().tenant), None).await.unwrap(),
        1
    );
    let out = store.delete_deposit(alice(), b.id, &admin()).await.unwrap();
    assert_eq!(out.value, DeleteOutcome::Removed);
}

async fn update_changes_allocation(store: Store) {
    let d = store
        .create_deposit(
            alice(),
            &deposit("021000021", "1111", flat(100)),
            &admin(),
            None,
        )
        .await
        .unwrap();
    // Pending: no payroll job.
    let up = store
        .update_deposit(alice(), d.id, percent(1000), &admin())
        .await
        .unwrap();
    assert_eq!(up.value.allocation, percent(1000));
    assert_eq!(up.value.version, 2);
    assert_eq!(up.payroll_job, None);
    // Approved: stays Approved, and the new amount is queued for payroll.
    store
        .approve_deposit(alice(), d.id, &admin())
        .await
        .unwrap();
    let up = store
        .update_deposit(alice(), d.id, flat(4200), &admin())
        .await
        .unwrap();
    assert_eq!(up.value.status, Status::Approved);
    let job = up.payroll_job.unwrap();
    let jobs = store
        .list_jobs(Some(alice().tenant), None, 10)
        .await
        .unwrap();
    let job = jobs.iter().find(|j| j.id == job).unwrap();
    assert_eq!(job.payload.amount, Some(4200));
    assert_eq!(job.payload.amount_type, "Flat");
    assert_eq!(job.payload.version, up.value.version);
    let audit = store
        .list_audit(alice().tenant, ENTITY_DIRECT_DEPOSIT, d.id)
        .await
        .unwrap();
    let last = audit.last().unwrap();
    assert_eq!(last.action, "update");
    assert!(
        last.old_value
            .as_deref()
            .unwrap()
            .contains("\"amount\":1000")
    );
    assert!(
        last.new_value
            .as_deref()
            .unwrap()
            .contains("\"amount\":4200")
    );
}

async fn unknown_employee_or_deposit_is_not_found(store: Store) {
    let nobody = dd_storage::EmployeeKey::new(alice().tenant, 1, 99);
    assert!(matches!(
        store
            .create_deposit(
                nobody,
                &deposit("021000021", "1111", flat(1)),
                &admin(),
                None
            )
            .await,
        Err(StorageError::NotFound("employee"))
    ));
    assert!(matches!(
        store.approve_deposit(alice(), 12345, &admin()).await,
        Err(StorageError::NotFound("deposit"))
    ));
    assert!(matches!(
        store
            .update_deposit(alice(), 12345, flat(1), &admin())
            .await,
        Err(StorageError::NotFound("deposit"))
    ));
}
