//! `dd1:` envelopes through the same `cipherText` field, single and batch.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use credential_decryptor::{CredentialService, Event, KeyCache, KeySource, Operation};
use dd_crypto::envelope::{EnvelopeCipher, LocalKeyProvider};
use secrecy::SecretString;
use serde_json::{Value, json};

const SECRET: &str = r#"{"salt":"NaCl-2019","keyPhrase":"correct horse battery"}"#;

fn service(cipher: Option<Arc<EnvelopeCipher<LocalKeyProvider>>>) -> CredentialService {
    let keys = KeyCache::new(KeySource::Inline(SecretString::from(SECRET)), None);
    let service = CredentialService::new(Operation::Decrypt, keys);
    match cipher {
        Some(cipher) => service.with_envelopes(cipher),
        None => service,
    }
}

async fn call(service: &CredentialService, event: Value) -> (Value, &'static str) {
    let event: Event = serde_json::from_value(event).unwrap();
    let (response, outcome) = service.handle(event).await;
    (serde_json::to_value(&response).unwrap(), outcome.kind)
}

#[tokio::test]
async fn legacy_and_envelope_ciphertexts_share_the_field() {
    let cipher = Arc::new(EnvelopeCipher::new(LocalKeyProvider::generate().unwrap()));
    let sealed = cipher
        .seal("tenant-a", "s3rv1ce-p@ss".as_bytes())
        .await
        .unwrap();
    assert!(sealed.starts_with("dd1:"));
    let service = service(Some(Arc::clone(&cipher)));
    let (reply, kind) = call(&service, json!({"cipherText": sealed})).await;
    assert_eq!(kind, "ok");
    assert_eq!(
        reply,
        json!({"statusCode":200,"body":"s3rv1ce-p@ss","isBase64Encoded":false})
    );
    let (reply, _) = call(
        &service,
        json!({"cipherText": "gzzxXpWx160+peB3tjp/I5D2jZzqdusVg/dzGX5HMe4="}),
    )
    .await;
    assert_eq!(reply["body"], "EvoP@ss!2020");
}

#[tokio::test]
async fn batch_items_enforce_the_bound_tenant() {
    let cipher = Arc::new(EnvelopeCipher::new(LocalKeyProvider::generate().unwrap()));
    let sealed = cipher.seal("tenant-a", b"pw-a").await.unwrap();
    let service = service(Some(cipher));
    let (reply, kind) = call(
        &service,
        json!({"version": 2, "items": [
            {"id": 1, "cipherText": sealed, "tenantId": "tenant-a"},
            {"id": 2, "cipherText": sealed, "tenantId": "tenant-b"},
            {"id": 3, "cipherText": sealed},
        ]}),
    )
    .await;
    assert_eq!(kind, "batch");
    assert_eq!(reply["results"][0], json!({"id": 1, "plainText": "pw-a"}));
    assert_eq!(reply["results"][1]["error"]["kind"], "tenant_mismatch");
    assert_eq!(reply["results"][2], json!({"id": 3, "plainText": "pw-a"}));
}

#[tokio::test]
async fn tampered_foreign_or_unconfigured_envelopes_get_the_500_reply() {
    let cipher = Arc::new(EnvelopeCipher::new(LocalKeyProvider::generate().unwrap()));
    let sealed = cipher.seal("tenant-a", b"pw").await.unwrap();
    let other = Arc::new(EnvelopeCipher::new(LocalKeyProvider::generate().unwrap()));
    let failure = json!({"statusCode":500,"body":"","isBase64Encoded":false});

    let (reply, kind) = call(&service(None), json!({"cipherText": sealed})).await;
    assert_eq!(
        (reply.clone(), kind),
        (failure.clone(), "envelope_unsupported")
    );

    let (reply, kind) = call(&service(Some(other)), json!({"cipherText": sealed})).await;
    assert_eq!(reply, failure);
    assert_ne!(kind, "ok");

    let mut tampered = sealed.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let (reply, kind) = call(
        &service(Some(cipher)),
        json!({"cipherText": String::from_utf8(tampered).unwrap()}),
    )
    .await;
    assert_eq!(reply, failure);
    assert_ne!(kind, "ok");
}
