//! A fresh Postgres database per test on the machine's server (`DD_TEST_POSTGRES_URL`,
//! default loopback), dropped afterwards, as dd-storage's tests do. Unreachable server:
//! the test fails when `CI` is set, else it is skipped with a notice.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{Connection, Executor};

const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable";

pub struct PgDb {
    pub url: String,
    admin_url: String,
    name: String,
}

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

impl PgDb {
    pub async fn create() -> Option<Self> {
        static N: AtomicU32 = AtomicU32::new(0);
        sqlx::any::install_default_drivers();
        let admin_url =
            std::env::var("DD_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned());
        let mut admin = match sqlx::AnyConnection::connect(&admin_url).await {
            Ok(c) => c,
            Err(e) => {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "CI is set but Postgres at DD_TEST_POSTGRES_URL is unreachable: {e}"
                );
                eprintln!("NOTICE: Postgres unreachable ({e}); skipping the Postgres run");
                return None;
            }
        };
        // Same naming as dd-storage's tests, so their sweep of stale databases covers ours.
        let name = format!(
            "dd_test_{}_{}_outbox{}",
            dd_storage::now_ms() / 1000,
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        admin.close().await.unwrap();
        Some(Self {
            url: with_database(&admin_url, &name),
            admin_url,
            name,
        })
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
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
