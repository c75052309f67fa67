//! Reads the decrypt key secret from AWS Secrets Manager.

use aws_sdk_secretsmanager::config::{BehaviorVersion, Region};
use base64::Engine as _;
use secrecy::SecretString;

use crate::{AwsError, SdkEnv};

/// One secret in Secrets Manager, read on demand.
#[derive(Debug, Clone)]
pub struct SecretsManagerSource {
    client: aws_sdk_secretsmanager::Client,
    secret_id: String,
}

impl SecretsManagerSource {
    /// Builds the client; no network traffic happens until [`Self::fetch`].
    pub fn new(env: &SdkEnv, secret_id: impl Into<String>) -> Self {
        let mut config = aws_sdk_secretsmanager::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(env.region.clone()))
            .credentials_provider(env.credentials())
            .http_client(env.http_client());
        if let Some(url) = &env.endpoint_url {
            config = config.endpoint_url(url);
        }
        Self {
            client: aws_sdk_secretsmanager::Client::from_conf(config.build()),
            secret_id: secret_id.into(),
        }
    }

    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// Fetches the secret's current value. It may be stored as `SecretString`, or as
    /// `SecretBinary` holding the text itself or (as AWS's .NET samples wrote it) its base64.
    pub async fn fetch(&self) -> Result<SecretString, AwsError> {
        let out = self
            .client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .send()
            .await
            .map_err(|err| AwsError::Service {
                service: "SecretsManager",
                operation: "GetSecretValue",
                code: service_error_code(&err),
            })?;
        if let Some(text) = out.secret_string() {
            return Ok(SecretString::from(text));
        }
        let bytes = out
            .secret_binary()
            .map(|blob| blob.as_ref())
            .ok_or(AwsError::Unusable(
                "secret has neither SecretString nor SecretBinary",
            ))?;
        secret_binary_text(bytes)
    }
}

/// The text of a `SecretBinary`: UTF-8 JSON as is, or base64 of it.
fn secret_binary_text(bytes: &[u8]) -> Result<SecretString, AwsError> {
    let trimmed = bytes.trim_ascii();
    if trimmed.first() == Some(&b'{') {
        let text = std::str::from_utf8(trimmed)
            .map_err(|_| AwsError::Unusable("SecretBinary is not UTF-8"))?;
        return Ok(SecretString::from(text));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(trimmed)
        .map_err(|_| AwsError::Unusable("SecretBinary is neither JSON nor base64"))?;
    let text =
        String::from_utf8(decoded).map_err(|_| AwsError::Unusable("SecretBinary is not UTF-8"))?;
    Ok(SecretString::from(text))
}

/// The AWS error code, or the transport failure class; never the request or response body.
pub(crate) fn service_error_code<E, R>(
    err: &aws_sdk_secretsmanager::error::SdkError<E, R>,
) -> String
where
    E: aws_sdk_secretsmanager::error::ProvideErrorMetadata,
{
    use aws_sdk_secretsmanager::error::SdkError;
    match err {
        SdkError::ServiceError(service) => service.err().code().unwrap_or("Unknown").to_owned(),
        SdkError::TimeoutError(_) => "Timeout".to_owned(),
        // The transport's reason (refused, TLS unknown issuer, an unreadable SSL_CERT_FILE …) is
        // what an operator needs; it never contains the request or response body.
        SdkError::DispatchFailure(failure) => match failure.as_connector_error() {
            Some(cause) => format!(
                "DispatchFailure ({})",
                aws_smithy_types::error::display::DisplayErrorContext(cause)
            ),
            None => "DispatchFailure".to_owned(),
        },
        SdkError::ResponseError(_) => "ResponseError".to_owned(),
        SdkError::ConstructionFailure(_) => "ConstructionFailure".to_owned(),
        _ => "Unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn secret_binary_may_be_json_or_base64_json() {
        let json = br#"{"salt":"NaCl-2019","keyPhrase":"k"}"#;
        assert_eq!(
            secret_binary_text(json).unwrap().expose_secret().as_bytes(),
            json
        );
        let b64 = base64::engine::general_purpose::STANDARD.encode(json);
        assert_eq!(
            secret_binary_text(b64.as_bytes())
                .unwrap()
                .expose_secret()
                .as_bytes(),
            json
        );
        assert!(secret_binary_text(b"\xff\xfe").is_err());
    }
}
