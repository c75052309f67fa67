//! The credential decryptor: a drop-in replacement for the legacy .NET decrypt Lambda
//! (docs/architecture.md §2.1), usable as a Lambda (`main.rs`) and mounted by `ddctl serve`.
//!
//! Contract kept byte for byte: `{"cipherText"}` in (names case-insensitive, unknown properties
//! ignored), `{"statusCode":200,"body":…,"isBase64Encoded":false}` out, and the same shape with
//! status 500 and an empty body for every failure. The reason goes to the log as a stable kind.

pub mod config;
pub mod envelope;
mod error;
pub mod event;
pub mod keys;
pub mod reply;
pub mod service;

pub use config::{Config, EnvelopeKeyConfig, KeySourceConfig, Operation};
pub use envelope::EnvelopeOpener;
pub use error::DecryptorError;
pub use event::Event;
pub use keys::{KeyCache, KeySource};
pub use reply::{Reply, Response};
pub use service::{CredentialService, Outcome};
