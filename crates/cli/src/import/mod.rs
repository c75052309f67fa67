//! `ddctl import legacy`: moves one tenant off the legacy SQL Server tables, from CSV
//! exports of its tenant database (docs/migration.md), in one transaction.
//!
//! Read and map every row first (field rules of `dd-domain`, the legacy API's value
//! mapping), seal every account number as the API would, then let storage decide and write
//! (per-employee rules, legacy ids kept, re-runs change nothing), read the result back for
//! the verification report, and write the report. Account numbers exist in the clear only
//! in the export and, briefly, in memory as `AccountNumber`s (zeroized on drop).

mod dates;
mod map_deposits;
mod map_directory;
mod payroll;
mod report;
mod seal;
mod source;
mod verify;

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use dd_storage::{Actor, DEFAULT_MAX_DEPOSITS_PER_EMPLOYEE, ImportMode, LegacyImport};
use zeroize::Zeroizing;

use crate::data_dir::{DEFAULT_DATA_DIR, create_dir, load_data_dir, load_or_create};
use crate::database::{self, Target};
use crate::key_source::{KeyArgs, envelope_keys, read_key_file};
use crate::rewrap::progress;

use map_deposits::map_deposits;
use map_directory::map_directory;
use payroll::{PayrollInputs, payroll_account};
use report::Report;
use seal::SealKeys;
use source::LegacyExport;

/// The actor of the audit rows an import writes.
const ACTOR: &str = "ddctl import legacy";

#[derive(Subcommand)]
pub enum ImportAction {
    /// Import one tenant from CSV exports of its legacy SQL Server database
    /// (docs/migration.md).
    Legacy(Box<LegacyArgs>),
}

#[derive(Args)]
pub struct LegacyArgs {
    /// The tenant id the legacy database belongs to (the tokens' and paths' tenantId).
    #[arg(long)]
    tenant: String,
    /// Directory of the export: Company.csv, Employee.csv, EmployeeDirectDeposit.csv,
    /// PRServiceLocation.csv, HRnextUser.csv, HRnextUserEmployee.csv, UserRole.csv.
    #[arg(long)]
    from: PathBuf,
    /// Data directory: its database and keys (created when missing and no
    /// --database-url is given).
    #[arg(long, default_value = DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// Import into this database instead of the data directory's.
    #[arg(long, env = "DD_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Check and report everything, write nothing to the database.
    #[arg(long)]
    dry_run: bool,
    /// Import the rows that pass when others are refused (they are listed in the report).
    #[arg(long)]
    keep_going: bool,
    /// The tenant's display name (default: kept, or the first company's for a new tenant).
    #[arg(long)]
    tenant_name: Option<String>,
    /// The payroll suite's base URL for the service account (kept when already stored).
    #[arg(long)]
    payroll_api_url: Option<String>,
    /// Store the payroll password as a dd1: envelope instead of the legacy ciphertext (needs
    /// the legacy key; payroll delivery must then open dd1:, as the decrypt Lambda does).
    #[arg(long)]
    rewrap_payroll_password: bool,
    /// Envelope key file for account numbers (default: the data directory's kek.json).
    #[arg(long, env = "DD_KEK_FILE", conflicts_with = "kms_key_id")]
    kek_file: Option<PathBuf>,
    /// AWS KMS key for account envelopes (AWS settings from the environment).
    #[arg(long, env = "DD_KMS_KEY_ID")]
    kms_key_id: Option<String>,
    /// File with the API's fingerprint key in hex (default: the data directory's).
    #[arg(long)]
    fingerprint_key_file: Option<PathBuf>,
    /// Where the report goes (default: ./ddctl-import-<tenant>).
    #[arg(long)]
    report_dir: Option<PathBuf>,
    /// Hex key of the verification fingerprints (default: a new one in the report
    /// directory, `verification-key`).
    #[arg(long)]
    verification_key_file: Option<PathBuf>,
    /// Most active deposits per employee: the API's setting, so what it would refuse is
    /// refused here too (later ones by legacy id).
    #[arg(long, env = "DD_MAX_DEPOSITS_PER_EMPLOYEE", default_value_t = DEFAULT_MAX_DEPOSITS_PER_EMPLOYEE,
          value_parser = clap::value_parser!(u32).range(1..))]
    max_deposits_per_employee: u32,
    #[command(flatten)]
    legacy_key: KeyArgs,
}

pub fn run(action: ImportAction) -> anyhow::Result<()> {
    match action {
        ImportAction::Legacy(args) => run_legacy(&args),
    }
}

fn run_legacy(args: &LegacyArgs) -> anyhow::Result<()> {
    init_logging();
    direct_deposit_api::paths::EmployeePath::parse(&args.tenant, "1", "1")
        .map_err(|_| anyhow::anyhow!("--tenant must be 1 to 64 letters, digits or dashes"))?;
    // The export first: a broken one creates nothing, not even the data directory.
    let export = LegacyExport::read(&args.from)?;
    let mut directory = map_directory(&export)?;
    let (mapped, refused) = map_deposits(&export.deposits, &directory)?;
    drop(export);
    directory.refused.extend(refused);
    let mut notes = std::mem::take(&mut directory.warnings);

    let legacy_key = if args.legacy_key.given() {
        Some(args.legacy_key.load()?)
    } else if args.rewrap_payroll_password {
        bail!("--rewrap-payroll-password needs the legacy key (--key-file or --key-json)");
    } else {
        None
    };
    let (keys, target) = keys_and_database(args)?;

    let report_dir = args
        .report_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("ddctl-import-{}", args.tenant)));
    create_dir(&report_dir)?;
    let key_file = args
        .verification_key_file
        .clone()
        .unwrap_or_else(|| report_dir.join("verification-key"));
    let verification_key =
        verify::verification_key(args.verification_key_file.as_deref(), &report_dir)?;
    let mode = ImportMode {
        dry_run: args.dry_run,
        keep_going: args.keep_going,
    };

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let (outcome, verified) = runtime.block_on(async {
        let store = database::open(&target)
            .await?
            .with_max_deposits_per_employee(args.max_deposits_per_employee);
        store
            .migrate()
            .await
            .context("cannot migrate the database")?;
        let payroll = match &directory.service {
            None => None,
            Some(source) => {
                let stored = store.payroll_account(&args.tenant).await?;
                let inputs = PayrollInputs {
                    tenant: &args.tenant,
                    api_url: args.payroll_api_url.as_deref(),
                    rewrap: args.rewrap_payroll_password,
                    legacy_key: legacy_key.as_ref(),
                    stored: stored.as_ref(),
                    companies: &directory.companies,
                };
                Some(payroll_account(source, &inputs, &keys, &mut notes).await?)
            }
        };
        let bar = progress(mapped.len() as u64);
        let mut deposits = Vec::with_capacity(mapped.len());
        for d in &mapped {
            deposits.push(keys.seal(&args.tenant, d).await?);
            bar.inc(1);
        }
        bar.finish_and_clear();
        let plan = LegacyImport {
            tenant_id: args.tenant.clone(),
            tenant_name: args.tenant_name.clone(),
            companies: std::mem::take(&mut directory.companies),
            employees: std::mem::take(&mut directory.employees),
            users: std::mem::take(&mut directory.users),
            payroll_account: payroll,
            deposits,
            refused: std::mem::take(&mut directory.refused),
            actor: Actor::system(ACTOR),
        };
        let bar = progress(mapped.len() as u64);
        let outcome = store
            .import_legacy(&plan, mode, &|n| bar.inc(n))
            .await
            .context("the import failed; nothing was written")?;
        bar.finish_and_clear();
        let verified = verify::verify(&outcome.imported, &keys, &verification_key).await?;
        database::close(&store, &target).await;
        anyhow::Ok((outcome, verified))
    })?;

    let report = Report {
        tenant: &args.tenant,
        from: &args.from,
        mode,
        outcome: &outcome,
        verified: &verified,
        notes: &notes,
        key_file: &key_file,
    };
    report.write(&report_dir)?;
    let shown = format!("{}report: {}\n", report.text(false)?, report_dir.display());
    std::io::Write::write_all(&mut std::io::stdout().lock(), shown.as_bytes())
        .context("cannot write to stdout")?;
    if !args.keep_going && !outcome.refused.is_empty() {
        bail!("{}", report.result());
    }
    Ok(())
}

/// The keys to seal with and the database to write, from the flags or the data directory.
///
/// Either every key comes from flags or every key from the data directory: mixing a
/// deployment's envelope key with a local fingerprint key would break the duplicate rule
/// without a sound. A data directory is only created for its own SQLite database.
fn keys_and_database(args: &LegacyArgs) -> anyhow::Result<(SealKeys, Target)> {
    let envelope_flag = args.kek_file.is_some() || args.kms_key_id.is_some();
    let given_keys = match (envelope_flag, &args.fingerprint_key_file) {
        (true, Some(file)) => Some(file),
        (false, None) => None,
        _ => bail!(
            "give both an envelope key (--kek-file or --kms-key-id) and --fingerprint-key-file, \
             or neither (the data directory's keys are used then)"
        ),
    };
    if let Some(fingerprint_file) = given_keys {
        let Some(envelopes) = envelope_keys(args.kek_file.as_deref(), args.kms_key_id.as_deref())?
        else {
            bail!("give --kek-file or --kms-key-id");
        };
        let fingerprint = hex_key(fingerprint_file)?;
        let target = match &args.database_url {
            Some(url) => database::given(url),
            None => {
                create_dir(&args.data_dir)?;
                database::for_serve(&args.data_dir, None)?
            }
        };
        return Ok((SealKeys::new(envelopes, &fingerprint)?, target));
    }
    let data = match &args.database_url {
        Some(_) => load_data_dir(&args.data_dir)?,
        None => load_or_create(&args.data_dir)?.0,
    };
    let kek = data.path.join("kek.json");
    let Some(envelopes) = envelope_keys(Some(&kek), None)? else {
        bail!("{} has no kek.json", data.path.display());
    };
    let target = match &args.database_url {
        Some(url) => database::given(url),
        None => database::for_serve(&data.path, None)?,
    };
    Ok((SealKeys::new(envelopes, &data.fingerprint_key)?, target))
}

fn hex_key(path: &Path) -> anyhow::Result<Zeroizing<Vec<u8>>> {
    let text = read_key_file(path)?;
    Ok(Zeroizing::new(hex::decode(text.trim()).map_err(|_| {
        anyhow::anyhow!("{} is not a hex key", path.display())
    })?))
}

/// Warnings and errors on stderr; `RUST_LOG` overrides the level.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}
