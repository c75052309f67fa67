//! AWS adapters for the Direct Deposits Lambdas.
//!
//! Clients are configured straight from the Lambda environment (region, static credentials,
//! optional `AWS_ENDPOINT_URL`) instead of `aws-config`'s provider chain: Lambda hands every
//! container its credentials in environment variables, and skipping the chain keeps SDK setup
//! off the cold-start path and out of the binary.

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

pub use database_secret::{DatabaseTarget, postgres_url};
pub use envelope_keys::EnvelopeKeys;
pub use error::AwsError;
pub use kms::KmsKeyProvider;
pub use sdk_env::SdkEnv;
pub use secrets::SecretsManagerSource;
