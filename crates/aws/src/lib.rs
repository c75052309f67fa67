//! AWS adapters for the Direct Deposits Lambdas.
//!
//! No AWS SDK crate is linked: Secrets Manager and KMS are called over their JSON protocol
//! (`aws_json`) and Lambda `Invoke` (feature `lambda-invoke`) over its REST-JSON one
//! (`lambda_invoke`), both through one signed transport with the SDK's retry rules
//! (`aws_http`) and our own SigV4 (`sigv4`, checked against the SDK's `aws-sigv4` in tests).
//! This keeps the SDK's code out of the Lambdas' binaries and its compile time out of builds.
//!
//! Clients are configured straight from the Lambda environment (region, static credentials,
//! optional `AWS_ENDPOINT_URL`) instead of `aws-config`'s provider chain: Lambda hands every
//! container its credentials in environment variables, and skipping the chain keeps set-up
//! off the cold-start path.

mod aws_http;
mod aws_json;
mod aws_retry;
pub mod database_secret;
mod envelope_keys;
mod error;
pub mod fetch;
mod https;
pub mod kms;
#[cfg(feature = "lambda-invoke")]
pub mod lambda_invoke;
mod pem;
mod sdk_env;
pub mod secrets;
mod sigv4;

pub use database_secret::{DatabaseTarget, postgres_url};
pub use envelope_keys::EnvelopeKeys;
pub use error::AwsError;
pub use kms::KmsKeyProvider;
pub use sdk_env::SdkEnv;
pub use secrets::SecretsManagerSource;
