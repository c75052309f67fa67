/// The one error type of the decryptor library. Never holds key material or plaintext.
#[derive(Debug, thiserror::Error)]
pub enum DecryptorError {
    /// A setting is missing or malformed (read once at start-up).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The key secret could not be read.
    #[error("key material unavailable: {0}")]
    KeyUnavailable(String),
    /// The key secret was read but is unusable (bad JSON, salt under 8 bytes …).
    #[error("key material invalid: {0}")]
    KeyInvalid(#[from] dd_crypto::CryptoError),
    /// The last load failed moments ago; it is not retried on every call (a misconfigured
    /// function under load would otherwise hammer Secrets Manager). Keeps that failure's kind.
    #[error("key material unavailable: the last load failed ({kind}); retrying shortly")]
    RecentlyFailed { kind: &'static str },
}

impl DecryptorError {
    /// Stable kind for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Config(_) => "invalid_configuration",
            Self::KeyUnavailable(_) => "key_unavailable",
            Self::KeyInvalid(_) => "key_invalid",
            Self::RecentlyFailed { kind } => kind,
        }
    }
}
