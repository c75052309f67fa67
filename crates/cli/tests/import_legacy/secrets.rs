//! No account number of the export, imported or refused, is ever written or logged in the
//! clear: not in the database (every row of every table, and on SQLite every byte of the
//! file, free pages included), not on stdout or stderr with the most verbose logging, not
//! in the report files.

use sqlx::Row as _;

use crate::common::{Env, all_accounts, fixtures, on_both};

/// Every text the database holds: the SQLite files' bytes, or every PostgreSQL row.
async fn database_text(env: &Env) -> String {
    if env.pg.is_none() {
        let mut bytes = Vec::new();
        for suffix in ["", "-wal", "-journal"] {
            let file = env.data_dir().join(format!("dd.sqlite{suffix}"));
            if let Ok(content) = std::fs::read(&file) {
                bytes.extend(content);
            }
        }
        assert!(bytes.len() > 100_000, "the database file was read");
        return String::from_utf8_lossy(&bytes).into_owned();
    }
    let store = env.store().await;
    let tables = sqlx::query(
        "SELECT CAST(table_name AS TEXT) AS t FROM information_schema.tables \
         WHERE table_schema = 'public'",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let mut text = String::new();
    for table in tables {
        let name: String = table.get("t");
        let sql = format!("SELECT CAST(x AS TEXT) AS v FROM {name} AS x");
        for row in sqlx::query(&sql).fetch_all(store.pool()).await.unwrap() {
            text.push_str(&row.get::<String, _>("v"));
            text.push('\n');
        }
    }
    store.close().await;
    assert!(text.len() > 100_000, "the database was read");
    text
}

async fn no_account_number_in_the_clear(env: Env) {
    let mut seen = String::new();
    // A dry run, a refused run, an import and a re-run, all with the most verbose
    // logging there is (sqlx's included).
    for flags in [
        &["--keep-going", "--dry-run"][..],
        &[][..],
        &["--keep-going"][..],
        &["--keep-going"][..],
    ] {
        let out = env
            .command(&fixtures(), flags)
            .env("RUST_LOG", "trace")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("TRACE") || stderr.contains("DEBUG"),
            "{stderr}"
        );
        seen.push_str(&String::from_utf8_lossy(&out.stdout));
        seen.push_str(&stderr);
    }
    for file in ["report.txt", "refused.csv", "fingerprints.csv"] {
        seen.push_str(&std::fs::read_to_string(env.report_dir().join(file)).unwrap());
    }
    seen.push_str(&database_text(&env).await);

    let accounts = all_accounts();
    assert!(accounts.len() > 390);
    let export = std::fs::read_to_string(fixtures().join("EmployeeDirectDeposit.csv")).unwrap();
    for account in &accounts {
        assert!(
            export.contains(account.as_str()),
            "the scan looks for real values"
        );
        assert!(
            !seen.contains(account.as_str()),
            "an account number ({} characters) is in the clear",
            account.len()
        );
    }
}

on_both!(never_in_the_clear, no_account_number_in_the_clear);
