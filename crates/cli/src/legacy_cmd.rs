//! `ddctl legacy decrypt|encrypt`: one flag per `params` key of the vector files.

use clap::{Args, Subcommand};
use dd_crypto::SecretString;
use dd_crypto::legacy::{
    IvSource, KeyDerivation, LegacyCipher, LegacyParams, Scheme, TextEncoding, base64, decode_hex,
};

use crate::cipher_io;

#[derive(Subcommand)]
pub enum LegacyAction {
    /// Decrypt base64 on stdin; the plaintext goes to stdout with nothing added.
    Decrypt(SchemeArgs),
    /// Encrypt the bytes on stdin; base64 and a newline go to stdout.
    Encrypt(SchemeArgs),
}

/// Scheme parameters; flags not given take the scheme's .NET defaults.
#[derive(Args)]
pub struct SchemeArgs {
    /// aes_cbc_rfc2898 | aes_cbc_pdb_fixed_iv | aes_cbc_pdb_key_iv | tripledes_ecb_md5 |
    /// aes_cbc_rfc2898_salt_prefixed | aes_cbc_iv_prefixed
    #[arg(long)]
    scheme: String,
    /// The passphrase (default: env DD_LEGACY_PASSPHRASE).
    #[arg(long, env = "DD_LEGACY_PASSPHRASE", hide_env_values = true)]
    passphrase: String,
    /// Salt in hex.
    #[arg(long)]
    salt: Option<String>,
    #[arg(long)]
    iterations: Option<u32>,
    /// SHA1 | SHA256 | MD5 (case-insensitive).
    #[arg(long)]
    hash: Option<String>,
    /// derived | prefixed | 32 hex digits.
    #[arg(long)]
    iv: Option<String>,
    /// 128 | 192 | 256.
    #[arg(long)]
    key_size: Option<u32>,
    /// utf-8 | utf-16le.
    #[arg(long)]
    plaintext_encoding: Option<String>,
    /// md5-ascii | md5-utf8 | utf8-raw | sha256-utf8.
    #[arg(long)]
    key_derivation: Option<String>,
    /// Bytes of random salt before the ciphertext.
    #[arg(long)]
    salt_len: Option<usize>,
}

impl SchemeArgs {
    fn cipher(&self) -> anyhow::Result<LegacyCipher> {
        let scheme: Scheme = self
            .scheme
            .parse()
            .map_err(|_| unknown_scheme(&self.scheme))?;
        let mut params = LegacyParams::new(scheme, SecretString::from(self.passphrase.as_str()));
        params.salt = self.salt.as_deref().map(decode_hex).transpose()?;
        params.iterations = self.iterations;
        params.hash = parse(self.hash.as_deref())?;
        params.iv = parse::<IvSource>(self.iv.as_deref())?;
        params.key_size = self.key_size;
        params.plaintext_encoding = parse::<TextEncoding>(self.plaintext_encoding.as_deref())?;
        params.key_derivation = parse::<KeyDerivation>(self.key_derivation.as_deref())?;
        params.salt_len = self.salt_len;
        Ok(LegacyCipher::new(&params)?)
    }
}

/// An unknown scheme, with the list of the known ones (the crate's message has no list).
fn unknown_scheme(name: &str) -> dd_crypto::CryptoError {
    let known: Vec<&str> = Scheme::ALL.iter().map(|s| s.as_str()).collect();
    dd_crypto::CryptoError::InvalidConfig(
        format!(
            "unknown scheme {name:?}; valid schemes: {}",
            known.join(", ")
        )
        .into(),
    )
}

fn parse<T>(value: Option<&str>) -> Result<Option<T>, dd_crypto::CryptoError>
where
    T: std::str::FromStr<Err = dd_crypto::CryptoError>,
{
    value.map(str::parse).transpose()
}

pub fn run(action: LegacyAction) -> anyhow::Result<()> {
    match action {
        LegacyAction::Decrypt(args) => {
            let cipher = args.cipher()?;
            let text = cipher_io::read_cipher_text()?;
            cipher_io::write_plain_text(&cipher.decrypt(&text)?)
        }
        LegacyAction::Encrypt(args) => {
            let cipher = args.cipher()?;
            // Bytes exactly as given: UTF-8 text, re-encoded for the scheme's encoding.
            let plain = cipher_io::read_plain_text()?;
            let bytes = cipher.encode_plaintext(dd_crypto::ExposeSecret::expose_secret(&plain));
            let sealed = cipher.encrypt_bytes(&bytes, None)?;
            cipher_io::write_cipher_text(&base64::encode(&sealed))
        }
    }
}
