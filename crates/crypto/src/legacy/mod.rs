//! The legacy .NET cipher schemes, byte-exact with the .NET class library.
//!
//! Build a [`LegacyCipher`] once from [`LegacyParams`]: every key derivation that does not
//! depend on the message runs there, so a decrypt costs one block-cipher pass.

pub mod base64;
mod block;
mod kdf;
mod params;
mod pbkdf2_sha1;
#[cfg(target_arch = "x86_64")]
mod pbkdf2_sha1_ni;
mod text;

use rand_core::{OsRng, RngCore};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::{CryptoError, DecryptFailure};
use block::AES_BLOCK;
pub use params::{
    HashAlgorithm, IvSource, KeyDerivation, LegacyParams, Scheme, TextEncoding, decode_hex,
};

/// The smallest salt .NET's `Rfc2898DeriveBytes` accepts.
pub const MIN_RFC2898_SALT: usize = 8;

/// A ready-to-use legacy scheme with its message-independent keys derived.
pub struct LegacyCipher {
    keys: Keys,
    encoding: TextEncoding,
}

impl std::fmt::Debug for LegacyCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LegacyCipher")
            .field("keys", &"<redacted>")
            .field("encoding", &self.encoding)
            .finish()
    }
}

enum Keys {
    /// Key and IV fixed for every message.
    AesStatic {
        key: Zeroizing<Vec<u8>>,
        iv: Zeroizing<[u8; AES_BLOCK]>,
    },
    TripleDes {
        key: Zeroizing<[u8; 16]>,
    },
    /// Key (and maybe IV) derived per message from a random salt written before it.
    SaltPrefixed {
        password: Zeroizing<Vec<u8>>,
        salt_len: usize,
        iterations: u32,
        hash: HashAlgorithm,
        key_len: usize,
        iv_prefixed: bool,
    },
    /// Fixed key, random IV written before the ciphertext.
    IvPrefixed {
        key: Zeroizing<Vec<u8>>,
    },
}

impl LegacyCipher {
    /// Validates the parameters, applies the scheme's .NET defaults and derives the keys.
    ///
    /// Defaults: 1000 iterations for Rfc2898 and 100 for `PasswordDeriveBytes`, SHA-1, a
    /// derived IV, 256-bit keys, UTF-16LE plaintext for `aes_cbc_rfc2898` (as the decrypt
    /// Lambda) and UTF-8 elsewhere, `md5-utf8` for 3DES and `utf8-raw` for the IV-prefixed
    /// scheme. A salt the scheme needs has no default.
    pub fn new(params: &LegacyParams) -> Result<Self, CryptoError> {
        let password = params.passphrase.expose_secret().as_bytes();
        let default_encoding = match params.scheme {
            Scheme::AesCbcRfc2898 => TextEncoding::Utf16Le,
            _ => TextEncoding::Utf8,
        };
        let encoding = params.plaintext_encoding.unwrap_or(default_encoding);
        let hash = params.hash.unwrap_or(HashAlgorithm::Sha1);
        let keys = match params.scheme {
            Scheme::AesCbcRfc2898 => {
                let salt = required_salt(params)?;
                let iterations = iterations(params, 1000)?;
                let key_len = aes_key_len(params.key_size.unwrap_or(256))?;
                match params.iv.unwrap_or(IvSource::Derived) {
                    IvSource::Derived => {
                        let stream =
                            kdf::rfc2898(password, salt, iterations, hash, key_len + AES_BLOCK);
                        split_key_iv(&stream, key_len)
                    }
                    IvSource::Fixed(iv) => Keys::AesStatic {
                        key: kdf::rfc2898(password, salt, iterations, hash, key_len),
                        iv: Zeroizing::new(iv),
                    },
                    IvSource::Prefixed => {
                        return Err(CryptoError::config(
                            "aes_cbc_rfc2898 takes a derived or fixed IV",
                        ));
                    }
                }
            }
            Scheme::AesCbcPdbFixedIv | Scheme::AesCbcPdbKeyIv => {
                let salt = params.salt.as_deref().unwrap_or_default();
                let key_len = aes_key_len(params.key_size.unwrap_or(256))?;
                let mut pdb =
                    kdf::PasswordDeriveBytes::new(hash, password, salt, iterations(params, 100)?);
                let key = pdb.get_bytes(key_len)?;
                let iv = match (params.scheme, params.iv) {
                    (Scheme::AesCbcPdbFixedIv, Some(IvSource::Fixed(iv))) => iv,
                    (Scheme::AesCbcPdbKeyIv, None | Some(IvSource::Derived)) => {
                        let mut iv = [0u8; AES_BLOCK];
                        iv.copy_from_slice(&pdb.get_bytes(AES_BLOCK)?);
                        iv
                    }
                    (Scheme::AesCbcPdbFixedIv, _) => {
                        return Err(CryptoError::config(
                            "aes_cbc_pdb_fixed_iv needs --iv <32 hex>",
                        ));
                    }
                    _ => return Err(CryptoError::config("aes_cbc_pdb_key_iv derives its IV")),
                };
                Keys::AesStatic {
                    key,
                    iv: Zeroizing::new(iv),
                }
            }
            Scheme::TripleDesEcbMd5 => Keys::TripleDes {
                key: triple_des_key(params)?,
            },
            Scheme::AesCbcRfc2898SaltPrefixed => {
                let salt_len = params.salt_len.ok_or_else(|| {
                    CryptoError::config("aes_cbc_rfc2898_salt_prefixed needs salt_len")
                })?;
                if salt_len < MIN_RFC2898_SALT {
                    return Err(CryptoError::config("salt must be at least 8 bytes"));
                }
                let iv_prefixed = match params.iv.unwrap_or(IvSource::Derived) {
                    IvSource::Derived => false,
                    IvSource::Prefixed => true,
                    IvSource::Fixed(_) => {
                        return Err(CryptoError::config(
                            "salt-prefixed IV is derived or prefixed",
                        ));
                    }
                };
                Keys::SaltPrefixed {
                    password: Zeroizing::new(password.to_vec()),
                    salt_len,
                    iterations: iterations(params, 1000)?,
                    hash,
                    key_len: aes_key_len(params.key_size.unwrap_or(256))?,
                    iv_prefixed,
                }
            }
            Scheme::AesCbcIvPrefixed => Keys::IvPrefixed {
                key: iv_prefixed_key(params)?,
            },
        };
        Ok(Self { keys, encoding })
    }

    /// Decrypts .NET base64 text to the plaintext string.
    pub fn decrypt(&self, text: &str) -> Result<SecretString, CryptoError> {
        let data = base64::decode(text)?;
        let plain = self.decrypt_bytes(&data)?;
        Ok(text::decode(&plain, self.encoding))
    }

    /// Decrypts raw ciphertext bytes (with any prefix) to raw plaintext bytes.
    pub fn decrypt_bytes(&self, data: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        match &self.keys {
            // .NET Core's CryptoStream turns empty input into empty output without complaint.
            Keys::AesStatic { .. } | Keys::TripleDes { .. } if data.is_empty() => {
                Ok(Zeroizing::new(Vec::new()))
            }
            Keys::AesStatic { key, iv } => block::aes_cbc_decrypt(key, iv, data),
            Keys::TripleDes { key } => block::tdes_ecb_decrypt(key, data),
            Keys::IvPrefixed { key } => {
                let (iv, body) = split_prefix(data, AES_BLOCK)?;
                block::aes_cbc_decrypt(key, &iv_array(iv), body)
            }
            Keys::SaltPrefixed { .. } => {
                let (salt, rest) = split_prefix(data, self.prefix_len())?;
                let (key, iv) = self.salt_prefixed_key_iv(salt)?;
                block::aes_cbc_decrypt(&key, &iv, rest)
            }
        }
    }

    /// Encrypts a string with a fresh random salt/IV where the scheme has one.
    pub fn encrypt(&self, plaintext: &str) -> Result<String, CryptoError> {
        let bytes = self.encode_plaintext(plaintext);
        Ok(base64::encode(&self.encrypt_bytes(&bytes, None)?))
    }

    /// Encrypts raw plaintext bytes. `prefix` reuses a given salt/IV prefix (its length is
    /// [`Self::prefix_len`]), which reproduces a stored ciphertext byte for byte; `None`
    /// draws a random one.
    pub fn encrypt_bytes(
        &self,
        plaintext: &[u8],
        prefix: Option<&[u8]>,
    ) -> Result<Vec<u8>, CryptoError> {
        let prefix = match prefix {
            Some(given) if given.len() == self.prefix_len() => given.to_vec(),
            Some(_) => return Err(CryptoError::config("prefix has the wrong length")),
            None => random_bytes(self.prefix_len())?,
        };
        let body = match &self.keys {
            Keys::AesStatic { key, iv } => block::aes_cbc_encrypt(key, iv, plaintext)?,
            Keys::TripleDes { key } => block::tdes_ecb_encrypt(key, plaintext),
            Keys::IvPrefixed { key } => block::aes_cbc_encrypt(key, &iv_array(&prefix), plaintext)?,
            Keys::SaltPrefixed { .. } => {
                let (key, iv) = self.salt_prefixed_key_iv(&prefix)?;
                block::aes_cbc_encrypt(&key, &iv, plaintext)?
            }
        };
        let mut out = prefix;
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Bytes of random salt and/or IV written before the ciphertext (0 for most schemes).
    pub fn prefix_len(&self) -> usize {
        match &self.keys {
            Keys::AesStatic { .. } | Keys::TripleDes { .. } => 0,
            Keys::IvPrefixed { .. } => AES_BLOCK,
            Keys::SaltPrefixed {
                salt_len,
                iv_prefixed,
                ..
            } => salt_len + if *iv_prefixed { AES_BLOCK } else { 0 },
        }
    }

    /// The plaintext bytes this scheme encrypts for `text`.
    pub fn encode_plaintext(&self, text: &str) -> Zeroizing<Vec<u8>> {
        text::encode(text, self.encoding)
    }

    /// The text for decrypted plaintext bytes (one byte-order mark dropped).
    pub fn decode_plaintext(&self, bytes: &[u8]) -> SecretString {
        text::decode(bytes, self.encoding)
    }

    /// For the salt-prefixed scheme: key and IV from a message's prefix (salt, then maybe IV).
    fn salt_prefixed_key_iv(
        &self,
        prefix: &[u8],
    ) -> Result<(Zeroizing<Vec<u8>>, [u8; AES_BLOCK]), CryptoError> {
        let Keys::SaltPrefixed {
            password,
            salt_len,
            iterations,
            hash,
            key_len,
            iv_prefixed,
        } = &self.keys
        else {
            return Err(CryptoError::config("not a salt-prefixed scheme"));
        };
        let salt = &prefix[..*salt_len];
        if *iv_prefixed {
            let key = kdf::rfc2898(password, salt, *iterations, *hash, *key_len);
            Ok((key, iv_array(&prefix[*salt_len..])))
        } else {
            let stream = kdf::rfc2898(password, salt, *iterations, *hash, key_len + AES_BLOCK);
            let key = Zeroizing::new(stream[..*key_len].to_vec());
            Ok((key, iv_array(&stream[*key_len..])))
        }
    }
}

fn required_salt(params: &LegacyParams) -> Result<&[u8], CryptoError> {
    let salt = params
        .salt
        .as_deref()
        .ok_or_else(|| CryptoError::config(format!("{} needs a salt", params.scheme.as_str())))?;
    if salt.len() < MIN_RFC2898_SALT {
        return Err(CryptoError::config("salt must be at least 8 bytes"));
    }
    Ok(salt)
}

fn iterations(params: &LegacyParams, default: u32) -> Result<u32, CryptoError> {
    match params.iterations.unwrap_or(default) {
        0 => Err(CryptoError::config("iterations must be at least 1")),
        n => Ok(n),
    }
}

fn aes_key_len(bits: u32) -> Result<usize, CryptoError> {
    match bits {
        128 | 192 | 256 => Ok(bits as usize / 8),
        _ => Err(CryptoError::config("AES key size must be 128, 192 or 256")),
    }
}

fn split_key_iv(stream: &[u8], key_len: usize) -> Keys {
    Keys::AesStatic {
        key: Zeroizing::new(stream[..key_len].to_vec()),
        iv: Zeroizing::new(iv_array(&stream[key_len..key_len + AES_BLOCK])),
    }
}

fn triple_des_key(params: &LegacyParams) -> Result<Zeroizing<[u8; 16]>, CryptoError> {
    if params.key_size.is_some_and(|bits| bits != 128) {
        return Err(CryptoError::config(
            "tripledes_ecb_md5 uses a 128-bit (two-key) key",
        ));
    }
    let passphrase = params.passphrase.expose_secret();
    let bytes: Zeroizing<Vec<u8>> = match params.key_derivation.unwrap_or(KeyDerivation::Md5Utf8) {
        KeyDerivation::Md5Utf8 => Zeroizing::new(passphrase.as_bytes().to_vec()),
        // Encoding.ASCII replaces each non-ASCII character (a surrogate pair counts once).
        KeyDerivation::Md5Ascii => Zeroizing::new(
            passphrase
                .chars()
                .map(|c| if c.is_ascii() { c as u8 } else { b'?' })
                .collect(),
        ),
        _ => {
            return Err(CryptoError::config(
                "tripledes_ecb_md5 derives with md5-ascii or md5-utf8",
            ));
        }
    };
    let digest = kdf::hash(HashAlgorithm::Md5, &[&bytes]);
    let mut key = Zeroizing::new([0u8; 16]);
    key.copy_from_slice(&digest);
    // .NET refuses a 3DES key whose halves are equal (it degrades to single DES).
    if key[..8] == key[8..] {
        return Err(CryptoError::config("3DES key is a known weak key"));
    }
    Ok(key)
}

fn iv_prefixed_key(params: &LegacyParams) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let passphrase = params.passphrase.expose_secret().as_bytes();
    let key = match params.key_derivation.unwrap_or(KeyDerivation::Utf8Raw) {
        KeyDerivation::Utf8Raw => Zeroizing::new(passphrase.to_vec()),
        KeyDerivation::Sha256Utf8 => kdf::hash(HashAlgorithm::Sha256, &[passphrase]),
        _ => {
            return Err(CryptoError::config(
                "aes_cbc_iv_prefixed derives with utf8-raw or sha256-utf8",
            ));
        }
    };
    let bits = aes_key_len(key.len().saturating_mul(8).try_into().unwrap_or(0))
        .map_err(|_| CryptoError::config("the key must be 16, 24 or 32 bytes of UTF-8"))?;
    if params
        .key_size
        .is_some_and(|want| want as usize / 8 != bits)
    {
        return Err(CryptoError::config(
            "key size does not match the key's length",
        ));
    }
    Ok(key)
}

fn split_prefix(data: &[u8], len: usize) -> Result<(&[u8], &[u8]), CryptoError> {
    // A prefixed message holds at least its prefix and one cipher block.
    if data.len() < len + AES_BLOCK {
        return Err(DecryptFailure::InvalidLength.into());
    }
    Ok(data.split_at(len))
}

fn iv_array(bytes: &[u8]) -> [u8; AES_BLOCK] {
    let mut iv = [0u8; AES_BLOCK];
    iv.copy_from_slice(&bytes[..AES_BLOCK]);
    iv
}

fn random_bytes(len: usize) -> Result<Vec<u8>, CryptoError> {
    let mut bytes = vec![0u8; len];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|_| CryptoError::RandomUnavailable)?;
    Ok(bytes)
}
