//! The Rust side of `moto_admin.py`: moto fixtures (secrets, KMS keys, aliases) made with
//! boto3, a real AWS client that is not ours. Shared by dd-aws's and the API's moto tests
//! (both crates sit two levels below the workspace root, hence the script's path).
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../crates/aws/tests/support/moto_admin.py"
);

/// Runs the script with `args` against moto at `endpoint` (trusting `ca_bundle` if given),
/// feeding `stdin`; returns its trimmed stdout. Panics with boto3's error when it fails.
pub fn run(endpoint: &str, ca_bundle: Option<&Path>, args: &[&str], stdin: &str) -> String {
    let mut command = Command::new("python3");
    command.arg(SCRIPT).args(["--endpoint", endpoint]);
    if let Some(bundle) = ca_bundle {
        command.arg("--ca-bundle").arg(bundle);
    }
    let mut child = command
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs tests/support/moto_admin.py (boto3: scripts/setup)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "moto_admin.py {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A secret named `name` holding `value`.
pub fn create_secret(endpoint: &str, ca_bundle: Option<&Path>, name: &str, value: &str) {
    run(endpoint, ca_bundle, &["create-secret", name], value);
}

/// A new symmetric KMS key: (ARN, bare key id).
pub fn create_key(endpoint: &str, description: &str) -> (String, String) {
    let out = run(
        endpoint,
        None,
        &["create-key", "--description", description],
        "",
    );
    let meta: serde_json::Value = serde_json::from_str(&out).unwrap();
    (
        meta["Arn"].as_str().unwrap().to_owned(),
        meta["KeyId"].as_str().unwrap().to_owned(),
    )
}

/// `alias` (e.g. `alias/dd-envelope`) pointing at `key_id`.
pub fn create_alias(endpoint: &str, alias: &str, key_id: &str) {
    run(endpoint, None, &["create-alias", alias, key_id], "");
}
