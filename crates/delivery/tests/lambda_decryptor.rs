//! The decryptor-Lambda password source through dd-aws's Invoke client against a loopback fake
//! of the Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`), which
//! answers like the credential-decryptor does.
#![cfg(feature = "lambda-decryptor")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use dd_aws::SdkEnv;
use dd_delivery::{CredentialSource, DeliveryError, FailureClass, LambdaDecryptor};
use secrecy::ExposeSecret;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// One request as the fake saw it: path and body.
type Seen = (String, String);

/// Serves one canned reply per connection (with `extra` headers) and reports each request.
async fn fake_lambda(
    body: &'static str,
    extra: &'static str,
) -> (String, mpsc::UnboundedReceiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let (mut conn, _) = listener.accept().await.unwrap();
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                // Headers, then Content-Length bytes of body.
                let (head_end, length) = loop {
                    let n = conn.read(&mut chunk).await.unwrap();
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..i]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .map_or(0, |v| v.trim().parse::<usize>().unwrap());
                        break (i + 4, length);
                    }
                };
                while buf.len() < head_end + length {
                    let n = conn.read(&mut chunk).await.unwrap();
                    buf.extend_from_slice(&chunk[..n]);
                }
                let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
                let path = head.split_whitespace().nth(1).unwrap().to_owned();
                let request =
                    String::from_utf8_lossy(&buf[head_end..head_end + length]).into_owned();
                tx.send((path, request)).unwrap();
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{extra}\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                conn.write_all(reply.as_bytes()).await.unwrap();
            });
        }
    });
    (url, rx)
}

fn source(url: &str) -> CredentialSource {
    let env = SdkEnv::for_endpoint("us-east-1", "test", "test", url);
    CredentialSource::Lambda(LambdaDecryptor::new(
        &env,
        "evo-api-test-decrypt",
        Duration::from_secs(5),
    ))
}

#[tokio::test]
async fn decrypts_through_the_invoke_api_with_the_legacy_event() {
    let (url, mut seen) = fake_lambda(
        r#"{"statusCode":200,"body":"s3rvice-pw","isBase64Encoded":false}"#,
        "",
    )
    .await;
    let password = source(&url).decrypt("QUJDRA==").await.unwrap();
    assert_eq!(password.expose_secret(), "s3rvice-pw");
    let (path, body) = seen.recv().await.unwrap();
    assert_eq!(
        path,
        "/2015-03-31/functions/evo-api-test-decrypt/invocations"
    );
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({"cipherText": "QUJDRA=="})
    );
}

#[tokio::test]
async fn the_decryptors_failure_reply_is_a_credentials_problem() {
    let (url, _seen) = fake_lambda(
        r#"{"statusCode":500,"body":"","isBase64Encoded":false}"#,
        "",
    )
    .await;
    let err = source(&url).decrypt("QUJDRA==").await.unwrap_err();
    assert!(
        matches!(
            err,
            DeliveryError::Decrypt {
                kind: "decryptor_refused",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.class(), FailureClass::CredentialsRejected);
}

#[tokio::test]
async fn a_function_error_or_no_lambda_is_retryable() {
    let (url, _seen) = fake_lambda(
        r#"{"errorMessage":"QUJDRA== boom"}"#,
        "x-amz-function-error: Unhandled\r\n",
    )
    .await;
    let err = source(&url).decrypt("QUJDRA==").await.unwrap_err();
    assert_eq!(err.class(), FailureClass::Retryable);
    assert!(
        err.reason().contains("FunctionError:Unhandled"),
        "{}",
        err.reason()
    );
    assert!(!err.reason().contains("QUJDRA=="));

    let closed = format!("http://127.0.0.1:{}", {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    });
    let err = source(&closed).decrypt("QUJDRA==").await.unwrap_err();
    assert_eq!(err.class(), FailureClass::Retryable, "{err:?}");
}
