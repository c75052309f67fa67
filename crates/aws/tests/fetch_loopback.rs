//! `dd_aws::fetch` against a one-shot HTTP/1.1 server on loopback: a GET and a body-carrying
//! PUT arrive as sent, non-2xx replies and dead ports are errors that name the host and the
//! status or class but never the query string (pre-signed URLs carry a signature there).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpListener;

/// Serves one request with `status` and `body`; returns the raw request it read.
async fn serve_once(
    status: &'static str,
    body: &'static str,
) -> (String, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let seen = support::loopback::read_request(&mut socket).await;
        let reply = format!(
            "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(reply.as_bytes()).await.unwrap();
        seen
    });
    (url, task)
}

#[tokio::test]
async fn get_returns_the_body() {
    let (url, server) = serve_once("200 OK", r#"{"keys":[]}"#).await;
    let reply = dd_aws::fetch::get(
        &format!("{url}/.well-known/jwks.json"),
        Duration::from_secs(5),
        None,
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, br#"{"keys":[]}"#);
    assert!(
        server
            .await
            .unwrap()
            .starts_with("GET /.well-known/jwks.json HTTP/1.1")
    );
}

#[tokio::test]
async fn put_sends_the_body_without_a_content_type() {
    let (url, server) = serve_once("200 OK", "").await;
    dd_aws::fetch::put(
        &format!("{url}/cfn?X-Amz-Signature=abc"),
        b"{\"Status\":\"SUCCESS\"}".to_vec(),
        Duration::from_secs(5),
        None,
    )
    .await
    .unwrap();
    let request = server.await.unwrap();
    assert!(
        request.starts_with("PUT /cfn?X-Amz-Signature=abc HTTP/1.1"),
        "{request}"
    );
    assert!(request.ends_with("{\"Status\":\"SUCCESS\"}"), "{request}");
    assert!(
        !request.to_ascii_lowercase().contains("content-type"),
        "{request}"
    );
}

#[tokio::test]
async fn failures_name_the_host_and_status_but_not_the_query() {
    let (url, _server) = serve_once("403 Forbidden", "SignatureDoesNotMatch").await;
    let err = dd_aws::fetch::put(
        &format!("{url}/cfn?X-Amz-Signature=s3cr3t"),
        Vec::new(),
        Duration::from_secs(5),
        None,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("127.0.0.1") && err.contains("HTTP 403"),
        "{err}"
    );
    assert!(
        !err.contains("s3cr3t") && !err.contains("SignatureDoesNotMatch"),
        "{err}"
    );

    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}/x?token=s3cr3t", closed.local_addr().unwrap());
    drop(closed);
    let err = dd_aws::fetch::get(&dead, Duration::from_secs(5), None)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("connect failed") && !err.contains("s3cr3t"),
        "{err}"
    );
    assert!(
        dd_aws::fetch::get("not a url", Duration::from_secs(1), None)
            .await
            .is_err()
    );
}
