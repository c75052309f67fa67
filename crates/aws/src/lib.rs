//! AWS adapters for the Direct Deposits Lambdas.
//!
//! Secrets Manager and KMS are called over their JSON protocol with our own SigV4 signing
//! (`aws_json`, `sigv4`), not through the SDK clients, to keep their code out of the Lambdas'
//! binaries; only the Lambda `Invoke` client (feature `lambda-invoke`) is the SDK's.
//!
//! Clients are configured straight from the Lambda environment (region, static credentials,
//! optional `AWS_ENDPOINT_URL`) instead of `aws-config`'s provider chain: Lambda hands every
//! container its credentials in environment variables, and skipping the chain keeps SDK setup
//! off the cold-start path and out of the binary.

mod aws_json;
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
