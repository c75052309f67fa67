//! Reads the decrypt key secret from AWS Secrets Manager.

use base64::Engine as _;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::aws_json::{AwsJsonClient, SECRETS_MANAGER};
use crate::{AwsError, SdkEnv};

/// One secret in Secrets Manager, read on demand.
#[derive(Debug, Clone)]
pub struct SecretsManagerSource {
    client: AwsJsonClient,
    secret_id: String,
}

#[derive(Serialize)]
struct GetSecretValueInput<'a> {
    #[serde(rename = "SecretId")]
    secret_id: &'a str,
}

#[derive(Deserialize)]
struct GetSecretValueOutput {
    #[serde(rename = "SecretString")]
    secret_string: Option<SecretString>,
    /// A blob: base64 in the JSON protocol.
    #[serde(rename = "SecretBinary")]
    secret_binary: Option<Zeroizing<String>>,
}

impl SecretsManagerSource {
    /// Builds the client; no network traffic happens until [`Self::fetch`].
    pub fn new(env: &SdkEnv, secret_id: impl Into<String>) -> Self {
        Self {
            client: AwsJsonClient::new(env, SECRETS_MANAGER),
            secret_id: secret_id.into(),
        }
    }

    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// Fetches the secret's current value. It may be stored as `SecretString`, or as
    /// `SecretBinary` holding the text itself or (as AWS's .NET samples wrote it) its base64.
    pub async fn fetch(&self) -> Result<SecretString, AwsError> {
        let input = GetSecretValueInput {
            secret_id: &self.secret_id,
        };
        let body = serde_json::to_vec(&input)
            .map_err(|_| AwsError::Unusable("cannot encode the GetSecretValue request"))?;
        let reply = self.client.call("GetSecretValue", &body).await?;
        // serde's message could quote the reply, which holds the secret: never shown.
        let out: GetSecretValueOutput = serde_json::from_slice(&reply)
            .map_err(|_| AwsError::Unusable("GetSecretValue reply is not the expected JSON"))?;
        if let Some(text) = out.secret_string {
            return Ok(text);
        }
        let blob = out.secret_binary.ok_or(AwsError::Unusable(
            "secret has neither SecretString nor SecretBinary",
        ))?;
        let bytes = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(blob.as_bytes())
                .map_err(|_| AwsError::Unusable("SecretBinary is not base64 in the reply"))?,
        );
        secret_binary_text(&bytes)
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
