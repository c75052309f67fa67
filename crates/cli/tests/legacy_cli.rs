//! `ddctl legacy …` and `ddctl decrypt|encrypt` driven as a subprocess over every vector.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const LEGACY: &str = include_str!("../../crypto/tests/data/legacy-dotnet.json");
const COMPAT: &str = include_str!("../../crypto/tests/data/decrypt-lambda-compat.json");

fn ddctl(args: &[String], stdin: &[u8], envs: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ddctl"))
        .args(args)
        .env_remove("DD_KEY_JSON")
        .env_remove("DD_KEY_FILE")
        .envs(envs.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The process may exit (e.g. on a key error) before reading its input.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

/// One flag per non-null `params` key, named as the key with `-` for `_`.
fn flags(action: &str, v: &Value) -> Vec<String> {
    let mut args = vec![
        "legacy".to_owned(),
        action.to_owned(),
        "--scheme".to_owned(),
    ];
    args.push(v["scheme"].as_str().unwrap().to_owned());
    for (key, value) in v["params"].as_object().unwrap() {
        let value = match value {
            Value::Null => continue,
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        args.push(format!("--{}", key.replace('_', "-")));
        args.push(value);
    }
    args
}

fn legacy_vectors() -> Vec<Value> {
    serde_json::from_str(LEGACY).unwrap()
}

#[test]
fn legacy_decrypt_matches_every_vector() {
    for v in legacy_vectors() {
        let id = v["id"].as_str().unwrap();
        let input = format!("{}\n", v["ciphertext_b64"].as_str().unwrap());
        let out = ddctl(&flags("decrypt", &v), input.as_bytes(), &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if v["expect"] == "ok" {
            assert!(out.status.success(), "{id}: {stderr}");
            assert_eq!(
                String::from_utf8(out.stdout).unwrap(),
                v["plaintext"].as_str().unwrap(),
                "{id}"
            );
        } else {
            assert_eq!(out.status.code(), Some(1), "{id}");
            assert!(out.stdout.is_empty(), "{id}");
            assert_eq!(stderr.lines().count(), 1, "{id}: {stderr}");
            assert!(
                stderr.starts_with(v["expect"].as_str().unwrap()),
                "{id}: {stderr}"
            );
        }
    }
}

#[test]
fn legacy_encrypt_round_trips_and_is_byte_exact_where_deterministic() {
    for v in legacy_vectors().into_iter().filter(|v| v["expect"] == "ok") {
        let id = v["id"].as_str().unwrap();
        let plain = v["plaintext"].as_str().unwrap();
        let out = ddctl(&flags("encrypt", &v), plain.as_bytes(), &[]);
        assert!(
            out.status.success(),
            "{id}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let sealed = String::from_utf8(out.stdout).unwrap();
        assert!(sealed.ends_with('\n'), "{id}");
        let back = ddctl(&flags("decrypt", &v), sealed.as_bytes(), &[]);
        assert_eq!(String::from_utf8(back.stdout).unwrap(), plain, "{id}");
        let random_prefix = ["aes_cbc_rfc2898_salt_prefixed", "aes_cbc_iv_prefixed"]
            .contains(&v["scheme"].as_str().unwrap());
        let note = v["note"].as_str().unwrap_or_default();
        let stored = v["ciphertext_b64"].as_str().unwrap();
        let canonical = !stored.is_empty()
            && !stored.contains([' ', '\r'])
            && !note.contains("BOM")
            && !note.contains("unused low bits");
        if !random_prefix && canonical {
            assert_eq!(sealed, format!("{stored}\n"), "{id}");
        }
    }
}

#[test]
fn bad_flags_fail_with_invalid_config() {
    let args: Vec<String> = [
        "legacy",
        "decrypt",
        "--scheme",
        "aes_cbc_rfc2898",
        "--passphrase",
        "p",
        "--salt",
        "0011",
    ]
    .map(String::from)
    .to_vec();
    let out = ddctl(&args, b"AAAA\n", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("invalid_config"));
}

#[test]
fn decrypt_lambda_key_from_json_file_and_env() {
    let file: Value = serde_json::from_str(COMPAT).unwrap();
    let dir = std::env::temp_dir().join(format!("ddctl-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (i, v) in file["vectors"].as_array().unwrap().iter().enumerate() {
        let Some(cipher_text) = v["event"]["cipherText"].as_str().filter(|t| !t.is_empty()) else {
            continue;
        };
        let secret = v["secret"].to_string();
        let key_file = dir.join(format!("key-{i}.json"));
        std::fs::write(&key_file, &secret).unwrap();
        let input = format!("{cipher_text}\n");
        let by_flag = ddctl(
            &["decrypt".into(), "--key-json".into(), secret.clone()],
            input.as_bytes(),
            &[],
        );
        let by_file = ddctl(
            &[
                "decrypt".into(),
                "--key-file".into(),
                key_file.display().to_string(),
            ],
            input.as_bytes(),
            &[],
        );
        let by_env = ddctl(
            &["decrypt".into()],
            input.as_bytes(),
            &[("DD_KEY_JSON", &secret)],
        );
        for out in [&by_flag, &by_file, &by_env] {
            if v["expect"]["statusCode"] == 200 {
                assert_eq!(
                    String::from_utf8_lossy(&out.stdout),
                    v["expect"]["body"].as_str().unwrap(),
                    "vector {i}"
                );
            } else {
                assert_eq!(out.status.code(), Some(1), "vector {i}");
                assert!(out.stdout.is_empty());
            }
        }
    }
    let secret = file["vectors"][0]["secret"].to_string();
    let out = ddctl(
        &["encrypt".into()],
        b"EvoP@ss!2020",
        &[("DD_KEY_JSON", &secret)],
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "gzzxXpWx160+peB3tjp/I5D2jZzqdusVg/dzGX5HMe4=\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn missing_key_is_reported_as_key_unavailable() {
    let out = ddctl(&["decrypt".into()], b"AAAA\n", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("key_unavailable"));
}
