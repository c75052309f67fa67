//! Seed data, users, payroll accounts, and the schema being the same on both backends.

use dd_storage::{DEMO_TENANT_1, DEMO_TENANT_2, EmployeeKey, Role, Store};
use sqlx::Row;

use crate::common::{PgDb, on_both, payroll_of, seed, sqlite};

on_both!(seed_is_idempotent_and_complete);

async fn seed_is_idempotent_and_complete(store: Store) {
    store.seed(&seed()).await.unwrap();
    store.seed(&seed()).await.unwrap();
    assert!(store.tenant_exists(DEMO_TENANT_1).await.unwrap());
    assert!(store.tenant_exists(DEMO_TENANT_2).await.unwrap());
    assert!(
        !store
            .tenant_exists("00000000-0000-4000-8000-000000000009")
            .await
            .unwrap()
    );
    for e in 1..=3 {
        assert!(
            store
                .employee_exists(EmployeeKey::new(DEMO_TENANT_1, 1, e))
                .await
                .unwrap()
        );
    }
    assert!(
        store
            .employee_exists(EmployeeKey::new(DEMO_TENANT_2, 1, 1))
            .await
            .unwrap()
    );
    assert!(
        !store
            .employee_exists(EmployeeKey::new(DEMO_TENANT_2, 1, 2))
            .await
            .unwrap()
    );
    assert!(
        !store
            .employee_exists(EmployeeKey::new(DEMO_TENANT_1, 2, 1))
            .await
            .unwrap()
    );

    let hr = store
        .find_user(DEMO_TENANT_1, "HR@Acme.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hr.role, Role::Admin);
    assert_eq!((hr.company_id, hr.employee_id), (Some(1), Some(3)));
    let alice = store
        .find_user(DEMO_TENANT_1, "alice@acme.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((alice.role, alice.employee_id), (Role::Employee, Some(1)));
    // Users belong to one tenant.
    assert_eq!(
        store
            .find_user(DEMO_TENANT_2, "alice@acme.example")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .find_user(DEMO_TENANT_1, "nobody@acme.example")
            .await
            .unwrap(),
        None
    );

    for tenant in [DEMO_TENANT_1, DEMO_TENANT_2] {
        let account = store.payroll_account(tenant).await.unwrap().unwrap();
        assert_eq!(Some(account.clone()), payroll_of(&seed(), tenant));
        assert!(account.password_ciphertext.ends_with(tenant));
        assert!(!format!("{account:?}").contains("LEGACY-CIPHERTEXT"));
    }
    assert_eq!(
        store
            .payroll_account("00000000-0000-4000-8000-000000000009")
            .await
            .unwrap(),
        None
    );
}

async fn columns(store: &Store, sql: &str) -> Vec<(String, String)> {
    let mut cols: Vec<(String, String)> = sqlx::query(sql)
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get::<String, _>("t"), r.get::<String, _>("c")))
        .collect();
    cols.sort();
    cols
}

/// One logical schema: the same tables and columns on both backends.
#[tokio::test]
async fn both_backends_have_the_same_tables_and_columns() {
    let lite = sqlite().await;
    let lite_cols = columns(
        &lite,
        "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
    )
    .await;
    assert!(lite_cols.contains(&("direct_deposits".into(), "account_fingerprint".into())));
    assert_eq!(
        lite_cols
            .iter()
            .map(|(t, _)| t.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        9 + 3 // 0003: the legacy import's three tables
    );
    let Some(pg) = PgDb::create().await else {
        return;
    };
    let pg_cols = columns(
        &pg.store,
        "SELECT CAST(table_name AS TEXT) AS t, CAST(column_name AS TEXT) AS c \
         FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx%'",
    )
    .await;
    assert_eq!(lite_cols, pg_cols);
    pg.store.close().await;
}

/// The embedded default: a SQLite file survives a reopen, and migrating again is a no-op.
#[tokio::test]
async fn sqlite_file_persists_across_reopen() {
    let path = std::env::temp_dir().join(format!(
        "dd-storage-test-{}-{}.db",
        std::process::id(),
        dd_storage::now_ms()
    ));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    store.seed(&seed()).await.unwrap();
    let d = store
        .create_deposit(
            crate::common::alice(),
            &crate::common::deposit("021000021", "1111", crate::common::flat(5)),
            &crate::common::admin(),
            None,
        )
        .await
        .unwrap();
    store.close().await;
    let again = Store::connect(&url).await.unwrap();
    again.migrate().await.unwrap();
    assert_eq!(
        again
            .get_deposit(crate::common::alice(), d.id)
            .await
            .unwrap(),
        d
    );
    again.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    assert!(matches!(
        Store::connect("mysql://x").await,
        Err(dd_storage::StorageError::InvalidInput(_))
    ));
}
