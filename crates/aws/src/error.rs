/// The one error type of `dd-aws`. Messages never contain secret values.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// Region or credentials are missing from the environment.
    #[error("AWS configuration missing: {0}")]
    Config(&'static str),
    /// The service call failed (network, throttling, access denied, not found …).
    #[error("{service} {operation} failed: {code}")]
    Service {
        service: &'static str,
        operation: &'static str,
        /// The AWS error code (e.g. `ResourceNotFoundException`) or a transport class.
        code: String,
    },
    /// The service answered without the value we need (e.g. an empty secret).
    #[error("{0}")]
    Unusable(&'static str),
}

impl AwsError {
    /// A stable, non-secret kind for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Config(_) => "aws_config",
            Self::Service { .. } => "aws_service",
            Self::Unusable(_) => "aws_unusable_response",
        }
    }
}
