//! The decrypt-Lambda algorithm against the 13 compat vectors (events handled by the Lambda
//! are checked here at the algorithm level: an event without cipherText is the Lambda's job).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dd_crypto::ExposeSecret;
use dd_crypto::decrypt_lambda::DecryptLambdaKey;
use serde_json::Value;

fn vectors() -> Vec<Value> {
    let file: Value =
        serde_json::from_str(include_str!("data/decrypt-lambda-compat.json")).unwrap();
    file["vectors"].as_array().unwrap().clone()
}

/// The Lambda matches property names case-insensitively.
fn cipher_text(event: &Value) -> Option<&str> {
    event
        .as_object()?
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("cipherText"))
        .and_then(|(_, value)| value.as_str())
}

#[test]
fn all_13_vectors_give_the_expected_outcome() {
    let all = vectors();
    assert_eq!(all.len(), 13);
    for (i, v) in all.iter().enumerate() {
        let key = DecryptLambdaKey::from_secret_json(&v["secret"].to_string()).unwrap();
        let want_ok = v["expect"]["statusCode"] == 200;
        let got = cipher_text(&v["event"])
            .filter(|text| !text.is_empty())
            .map(|text| key.decrypt(text));
        match got {
            Some(Ok(plain)) => {
                assert!(want_ok, "vector {i} should fail");
                assert_eq!(plain.expose_secret(), v["expect"]["body"], "vector {i}");
            }
            Some(Err(err)) => {
                assert!(!want_ok, "vector {i}: {}", err.kind());
                assert_eq!(err.to_string(), "decryption failed");
            }
            None => assert!(!want_ok, "vector {i} has no cipherText"),
        }
    }
}

#[test]
fn encrypt_reproduces_the_dotnet_ciphertexts() {
    for v in vectors()
        .iter()
        .filter(|v| v["expect"]["statusCode"] == 200)
    {
        let key = DecryptLambdaKey::from_secret_json(&v["secret"].to_string()).unwrap();
        let body = v["expect"]["body"].as_str().unwrap();
        assert_eq!(
            key.encrypt(body).unwrap(),
            cipher_text(&v["event"]).unwrap()
        );
    }
}

#[test]
fn salts_under_8_bytes_are_a_configuration_error() {
    let err = DecryptLambdaKey::new("abc", "phrase").unwrap_err();
    assert_eq!(err.kind(), "invalid_config");
    // "abcd" is 8 bytes as UTF-16LE, the shortest salt .NET accepts (compat vector 7).
    DecryptLambdaKey::new("abcd", "phrase").unwrap();
}

#[test]
fn malformed_secret_json_is_a_configuration_error_that_does_not_echo_it() {
    for json in [
        "{}",
        "not json",
        r#"{"salt":"NaCl-2019"}"#,
        r#"{"salt":1,"keyPhrase":"hunter2-secret"}"#,
    ] {
        let err = DecryptLambdaKey::from_secret_json(json).unwrap_err();
        assert_eq!(err.kind(), "invalid_config");
        assert!(!err.to_string().contains("hunter2"));
        assert!(!format!("{err:?}").contains("hunter2"));
    }
}

#[test]
fn debug_is_redacted() {
    let key = DecryptLambdaKey::new("NaCl-2019", "correct horse battery").unwrap();
    assert_eq!(format!("{key:?}"), "DecryptLambdaKey(<redacted>)");
}
