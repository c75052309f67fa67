//! Our Lambda `Invoke` client (REST-JSON, SigV4) against a scripted HTTP/1.1 server on
//! loopback: the path with a percent-encoded ARN, the headers and body on the wire, which
//! failures are retried (429, 5xx) and which are not (4xx, a function error), that errors carry
//! the code or the function error kind but never a reply's body, and the end-to-end timeout.
//! `cargo lambda watch` covers the happy path end to end (dd-delivery's and dd-cli's tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dd_aws::SdkEnv;
use dd_aws::lambda_invoke::LambdaInvoker;
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpListener;

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:dd-decrypt:live";
const ENCODED_ARN: &str =
    "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Add-decrypt%3Alive";

/// One scripted reply: status line, extra header lines, body, and a wait before answering.
struct Scripted {
    status: &'static str,
    headers: &'static str,
    body: &'static str,
    delay: Duration,
}

fn reply(status: &'static str, headers: &'static str, body: &'static str) -> Scripted {
    Scripted {
        status,
        headers,
        body,
        delay: Duration::ZERO,
    }
}

/// Serves `replies` one per connection, in order; returns the endpoint and the raw requests.
async fn scripted(replies: Vec<Scripted>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        for scripted in replies {
            let (mut socket, _) = listener.accept().await.unwrap();
            let request = support::loopback::read_request(&mut socket).await;
            log.lock().unwrap().push(request);
            tokio::time::sleep(scripted.delay).await;
            let text = format!(
                "HTTP/1.1 {}\r\ncontent-type: application/json\r\n{}content-length: {}\r\nconnection: close\r\n\r\n{}",
                scripted.status,
                scripted.headers,
                scripted.body.len(),
                scripted.body
            );
            // The client may have given up (the timeout test): nothing to answer then.
            let _ = socket.write_all(text.as_bytes()).await;
        }
    });
    (url, seen)
}

fn invoker(url: &str, timeout: Duration) -> LambdaInvoker {
    let env = SdkEnv::for_endpoint("us-east-1", "AKIDTEST", "test-secret-key", url);
    LambdaInvoker::new(&env, timeout)
}

#[tokio::test]
async fn invoke_goes_out_signed_with_the_arn_encoded_and_a_503_is_retried() {
    let (url, seen) = scripted(vec![
        reply(
            "503 Service Unavailable",
            "x-amzn-ErrorType: ServiceException\r\n",
            r#"{"Type":"Service","message":"busy"}"#,
        ),
        reply("200 OK", "", r#"{"statusCode":200,"body":"hunter2"}"#),
    ])
    .await;
    let payload = br#"{"cipherText":"AAAA"}"#;
    let out = invoker(&url, Duration::from_secs(5))
        .invoke(ARN, payload)
        .await
        .unwrap();
    assert_eq!(&out[..], br#"{"statusCode":200,"body":"hunter2"}"#);

    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 2, "one retry after the 503");
    let first = &requests[0];
    let request_line = format!("POST /2015-03-31/functions/{ENCODED_ARN}/invocations HTTP/1.1\r\n");
    assert!(first.starts_with(&request_line), "{first}");
    for header in [
        "x-amz-invocation-type: RequestResponse\r\n",
        "content-type: application/octet-stream\r\n",
        &format!("content-length: {}\r\n", payload.len()),
        "authorization: AWS4-HMAC-SHA256 Credential=AKIDTEST/",
        "/us-east-1/lambda/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-invocation-type, Signature=",
        &format!("host: {}\r\n", url.trim_start_matches("http://")),
    ] {
        assert!(first.contains(header), "missing {header:?} in {first}");
    }
    assert!(first.ends_with(r#"{"cipherText":"AAAA"}"#), "{first}");
    assert!(!first.contains("test-secret-key"));
}

#[tokio::test]
async fn a_function_error_keeps_only_its_kind_and_is_not_retried() {
    let (url, seen) = scripted(vec![
        reply(
            "200 OK",
            "x-amz-function-error: Unhandled\r\n",
            r#"{"errorMessage":"cannot decrypt AAAA-CIPHERTEXT","errorType":"Error"}"#,
        ),
        reply("200 OK", "", "{}"),
    ])
    .await;
    let err = invoker(&url, Duration::from_secs(5))
        .invoke("dd-decrypt", b"{}")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Lambda Invoke failed: FunctionError:Unhandled"
    );
    assert!(!format!("{err:?}").contains("CIPHERTEXT"));
    assert_eq!(seen.lock().unwrap().len(), 1, "a function error is final");
}

#[tokio::test]
async fn throttling_429_is_retried() {
    let (url, seen) = scripted(vec![
        reply(
            "429 Too Many Requests",
            "x-amzn-ErrorType: TooManyRequestsException\r\n",
            r#"{"Type":"User","message":"Rate exceeded","Reason":"ReservedFunctionConcurrentInvocationLimitExceeded"}"#,
        ),
        reply("200 OK", "", r#""pong""#),
    ])
    .await;
    let out = invoker(&url, Duration::from_secs(5))
        .invoke("dd-decrypt", b"{}")
        .await
        .unwrap();
    assert_eq!(&out[..], br#""pong""#);
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_client_error_is_not_retried_and_keeps_only_the_code() {
    let (url, seen) = scripted(vec![
        reply(
            "404 Not Found",
            "",
            r#"{"Type":"User","__type":"ResourceNotFoundException","message":"Function not found: dd-LEAKED"}"#,
        ),
        reply("200 OK", "", "{}"),
    ])
    .await;
    let err = invoker(&url, Duration::from_secs(5))
        .invoke("dd-decrypt", b"{}")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "aws_service");
    assert_eq!(
        err.to_string(),
        "Lambda Invoke failed: ResourceNotFoundException"
    );
    assert!(!format!("{err:?}").contains("LEAKED"));
    assert_eq!(seen.lock().unwrap().len(), 1, "a 4xx is final");
}

#[tokio::test]
async fn five_xx_gives_up_after_three_attempts() {
    let failing = || reply("502 Bad Gateway", "", "<html>bad gateway</html>");
    let (url, seen) = scripted(vec![failing(), failing(), failing(), failing()]).await;
    let err = invoker(&url, Duration::from_secs(5))
        .invoke("dd-decrypt", b"{}")
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "Lambda Invoke failed: HTTP 502");
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn the_timeout_bounds_the_invoke_end_to_end_retries_included() {
    let slow = Scripted {
        delay: Duration::from_secs(10),
        ..reply("200 OK", "", "{}")
    };
    let (url, seen) = scripted(vec![reply("503 Service Unavailable", "", ""), slow]).await;
    let started = Instant::now();
    let err = invoker(&url, Duration::from_millis(400))
        .invoke("dd-decrypt", b"{}")
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(err.to_string(), "Lambda Invoke failed: Timeout");
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert_eq!(
        seen.lock().unwrap().len(),
        2,
        "the retry runs inside the same bound"
    );
}
