//! What `ddctl` says when it is used wrong: help without environment values, errors that
//! start with their kind and name the way out (issue 10, item 7).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

const DDCTL: &str = env!("CARGO_BIN_EXE_ddctl");
const SECRET_IN_ENV: &str = "hunter2-in-the-environment";

/// Runs ddctl with `stdin`, a clean environment for every variable it reads, plus `env`.
fn ddctl(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(DDCTL);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in [
        "DD_KEY_JSON",
        "DD_KEY_FILE",
        "DD_DATABASE_URL",
        "DD_DATA_DIR",
        "DD_ENVELOPE_KEY_FILE",
        "DD_KMS_KEY_ID",
        "DD_LEGACY_PASSPHRASE",
        "DD_PAYROLL_API_KEY",
        "DD_PAYROLL_API_SECRET",
        "DD_PAYROLL_APPLICATION_ID",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    let mut child = cmd.spawn().unwrap();
    // A command that fails before reading its input closes the pipe early: not our error.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn help_never_shows_environment_values() {
    let env = [
        (
            "DD_DATABASE_URL",
            "postgres://dd:hunter2-in-the-environment@db/dd",
        ),
        ("DD_KEY_JSON", SECRET_IN_ENV),
        ("DD_KEY_FILE", SECRET_IN_ENV),
        ("DD_LEGACY_PASSPHRASE", SECRET_IN_ENV),
        ("DD_PAYROLL_API_SECRET", SECRET_IN_ENV),
    ];
    for command in [
        &["legacy", "decrypt"][..],
        &["legacy", "encrypt"],
        &["decrypt"],
        &["encrypt"],
        &["serve"],
        &["token"],
        &["payroll-sim"],
        &["rewrap"],
        &["outbox", "drain"],
        &["outbox", "status"],
        &["outbox", "requeue"],
    ] {
        for env in [&[][..], &env[..]] {
            let out = ddctl(&[command, &["--help"]].concat(), b"", env);
            let help = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "{command:?}: {}", stderr(&out));
            // `[env: NAME=]` reads as "set to nothing"; values may be secrets.
            assert!(!help.contains("=]"), "{command:?}: {help}");
            assert!(!help.contains(SECRET_IN_ENV), "{command:?}: {help}");
        }
    }
}

#[test]
fn a_token_lifetime_of_zero_is_refused_and_the_leeway_is_documented() {
    let out = ddctl(
        &[
            "token",
            "--tenant",
            "t",
            "--employee",
            "1",
            "--ttl-secs",
            "0",
        ],
        b"",
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--ttl-secs"), "{}", stderr(&out));
    let help = ddctl(&["token", "--help"], b"", &[]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("at least 1"), "{help}");
    assert!(help.contains("30 s after it expires"), "{help}");
}

#[test]
fn an_unknown_scheme_lists_the_valid_ones() {
    let out = ddctl(
        &["legacy", "decrypt", "--scheme", "aes", "--passphrase", "p"],
        b"AAAA\n",
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(message.starts_with("invalid_config: "), "{message}");
    assert_eq!(message.lines().count(), 1, "{message}");
    for scheme in [
        "aes_cbc_rfc2898",
        "aes_cbc_pdb_fixed_iv",
        "aes_cbc_pdb_key_iv",
        "tripledes_ecb_md5",
        "aes_cbc_rfc2898_salt_prefixed",
        "aes_cbc_iv_prefixed",
    ] {
        assert!(message.contains(scheme), "{scheme}: {message}");
    }
}

#[test]
fn an_unreadable_key_file_starts_with_its_kind() {
    let out = ddctl(&["decrypt", "--key-file", "/nonexistent"], b"AAAA\n", &[]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(message.starts_with("key_unavailable: "), "{message}");
    assert!(message.contains("/nonexistent"), "{message}");
    assert!(out.stdout.is_empty());
}

#[test]
fn rewrap_without_arguments_asks_for_its_source_first() {
    let out = ddctl(&["rewrap"], b"", &[]);
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(
        message.contains("--from-file") && message.contains("--database-url"),
        "{message}"
    );
    assert!(message.contains("--kek-file"), "{message}");
    assert!(!message.contains("key-json"), "{message}");
}

#[test]
fn commands_on_a_data_dir_without_a_database_say_what_to_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    let out = ddctl(&["outbox", "status", "--data-dir", dir], b"", &[]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(message.contains("ddctl serve --data-dir"), "{message}");
    assert!(
        std::fs::read_dir(tmp.path()).unwrap().next().is_none(),
        "nothing created"
    );
}
