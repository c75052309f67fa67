//! Where the CLI's keys come from: the decrypt Lambda's key secret (inline, as a file, or by
//! the environment variables the Lambda reads) and the `dd1:` envelopes' key-encryption key
//! (a local key file or AWS KMS).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use dd_aws::EnvelopeKeys;
use dd_crypto::decrypt_lambda::DecryptLambdaKey;
use dd_crypto::envelope::LocalKeyProvider;
use zeroize::Zeroizing;

use crate::cipher_io::IoKind;

#[derive(Args)]
pub struct KeyArgs {
    /// The decrypt Lambda's key secret, JSON `{"salt": …, "keyPhrase": …}`.
    #[arg(
        long,
        env = "DD_KEY_JSON",
        hide_env_values = true,
        conflicts_with = "key_file"
    )]
    pub key_json: Option<String>,
    /// A file holding that key secret JSON.
    #[arg(long, env = "DD_KEY_FILE", hide_env_values = true)]
    pub key_file: Option<PathBuf>,
}

impl KeyArgs {
    /// Whether a key secret was given at all.
    pub fn given(&self) -> bool {
        self.key_json.is_some() || self.key_file.is_some()
    }

    /// The key secret JSON, if one was given.
    pub fn secret_json(&self) -> anyhow::Result<Option<Zeroizing<String>>> {
        match (&self.key_json, &self.key_file) {
            (Some(json), _) => Ok(Some(Zeroizing::new(json.clone()))),
            (None, Some(path)) => read_key_file(path).map(Some),
            (None, None) => Ok(None),
        }
    }

    /// Loads and derives the key (PBKDF2 once).
    pub fn load(&self) -> anyhow::Result<DecryptLambdaKey> {
        let Some(json) = self.secret_json()? else {
            return Err(anyhow::Error::new(IoKind::KeyUnavailable)
                .context("give --key-json or --key-file (or set DD_KEY_JSON / DD_KEY_FILE)"));
        };
        Ok(DecryptLambdaKey::from_secret_json(&json)?)
    }
}

/// Reads a key file; failing is `key_unavailable`, with the path.
pub fn read_key_file(path: &Path) -> anyhow::Result<Zeroizing<String>> {
    std::fs::read_to_string(path)
        .map(Zeroizing::new)
        .with_context(|| format!("cannot read key file {}", path.display()))
        .context(IoKind::KeyUnavailable)
}

/// The envelopes' key-encryption key: a local key file (what `ddctl serve` writes as
/// `kek.json`) or an AWS KMS key (AWS settings from the environment). `None` when neither
/// is given.
pub fn envelope_keys(
    kek_file: Option<&Path>,
    kms_key_id: Option<&str>,
) -> anyhow::Result<Option<EnvelopeKeys>> {
    match (kek_file, kms_key_id) {
        (Some(path), _) => {
            let json = read_key_file(path)?;
            Ok(Some(EnvelopeKeys::Local(LocalKeyProvider::from_json(
                &json,
            )?)))
        }
        (None, Some(key_id)) => {
            let env = dd_aws::SdkEnv::from_env()?;
            Ok(Some(EnvelopeKeys::Kms(dd_aws::KmsKeyProvider::new(
                &env,
                key_id.to_owned(),
            ))))
        }
        (None, None) => Ok(None),
    }
}
