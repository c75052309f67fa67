//! The one HTTPS stack of this crate: the connector shared by the AWS clients (`aws_http`)
//! and `fetch`.
//!
//! Why not the AWS SDK's default client (`aws-smithy-http-client` with rustls), which this
//! crate used while the SDK's clients were in use: profiled on the decryptor's cold path
//! (callgrind, `bench/RESULTS.md`), it
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

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector as TcpConnector;

use crate::pem;

/// The value cached under `key`, made and cached on first use. A handful of entries at most
/// (one per CA bundle), so a list beats a map.
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
