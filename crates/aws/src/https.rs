//! The one HTTPS stack of this crate: the connector shared by the AWS clients (`aws_json`),
//! `fetch`, and the adapter that gives the SDK's Lambda client the same stack.
//!
//! Why not the SDK's default client (`aws-smithy-http-client` with rustls): profiled on the
//! decryptor's cold path (callgrind, `bench/RESULTS.md`), it
//! - rebuilt its TLS connector twice per client (once to validate the config, once for the first
//!   request) and each time decoded the whole PEM trust bundle with a constant-time base64
//!   decoder: 17 M of the loader thread's 27 M instructions before the first byte was sent;
//! - linked aws-lc (1.5 MB of code) and HTTP/2 (0.45 MB) that no call here uses, which every
//!   cold start pays for in page faults and relocations even with local keys.
//!
//! This client is hyper 1 (HTTP/1.1, as the SDK itself speaks to these services) over rustls
//! with the `ring` provider. Trust anchors are compiled in (`webpki-roots`, Mozilla's list,
//! which includes the Amazon Trust Services roots of every AWS endpoint): nothing is read or
//! parsed at start-up. A PEM bundle named by `SSL_CERT_FILE` (a proxy's or a private CA; see
//! `SdkEnv`) is trusted in addition; if it cannot be read or holds no certificate, every call
//! fails with that reason rather than silently trusting less or more than configured.
//!
//! Connection errors are classified like the SDK's client (I/O and connect errors retryable,
//! timeouts as timeouts), and the SDK's connect and read timeouts are honoured.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::ErrorKind;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector as TcpConnector;
use hyper_util::rt::TokioExecutor;

use crate::pem;

/// The client for SDK clients trusting the compiled-in roots plus, if given, a PEM bundle
/// (`SdkEnv::ca_bundle`, from `SSL_CERT_FILE`). One per bundle per process, so SDK clients share
/// its TLS configuration and connection pool.
pub(crate) fn https_client(ca_bundle: Option<&Path>) -> SharedHttpClient {
    static CLIENTS: Mutex<Vec<(Option<PathBuf>, SharedHttpClient)>> = Mutex::new(Vec::new());
    let ca_bundle = ca_bundle.map(Path::to_path_buf);
    cached(&CLIENTS, ca_bundle.clone(), || {
        SharedHttpClient::new(LeanHttpClient {
            ca_bundle,
            tls: OnceLock::new(),
            connectors: Mutex::new(Vec::new()),
        })
    })
}

/// The value cached under `key`, made and cached on first use. A handful of entries at most
/// (one per CA bundle, one per timeout setting), so a list beats a map.
pub(crate) fn cached<K: PartialEq, V: Clone>(
    cache: &Mutex<Vec<(K, V)>>,
    key: K,
    make: impl FnOnce() -> V,
) -> V {
    // A panic elsewhere while holding the lock leaves the list itself intact.
    let mut entries = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, value)) = entries.iter().find(|(k, _)| *k == key) {
        return value.clone();
    }
    let value = make();
    entries.push((key, value.clone()));
    value
}

/// Hands out one connector per distinct timeout setting (in practice: one). The TLS
/// configuration is built on first use: on the thread making the first call, not at start-up.
#[derive(Debug)]
struct LeanHttpClient {
    ca_bundle: Option<PathBuf>,
    tls: OnceLock<Result<Arc<rustls::ClientConfig>, Arc<str>>>,
    connectors: Mutex<Vec<(Timeouts, SharedHttpConnector)>>,
}

type Timeouts = (Option<Duration>, Option<Duration>);

impl HttpClient for LeanHttpClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        let key = (settings.connect_timeout(), settings.read_timeout());
        cached(&self.connectors, key, || {
            let tls = self
                .tls
                .get_or_init(|| build_tls_config(self.ca_bundle.as_deref()))
                .clone();
            SharedHttpConnector::new(LeanConnector::new(tls, key))
        })
    }
}

#[derive(Debug, Clone)]
struct LeanConnector {
    /// `Err` carries why TLS could not be set up; every call then fails with it.
    client: Result<Client<HttpsConnector<TcpConnector>, SdkBody>, Arc<str>>,
    read_timeout: Option<Duration>,
}

impl LeanConnector {
    fn new(
        tls: Result<Arc<rustls::ClientConfig>, Arc<str>>,
        (connect_timeout, read_timeout): Timeouts,
    ) -> Self {
        let client = tls.map(|tls| {
            Client::builder(TokioExecutor::new()).build(lean_connector(&tls, connect_timeout))
        });
        Self {
            client,
            read_timeout,
        }
    }
}

impl HttpConnector for LeanConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let client = match &self.client {
            Ok(client) => client,
            Err(reason) => {
                let reason: Box<dyn std::error::Error + Send + Sync> = reason.to_string().into();
                return HttpConnectorFuture::ready(Err(ConnectorError::user(reason)));
            }
        };
        let request = match request.try_into_http1x() {
            Ok(request) => request,
            Err(err) => return HttpConnectorFuture::ready(Err(ConnectorError::user(err.into()))),
        };
        let response = client.request(request);
        let read_timeout = self.read_timeout;
        HttpConnectorFuture::new(async move {
            let result = match read_timeout {
                Some(limit) => tokio::time::timeout(limit, response)
                    .await
                    .map_err(|elapsed| ConnectorError::timeout(elapsed.into()))?,
                None => response.await,
            };
            match result {
                Ok(response) => HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
                    .map_err(|err| ConnectorError::other(err.into(), None)),
                Err(err) => Err(classify(err)),
            }
        })
    }
}

/// Retryability as the SDK's own client decides it.
fn classify(err: hyper_util::client::legacy::Error) -> ConnectorError {
    if err.is_connect() {
        return ConnectorError::io(err.into());
    }
    let hyper = find_source::<hyper::Error>(&err);
    let io = find_source::<std::io::Error>(&err).is_some();
    match hyper {
        Some(h) if h.is_timeout() => ConnectorError::timeout(err.into()),
        Some(h) if h.is_user() => ConnectorError::user(err.into()),
        Some(h) if h.is_closed() || h.is_canceled() => ConnectorError::io(err.into()),
        _ if io => ConnectorError::io(err.into()),
        Some(h) if h.is_incomplete_message() => {
            ConnectorError::other(err.into(), Some(ErrorKind::TransientError))
        }
        _ => ConnectorError::other(err.into(), None),
    }
}

fn find_source<'a, E: std::error::Error + 'static>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a E> {
    std::iter::successors(Some(err), |e| e.source()).find_map(|e| e.downcast_ref::<E>())
}

/// The connector every client here uses: HTTP/1.1 over rustls, plain HTTP only where a URL
/// asks for it (moto or a test server on loopback; real endpoints are https URLs).
pub(crate) fn lean_connector(
    tls: &rustls::ClientConfig,
    connect_timeout: Option<Duration>,
) -> HttpsConnector<TcpConnector> {
    let mut tcp = TcpConnector::new();
    tcp.enforce_http(false);
    // Small request writes must not wait for an ACK (Nagle), as in the SDK's client.
    tcp.set_nodelay(true);
    tcp.set_connect_timeout(connect_timeout);
    hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls.clone())
        .https_or_http()
        .enable_http1()
        .wrap_connector(tcp)
}

pub(crate) fn build_tls_config(
    extra_bundle: Option<&Path>,
) -> Result<Arc<rustls::ClientConfig>, Arc<str>> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = extra_bundle {
        let text = std::fs::read(path)
            .map_err(|err| format!("SSL_CERT_FILE {}: {err}", path.display()))?;
        let certificates = pem::certificates(&text)
            .map_err(|err| format!("SSL_CERT_FILE {}: {err}", path.display()))?;
        let (added, _unparsable) = roots.add_parsable_certificates(certificates);
        if added == 0 {
            return Err(format!("SSL_CERT_FILE {}: no usable certificate", path.display()).into());
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| format!("TLS set-up: {err}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_in_roots_need_no_file() {
        let config = build_tls_config(None).expect("config");
        assert!(config.alpn_protocols.is_empty());
    }

    #[test]
    fn an_unreadable_extra_bundle_is_an_error_naming_the_file() {
        let err = build_tls_config(Some(std::path::Path::new("/nonexistent/ca.pem")))
            .expect_err("must fail");
        assert!(err.contains("/nonexistent/ca.pem"), "{err}");
    }

    #[test]
    fn a_bundle_without_certificates_is_an_error() {
        let dir = std::env::temp_dir().join(format!("dd-aws-https-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("empty.pem");
        std::fs::write(&path, "no certificates here\n").expect("write");
        let err = build_tls_config(Some(&path)).expect_err("must fail");
        assert!(
            err.contains("no usable certificate") || err.contains("no certificate"),
            "{err}"
        );
    }
}
