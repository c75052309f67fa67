//! `ddctl decrypt` / `ddctl encrypt`: what the credential decryptor does, on stdin.
//!
//! `decrypt` opens what the decrypt Lambda opens: legacy ciphertexts with the key secret,
//! and `dd1:` envelopes with the envelopes' key (so a rewrap can be checked locally).
//! `encrypt` makes legacy ciphertexts, e.g. for `ddctl serve`'s `POST /decrypt`. With
//! `--data-dir`, both take their keys from a `ddctl serve` data directory.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use dd_crypto::envelope::{EnvelopeCipher, is_envelope};

use crate::cipher_io::{self, IoKind};
use crate::key_source::{KeyArgs, envelope_keys};

/// The files of a data directory that hold the two keys.
const DECRYPT_KEY_FILE: &str = "decrypt-key.json";
const KEK_FILE: &str = "kek.json";

#[derive(Args)]
pub struct DecryptArgs {
    #[command(flatten)]
    key: KeyArgs,
    /// Local key-encryption-key file that opens `dd1:` envelopes (a data directory's
    /// `kek.json`).
    #[arg(
        long,
        env = "DD_ENVELOPE_KEY_FILE",
        hide_env_values = true,
        conflicts_with = "kms_key_id"
    )]
    envelope_key_file: Option<PathBuf>,
    /// AWS KMS key (id, ARN or alias) that opens `dd1:` envelopes; AWS settings from the
    /// environment.
    #[arg(long, env = "DD_KMS_KEY_ID", hide_env_values = true)]
    kms_key_id: Option<String>,
    /// Take both keys from a `ddctl serve` data directory (`decrypt-key.json`, `kek.json`).
    #[arg(long, conflicts_with_all = ["key_json", "key_file", "envelope_key_file", "kms_key_id"])]
    data_dir: Option<PathBuf>,
    /// Refuse a `dd1:` envelope that is bound to another tenant.
    #[arg(long)]
    tenant: Option<String>,
}

#[derive(Args)]
pub struct EncryptArgs {
    #[command(flatten)]
    key: KeyArgs,
    /// Take the key secret from a `ddctl serve` data directory (`decrypt-key.json`).
    #[arg(long, conflicts_with_all = ["key_json", "key_file"])]
    data_dir: Option<PathBuf>,
}

/// The legacy key arguments, with a data directory's key file filled in.
fn legacy_key(key: &KeyArgs, data_dir: Option<&PathBuf>) -> KeyArgs {
    KeyArgs {
        key_json: key.key_json.clone(),
        key_file: key
            .key_file
            .clone()
            .or_else(|| data_dir.map(|d| d.join(DECRYPT_KEY_FILE))),
    }
}

pub fn run_decrypt(args: &DecryptArgs) -> anyhow::Result<()> {
    let legacy = legacy_key(&args.key, args.data_dir.as_ref());
    let kek_file = args
        .envelope_key_file
        .clone()
        .or_else(|| args.data_dir.as_ref().map(|d| d.join(KEK_FILE)));
    if !legacy.given() && kek_file.is_none() && args.kms_key_id.is_none() {
        return Err(anyhow::Error::new(IoKind::KeyUnavailable).context(
            "give --key-file or --key-json (legacy ciphertexts), --envelope-key-file or \
             --kms-key-id (dd1: envelopes), or --data-dir (both, from `ddctl serve`)",
        ));
    }
    let cipher_text = cipher_io::read_cipher_text()?;
    if !is_envelope(&cipher_text) {
        let plain = legacy.load()?.decrypt(&cipher_text)?;
        return cipher_io::write_plain_text(&plain);
    }
    let Some(keys) = envelope_keys(kek_file.as_deref(), args.kms_key_id.as_deref())? else {
        return Err(anyhow::Error::new(IoKind::KeyUnavailable).context(
            "this is a dd1: envelope: give --envelope-key-file, --kms-key-id or --data-dir",
        ));
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let opened =
        runtime.block_on(EnvelopeCipher::new(keys).open(&cipher_text, args.tenant.as_deref()))?;
    cipher_io::write_plain_bytes(&opened.plaintext)
}

pub fn run_encrypt(args: &EncryptArgs) -> anyhow::Result<()> {
    use dd_crypto::ExposeSecret;
    let key = legacy_key(&args.key, args.data_dir.as_ref()).load()?;
    let plain = cipher_io::read_plain_text()?;
    let cipher_text = key.encrypt(plain.expose_secret())?;
    cipher_io::write_cipher_text(&cipher_text)
}
