//! Safe to run again: the same input changes nothing (and says so); a changed legacy row
//! updates its deposit unless the new system changed that deposit too; deposits the new
//! system changed or removed since the import are left as they are.

use dd_storage::{Actor, EmployeeKey, Store};
use serde_json::Value;
use sqlx::Row as _;

use crate::common::{Env, TENANT, copy_fixtures, edit, expected, fixtures, on_both};

/// Everything the import writes, as text, to compare before and after.
async fn snapshot(store: &Store) -> Vec<String> {
    let mut out = Vec::new();
    for (table, order) in [
        ("tenants", "id"),
        ("companies", "id"),
        ("employees", "id"),
        ("users", "email"),
        ("payroll_accounts", "tenant_id"),
        ("direct_deposits", "id"),
        ("legacy_deposit_imports", "deposit_id"),
        ("legacy_import_runs", "id"),
    ] {
        let sql = format!("SELECT * FROM {table} ORDER BY {order}");
        for row in sqlx::query(&sql).fetch_all(store.pool()).await.unwrap() {
            let mut line = table.to_owned();
            for i in 0..row.len() {
                let text = row
                    .try_get::<Option<String>, _>(i)
                    .map(|v| format!("{v:?}"))
                    .or_else(|_| row.try_get::<Option<i64>, _>(i).map(|v| format!("{v:?}")))
                    .unwrap();
                line.push('|');
                line.push_str(&text);
            }
            out.push(line);
        }
    }
    out.push(format!(
        "audit {}",
        store.count_audit(TENANT).await.unwrap()
    ));
    out
}

async fn the_same_input_changes_nothing(env: Env) {
    env.import_ok(&fixtures(), &["--keep-going"]);
    let store = env.store().await;
    let before = snapshot(&store).await;
    let out = env.import_ok(&fixtures(), &["--keep-going"]);
    assert!(
        out.contains("result: nothing to change: the database already matches the export"),
        "{out}"
    );
    assert!(
        out.contains("deposits:         0 added, 0 updated, 377 unchanged"),
        "{out}"
    );
    let out = env.import_ok(&fixtures(), &["--keep-going", "--dry-run"]);
    assert!(out.contains("a real run would change nothing"), "{out}");
    assert_eq!(snapshot(&store).await, before);
    store.close().await;
}

on_both!(same_input, the_same_input_changes_nothing);

/// Active Flat deposits of employee 101 in `status`, by id.
fn flats(status: &str) -> Vec<(i64, Value)> {
    let mut out: Vec<(i64, Value)> = expected()["deposits"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, d)| d["employee"] == 101 && d["amountType"] == "Flat" && d["status"] == status)
        .map(|(id, d)| (id.parse().unwrap(), d.clone()))
        .collect();
    out.sort_by_key(|(id, _)| *id);
    out
}

async fn changes_on_either_side(env: Env) {
    env.import_ok(&fixtures(), &["--keep-going"]);
    let store = env.store().await;
    let alice = EmployeeKey::new(TENANT, 7, 101);
    let hr = Actor::system("test");
    let pending = flats("Pending");
    let (approved_here, removed_here, approved_unchanged) =
        (pending[0].0, pending[1].0, pending[2].0);
    let changed_there = flats("Approved")[0].0;
    store
        .approve_deposit(alice, approved_here, &hr)
        .await
        .unwrap();
    store
        .approve_deposit(alice, approved_unchanged, &hr)
        .await
        .unwrap();
    store
        .delete_deposit(alice, removed_here, &hr)
        .await
        .unwrap();

    let export = copy_fixtures(&env.dir.0);
    for id in [approved_here, removed_here, changed_there] {
        edit(
            &export,
            "EmployeeDirectDeposit",
            &id.to_string(),
            "Amount",
            "999.99",
        );
    }
    let out = env.import_ok(&export, &["--keep-going"]);
    assert!(
        out.contains(
            "deposits:         0 added, 1 updated, 373 unchanged, 1 kept as changed in the new \
             system since, 1 removed in the new system since"
        ),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "EmployeeDirectDeposit {approved_here} (employee 101): changed in the legacy system \
             and in the new system since the last import"
        )),
        "{out}"
    );
    let updated = store.get_deposit(alice, changed_there).await.unwrap();
    assert_eq!(updated.allocation.stored_amount(), Some(99_999));
    assert_eq!(updated.version, 2);
    let kept = store.get_deposit(alice, approved_here).await.unwrap();
    assert_eq!(kept.status.as_str(), "Approved");
    assert_ne!(kept.allocation.stored_amount(), Some(99_999));
    assert!(
        store.get_deposit(alice, removed_here).await.is_err(),
        "not re-created"
    );
    let trail = store
        .list_audit(TENANT, dd_storage::ENTITY_DIRECT_DEPOSIT, changed_there)
        .await
        .unwrap();
    let actions: Vec<&str> = trail.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["import", "import_update"]);

    // And that state is stable: the same changed export again changes nothing.
    let before = snapshot(&store).await;
    let out = env.import_ok(&export, &["--keep-going"]);
    assert!(out.contains("result: nothing to change"), "{out}");
    assert_eq!(snapshot(&store).await, before);
    store.close().await;
}

on_both!(changed_since, changes_on_either_side);
