//! Postgres mode: the data directory remembers its database (without a password), no SQLite
//! file is made, one server per database, and a missing database says how to create it.
//! Each test gets a fresh database (`dd_storage::testing`): an unreachable server fails the
//! test when `CI` is set (as `scripts/test-all` does), else skips it with a notice.

use dd_storage::testing::TestDatabase;

use crate::common::{Served, T1, curl, ddctl, ddctl_token, deposit, outbox_status};

pub fn fresh_database(tag: &str) -> Option<TestDatabase> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(TestDatabase::create(tag))
}

#[test]
fn serve_on_postgres_remembers_its_database() {
    let Some(db) = fresh_database("serve") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("data");
    let served = Served::start(&data_dir, &["--database-url", &db.url]);
    assert!(served.banner.contains(&db.url), "{}", served.banner);
    let (url, carol) = served.user("carol@globex.example");
    assert_eq!(curl("GET", &url, &carol, None).0, 204);
    let (status, body) = curl("POST", &url, &carol, Some(&deposit("11223344")));
    assert_eq!(status, 201, "{body}");
    // The tenant-1 admin gets nothing of tenant 2.
    let (status, body) = curl("GET", &url, &served.user("hr@acme.example").1, None);
    assert_eq!(status, 401);
    assert!(!body.contains("3344"));

    // No unused SQLite file; the database is recorded for the other commands.
    assert!(!data_dir.join("dd.sqlite").exists());
    let recorded = std::fs::read_to_string(data_dir.join("database-url")).unwrap();
    assert_eq!(recorded.trim(), db.url);
    let out = ddctl_token(&data_dir, "3", "admin");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = outbox_status(&data_dir);
    assert_eq!(status["database"], db.url.as_str());
    assert_eq!(status["counts"]["done"], 0);
    assert!(!data_dir.join("dd.sqlite").exists());

    // A second server on the same database, from another data directory, is refused.
    let other = ddctl()
        .args([
            "serve",
            "--port",
            "0",
            "--database-url",
            &db.url,
            "--data-dir",
        ])
        .arg(tmp.path().join("other"))
        .output()
        .unwrap();
    assert!(!other.status.success());
    let message = String::from_utf8_lossy(&other.stderr);
    assert!(
        message.contains("in use by another ddctl serve"),
        "{message}"
    );

    // A restart without --database-url finds the same database and data.
    served.stop();
    let again = Served::start(&data_dir, &[]);
    let (url, carol) = again.user("carol@globex.example");
    let (status, body) = curl("GET", &url, &carol, None);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("****3344"), "{body}");
    again.stop();
    assert!(!data_dir.join("dd.sqlite").exists());
}

#[test]
fn a_missing_database_says_how_to_create_it() {
    // Only the server is needed; this database is never created.
    let Some(db) = fresh_database("missing") else {
        return;
    };
    let missing_name = format!("dd_missing_{}", std::process::id());
    let (head, query) = db.url.split_once('?').unwrap_or((&db.url, ""));
    let base = head.rsplit_once('/').unwrap().0;
    let missing = format!("{base}/{missing_name}?{query}");
    let tmp = tempfile::tempdir().unwrap();
    let out = ddctl()
        .args([
            "serve",
            "--port",
            "0",
            "--database-url",
            &missing,
            "--data-dir",
        ])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.contains(&format!("database {missing_name} does not exist on ")),
        "{message}"
    );
    assert!(message.contains("create it with `createdb"), "{message}");
    assert!(!message.contains("3D000"), "{message}");
    assert!(!tmp.path().join("dd.sqlite").exists());
    assert!(!tmp.path().join("database-url").exists());
    // And `ddctl token` on a data directory that never served says what to run.
    let out = ddctl()
        .args(["token", "--tenant", T1, "--employee", "1", "--data-dir"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains("ddctl serve --data-dir"), "{message}");
}
