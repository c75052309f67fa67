use std::borrow::Cow;

/// Why a decryption failed. For diagnostics only (CLI, logs): callers must treat every
/// failure alike, or a padding oracle opens up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecryptFailure {
    /// The text is not .NET-compatible base64.
    InvalidBase64,
    /// The decoded bytes are not a whole number of cipher blocks, or shorter than the prefix.
    InvalidLength,
    /// The last block does not end in valid PKCS#7 padding (typically a wrong key).
    PaddingError,
}

impl DecryptFailure {
    /// The stable name used in the test vectors, logs and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidBase64 => "invalid_base64",
            Self::InvalidLength => "invalid_length",
            Self::PaddingError => "padding_error",
        }
    }
}

impl std::fmt::Display for DecryptFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The one error type of `dd-crypto`. No variant ever holds key material or plaintext.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// Key material or scheme parameters are unusable (e.g. a salt under 8 bytes).
    #[error("invalid key configuration: {0}")]
    InvalidConfig(Cow<'static, str>),
    /// Decryption failed. The message is deliberately the same for every cause.
    #[error("decryption failed")]
    Decrypt(DecryptFailure),
    /// The plaintext cannot be represented in the scheme's text encoding.
    #[error("plaintext cannot be encrypted: {0}")]
    InvalidPlaintext(&'static str),
    /// The operating system's random source failed.
    #[error("no randomness available")]
    RandomUnavailable,
}

impl CryptoError {
    pub(crate) fn config(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::InvalidConfig(reason.into())
    }

    /// A stable, non-secret name for this error, for logs and the CLI.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidConfig(_) => "invalid_config",
            Self::Decrypt(failure) => failure.as_str(),
            Self::InvalidPlaintext(_) => "invalid_plaintext",
            Self::RandomUnavailable => "random_unavailable",
        }
    }

    /// The decrypt failure kind, if this is a decrypt failure.
    pub fn decrypt_failure(&self) -> Option<DecryptFailure> {
        match self {
            Self::Decrypt(failure) => Some(*failure),
            _ => None,
        }
    }
}

impl From<DecryptFailure> for CryptoError {
    fn from(failure: DecryptFailure) -> Self {
        Self::Decrypt(failure)
    }
}
