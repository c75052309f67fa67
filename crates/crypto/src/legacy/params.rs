//! Scheme parameters, named exactly as in `legacy-dotnet.json` (the CLI flags follow them).

use std::str::FromStr;

use secrecy::SecretString;

use crate::CryptoError;

/// The legacy .NET cipher schemes found in tenants' stored credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `Rfc2898DeriveBytes` key and IV from one stream, AES-CBC.
    AesCbcRfc2898,
    /// `PasswordDeriveBytes` key, fixed IV, AES-CBC.
    AesCbcPdbFixedIv,
    /// `PasswordDeriveBytes` key then IV (with the .NET overlap quirk), AES-CBC.
    AesCbcPdbKeyIv,
    /// MD5 of the passphrase as a two-key 3DES key, ECB.
    TripleDesEcbMd5,
    /// Random salt (and optionally IV) prefixed to the AES-CBC ciphertext.
    AesCbcRfc2898SaltPrefixed,
    /// Raw or SHA-256 key, random IV prefixed to the AES-CBC ciphertext.
    AesCbcIvPrefixed,
}

impl Scheme {
    pub const ALL: [Scheme; 6] = [
        Self::AesCbcRfc2898,
        Self::AesCbcPdbFixedIv,
        Self::AesCbcPdbKeyIv,
        Self::TripleDesEcbMd5,
        Self::AesCbcRfc2898SaltPrefixed,
        Self::AesCbcIvPrefixed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AesCbcRfc2898 => "aes_cbc_rfc2898",
            Self::AesCbcPdbFixedIv => "aes_cbc_pdb_fixed_iv",
            Self::AesCbcPdbKeyIv => "aes_cbc_pdb_key_iv",
            Self::TripleDesEcbMd5 => "tripledes_ecb_md5",
            Self::AesCbcRfc2898SaltPrefixed => "aes_cbc_rfc2898_salt_prefixed",
            Self::AesCbcIvPrefixed => "aes_cbc_iv_prefixed",
        }
    }
}

impl FromStr for Scheme {
    type Err = CryptoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|scheme| scheme.as_str() == s)
            .ok_or_else(|| CryptoError::config(format!("unknown scheme {s:?}")))
    }
}

/// Hash used by a key derivation (names compared case-insensitively, as .NET does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    Sha1,
    Sha256,
    Md5,
}

impl FromStr for HashAlgorithm {
    type Err = CryptoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "SHA1" | "SHA-1" => Ok(Self::Sha1),
            "SHA256" | "SHA-256" => Ok(Self::Sha256),
            "MD5" => Ok(Self::Md5),
            _ => Err(CryptoError::config(format!("unknown hash {s:?}"))),
        }
    }
}

/// Where the IV comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IvSource {
    /// From the key derivation, after the key bytes.
    Derived,
    /// Random, written before the ciphertext.
    Prefixed,
    /// A constant compiled into the legacy application.
    Fixed([u8; 16]),
}

impl FromStr for IvSource {
    type Err = CryptoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "derived" => Ok(Self::Derived),
            "prefixed" => Ok(Self::Prefixed),
            hex_iv => {
                let mut iv = [0u8; 16];
                decode_hex_into(hex_iv, &mut iv).map_err(|_| {
                    CryptoError::config("iv must be derived, prefixed or 32 hex digits")
                })?;
                Ok(Self::Fixed(iv))
            }
        }
    }
}

/// How plaintext characters become bytes before encryption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// `Encoding.UTF8`.
    Utf8,
    /// `Encoding.Unicode`.
    Utf16Le,
}

impl FromStr for TextEncoding {
    type Err = CryptoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(Self::Utf8),
            "utf-16le" | "utf16le" | "unicode" => Ok(Self::Utf16Le),
            _ => Err(CryptoError::config(format!(
                "unknown plaintext encoding {s:?}"
            ))),
        }
    }
}

/// How a passphrase becomes a key in the schemes without a PBKDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyDerivation {
    /// MD5 of `Encoding.ASCII` bytes (non-ASCII characters become `?`).
    Md5Ascii,
    /// MD5 of UTF-8 bytes.
    Md5Utf8,
    /// UTF-8 bytes used directly; their length must equal the key size.
    Utf8Raw,
    /// SHA-256 of UTF-8 bytes.
    Sha256Utf8,
}

impl FromStr for KeyDerivation {
    type Err = CryptoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "md5-ascii" => Ok(Self::Md5Ascii),
            "md5-utf8" => Ok(Self::Md5Utf8),
            "utf8-raw" => Ok(Self::Utf8Raw),
            "sha256-utf8" => Ok(Self::Sha256Utf8),
            _ => Err(CryptoError::config(format!("unknown key derivation {s:?}"))),
        }
    }
}

/// Everything a legacy scheme needs. `None` takes the scheme's .NET default (see
/// [`super::LegacyCipher::new`]).
#[derive(Debug)]
pub struct LegacyParams {
    pub scheme: Scheme,
    pub passphrase: SecretString,
    pub salt: Option<Vec<u8>>,
    pub iterations: Option<u32>,
    pub hash: Option<HashAlgorithm>,
    pub iv: Option<IvSource>,
    /// Key size in bits.
    pub key_size: Option<u32>,
    pub plaintext_encoding: Option<TextEncoding>,
    pub key_derivation: Option<KeyDerivation>,
    /// Length of the random salt prefix, in bytes.
    pub salt_len: Option<usize>,
}

impl LegacyParams {
    /// Parameters with every optional value left to the scheme's default.
    pub fn new(scheme: Scheme, passphrase: SecretString) -> Self {
        Self {
            scheme,
            passphrase,
            salt: None,
            iterations: None,
            hash: None,
            iv: None,
            key_size: None,
            plaintext_encoding: None,
            key_derivation: None,
            salt_len: None,
        }
    }
}

impl Drop for LegacyParams {
    fn drop(&mut self) {
        // The passphrase zeroizes itself; a fixed salt is key material too.
        if let Some(salt) = self.salt.as_mut() {
            zeroize::Zeroize::zeroize(salt);
        }
    }
}

/// Decodes exactly `out.len()` bytes of hex.
pub fn decode_hex_into(text: &str, out: &mut [u8]) -> Result<(), CryptoError> {
    let bytes = decode_hex(text)?;
    if bytes.len() != out.len() {
        return Err(CryptoError::config("hex value has the wrong length"));
    }
    out.copy_from_slice(&bytes);
    Ok(())
}

/// Decodes hex (either case), as the vector files and CLI write salts and IVs.
pub fn decode_hex(text: &str) -> Result<Vec<u8>, CryptoError> {
    hex::decode(text).map_err(|_| CryptoError::config("value is not valid hex"))
}
