//! AWS settings read once from the Lambda environment. (The name dates from the AWS SDK
//! clients this crate no longer uses; it is kept so callers need not change.)

use std::env;
use std::path::PathBuf;

/// Region, credentials and endpoint override as the Lambda runtime provides them.
#[derive(Clone)]
pub struct SdkEnv {
    pub region: String,
    pub access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    /// `AWS_ENDPOINT_URL` (e.g. moto on loopback in tests); `None` on real AWS.
    pub endpoint_url: Option<String>,
    /// `SSL_CERT_FILE`: a PEM bundle trusted in addition to the compiled-in roots.
    pub ca_bundle: Option<PathBuf>,
}

impl std::fmt::Debug for SdkEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdkEnv")
            .field("region", &self.region)
            .field("endpoint_url", &self.endpoint_url)
            .field("ca_bundle", &self.ca_bundle)
            .finish_non_exhaustive()
    }
}

impl SdkEnv {
    /// Reads `AWS_REGION` (or `AWS_DEFAULT_REGION`), `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_ENDPOINT_URL` and `SSL_CERT_FILE`.
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
            ca_bundle: var("SSL_CERT_FILE").map(PathBuf::from),
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
            ca_bundle: None,
        }
    }

    /// Also trusts the certificates of this PEM bundle (a test CA, a proxy's CA).
    pub fn with_ca_bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_bundle = Some(path.into());
        self
    }

    /// The credentials for this crate's own SigV4 signing (`aws_http`).
    pub(crate) fn signing_credentials(&self) -> crate::sigv4::Credentials {
        crate::sigv4::Credentials {
            access_key_id: self.access_key_id.clone(),
            secret_access_key: zeroize::Zeroizing::new(self.secret_access_key.clone()),
            session_token: self.session_token.clone(),
        }
    }
}
