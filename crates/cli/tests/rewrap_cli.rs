//! `ddctl rewrap` as a subprocess: file mode (with resume and dry run) and SQL mode.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

use dd_crypto::envelope::{EnvelopeCipher, LocalKeyProvider};

const SECRET: &str = r#"{"salt":"NaCl-2019","keyPhrase":"correct horse battery"}"#;
const EVO: &str = "gzzxXpWx160+peB3tjp/I5D2jZzqdusVg/dzGX5HMe4="; // EvoP@ss!2020
const ACCT: &str = "pQd/0dfG15VAYzcU19+yCvZAaFA0+z9U7Y0QdOYRbC4="; // s3rv1ce-acct

fn ddctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ddctl"))
        .args(args)
        .env("DD_KEY_JSON", SECRET)
        .env_remove("DD_KEY_FILE")
        .output()
        .unwrap()
}

/// `ddctl decrypt` with `input` and a newline on stdin.
fn ddctl_decrypt(args: &[&str], input: &str) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_ddctl"))
        .arg("decrypt")
        .args(args)
        .env_remove("DD_KEY_JSON")
        .env_remove("DD_KEY_FILE")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{input}").unwrap();
    drop(stdin);
    child.wait_with_output().unwrap()
}

fn setup(dir: &Path) -> (LocalKeyProvider, String) {
    std::fs::create_dir_all(dir).unwrap();
    let kek = LocalKeyProvider::generate().unwrap();
    let kek_file = dir.join("kek.json");
    std::fs::write(&kek_file, kek.to_json().as_str()).unwrap();
    (kek, kek_file.display().to_string())
}

async fn open(kek: &LocalKeyProvider, text: &str, tenant: &str) -> String {
    let cipher = EnvelopeCipher::new(LocalKeyProvider::from_json(&kek.to_json()).unwrap());
    let opened = cipher.open(text, Some(tenant)).await.unwrap();
    String::from_utf8(opened.plaintext.to_vec()).unwrap()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ddctl-rewrap-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[tokio::test]
async fn file_mode_verifies_resumes_and_reports() {
    let dir = temp_dir("file");
    let (kek, kek_file) = setup(&dir);
    let input = dir.join("in.tsv");
    let output = dir.join("out.tsv");
    std::fs::write(
        &input,
        format!("1\ttenant-a\t{EVO}\n2\ttenant-b\t{ACCT}\n3\ttenant-a\tnot base64!!\n"),
    )
    .unwrap();
    let args = [
        "rewrap",
        "--from-file",
        input.to_str().unwrap(),
        "--to-file",
        output.to_str().unwrap(),
        "--kek-file",
        &kek_file,
    ];

    // Dry run: everything verified, nothing written.
    let dry = ddctl(&[&args[..], &["--dry-run"]].concat());
    let summary = String::from_utf8_lossy(&dry.stdout);
    assert!(
        summary.contains("2 rewrapped") && summary.contains("1 failed"),
        "{summary}"
    );
    assert!(summary.contains("invalid_base64"), "{summary}");
    assert!(!output.exists());

    // A real run writes the two good values; the bad one fails the command.
    let first = ddctl(&args);
    assert_eq!(first.status.code(), Some(1));
    let written = std::fs::read_to_string(&output).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), 2);
    let fields: Vec<&str> = lines[0].split('\t').collect();
    assert_eq!((fields[0], fields[1]), ("1", "tenant-a"));
    assert!(fields[2].starts_with("dd1:"));
    assert_eq!(open(&kek, fields[2], "tenant-a").await, "EvoP@ss!2020");
    let fields: Vec<&str> = lines[1].split('\t').collect();
    assert_eq!(open(&kek, fields[2], "tenant-b").await, "s3rv1ce-acct");
    assert!(!written.contains("EvoP@ss") && !written.contains(EVO));
    // A user checks a rewrapped value locally, as the decryptor would open it.
    let opened = ddctl_decrypt(
        &["--envelope-key-file", &kek_file, "--tenant", "tenant-b"],
        fields[2],
    );
    assert!(
        opened.status.success(),
        "{}",
        String::from_utf8_lossy(&opened.stderr)
    );
    assert_eq!(opened.stdout, b"s3rv1ce-acct");

    // Interrupted mid-line, then resumed: the torn line is redone, done ones are skipped.
    std::fs::write(&output, format!("{}\n2\ttenant-b\tdd1:AAAA", lines[0])).unwrap();
    let resumed = ddctl(&args);
    let summary = String::from_utf8_lossy(&resumed.stdout);
    assert!(
        summary.contains("1 rewrapped") && summary.contains("1 already envelopes"),
        "{summary}"
    );
    let written = std::fs::read_to_string(&output).unwrap();
    assert_eq!(written.lines().count(), 2);
    let last: Vec<&str> = written.lines().nth(1).unwrap().split('\t').collect();
    assert_eq!(open(&kek, last[2], "tenant-b").await, "s3rv1ce-acct");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn sql_mode_rewraps_in_place_and_is_idempotent() {
    let dir = temp_dir("sql");
    let (kek, kek_file) = setup(&dir);
    let db = dir.join("creds.db");
    let url = format!("sqlite://{}?mode=rwc", db.display());
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    sqlx::query(
        "CREATE TABLE creds (id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, secret TEXT NOT NULL)",
    )
    .execute(&pool)
    .await
    .unwrap();
    for (id, tenant, value) in [(1, "t1", EVO), (2, "t2", ACCT)] {
        sqlx::query("INSERT INTO creds (id, tenant, secret) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(tenant)
            .bind(value)
            .execute(&pool)
            .await
            .unwrap();
    }
    let args = [
        "rewrap",
        "--database-url",
        &url,
        "--table",
        "creds",
        "--id-column",
        "id",
        "--tenant-column",
        "tenant",
        "--value-column",
        "secret",
        "--kek-file",
        &kek_file,
    ];
    let run = ddctl(&args);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT tenant, secret FROM creds ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(open(&kek, &rows[0].1, "t1").await, "EvoP@ss!2020");
    assert_eq!(open(&kek, &rows[1].1, "t2").await, "s3rv1ce-acct");
    let again = ddctl(&args);
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 rewrapped, 2 already envelopes"));
    // Identifiers are never spliced unchecked.
    let bad = ddctl(&[
        "rewrap",
        "--database-url",
        &url,
        "--table",
        "creds; DROP TABLE creds",
        "--kek-file",
        &kek_file,
    ]);
    assert_eq!(bad.status.code(), Some(1));
    pool.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
