//! One signed AWS request over our HTTPS client, with the SDK's retry rules (`aws_retry`): the
//! transport under both protocols we speak, JSON 1.1 (`aws_json`: Secrets Manager, KMS) and
//! Lambda's REST-JSON `Invoke` (`lambda_invoke`).
//!
//! Behaviour kept from the SDK clients: `AWS_ENDPOINT_URL` overrides the endpoint (moto or
//! `cargo lambda watch` in tests), error codes come from `x-amzn-ErrorType` or the body's
//! `__type` / `code` / `Type`, transport failures read `DispatchFailure (<cause>)` and timeouts
//! `Timeout`, up to 3 attempts for throttling (incl. 429), 5xx, transport failures and
//! timeouts, with full-jitter exponential backoff, and a 3.1 s connect timeout. Each protocol
//! sets its own [`Limits`]: a per-attempt limit and/or an end-to-end one over all attempts.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use http_body_util::{BodyExt as _, Full};
use hyper::HeaderMap;
use hyper::body::Bytes;
use hyper::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, USER_AGENT};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector as TcpConnector;
use hyper_util::rt::TokioExecutor;
use zeroize::Zeroizing;

use crate::aws_retry::{RETRYABLE_CODES, backoff, error_chain, error_code};
use crate::sigv4::{self, Credentials, Scope};
use crate::{AwsError, SdkEnv};

/// One AWS service as errors name it and SigV4 signs for it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Service {
    /// Name in errors and logs (`SecretsManager`, `KMS`, `Lambda`).
    pub label: &'static str,
    /// SigV4 signing name, also the endpoint's first label.
    pub signing_name: &'static str,
}

/// How long a call may take and how much it may read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Per attempt (connect, send, read the whole reply).
    pub attempt: Option<Duration>,
    /// End to end, retries and backoff included.
    pub operation: Option<Duration>,
    pub max_reply_bytes: usize,
}

/// A `POST` to send: the path below the endpoint's (already percent-encoded, as sent), the
/// headers besides `host`, `content-type`, `content-length` and the signature's, and the body.
#[derive(Debug)]
pub(crate) struct Post<'a> {
    pub operation: &'static str,
    pub path: &'a str,
    pub content_type: &'a str,
    /// Lower-case names; all are signed.
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// A successful (2xx) reply. The body may hold secret material (a secret's value, a data key,
/// a decrypted password), so it is wiped when dropped.
#[derive(Debug)]
pub(crate) struct Reply {
    pub headers: HeaderMap,
    pub body: Zeroizing<Vec<u8>>,
}

const MAX_ATTEMPTS: u32 = 3;
const CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

type HyperClient = Client<HttpsConnector<TcpConnector>, Full<Bytes>>;

/// A client for one service in one region. Cheap to clone; clients in one process share one
/// connection pool per CA bundle.
#[derive(Debug, Clone)]
pub(crate) struct SignedClient {
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
    limits: Limits,
}

#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    /// `http(s)://authority`, without a path.
    origin: String,
    /// The `Host` header sent and signed: the URL's authority.
    pub host: String,
    /// The URL's path without a trailing `/` (empty for the usual `https://host`).
    pub base_path: String,
}

/// Why one attempt failed, and whether another may succeed.
struct Failure {
    code: String,
    retryable: bool,
}

impl SignedClient {
    /// No network traffic and no TLS set-up until the first call.
    pub(crate) fn new(env: &SdkEnv, service: Service, limits: Limits) -> Self {
        Self {
            inner: Arc::new(ClientSettings {
                service,
                region: env.region.clone(),
                credentials: env.signing_credentials(),
                endpoint: endpoint(env.endpoint_url.as_deref(), service, &env.region),
                ca_bundle: env.ca_bundle.clone(),
                limits,
            }),
        }
    }

    /// Sends `post`, retrying transient failures, within the client's [`Limits`].
    ///
    /// # Errors
    /// [`AwsError::Service`] with the AWS error code or the transport class; never a body.
    pub(crate) async fn post(&self, post: &Post<'_>) -> Result<Reply, AwsError> {
        let settings = &self.inner;
        let fail = |code: String| AwsError::Service {
            service: settings.service.label,
            operation: post.operation,
            code,
        };
        let attempts = async {
            let mut attempt = 1;
            loop {
                match settings.attempt(post).await {
                    Ok(reply) => return Ok(reply),
                    Err(failure) if failure.retryable && attempt < MAX_ATTEMPTS => {
                        tokio::time::sleep(backoff(attempt)).await;
                        attempt += 1;
                    }
                    Err(failure) => return Err(fail(failure.code)),
                }
            }
        };
        match settings.limits.operation {
            Some(limit) => tokio::time::timeout(limit, attempts)
                .await
                .map_err(|_| fail("Timeout".to_owned()))?,
            None => attempts.await,
        }
    }
}

impl ClientSettings {
    async fn attempt(&self, post: &Post<'_>) -> Result<Reply, Failure> {
        let fatal = |code: &str| Failure {
            code: code.to_owned(),
            retryable: false,
        };
        let endpoint = self.endpoint.as_ref().map_err(|reason| fatal(reason))?;
        let client = http_client(self.ca_bundle.clone()).map_err(|reason| Failure {
            code: format!("DispatchFailure ({reason})"),
            retryable: false,
        })?;
        let path = format!("{}{}", endpoint.base_path, post.path);
        let mut signed_headers = vec![("content-type", post.content_type)];
        signed_headers.extend_from_slice(post.headers);
        let signed = sigv4::sign(
            &sigv4::Request {
                host: &endpoint.host,
                path: &path,
                headers: &signed_headers,
                body: post.body,
            },
            Scope {
                region: &self.region,
                service: self.service.signing_name,
            },
            &self.credentials,
            SystemTime::now(),
        );
        let mut request = hyper::Request::post(format!("{}{path}", endpoint.origin))
            .header(HOST, &endpoint.host)
            .header(CONTENT_TYPE, post.content_type)
            .header(CONTENT_LENGTH, post.body.len())
            .header(USER_AGENT, concat!("dd-aws/", env!("CARGO_PKG_VERSION")));
        for (name, value) in post.headers {
            request = request.header(*name, *value);
        }
        request = request
            .header("x-amz-date", &signed.amz_date)
            .header(AUTHORIZATION, &signed.authorization);
        if let Some(token) = &signed.security_token {
            request = request.header("x-amz-security-token", token);
        }
        // Only a header value with bytes HTTP forbids (a malformed session token) fails here.
        let request = request
            .body(Full::new(Bytes::copy_from_slice(post.body)))
            .map_err(|_| fatal("ConstructionFailure"))?;

        let max_reply_bytes = self.limits.max_reply_bytes;
        let exchange = async {
            let response = client.request(request).await.map_err(|err| Failure {
                code: format!("DispatchFailure ({})", error_chain(&err)),
                retryable: true,
            })?;
            let (parts, body) = response.into_parts();
            let body = http_body_util::Limited::new(body, max_reply_bytes)
                .collect()
                .await
                .map_err(|_| Failure {
                    code: "ResponseError".to_owned(),
                    retryable: true,
                })?
                .to_bytes();
            Ok((parts, Zeroizing::new(body.to_vec())))
        };
        let (parts, body) = match self.limits.attempt {
            Some(limit) => tokio::time::timeout(limit, exchange)
                .await
                .map_err(|_| Failure {
                    code: "Timeout".to_owned(),
                    retryable: true,
                })??,
            None => exchange.await?,
        };
        if parts.status.is_success() {
            return Ok(Reply {
                headers: parts.headers,
                body,
            });
        }
        let error_type = parts
            .headers
            .get("x-amzn-errortype")
            .and_then(|value| value.to_str().ok());
        let code = error_code(error_type, &body)
            .unwrap_or_else(|| format!("HTTP {}", parts.status.as_u16()));
        let retryable = parts.status.is_server_error()
            || parts.status.as_u16() == 429
            || RETRYABLE_CODES.contains(&code.as_str());
        Err(Failure { code, retryable })
    }
}

/// The endpoint: `AWS_ENDPOINT_URL` if set, else the service's regional HTTPS endpoint.
pub(crate) fn endpoint(
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
    let scheme = uri.scheme_str().filter(|s| matches!(*s, "http" | "https"));
    let host = uri
        .authority()
        .map(|authority| authority.as_str().to_owned());
    match (scheme, host) {
        (Some(scheme), Some(host)) if uri.query().is_none() && !host.contains('@') => {
            Ok(Endpoint {
                origin: format!("{scheme}://{host}"),
                base_path: uri.path().trim_end_matches('/').to_owned(),
                host,
            })
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    const KMS: Service = Service {
        label: "KMS",
        signing_name: "kms",
    };

    #[test]
    fn endpoints_default_to_the_regional_https_one() {
        let kms = endpoint(None, KMS, "eu-west-2").unwrap();
        assert_eq!(kms.origin, "https://kms.eu-west-2.amazonaws.com");
        assert_eq!(kms.host, "kms.eu-west-2.amazonaws.com");
        assert_eq!(kms.base_path, "");
        let china = endpoint(None, KMS, "cn-north-1").unwrap();
        assert_eq!(china.host, "kms.cn-north-1.amazonaws.com.cn");
        let moto = endpoint(Some("http://127.0.0.1:5000"), KMS, "us-east-1").unwrap();
        assert_eq!(
            (
                moto.origin.as_str(),
                moto.host.as_str(),
                moto.base_path.as_str()
            ),
            ("http://127.0.0.1:5000", "127.0.0.1:5000", "")
        );
        let prefixed = endpoint(Some("http://h:1/proxy/"), KMS, "us-east-1").unwrap();
        assert_eq!(prefixed.base_path, "/proxy");
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
}
