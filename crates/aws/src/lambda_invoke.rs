//! Synchronous Lambda `Invoke` (`RequestResponse`): how a caller reaches another function,
//! e.g. the credential decryptor, when it must not hold that function's key itself.
//!
//! The payload goes out and comes back as opaque bytes: the caller owns the JSON contract.
//! Replies may carry plaintext secrets, so they are handed back in a zeroize-on-drop buffer
//! and never logged; errors name the AWS error code or the function error kind only.

use aws_sdk_lambda::config::timeout::TimeoutConfig;
use aws_sdk_lambda::config::{BehaviorVersion, Region};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use zeroize::Zeroizing;

use crate::{AwsError, SdkEnv};

/// Invokes Lambda functions by name or ARN.
#[derive(Debug, Clone)]
pub struct LambdaInvoker {
    client: aws_sdk_lambda::Client,
}

impl LambdaInvoker {
    /// Builds the client like [`crate::SecretsManagerSource`]; no network traffic yet.
    /// `timeout` bounds each invocation end to end (SDK retries included), so a stuck
    /// callee cannot hold the caller past its own deadline.
    pub fn new(env: &SdkEnv, timeout: std::time::Duration) -> Self {
        let mut config = aws_sdk_lambda::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(env.region.clone()))
            .credentials_provider(env.credentials())
            .http_client(env.http_client())
            .timeout_config(TimeoutConfig::builder().operation_timeout(timeout).build());
        if let Some(url) = &env.endpoint_url {
            config = config.endpoint_url(url);
        }
        Self {
            client: aws_sdk_lambda::Client::from_conf(config.build()),
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
        let out = self
            .client
            .invoke()
            .function_name(function)
            .invocation_type(InvocationType::RequestResponse)
            .payload(Blob::new(payload))
            .send()
            .await
            .map_err(|err| AwsError::Service {
                service: "Lambda",
                operation: "Invoke",
                code: service_error_code(&err),
            })?;
        if let Some(kind) = out.function_error() {
            // The error payload may echo the input (a ciphertext): only the kind is kept.
            return Err(AwsError::Service {
                service: "Lambda",
                operation: "Invoke",
                code: format!("FunctionError:{kind}"),
            });
        }
        let bytes = out
            .payload
            .map(Blob::into_inner)
            .ok_or(AwsError::Unusable("Lambda reply has no payload"))?;
        Ok(Zeroizing::new(bytes))
    }
}

/// The AWS error code, or the transport failure class; never the request or response body.
fn service_error_code<E, R>(err: &aws_sdk_lambda::error::SdkError<E, R>) -> String
where
    E: aws_sdk_lambda::error::ProvideErrorMetadata,
{
    use aws_sdk_lambda::error::SdkError;
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
