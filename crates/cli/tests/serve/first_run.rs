//! First run on a fresh data directory: files and modes, the printed tokens, the API with
//! curl, `POST /decrypt` with both ciphertext forms, `ddctl token`, `ddctl decrypt`, log
//! hygiene, and a restart on the same data.

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::Stdio;

use dd_crypto::decrypt_lambda::DecryptLambdaKey;
use dd_crypto::envelope::{EnvelopeCipher, LocalKeyProvider};
use serde_json::{Value, json};

use crate::common::{Served, T1, curl, ddctl, ddctl_token, deposit, post_json};

/// `ddctl decrypt --data-dir D` with `input` on stdin: (success, stdout, stderr).
fn ddctl_decrypt(data_dir: &Path, input: &str, extra: &[&str]) -> (bool, String, String) {
    let mut child = ddctl()
        .args(["decrypt", "--data-dir"])
        .arg(data_dir)
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A `dd1:` envelope of `plain` for `tenant`, sealed with the data directory's KEK.
fn seal(data_dir: &Path, tenant: &str, plain: &str) -> String {
    let kek = std::fs::read_to_string(data_dir.join("kek.json")).unwrap();
    let cipher = EnvelopeCipher::new(LocalKeyProvider::from_json(&kek).unwrap());
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(cipher.seal(tenant, plain.as_bytes()))
        .unwrap()
}

#[test]
fn serve_on_a_fresh_data_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("data");
    let served = Served::start(&data_dir, &[]);
    assert!(served.banner.contains("(created)"), "{}", served.banner);
    assert_eq!(served.users.len(), 4, "{}", served.banner);

    // Keys and database exist, owner-only.
    let dir_mode = std::fs::metadata(&data_dir).unwrap().permissions().mode();
    assert_eq!(dir_mode & 0o777, 0o700);
    for file in [
        "dd.sqlite",
        "kek.json",
        "decrypt-key.json",
        "jwt-secret",
        "fingerprint-key",
        "payroll-sim.json",
        "serve.lock",
    ] {
        let mode = std::fs::metadata(data_dir.join(file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }
    assert!(data_dir.join("dd.sqlite").exists());

    // The legacy suite's first steps, with curl.
    let (alice_url, alice) = served.user("alice@acme.example");
    let (status, body) = curl("GET", &alice_url, &alice, None);
    assert_eq!((status, body.as_str()), (204, ""));
    let (status, body) = curl("POST", &alice_url, &alice, Some(&deposit("987654321")));
    assert_eq!(status, 201, "{body}");
    let created: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(created["status"], "Pending");
    assert_eq!(created["bankAccount"]["accountNumber"], "*****4321");
    let (status, _) = curl("GET", &alice_url, &served.user("bob@acme.example").1, None);
    assert_eq!(status, 401);

    // The HR admin sees the clear number.
    let (_, hr) = served.user("hr@acme.example");
    let (status, body) = curl("GET", &alice_url, &hr, None);
    assert_eq!(status, 200);
    assert!(body.contains("\"987654321\""), "{body}");

    // The decryptor route, with a ciphertext made with the data dir's key.
    let key_json = std::fs::read_to_string(data_dir.join("decrypt-key.json")).unwrap();
    let key = DecryptLambdaKey::from_secret_json(&key_json).unwrap();
    let cipher_text = key.encrypt("hunter2").unwrap();
    let reply = post_json(
        &format!("{}/decrypt", served.url),
        &json!({"cipherText": cipher_text}),
    );
    assert_eq!(
        reply,
        json!({"statusCode": 200, "body": "hunter2", "isBase64Encoded": false})
    );
    let reply = post_json(
        &format!("{}/decrypt", served.url),
        &json!({"cipherText": "bm9wZQ=="}),
    );
    assert_eq!(
        reply,
        json!({"statusCode": 500, "body": "", "isBase64Encoded": false})
    );
    // The same field takes dd1: envelopes, as on Lambda.
    let envelope = seal(&data_dir, T1, "hunter3");
    let reply = post_json(
        &format!("{}/decrypt", served.url),
        &json!({"cipherText": envelope}),
    );
    assert_eq!(
        reply,
        json!({"statusCode": 200, "body": "hunter3", "isBase64Encoded": false})
    );

    // `ddctl decrypt --data-dir` opens both forms locally, with nothing added.
    let (ok, plain, err) = ddctl_decrypt(&data_dir, &format!("{cipher_text}\n"), &[]);
    assert!(ok, "{err}");
    assert_eq!(plain, "hunter2");
    let (ok, plain, err) = ddctl_decrypt(&data_dir, &format!("{envelope}\n"), &["--tenant", T1]);
    assert!(ok, "{err}");
    assert_eq!(plain, "hunter3");
    let (ok, plain, err) = ddctl_decrypt(&data_dir, &envelope, &["--tenant", "another-tenant"]);
    assert!(!ok && plain.is_empty());
    assert!(err.starts_with("tenant_mismatch"), "{err}");

    // `ddctl token` for the same server.
    let out = ddctl_token(&data_dir, "3", "admin");
    assert!(out.status.success(), "{out:?}");
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_eq!(curl("GET", &alice_url, &token, None).0, 200);
    let out = ddctl_token(&data_dir, "3", "employee");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("admin"));

    let first_url = served.url.clone();
    let log = served.stop();
    let passwords: Value =
        serde_json::from_str(&std::fs::read_to_string(data_dir.join("payroll-sim.json")).unwrap())
            .unwrap();
    let mut secrets = vec![
        "987654321".to_owned(),
        "hunter2".to_owned(),
        alice.clone(),
        hr.clone(),
        token,
        cipher_text,
        envelope,
        "hunter3".to_owned(),
    ];
    for t in passwords["tenants"].as_array().unwrap() {
        secrets.push(t["password"].as_str().unwrap().to_owned());
    }
    assert!(log.contains("request"), "no access log: {log}");
    for secret in &secrets {
        assert!(!log.contains(secret.as_str()), "log leaks a secret: {log}");
    }

    // A restart keeps the data and the keys (the envelope still opens).
    let again = Served::start(&data_dir, &[]);
    assert!(again.banner.contains("(using)"), "{}", again.banner);
    let (status, body) = curl(
        "GET",
        &alice_url.replace(&first_url, &again.url),
        &again.user("hr@acme.example").1,
        None,
    );
    assert_eq!(status, 200);
    assert!(body.contains("\"987654321\""), "{body}");
    again.stop();
    // A clean stop folds SQLite's write-ahead log into the database file.
    assert!(!data_dir.join("dd.sqlite-wal").exists());
    assert!(!data_dir.join("dd.sqlite-shm").exists());
}

/// The Lambda's settings are `ddctl serve`'s too, read once before anything starts: a bad
/// `DD_DB_POOL_WAIT_MS` (or limit) stops it with the setting's name, before a port is bound
/// or the data directory created.
#[test]
fn a_bad_pool_wait_stops_serve_before_it_touches_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("data");
    for (name, bad) in [
        ("DD_DB_POOL_WAIT_MS", "0"),
        ("DD_REQUEST_TIMEOUT_MS", "soon"),
    ] {
        let out = ddctl()
            .args(["serve", "--port", "0", "--data-dir"])
            .arg(&data_dir)
            .env(name, bad)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{name}={bad} started: {stderr}");
        assert!(stderr.contains(name), "{name}: {stderr}");
        assert!(!data_dir.exists(), "{name}: the data directory was created");
    }
}
