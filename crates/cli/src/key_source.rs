//! `ddctl decrypt` / `ddctl encrypt`: the decrypt Lambda's algorithm with its key secret given
//! inline, as a file, or by the same environment variables the Lambda reads.

use anyhow::Context;
use clap::Args;
use dd_crypto::decrypt_lambda::DecryptLambdaKey;
use zeroize::Zeroizing;

use crate::cipher_io::{self, IoKind};

#[derive(Args)]
pub struct KeyArgs {
    /// The key secret JSON `{"salt": …, "keyPhrase": …}` (default: env DD_KEY_JSON).
    #[arg(
        long,
        env = "DD_KEY_JSON",
        hide_env_values = true,
        conflicts_with = "key_file"
    )]
    key_json: Option<String>,
    /// A file holding the key secret JSON (default: env DD_KEY_FILE).
    #[arg(long, env = "DD_KEY_FILE")]
    key_file: Option<std::path::PathBuf>,
}

impl KeyArgs {
    /// Loads and derives the key (PBKDF2 once).
    pub fn load(&self) -> anyhow::Result<DecryptLambdaKey> {
        let json = match (&self.key_json, &self.key_file) {
            (Some(json), _) => Zeroizing::new(json.clone()),
            (None, Some(path)) => Zeroizing::new(
                std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read key file {}", path.display()))
                    .context(IoKind::KeyUnavailable)?,
            ),
            (None, None) => {
                return Err(anyhow::Error::new(IoKind::KeyUnavailable)
                    .context("give --key-json or --key-file (or set DD_KEY_JSON / DD_KEY_FILE)"));
            }
        };
        Ok(DecryptLambdaKey::from_secret_json(&json)?)
    }
}

pub fn run_decrypt(args: &KeyArgs) -> anyhow::Result<()> {
    let key = args.load()?;
    let cipher_text = cipher_io::read_cipher_text()?;
    let plain = key.decrypt(&cipher_text)?;
    cipher_io::write_plain_text(&plain)
}

pub fn run_encrypt(args: &KeyArgs) -> anyhow::Result<()> {
    use dd_crypto::ExposeSecret;
    let key = args.load()?;
    let plain = cipher_io::read_plain_text()?;
    let cipher_text = key.encrypt(plain.expose_secret())?;
    cipher_io::write_cipher_text(&cipher_text)
}
