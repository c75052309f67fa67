//! AWS's JSON 1.1 protocol, as Secrets Manager and KMS speak it: a signed `POST /` whose
//! `X-Amz-Target` names the operation, a JSON body each way.
//!
//! Why not the SDK clients: the decryptor reads one secret, and linking `aws-sdk-secretsmanager`
//! and `aws-sdk-kms` (their orchestrator, interceptors, endpoint rules and serde code) put
//! ~2.7 MB of code into a binary whose local-key path never runs it. The kernel still maps
//! that code around every page the cold start touches, which cost ~1.5 MB of RSS and ~0.1 ms
//! of page faults on every cold start (`bench/RESULTS.md`). The protocol itself is small:
//! SigV4 (`sigv4.rs`), three operations, and the SDK's retry rules for transient failures.
//!
//! Behaviour kept from the SDK clients: `AWS_ENDPOINT_URL` overrides the endpoint (moto in
//! tests), error codes come from `x-amzn-ErrorType` or the body's `__type`, transport failures
//! read `DispatchFailure (<cause>)` and timeouts `Timeout`, up to 3 attempts for throttling,
//! 5xx, transport failures and timeouts, with full-jitter exponential backoff, and a 3.1 s
//! connect timeout. Added: a 10 s limit per attempt, which the SDK's defaults lack, so a stalled
//! connection cannot hold a Lambda until its own timeout.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, USER_AGENT};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector as TcpConnector;
use hyper_util::rt::TokioExecutor;
use zeroize::Zeroizing;

use crate::sigv4::{self, Credentials, Scope};
use crate::{AwsError, SdkEnv};

/// One AWS service as this protocol addresses it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Service {
    /// Name in errors and logs (`SecretsManager`, `KMS`).
    pub label: &'static str,
    /// SigV4 signing name, also the endpoint's first label.
    pub signing_name: &'static str,
    /// `X-Amz-Target` prefix.
    pub target_prefix: &'static str,
}

pub(crate) const SECRETS_MANAGER: Service = Service {
    label: "SecretsManager",
    signing_name: "secretsmanager",
    target_prefix: "secretsmanager",
};

pub(crate) const KMS: Service = Service {
    label: "KMS",
    signing_name: "kms",
    target_prefix: "TrentService",
};

const JSON_1_1: &str = "application/x-amz-json-1.1";
const MAX_ATTEMPTS: u32 = 3;
const CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// Longest reply read: a secret is at most 64 KiB, a KMS reply far less.
const MAX_REPLY_BYTES: usize = 1024 * 1024;

/// Error codes the SDK's standard retry policy treats as throttling or transient.
const RETRYABLE_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "RequestTimeout",
    "RequestTimeoutException",
];

type HyperClient = Client<HttpsConnector<TcpConnector>, Full<Bytes>>;

/// A client for one service in one region. Cheap to clone; clients in one process share one
/// connection pool per CA bundle.
#[derive(Debug, Clone)]
pub(crate) struct AwsJsonClient {
    inner: Arc<ClientSettings>,
}

#[derive(Debug)]
struct ClientSettings {
    service: Service,
    region: String,
    credentials: Credentials,
    /// `Err` when `AWS_ENDPOINT_URL` is unusable; every call then fails with the reason.
    endpoint: Result<Endpoint, &'static str>,
    ca_bundle: Option<PathBuf>,
}

#[derive(Debug, Clone)]
struct Endpoint {
    uri: hyper::Uri,
    /// The `Host` header sent and signed: the URL's authority.
    host: String,
    path: String,
}

/// Why one attempt failed, and whether another may succeed.
struct Failure {
    code: String,
    retryable: bool,
}

impl AwsJsonClient {
    /// No network traffic and no TLS set-up until the first call.
    pub(crate) fn new(env: &SdkEnv, service: Service) -> Self {
        Self {
            inner: Arc::new(ClientSettings {
                service,
                region: env.region.clone(),
                credentials: env.signing_credentials(),
                endpoint: endpoint(env.endpoint_url.as_deref(), service, &env.region),
                ca_bundle: env.ca_bundle.clone(),
            }),
        }
    }

    /// Calls `operation` with a JSON `body`; returns the reply's JSON body. The reply may hold
    /// secret material (a secret's value, a data key), so it is wiped when dropped.
    pub(crate) async fn call(
        &self,
        operation: &'static str,
        body: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, AwsError> {
        let mut attempt = 1;
        loop {
            match self.inner.attempt(operation, body).await {
                Ok(reply) => return Ok(reply),
                Err(failure) if failure.retryable && attempt < MAX_ATTEMPTS => {
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                }
                Err(failure) => {
                    return Err(AwsError::Service {
                        service: self.inner.service.label,
                        operation,
                        code: failure.code,
                    });
                }
            }
        }
    }
}

impl ClientSettings {
    async fn attempt(
        &self,
        operation: &'static str,
        body: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Failure> {
        let fatal = |code: &str| Failure {
            code: code.to_owned(),
            retryable: false,
        };
        let endpoint = self.endpoint.as_ref().map_err(|reason| fatal(reason))?;
        let client = http_client(self.ca_bundle.clone()).map_err(|reason| Failure {
            code: format!("DispatchFailure ({reason})"),
            retryable: false,
        })?;
        let target = format!("{}.{operation}", self.service.target_prefix);
        let signed = sigv4::sign(
            &sigv4::Request {
                host: &endpoint.host,
                path: &endpoint.path,
                content_type: JSON_1_1,
                target: &target,
                body,
            },
            Scope {
                region: &self.region,
                service: self.service.signing_name,
            },
            &self.credentials,
            SystemTime::now(),
        );
        let mut request = hyper::Request::post(endpoint.uri.clone())
            .header(HOST, &endpoint.host)
            .header(CONTENT_TYPE, JSON_1_1)
            .header(CONTENT_LENGTH, body.len())
            .header(USER_AGENT, concat!("dd-aws/", env!("CARGO_PKG_VERSION")))
            .header("x-amz-target", &target)
            .header("x-amz-date", &signed.amz_date)
            .header(AUTHORIZATION, &signed.authorization);
        if let Some(token) = &signed.security_token {
            request = request.header("x-amz-security-token", token);
        }
        // Only a header value with bytes HTTP forbids (a malformed session token) fails here.
        let request = request
            .body(Full::new(Bytes::copy_from_slice(body)))
            .map_err(|_| fatal("ConstructionFailure"))?;

        let exchange = async {
            let response = client.request(request).await.map_err(|err| Failure {
                code: format!("DispatchFailure ({})", error_chain(&err)),
                retryable: true,
            })?;
            let status = response.status();
            let error_type = response
                .headers()
                .get("x-amzn-errortype")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            let reply = http_body_util::Limited::new(response.into_body(), MAX_REPLY_BYTES)
                .collect()
                .await
                .map_err(|_| Failure {
                    code: "ResponseError".to_owned(),
                    retryable: true,
                })?
                .to_bytes();
            Ok((status, error_type, Zeroizing::new(reply.to_vec())))
        };
        let (status, error_type, reply) = tokio::time::timeout(ATTEMPT_TIMEOUT, exchange)
            .await
            .map_err(|_| Failure {
            code: "Timeout".to_owned(),
            retryable: true,
        })??;
        if status.is_success() {
            return Ok(reply);
        }
        let code = error_code(error_type.as_deref(), &reply)
            .unwrap_or_else(|| format!("HTTP {}", status.as_u16()));
        let retryable = status.is_server_error()
            || status.as_u16() == 429
            || RETRYABLE_CODES.contains(&code.as_str());
        Err(Failure { code, retryable })
    }
}

/// The endpoint: `AWS_ENDPOINT_URL` if set, else the service's regional HTTPS endpoint.
fn endpoint(
    override_url: Option<&str>,
    service: Service,
    region: &str,
) -> Result<Endpoint, &'static str> {
    let url = match override_url {
        Some(url) => url.to_owned(),
        None => {
            let suffix = if region.starts_with("cn-") {
                "amazonaws.com.cn"
            } else {
                "amazonaws.com"
            };
            format!("https://{}.{region}.{suffix}", service.signing_name)
        }
    };
    let invalid = "AWS_ENDPOINT_URL is not an http(s) URL without a query";
    let uri: hyper::Uri = url.parse().map_err(|_| invalid)?;
    let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
    let host = uri
        .authority()
        .map(|authority| authority.as_str().to_owned());
    match host {
        Some(host) if scheme_ok && uri.query().is_none() && !host.contains('@') => Ok(Endpoint {
            path: uri.path().to_owned(),
            uri,
            host,
        }),
        _ => Err(invalid),
    }
}

/// One client per CA bundle per process, built on the first call (on the calling thread: the
/// key thread for Secrets Manager, never the Lambda's start-up path).
fn http_client(ca_bundle: Option<PathBuf>) -> Result<HyperClient, Arc<str>> {
    type Slot = Arc<OnceLock<Result<HyperClient, Arc<str>>>>;
    static CLIENTS: Mutex<Vec<(Option<PathBuf>, Slot)>> = Mutex::new(Vec::new());
    let slot = crate::https::cached(&CLIENTS, ca_bundle.clone(), || Arc::new(OnceLock::new()));
    slot.get_or_init(|| {
        let tls = crate::https::build_tls_config(ca_bundle.as_deref())?;
        let connector = crate::https::lean_connector(&tls, Some(CONNECT_TIMEOUT));
        Ok(Client::builder(TokioExecutor::new()).build(connector))
    })
    .clone()
}

/// The AWS error code from `x-amzn-ErrorType` (`Code:http://…`) or the body's `__type`
/// (`namespace#Code`) or `code`. Only the code is kept, never the message (a message may
/// echo a request value), and only characters a code has, so a reply cannot inject text.
fn error_code(header: Option<&str>, body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        #[serde(rename = "__type", alias = "code", alias = "Code")]
        kind: Option<String>,
    }
    let raw = header.map(str::to_owned).or_else(|| {
        serde_json::from_slice::<ErrorBody>(body)
            .ok()
            .and_then(|parsed| parsed.kind)
    })?;
    let without_uri = raw.split(':').next().unwrap_or_default();
    let code = without_uri.rsplit('#').next().unwrap_or_default();
    let clean: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .take(100)
        .collect();
    (!clean.is_empty()).then_some(clean)
}

/// Full jitter: a uniform wait in `[0, 100 ms · 2^(attempt-1))`. The clock's nanoseconds are
/// random enough to spread retries; this is not a security decision.
fn backoff(attempt: u32) -> Duration {
    let ceiling = FIRST_BACKOFF.saturating_mul(1 << (attempt - 1).min(4));
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |now| now.subsec_nanos());
    let ceiling_nanos = u32::try_from(ceiling.as_nanos()).unwrap_or(u32::MAX);
    Duration::from_nanos(u64::from(nanos % ceiling_nanos.max(1)))
}

/// Every cause in the chain, so an operator sees "connection refused" or "UnknownIssuer";
/// none of them holds a request or reply body.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    std::iter::successors(Some(err), |e| e.source())
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_come_from_the_header_or_the_body_and_carry_no_message() {
        assert_eq!(
            error_code(
                Some("ResourceNotFoundException:http://internal.amazon.com/"),
                b""
            )
            .as_deref(),
            Some("ResourceNotFoundException")
        );
        assert_eq!(
            error_code(
                None,
                br#"{"__type":"com.amazonaws.kms#NotFoundException","message":"key 123"}"#
            )
            .as_deref(),
            Some("NotFoundException")
        );
        assert_eq!(
            error_code(None, br#"{"__type":"Bad\nCode <script>"}"#).as_deref(),
            Some("BadCodescript")
        );
        assert_eq!(error_code(None, b"<html>502</html>"), None);
    }

    #[test]
    fn endpoints_default_to_the_regional_https_one() {
        let kms = endpoint(None, KMS, "eu-west-2").unwrap();
        assert_eq!(kms.uri.to_string(), "https://kms.eu-west-2.amazonaws.com/");
        assert_eq!(kms.host, "kms.eu-west-2.amazonaws.com");
        assert_eq!(kms.path, "/");
        let china = endpoint(None, SECRETS_MANAGER, "cn-north-1").unwrap();
        assert_eq!(china.host, "secretsmanager.cn-north-1.amazonaws.com.cn");
        let moto = endpoint(Some("http://127.0.0.1:5000"), KMS, "us-east-1").unwrap();
        assert_eq!(
            (moto.host.as_str(), moto.path.as_str()),
            ("127.0.0.1:5000", "/")
        );
        for bad in [
            "127.0.0.1:5000",
            "ftp://h/",
            "http://h/?a=b",
            "http://u:p@h/",
            "::",
        ] {
            assert!(endpoint(Some(bad), KMS, "us-east-1").is_err(), "{bad}");
        }
    }

    #[test]
    fn backoff_stays_under_its_ceiling() {
        for attempt in 1..=3 {
            let ceiling = FIRST_BACKOFF * (1 << (attempt - 1));
            for _ in 0..50 {
                assert!(backoff(attempt) < ceiling);
            }
        }
    }
}
