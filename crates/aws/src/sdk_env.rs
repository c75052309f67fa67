//! SDK settings read once from the Lambda environment.

use std::env;

/// Region, credentials and endpoint override as the Lambda runtime provides them.
#[derive(Clone)]
pub struct SdkEnv {
    pub region: String,
    pub access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    /// `AWS_ENDPOINT_URL` (e.g. moto on loopback in tests); `None` on real AWS.
    pub endpoint_url: Option<String>,
}

impl std::fmt::Debug for SdkEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdkEnv")
            .field("region", &self.region)
            .field("endpoint_url", &self.endpoint_url)
            .finish_non_exhaustive()
    }
}

impl SdkEnv {
    /// Reads `AWS_REGION` (or `AWS_DEFAULT_REGION`), `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` and `AWS_ENDPOINT_URL`.
    pub fn from_env() -> Result<Self, crate::AwsError> {
        let var = |name: &str| env::var(name).ok().filter(|v| !v.is_empty());
        Ok(Self {
            region: var("AWS_REGION")
                .or_else(|| var("AWS_DEFAULT_REGION"))
                .ok_or(crate::AwsError::Config("AWS_REGION is not set"))?,
            access_key_id: var("AWS_ACCESS_KEY_ID")
                .ok_or(crate::AwsError::Config("AWS_ACCESS_KEY_ID is not set"))?,
            secret_access_key: var("AWS_SECRET_ACCESS_KEY")
                .ok_or(crate::AwsError::Config("AWS_SECRET_ACCESS_KEY is not set"))?,
            session_token: var("AWS_SESSION_TOKEN"),
            endpoint_url: var("AWS_ENDPOINT_URL"),
        })
    }

    /// Explicit settings with an endpoint override (tests against moto on loopback), so tests
    /// need not mutate the process environment.
    pub fn for_endpoint(
        region: impl Into<String>,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        endpoint_url: impl Into<String>,
    ) -> Self {
        Self {
            region: region.into(),
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: None,
            endpoint_url: Some(endpoint_url.into()),
        }
    }

    /// Static credentials in the SDK's type (shared by every service client).
    pub fn credentials(&self) -> aws_sdk_secretsmanager::config::Credentials {
        aws_sdk_secretsmanager::config::Credentials::new(
            &self.access_key_id,
            &self.secret_access_key,
            self.session_token.clone(),
            None,
            "lambda-environment",
        )
    }
}

/// CA bundles of the usual Linux layouts: Amazon Linux (the Lambda runtimes) first.
const CA_BUNDLES: [&str; 3] = [
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/cert.pem",
];

/// The HTTPS client every SDK client here uses.
///
/// The default client asks `rustls-native-certs`, which on a Debian-like system loads both the
/// CA bundle and every file of `/etc/ssl/certs` (hundreds of files, parsed twice over): several
/// milliseconds on the cold path of a function whose first call needs its key. Reading one
/// bundle file (`SSL_CERT_FILE`, else the first standard path that exists) trusts the same
/// roots for a fraction of the cost; with no bundle found the native lookup is kept.
pub fn https_client() -> aws_sdk_secretsmanager::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
    let bundle = std::env::var_os("SSL_CERT_FILE")
        .map(std::path::PathBuf::from)
        .into_iter()
        .chain(CA_BUNDLES.iter().map(std::path::PathBuf::from))
        .find_map(|path| std::fs::read(path).ok());
    let trust_store = match bundle {
        Some(pem) => TrustStore::empty().with_pem_certificate(pem),
        None => TrustStore::default(),
    };
    let builder = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
    match TlsContext::builder().with_trust_store(trust_store).build() {
        Ok(context) => builder.tls_context(context).build_https(),
        Err(_) => builder.build_https(),
    }
}
