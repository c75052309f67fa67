//! Cryptography for the Direct Deposits module.
//!
//! - [`legacy`]: the six .NET cipher schemes our tenants' stored credentials were written with,
//!   byte-exact with the .NET class library.
//! - [`decrypt_lambda`]: the legacy decrypt Lambda's algorithm as a key value built once.
//!
//! This crate does no I/O and no logging: callers decide what to log, and errors never carry
//! secret material. Decrypt failures are one opaque error for callers (no padding oracle); the
//! precise [`DecryptFailure`] kind is only for diagnostics.

pub mod decrypt_lambda;
mod error;
pub mod legacy;

pub use error::{CryptoError, DecryptFailure};
pub use secrecy::{ExposeSecret, SecretString};
