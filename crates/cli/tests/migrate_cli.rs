//! `ddctl migrate` on a fresh PostgreSQL database and a SQLite file: the first run applies the
//! schema, a second run applies nothing, and an unusable URL fails with a clear error that
//! does not echo the password.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use dd_storage::testing::TestDatabase;

fn migrate(url: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ddctl"))
        .args(["migrate", "--database-url", url])
        .env_remove("DD_DATABASE_URL")
        .output()
        .expect("run ddctl")
}

/// How many migrations the storage crate ships, so the expectations follow new ones.
fn shipped_migrations() -> usize {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../storage/migrations");
    std::fs::read_dir(dir)
        .expect("read the migrations directory")
        .filter(|entry| {
            entry
                .as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|ext| ext == "sql"))
        })
        .count()
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn migrates_postgres_once_then_does_nothing() {
    let Some(db) = TestDatabase::create("migrate").await else {
        return;
    };
    let n = shipped_migrations();
    let first = stdout(&migrate(&db.url));
    assert!(
        first.contains(&format!(
            "schema at version {n}: {n} migration(s) applied now, 0 already applied"
        )),
        "{first}"
    );
    let second = stdout(&migrate(&db.url));
    assert!(
        second.contains(&format!("0 migration(s) applied now, {n} already applied")),
        "{second}"
    );
}

#[test]
fn migrates_a_sqlite_file_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("dd.sqlite").display()
    );
    let output = Command::new(env!("CARGO_BIN_EXE_ddctl"))
        .arg("migrate")
        .env("DD_DATABASE_URL", &url)
        .output()
        .unwrap();
    let n = shipped_migrations();
    let out = stdout(&output);
    assert!(
        out.contains(&format!("{n} migration(s) applied now")),
        "{out}"
    );
}

#[test]
fn unusable_urls_fail_without_echoing_the_password() {
    let wrong_scheme = migrate("mysql://dd:hunter2@db.example/dd");
    assert!(!wrong_scheme.status.success());
    let unreachable = migrate("postgres://dd:hunter2@127.0.0.1:1/dd?sslmode=disable");
    assert!(!unreachable.status.success());
    for output in [wrong_scheme, unreachable] {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("cannot open the database"), "{stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
        assert!(output.stdout.is_empty());
    }
}
