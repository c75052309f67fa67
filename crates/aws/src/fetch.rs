//! Plain HTTPS requests outside the AWS SDK, on the same lean client stack (hyper 1 over
//! rustls/ring, compiled-in roots plus `SSL_CERT_FILE`): the SSO's JWKS document at start-up,
//! and the reply a CloudFormation custom resource PUTs to its pre-signed S3 URL.
//!
//! One request per call, no retries: both callers run once per container or per deployment
//! and report a failure rather than hide it. Errors name the URL's host and the failure
//! class, never a body (a reply may carry anything) nor a query string (pre-signed URLs hold
//! a signature).

use std::path::Path;
use std::time::Duration;

use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::AwsError;

/// Longest reply body read (a JWKS is a few kB; anything far larger is not one).
pub const MAX_REPLY_BYTES: usize = 1024 * 1024;

/// A reply: status and body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

/// `GET url`; the reply must be 2xx.
///
/// # Errors
/// [`AwsError::Service`] (service `HTTPS`) for a bad URL, a transport failure, a timeout, a
/// non-2xx status or an oversized body.
pub async fn get(
    url: &str,
    timeout: Duration,
    ca_bundle: Option<&Path>,
) -> Result<Reply, AwsError> {
    send("GET", url, None, timeout, ca_bundle).await
}

/// `PUT url` with `body` and no `Content-Type` (a pre-signed S3 URL signs none); the reply
/// must be 2xx.
///
/// # Errors
/// As [`get`].
pub async fn put(
    url: &str,
    body: Vec<u8>,
    timeout: Duration,
    ca_bundle: Option<&Path>,
) -> Result<Reply, AwsError> {
    send("PUT", url, Some(body), timeout, ca_bundle).await
}

fn failure(operation: &'static str, code: String) -> AwsError {
    AwsError::Service {
        service: "HTTPS",
        operation,
        code,
    }
}

async fn send(
    method: &'static str,
    url: &str,
    body: Option<Vec<u8>>,
    timeout: Duration,
    ca_bundle: Option<&Path>,
) -> Result<Reply, AwsError> {
    let uri: hyper::Uri = url
        .parse()
        .map_err(|_| failure(method, "invalid URL".to_owned()))?;
    let host = uri.host().unwrap_or("?").to_owned();
    let fail = |what: String| failure(method, format!("{host}: {what}"));
    let tls =
        crate::https::build_tls_config(ca_bundle).map_err(|reason| fail(reason.to_string()))?;
    let https = crate::https::lean_connector(&tls, Some(timeout));
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(https);
    let length = body.as_ref().map_or(0, Vec::len);
    let mut request = hyper::Request::builder().method(method).uri(uri);
    if body.is_some() {
        request = request.header("content-length", length);
    }
    let request = request
        .body(Full::new(body.map_or_else(Bytes::new, Bytes::from)))
        .map_err(|_| fail("cannot build the request".to_owned()))?;
    let exchange = async {
        let response = client
            .request(request)
            .await
            .map_err(|err| fail(transport_class(&err)))?;
        let status = response.status().as_u16();
        let limited = http_body_util::Limited::new(response.into_body(), MAX_REPLY_BYTES);
        let body = limited
            .collect()
            .await
            .map_err(|_| fail("reply body unreadable or too large".to_owned()))?
            .to_bytes()
            .to_vec();
        Ok::<_, AwsError>(Reply { status, body })
    };
    let reply = tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| fail("Timeout".to_owned()))??;
    if !(200..300).contains(&reply.status) {
        return Err(fail(format!("HTTP {}", reply.status)));
    }
    Ok(reply)
}

/// The failure class and its innermost cause (connect refused, unknown issuer …).
fn transport_class(err: &hyper_util::client::legacy::Error) -> String {
    let root = std::iter::successors(Some(err as &(dyn std::error::Error + 'static)), |e| {
        e.source()
    })
    .last()
    .map(ToString::to_string)
    .unwrap_or_default();
    if err.is_connect() {
        format!("connect failed ({root})")
    } else {
        format!("request failed ({root})")
    }
}
