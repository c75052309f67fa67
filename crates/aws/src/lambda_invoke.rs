//! Synchronous Lambda `Invoke` (`RequestResponse`): how a caller reaches another function,
//! e.g. the credential decryptor, when it must not hold that function's key itself.
//!
//! The REST-JSON operation as the SDK sends it: `POST /2015-03-31/functions/{FunctionName}/
//! invocations` with the name (a name, a partial or full ARN, optionally `:qualifier`)
//! percent-encoded as one path label, `X-Amz-Invocation-Type: RequestResponse`, the payload
//! as the body, signed with our SigV4 (service `lambda`); transport and retries are
//! `aws_http`'s. Why not the SDK's Lambda client: its orchestrator and the smithy crates cost
//! minutes of compile on every fresh machine and weigh on the drainer's binary and cold start,
//! for one operation.
//!
//! The payload goes out and comes back as opaque bytes: the caller owns the JSON contract.
//! Replies may carry plaintext secrets, so they are handed back in a zeroize-on-drop buffer
//! and never logged; errors name the AWS error code or the function error kind only.

use std::time::Duration;

use zeroize::Zeroizing;

use crate::aws_http::{Limits, Post, Service, SignedClient};
use crate::aws_retry::sanitized_code;
use crate::{AwsError, SdkEnv};

const LAMBDA: Service = Service {
    label: "Lambda",
    signing_name: "lambda",
};

/// Lambda's limit for a synchronous response payload.
const MAX_REPLY_BYTES: usize = 6 * 1024 * 1024;

/// Invokes Lambda functions by name or ARN.
#[derive(Debug, Clone)]
pub struct LambdaInvoker {
    client: SignedClient,
}

impl LambdaInvoker {
    /// Builds the client like [`crate::SecretsManagerSource`]; no network traffic yet.
    /// `timeout` bounds each invocation end to end (retries and backoff included), so a stuck
    /// callee cannot hold the caller past its own deadline. No limit per attempt: a function
    /// may legitimately run for most of `timeout`.
    pub fn new(env: &SdkEnv, timeout: Duration) -> Self {
        let limits = Limits {
            attempt: None,
            operation: Some(timeout),
            max_reply_bytes: MAX_REPLY_BYTES,
        };
        Self {
            client: SignedClient::new(env, LAMBDA, limits),
        }
    }

    /// Invokes `function` with `payload` and waits for its reply payload.
    ///
    /// # Errors
    /// [`AwsError::Service`] when the call fails (code = AWS error code or transport class)
    /// or the function itself failed (code = `FunctionError:<kind>`, the
    /// `X-Amz-Function-Error` value); [`AwsError::Unusable`] when it replied without a
    /// payload.
    pub async fn invoke(
        &self,
        function: &str,
        payload: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, AwsError> {
        let path = invocations_path(function)?;
        let reply = self
            .client
            .post(&Post {
                operation: "Invoke",
                path: &path,
                content_type: "application/octet-stream",
                headers: &[("x-amz-invocation-type", "RequestResponse")],
                body: payload,
            })
            .await?;
        if let Some(kind) = reply.headers.get("x-amz-function-error") {
            // The error payload may echo the input (a ciphertext): only the kind is kept.
            let kind = kind.to_str().ok().and_then(sanitized_code);
            return Err(AwsError::Service {
                service: LAMBDA.label,
                operation: "Invoke",
                code: format!("FunctionError:{}", kind.as_deref().unwrap_or("Unknown")),
            });
        }
        if reply.body.is_empty() {
            return Err(AwsError::Unusable("Lambda reply has no payload"));
        }
        Ok(reply.body)
    }
}

/// The operation's path with `function` as one percent-encoded label: every byte but
/// `A-Z a-z 0-9 - . _ ~` encoded, as the SDK's label encoding does (`:` of an ARN → `%3A`).
fn invocations_path(function: &str) -> Result<String, AwsError> {
    if function.is_empty() {
        return Err(AwsError::Config("the Lambda function name is empty"));
    }
    let mut path = String::from("/2015-03-31/functions/");
    for byte in function.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            path.push(char::from(byte));
        } else {
            path.push_str(&format!("%{byte:02X}"));
        }
    }
    path.push_str("/invocations");
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_are_one_encoded_path_label() {
        let path = |name| invocations_path(name).unwrap();
        assert_eq!(
            path("credential-decryptor"),
            "/2015-03-31/functions/credential-decryptor/invocations"
        );
        assert_eq!(
            path("credential-decryptor:live"),
            "/2015-03-31/functions/credential-decryptor%3Alive/invocations"
        );
        assert_eq!(
            path("arn:aws:lambda:eu-west-2:123456789012:function:dd_decrypt:$LATEST"),
            "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-2%3A123456789012%3A\
             function%3Add_decrypt%3A%24LATEST/invocations"
        );
        assert_eq!(
            path("a/b ü"),
            "/2015-03-31/functions/a%2Fb%20%C3%BC/invocations"
        );
        assert!(invocations_path("").is_err());
    }
}
