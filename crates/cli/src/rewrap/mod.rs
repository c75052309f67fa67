//! `ddctl rewrap`: turns legacy ciphertexts into `dd1:` envelopes.
//!
//! Each value is decrypted with the decrypt Lambda's key, sealed for its tenant, and opened
//! again; only a value whose round trip gives back the same plaintext is written. Values that
//! are already envelopes are skipped, which together with the append-only output file (or the
//! per-row conditional update in SQL) makes an interrupted run resumable.

mod file_source;
mod sql_source;

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use dd_aws::EnvelopeKeys;
use dd_crypto::ExposeSecret;
use dd_crypto::decrypt_lambda::DecryptLambdaKey;
use dd_crypto::envelope::EnvelopeCipher;
use zeroize::Zeroizing;

use crate::key_source::{KeyArgs, envelope_keys};

#[derive(Args)]
// What to rewrap and what to seal with are asked for first: without them no key matters.
#[command(group = clap::ArgGroup::new("source").required(true).args(["from_file", "database_url"]))]
#[command(group = clap::ArgGroup::new("target_key").required(true).args(["kek_file", "kms_key_id"]))]
pub struct RewrapArgs {
    /// Input file of lines `id<TAB>tenantId<TAB>cipherText`.
    #[arg(long, requires = "to_file", conflicts_with = "database_url")]
    from_file: Option<PathBuf>,
    /// Output file (appended; rerun with the same file to resume).
    #[arg(long)]
    to_file: Option<PathBuf>,
    /// Rewrap a column of a SQL table in place (sqlite://… or postgres://…).
    #[arg(long)]
    database_url: Option<String>,
    #[arg(long, default_value = "payroll_accounts")]
    table: String,
    #[arg(long, default_value = "tenant_id")]
    id_column: String,
    #[arg(long, default_value = "tenant_id")]
    tenant_column: String,
    #[arg(long, default_value = "password_ciphertext")]
    value_column: String,
    /// Local key-encryption key file (what `ddctl serve` writes).
    #[arg(long, conflicts_with = "kms_key_id")]
    kek_file: Option<PathBuf>,
    /// AWS KMS key ARN or id for the envelopes (AWS settings from the environment).
    #[arg(long)]
    kms_key_id: Option<String>,
    /// Verify everything, write nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    legacy_key: KeyArgs,
}

/// One value to rewrap.
pub struct Record {
    pub id: String,
    pub tenant_id: String,
    pub value: Zeroizing<String>,
}

/// What happened to the values, printed at the end.
#[derive(Default, Debug)]
pub struct Summary {
    pub seen: u64,
    pub rewrapped: u64,
    pub already_wrapped: u64,
    pub failed: BTreeMap<&'static str, u64>,
}

impl Summary {
    fn failures(&self) -> u64 {
        self.failed.values().sum()
    }
}

pub fn run(args: RewrapArgs) -> anyhow::Result<()> {
    let Some(keys) = envelope_keys(args.kek_file.as_deref(), args.kms_key_id.as_deref())? else {
        anyhow::bail!("give --kek-file or --kms-key-id for the new envelopes");
    };
    let envelopes = EnvelopeCipher::new(keys);
    let legacy_key = args.legacy_key.load()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let summary = runtime.block_on(async {
        match (&args.from_file, &args.to_file, &args.database_url) {
            (Some(from), Some(to), None) => {
                file_source::rewrap(from, to, &legacy_key, &envelopes, args.dry_run).await
            }
            (None, _, Some(url)) => {
                let table = sql_source::Table::new(
                    &args.table,
                    &args.id_column,
                    &args.tenant_column,
                    &args.value_column,
                )?;
                sql_source::rewrap(url, &table, &legacy_key, &envelopes, args.dry_run).await
            }
            _ => anyhow::bail!("give --from-file with --to-file, or --database-url"),
        }
    })?;
    println!(
        "rewrap{}: {} values, {} rewrapped, {} already envelopes, {} failed{}",
        if args.dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        },
        summary.seen,
        summary.rewrapped,
        summary.already_wrapped,
        summary.failures(),
        summary
            .failed
            .iter()
            .map(|(kind, n)| format!(" [{kind}: {n}]"))
            .collect::<String>(),
    );
    if summary.failures() > 0 {
        anyhow::bail!("{} values were not rewrapped", summary.failures());
    }
    Ok(())
}

/// Rewraps one value: `Ok(Some(envelope))` to write, `Ok(None)` when it already is one,
/// `Err(kind)` when it cannot be rewrapped (nothing is written then).
pub async fn rewrap_one(
    record: &Record,
    legacy_key: &DecryptLambdaKey,
    envelopes: &EnvelopeCipher<EnvelopeKeys>,
) -> Result<Option<String>, &'static str> {
    if dd_crypto::envelope::is_envelope(&record.value) {
        return Ok(None);
    }
    let plain = legacy_key
        .decrypt(&record.value)
        .map_err(|err| err.kind())?;
    let plain = plain.expose_secret().as_bytes();
    let sealed = envelopes
        .seal(&record.tenant_id, plain)
        .await
        .map_err(|err| err.kind())?;
    let opened = envelopes
        .open(&sealed, Some(&record.tenant_id))
        .await
        .map_err(|err| err.kind())?;
    if opened.plaintext.as_slice() != plain {
        return Err("verify_failed");
    }
    Ok(Some(sealed))
}

/// A progress bar on stderr (hidden when stderr is not a terminal).
pub(crate) fn progress(total: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} values ({per_sec}, eta {eta})",
    ) {
        bar.set_style(style);
    }
    bar
}
