//! Our Secrets Manager and KMS clients (JSON protocol, SigV4) against a scripted HTTP/1.1
//! server on loopback: what goes on the wire, which failures are retried (throttling, 5xx)
//! and which are not (client errors), and that errors carry the AWS code but never a reply's
//! message or body. moto covers the happy paths end to end (kms_envelope_moto.rs,
//! secrets_tls_moto.rs, the decryptor's and the API's moto tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use dd_aws::{KmsKeyProvider, SdkEnv, SecretsManagerSource};
use dd_crypto::envelope::KeyProvider;
use secrecy::ExposeSecret as _;
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpListener;

/// Serves `replies` (status line, body) one per connection, in order; returns the endpoint and
/// the raw requests seen so far.
async fn scripted(replies: Vec<(&'static str, String)>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        for (status, body) in replies {
            let (mut socket, _) = listener.accept().await.unwrap();
            let request = support::loopback::read_request(&mut socket).await;
            log.lock().unwrap().push(request);
            let reply = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(reply.as_bytes()).await.unwrap();
        }
    });
    (url, seen)
}

fn env(url: &str) -> SdkEnv {
    SdkEnv::for_endpoint("us-east-1", "AKIDTEST", "test-secret-key", url)
}

#[tokio::test]
async fn get_secret_value_goes_out_signed_and_a_503_is_retried() {
    let secret = r#"{"salt":"NaCl","keyPhrase":"phrase"}"#;
    let ok = serde_json::json!({ "Name": "dd/key", "SecretString": secret }).to_string();
    let (url, seen) = scripted(vec![
        (
            "503 Service Unavailable",
            r#"{"__type":"InternalServiceError"}"#.to_owned(),
        ),
        ("200 OK", ok),
    ])
    .await;
    let value = SecretsManagerSource::new(&env(&url), "dd/key")
        .fetch()
        .await
        .unwrap();
    assert_eq!(value.expose_secret(), secret);

    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 2, "one retry after the 503");
    let first = &requests[0];
    assert!(first.starts_with("POST / HTTP/1.1\r\n"), "{first}");
    for header in [
        "x-amz-target: secretsmanager.GetSecretValue\r\n",
        "content-type: application/x-amz-json-1.1\r\n",
        "authorization: AWS4-HMAC-SHA256 Credential=AKIDTEST/",
        "/us-east-1/secretsmanager/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=",
        &format!("host: {}\r\n", url.trim_start_matches("http://")),
    ] {
        assert!(first.contains(header), "missing {header:?} in {first}");
    }
    assert!(first.ends_with(r#"{"SecretId":"dd/key"}"#), "{first}");
    assert!(!first.contains("test-secret-key"));
}

#[tokio::test]
async fn a_secret_binary_is_base64_in_the_reply() {
    let secret = r#"{"salt":"NaCl","keyPhrase":"phrase"}"#;
    let blob = base64::engine::general_purpose::STANDARD.encode(secret);
    let (url, _) = scripted(vec![(
        "200 OK",
        serde_json::json!({ "SecretBinary": blob }).to_string(),
    )])
    .await;
    let value = SecretsManagerSource::new(&env(&url), "dd/key")
        .fetch()
        .await
        .unwrap();
    assert_eq!(value.expose_secret(), secret);
}

#[tokio::test]
async fn a_client_error_is_not_retried_and_keeps_only_the_code() {
    let (url, seen) = scripted(vec![
        (
            "400 Bad Request",
            r#"{"__type":"ResourceNotFoundException","Message":"can't find dd/key-LEAKED"}"#
                .to_owned(),
        ),
        ("200 OK", r#"{"SecretString":"{}"}"#.to_owned()),
    ])
    .await;
    let err = SecretsManagerSource::new(&env(&url), "dd/key")
        .fetch()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "aws_service");
    assert_eq!(
        err.to_string(),
        "SecretsManager GetSecretValue failed: ResourceNotFoundException"
    );
    assert_eq!(seen.lock().unwrap().len(), 1, "a 400 is final");
}

#[tokio::test]
async fn throttling_is_retried_three_times_in_all() {
    let throttled = || {
        (
            "400 Bad Request",
            r#"{"__type":"ThrottlingException"}"#.to_owned(),
        )
    };
    let (url, seen) = scripted(vec![throttled(), throttled(), throttled(), throttled()]).await;
    let err = SecretsManagerSource::new(&env(&url), "dd/key")
        .fetch()
        .await
        .unwrap_err();
    assert!(err.to_string().ends_with("ThrottlingException"), "{err}");
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn a_reply_that_is_not_json_is_unusable_and_not_echoed() {
    let (url, _) = scripted(vec![("200 OK", "SecretString=hunter2".to_owned())]).await;
    let err = SecretsManagerSource::new(&env(&url), "dd/key")
        .fetch()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "aws_unusable_response");
    assert!(!format!("{err} {err:?}").contains("hunter2"));
}

#[tokio::test]
async fn kms_decrypt_sends_the_tenant_context_and_reads_the_plaintext() {
    let key = [7_u8; 32];
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let (url, seen) = scripted(vec![
        (
            "200 OK",
            serde_json::json!({ "KeyId": arn, "Plaintext": b64(&key) }).to_string(),
        ),
        (
            "400 Bad Request",
            r#"{"__type":"InvalidCiphertextException"}"#.to_owned(),
        ),
    ])
    .await;
    let kms = KmsKeyProvider::new(&env(&url), arn);
    let data_key = kms.decrypt_data_key(arn, b"wrapped", "acme").await.unwrap();
    assert_eq!(data_key.expose(), &key);
    let request = seen.lock().unwrap()[0].clone();
    assert!(
        request.contains("x-amz-target: TrentService.Decrypt\r\n"),
        "{request}"
    );
    let body: serde_json::Value =
        serde_json::from_str(&request[request.find("\r\n\r\n").unwrap() + 4..]).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "KeyId": arn,
            "CiphertextBlob": b64(b"wrapped"),
            "EncryptionContext": { "tenantId": "acme" },
        })
    );

    let err = kms
        .decrypt_data_key(arn, b"wrapped", "globex")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "authentication_failed");
}
