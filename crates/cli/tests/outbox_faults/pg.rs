//! A fresh Postgres database per test on the machine's server (`DD_TEST_POSTGRES_URL`,
//! default loopback), dropped afterwards, as dd-storage's tests do. Unreachable server:
//! the test fails when `CI` is set, else it is skipped with a notice.

use dd_storage::testing::TestDatabase;

/// The fresh database: `url` to connect to; dropped with the guard.
pub struct PgDb {
    pub url: String,
    _db: TestDatabase,
}

impl PgDb {
    pub async fn create() -> Option<Self> {
        let db = TestDatabase::create("outbox").await?;
        Some(Self {
            url: db.url.clone(),
            _db: db,
        })
    }
}
