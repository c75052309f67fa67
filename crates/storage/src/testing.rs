//! Test support (feature `testing`): a fresh PostgreSQL database per test on the machine's
//! server, dropped afterwards, shared by every crate whose tests run on Postgres.
//!
//! The server comes from `DD_TEST_POSTGRES_URL` (default: loopback, user postgres, database
//! `test`). An unreachable server fails the test when `CI` is set and skips it otherwise.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{Connection, Executor, Row};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable";

/// Databases this old (seconds) were left by a killed run and are swept.
const STALE_AFTER_SECS: i64 = 3600;

/// A per-test database; dropping the guard drops the database (also while unwinding).
#[derive(Debug)]
pub struct TestDatabase {
    /// Connection URL of the fresh database.
    pub url: String,
    admin_url: String,
    name: String,
}

impl TestDatabase {
    /// Creates `dd_test_<epoch>_<pid>_<tag><n>`; `None` when the server is unreachable and
    /// `CI` is not set.
    ///
    /// # Panics
    /// When `CI` is set and the server is unreachable, or the database cannot be created.
    pub async fn create(tag: &str) -> Option<Self> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        sqlx::any::install_default_drivers();
        let admin_url =
            std::env::var("DD_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
        let mut admin = match sqlx::AnyConnection::connect(&admin_url).await {
            Ok(connection) => connection,
            Err(err) => {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "CI is set but Postgres at DD_TEST_POSTGRES_URL is unreachable: {err}"
                );
                eprintln!("NOTICE: Postgres unreachable ({err}); skipping the Postgres run");
                return None;
            }
        };
        let now = crate::now_ms() / 1000;
        sweep_stale(&mut admin, now).await;
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("dd_test_{now}_{}_{tag}{n}", std::process::id());
        if let Err(err) = admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
        {
            panic!("cannot create test database {name}: {err}");
        }
        let _ = admin.close().await;
        Some(Self {
            url: with_database(&admin_url, &name),
            admin_url,
            name,
        })
    }
}

/// `url` with its database name replaced.
fn with_database(url: &str, db: &str) -> String {
    let (head, query) = url
        .split_once('?')
        .map_or((url, None), |(h, q)| (h, Some(q)));
    let base = head.rsplit_once('/').map_or(head, |(b, _)| b);
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// Drops test databases older than an hour (left by runs that were killed).
async fn sweep_stale(admin: &mut sqlx::AnyConnection, now_s: i64) {
    let Ok(rows) = sqlx::query(
        "SELECT CAST(datname AS TEXT) AS datname FROM pg_database WHERE datname LIKE 'dd_test_%'",
    )
    .fetch_all(&mut *admin)
    .await
    else {
        return;
    };
    for row in rows {
        let Ok(name) = row.try_get::<String, _>("datname") else {
            continue;
        };
        let born = name
            .split('_')
            .nth(2)
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(now_s);
        if now_s - born > STALE_AFTER_SECS {
            let _ = admin
                .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                .await;
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Async work in Drop: a separate thread with its own runtime, so this also works
        // while the test's runtime is unwinding. FORCE ends the pools' connections.
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|_| sqlx::Error::PoolClosed)?;
            runtime.block_on(async {
                let mut admin = sqlx::AnyConnection::connect(&url).await?;
                admin
                    .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await?;
                admin.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop test database {}", self.name);
        }
    }
}
