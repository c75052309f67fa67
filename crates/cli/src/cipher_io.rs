//! The CLI's stdin/stdout contract: base64 in with one trailing newline ignored, plaintext out
//! with nothing added; plaintext in exactly, base64 and a newline out.

use std::io::{Read, Write};

use anyhow::Context;
use dd_crypto::{CryptoError, DecryptFailure, ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// Non-crypto failure kinds, printed first on the error line.
#[derive(Debug, Clone, Copy, thiserror::Error)]
pub enum IoKind {
    #[error("cannot read standard input")]
    Stdin,
    #[error("cannot write standard output")]
    Stdout,
    #[error("key material unavailable")]
    KeyUnavailable,
}

impl IoKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stdin => "stdin_error",
            Self::Stdout => "stdout_error",
            Self::KeyUnavailable => "key_unavailable",
        }
    }
}

/// Reads all of stdin as raw bytes.
pub fn read_stdin() -> anyhow::Result<Zeroizing<Vec<u8>>> {
    let mut input = Zeroizing::new(Vec::new());
    std::io::stdin()
        .read_to_end(&mut input)
        .context(IoKind::Stdin)?;
    Ok(input)
}

/// Reads the ciphertext: everything but one trailing `\n` goes to the legacy decoder as is.
pub fn read_cipher_text() -> anyhow::Result<String> {
    let input = read_stdin()?;
    let text = input.strip_suffix(b"\n").unwrap_or(&input);
    // Non-UTF-8 input cannot be base64.
    let text = std::str::from_utf8(text)
        .map_err(|_| CryptoError::Decrypt(DecryptFailure::InvalidBase64))?;
    Ok(text.to_owned())
}

/// Reads the plaintext to encrypt: stdin exactly, which must be UTF-8 text.
pub fn read_plain_text() -> anyhow::Result<SecretString> {
    let input = read_stdin()?;
    let text = std::str::from_utf8(&input)
        .map_err(|_| CryptoError::InvalidPlaintext("standard input is not UTF-8"))?;
    Ok(SecretString::from(text))
}

/// Writes the plaintext with nothing added.
pub fn write_plain_text(plain: &SecretString) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(plain.expose_secret().as_bytes())
        .context(IoKind::Stdout)?;
    out.flush().context(IoKind::Stdout)
}

/// Writes opened bytes (a `dd1:` envelope's plaintext) with nothing added.
pub fn write_plain_bytes(plain: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(plain).context(IoKind::Stdout)?;
    out.flush().context(IoKind::Stdout)
}

/// Writes base64 and a newline.
pub fn write_cipher_text(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").context(IoKind::Stdout)?;
    out.flush().context(IoKind::Stdout)
}
