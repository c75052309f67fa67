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

/// Why a `dd1:` envelope did not open. For diagnostics only (CLI, logs): the `Display` of
/// [`CryptoError::Envelope`] is the same for every kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnvelopeFailure {
    /// Not a well-formed `dd1:` text (bad prefix, base64, lengths or field encodings).
    Malformed,
    /// A `ddN:` text or version byte this build does not know.
    UnsupportedVersion,
    /// The header names a key-encryption key the provider does not hold or may not use.
    UnknownKey,
    /// The wrapped data key or the message failed authentication (tampering, wrong KEK,
    /// wrong tenant context).
    AuthenticationFailed,
    /// The envelope belongs to another tenant than the caller expected.
    TenantMismatch,
}

impl EnvelopeFailure {
    /// The stable name used in logs, the CLI and the golden vectors.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::UnsupportedVersion => "unsupported_version",
            Self::UnknownKey => "unknown_key",
            Self::AuthenticationFailed => "authentication_failed",
            Self::TenantMismatch => "tenant_mismatch",
        }
    }
}

impl std::fmt::Display for EnvelopeFailure {
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
    /// A `dd1:` envelope did not open. The message is deliberately the same for every cause.
    #[error("decryption failed")]
    Envelope(EnvelopeFailure),
    /// The key provider (KMS, key file) could not be reached or refused the request. The
    /// detail names the operation and error code only (e.g. `KMS Decrypt: ThrottlingException`).
    #[error("key provider unavailable: {0}")]
    KeyUnavailable(Cow<'static, str>),
    /// An argument is out of range (e.g. an empty tenant id, an oversized plaintext).
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
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
            Self::Envelope(failure) => failure.as_str(),
            Self::KeyUnavailable(_) => "key_unavailable",
            Self::InvalidInput(_) => "invalid_input",
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

impl CryptoError {
    /// A key-provider failure; `detail` must name only the operation and an error code.
    pub fn key_unavailable(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::KeyUnavailable(detail.into())
    }

    /// The envelope failure kind, if this is one.
    pub fn envelope_failure(&self) -> Option<EnvelopeFailure> {
        match self {
            Self::Envelope(failure) => Some(*failure),
            _ => None,
        }
    }
}

impl From<EnvelopeFailure> for CryptoError {
    fn from(failure: EnvelopeFailure) -> Self {
        Self::Envelope(failure)
    }
}

impl From<DecryptFailure> for CryptoError {
    fn from(failure: DecryptFailure) -> Self {
        Self::Decrypt(failure)
    }
}
