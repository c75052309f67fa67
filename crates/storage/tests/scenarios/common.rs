//! Test harness: a fresh, seeded database per test on each backend, and the `on_both!`
//! macro that runs one scenario on SQLite and on Postgres.
//!
//! Postgres: each test creates its own database `dd_test_<epoch>_<pid>_<n>` on the server
//! of `DD_TEST_POSTGRES_URL` and drops it afterwards (also when the test panics), so tests
//! run in parallel and re-run cleanly; databases left by a killed run are swept after an
//! hour. Unreachable server: the test fails when `CI` is set, else it is skipped with a
//! notice.

use dd_domain::{AccountNumber, Allocation, AmountType, Designation, RoutingNumber};
use dd_storage::testing::TestDatabase;
use dd_storage::{
    Actor, DEMO_TENANT_1, DemoSeed, EmployeeKey, NewDepositRecord, PayrollAccount, Store,
};

/// Alice, employee 1 of demo tenant 1.
pub fn alice() -> EmployeeKey<'static> {
    EmployeeKey::new(DEMO_TENANT_1, 1, 1)
}

pub fn admin() -> Actor {
    Actor::user(3, "hr@acme.example")
}

pub fn seed() -> DemoSeed {
    DemoSeed::standard("http://127.0.0.1:9/payroll", &|t| {
        format!("LEGACY-CIPHERTEXT-FOR-{t}")
    })
}

/// A deposit to `routing` / `account` (clear, test only). The "ciphertext" and
/// "fingerprint" are recognisable fakes so tests can check where they end up.
pub fn deposit(routing: &str, account: &str, allocation: Allocation) -> NewDepositRecord {
    let clear = AccountNumber::parse(account).unwrap();
    NewDepositRecord {
        routing: RoutingNumber::parse(routing).unwrap(),
        account_ciphertext: format!("CT[{}]", clear.expose().len()),
        account_last4: clear.last4(),
        account_fingerprint: format!("FP[{}]", *NewDepositRecord::fingerprint_input(&clear)),
        designation: Designation::Checking,
        allocation,
    }
}

pub fn flat(cents: i64) -> Allocation {
    Allocation::from_stored(AmountType::Flat, Some(cents)).unwrap()
}

pub fn percent(hundredths: i64) -> Allocation {
    Allocation::from_stored(AmountType::Percentage, Some(hundredths)).unwrap()
}

pub const REMAINDER: Allocation = Allocation::BalanceRemainder;

async fn ready(store: Store) -> Store {
    store.migrate().await.unwrap();
    store.seed(&seed()).await.unwrap();
    store
}

pub async fn sqlite() -> Store {
    ready(Store::connect("sqlite::memory:").await.unwrap()).await
}

/// A per-test Postgres database with a migrated, seeded store; the database is dropped with
/// the guard (after the store, fields drop in order).
pub struct PgDb {
    pub store: Store,
    _db: TestDatabase,
}

impl PgDb {
    /// `None` when the server is unreachable and `CI` is not set.
    pub async fn create() -> Option<Self> {
        let db = TestDatabase::create("").await?;
        let store = Store::connect(&db.url).await.unwrap();
        Some(Self {
            store: ready(store).await,
            _db: db,
        })
    }
}

/// Runs each listed `async fn(Store)` of the calling module on a fresh SQLite database and
/// on a fresh Postgres database.
macro_rules! on_both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(crate::common::sqlite().await).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(db) = crate::common::PgDb::create().await else { return };
                    super::$name(db.store.clone()).await;
                    db.store.close().await;
                }
            )+
        }
    };
}
pub(crate) use on_both;

/// The payroll account `seed` gives `tenant`.
pub fn payroll_of(seed: &DemoSeed, tenant: &str) -> Option<PayrollAccount> {
    seed.tenants
        .iter()
        .find(|t| t.id == tenant)?
        .payroll
        .clone()
}
