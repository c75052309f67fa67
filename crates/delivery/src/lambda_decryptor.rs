//! The credential-decryptor Lambda as a password source, called with the legacy contract
//! (docs/architecture.md §2.1): event `{"cipherText": …}`, reply `{"statusCode", "body"}` where only
//! `body` counts and a failure is `statusCode` 500 with an empty body.

use std::time::Duration;

use dd_aws::SdkEnv;
use dd_aws::lambda_invoke::LambdaInvoker;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::DeliveryError;
use crate::error::PASSWORD;

/// Invokes the decryptor function by name or ARN.
#[derive(Debug, Clone)]
pub struct LambdaDecryptor {
    invoker: LambdaInvoker,
    function: String,
}

#[derive(Deserialize)]
struct Reply {
    #[serde(rename = "statusCode", default)]
    status_code: u16,
    #[serde(default = "empty_secret")]
    body: SecretString,
}

fn empty_secret() -> SecretString {
    SecretString::from(String::new())
}

impl LambdaDecryptor {
    /// A decryptor for `function` (e.g. `evo-api-prod-decrypt`); each invoke is bounded
    /// by `timeout`.
    #[must_use]
    pub fn new(env: &SdkEnv, function: impl Into<String>, timeout: Duration) -> Self {
        Self {
            invoker: LambdaInvoker::new(env, timeout),
            function: function.into(),
        }
    }

    /// The function this decryptor invokes.
    #[must_use]
    pub fn function(&self) -> &str {
        &self.function
    }

    /// Decrypts `cipher_text` by invoking the function.
    ///
    /// # Errors
    /// [`DeliveryError::DecryptorUnavailable`] when the invoke fails;
    /// [`DeliveryError::Decrypt`] when the function answers with its failure reply.
    pub async fn decrypt(&self, cipher_text: &str) -> Result<SecretString, DeliveryError> {
        let event = serde_json::json!({ "cipherText": cipher_text }).to_string();
        let reply = self
            .invoker
            .invoke(&self.function, event.as_bytes())
            .await
            .map_err(|e| DeliveryError::DecryptorUnavailable(e.to_string().into()))?;
        parse_reply(&reply)
    }
}

/// The password in a decryptor reply. serde_json's error text could quote the reply (a
/// plaintext), so parse errors are reduced to a kind.
pub(crate) fn parse_reply(reply: &[u8]) -> Result<SecretString, DeliveryError> {
    let parsed: Reply = serde_json::from_slice(reply).map_err(|_| DeliveryError::Decrypt {
        what: PASSWORD,
        kind: "decryptor_reply_unreadable",
    })?;
    if parsed.status_code != 200 || parsed.body.expose_secret().is_empty() {
        return Err(DeliveryError::Decrypt {
            what: PASSWORD,
            kind: "decryptor_refused",
        });
    }
    Ok(parsed.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies() {
        let ok = parse_reply(br#"{"statusCode":200,"body":"pw","isBase64Encoded":false}"#);
        assert_eq!(ok.unwrap().expose_secret(), "pw");
        for bad in [
            &br#"{"statusCode":500,"body":"","isBase64Encoded":false}"#[..],
            br#"{"statusCode":200,"body":""}"#,
            b"null",
            b"<html>",
        ] {
            assert!(parse_reply(bad).is_err());
        }
    }
}
