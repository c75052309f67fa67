//! Cryptography for the Direct Deposits module.
//!
//! - [`legacy`]: the six .NET cipher schemes our tenants' stored credentials were written with,
//!   byte-exact with the .NET class library.
//! - [`decrypt_lambda`]: the legacy decrypt Lambda's algorithm as a key value built once.
//! - [`envelope`]: the `dd1:` envelope (AES-256-GCM under a per-tenant data key wrapped by a
//!   key-encryption key) for new and rewrapped credentials; see `docs/envelope.md`.
//!
//! This crate does no I/O and no logging: callers decide what to log, and errors never carry
//! secret material. Decrypt failures are one opaque error for callers (no padding oracle); the
//! precise [`DecryptFailure`] kind is only for diagnostics.

pub mod decrypt_lambda;
pub mod envelope;
mod error;
pub mod legacy;

pub use error::{CryptoError, DecryptFailure, EnvelopeFailure};
pub use secrecy::{ExposeSecret, SecretString};
