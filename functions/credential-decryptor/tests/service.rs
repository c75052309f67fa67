//! The handler core over the compat vectors, the encrypt sibling, v2 batches and key rotation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use credential_decryptor::{CredentialService, Event, KeyCache, KeySource, Operation, Response};
use secrecy::SecretString;
use serde_json::{Value, json};

const COMPAT: &str = include_str!("../../../crates/crypto/tests/data/decrypt-lambda-compat.json");

fn vectors() -> Vec<Value> {
    let file: Value = serde_json::from_str(COMPAT).unwrap();
    file["vectors"].as_array().unwrap().clone()
}

fn service(operation: Operation, secret: &Value) -> CredentialService {
    let keys = KeyCache::new(
        KeySource::Inline(SecretString::from(secret.to_string())),
        None,
    );
    keys.prime();
    CredentialService::new(operation, keys)
}

async fn call(service: &CredentialService, event: Value) -> Value {
    let event: Event = serde_json::from_value(event).unwrap();
    let (response, _) = service.handle(event).await;
    serde_json::to_value(&response).unwrap()
}

#[tokio::test]
async fn every_compat_vector_gets_the_legacy_reply() {
    for (i, v) in vectors().into_iter().enumerate() {
        let service = service(Operation::Decrypt, &v["secret"]);
        let reply = call(&service, v["event"].clone()).await;
        let expected = json!({
            "statusCode": v["expect"]["statusCode"],
            "body": v["expect"]["body"],
            "isBase64Encoded": false,
        });
        assert_eq!(reply, expected, "vector {i}");
    }
}

#[tokio::test]
async fn replies_serialize_byte_exactly() {
    let v = &vectors()[0];
    let service = service(Operation::Decrypt, &v["secret"]);
    let (response, outcome) = service
        .handle(serde_json::from_value(v["event"].clone()).unwrap())
        .await;
    assert_eq!(outcome.kind, "ok");
    assert_eq!(
        serde_json::to_string(&response).unwrap(),
        r#"{"statusCode":200,"body":"EvoP@ss!2020","isBase64Encoded":false}"#
    );
}

#[tokio::test]
async fn warm_up_pings_and_junk_get_the_500_reply() {
    let service = service(Operation::Decrypt, &vectors()[0]["secret"]);
    for event in [
        json!({}),
        json!("warmup"),
        json!(null),
        json!({"source": "serverless-plugin-warmup"}),
        json!({"cipherText": 5}),
    ] {
        let reply = call(&service, event.clone()).await;
        assert_eq!(
            reply,
            json!({"statusCode":500,"body":"","isBase64Encoded":false}),
            "{event}"
        );
    }
}

#[tokio::test]
async fn encrypt_sibling_matches_the_dotnet_ciphertexts() {
    for v in vectors()
        .into_iter()
        .filter(|v| v["expect"]["statusCode"] == 200)
    {
        let service = service(Operation::Encrypt, &v["secret"]);
        let reply = call(&service, json!({"plainText": v["expect"]["body"]})).await;
        let cipher_text = v["event"].as_object().unwrap().values().next().unwrap();
        assert_eq!(reply["statusCode"], 200);
        assert_eq!(&reply["body"], cipher_text);
    }
    let service = service(Operation::Encrypt, &vectors()[0]["secret"]);
    for event in [
        json!({}),
        json!({"plainText": ""}),
        json!({"plainText": "  \t"}),
        json!({"PlainText": null}),
    ] {
        let reply = call(&service, event.clone()).await;
        assert_eq!(
            reply,
            json!({"statusCode":500,"body":"","isBase64Encoded":false}),
            "{event}"
        );
    }
}

#[tokio::test]
async fn v2_batches_report_per_item_results_with_stable_kinds() {
    let service = service(Operation::Decrypt, &vectors()[0]["secret"]);
    let reply = call(
        &service,
        json!({"version": 2, "items": [
            {"id": "a", "cipherText": "gzzxXpWx160+peB3tjp/I5D2jZzqdusVg/dzGX5HMe4="},
            {"id": 2, "cipherText": "not base64!!"},
            {"id": "c"},
            {"id": "d", "cipherText": "gzzxXpWx160+peB3tjp/I5D2jZzqdusVg/dzAAAAAAA="},
        ]}),
    )
    .await;
    assert_eq!(
        reply,
        json!({"version": 2, "results": [
            {"id": "a", "plainText": "EvoP@ss!2020"},
            {"id": 2, "error": {"kind": "invalid_base64", "message": "decryption failed"}},
            {"id": "c", "error": {"kind": "missing_cipher_text", "message": "cipherText is missing or empty"}},
            {"id": "d", "error": {"kind": "padding_error", "message": "decryption failed"}},
        ]})
    );
}

#[tokio::test]
async fn a_rotated_key_file_is_picked_up_after_one_failed_decrypt() {
    let dir = std::env::temp_dir().join(format!("dd-rotation-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("key.json");
    let old = json!({"salt": "NaCl-2019", "keyPhrase": "wrong phrase"});
    std::fs::write(&path, old.to_string()).unwrap();
    let keys = KeyCache::new(KeySource::File(path.clone()), None);
    keys.prime();
    let service = CredentialService::new(Operation::Decrypt, Arc::clone(&keys));
    let event = json!({"cipherText": "gzzxXpWx160+peB3tjp/I5D2jZzqdusVg/dzGX5HMe4="});
    // Warm the cache with the old key, then rotate the secret underneath it.
    let _ = call(&service, json!({})).await;
    keys.current().await.unwrap();
    std::fs::write(&path, vectors()[0]["secret"].to_string()).unwrap();
    let reply = call(&service, event.clone()).await;
    assert_eq!(reply["body"], "EvoP@ss!2020");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn an_unreadable_key_gives_the_500_reply_and_the_key_unavailable_kind() {
    let keys = KeyCache::new(KeySource::File("/nonexistent/dd-key.json".into()), None);
    keys.prime();
    let service = CredentialService::new(Operation::Decrypt, keys);
    let event: Event = serde_json::from_value(json!({"cipherText": "AAAA"})).unwrap();
    let (response, outcome) = service.handle(event).await;
    assert_eq!(outcome.kind, "key_unavailable");
    assert!(
        matches!(response, Response::Legacy(ref r) if r.status_code == 500 && r.body.is_empty())
    );
}

#[tokio::test]
async fn a_failed_load_is_not_retried_on_every_call_and_keeps_its_kind() {
    let keys = KeyCache::new(
        KeySource::Inline(SecretString::from(r#"{"salt":"abc","keyPhrase":"k"}"#)),
        None,
    );
    keys.prime();
    let first = keys.current().await.unwrap_err();
    assert_eq!(first.kind(), "key_invalid");
    let second = keys.current().await.unwrap_err();
    assert_eq!(second.kind(), "key_invalid");
    assert!(second.to_string().contains("retrying shortly"));
}
