//! `ddctl outbox drain`: delivers the payroll outbox once, until it is empty, or forever.
//!
//! Prints one JSON line of totals on stdout when it stops (`--watch` only stops when
//! killed), with what it left behind (jobs backing off, in flight or dead), and says so on
//! stderr too: a drain that delivered nothing is not a drain that found nothing to do.
//! Logs go to stderr (`RUST_LOG`, default `info`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use dd_crypto::decrypt_lambda::DecryptLambdaKey;
use dd_crypto::envelope::{EnvelopeCipher, LocalKeyProvider};
use dd_delivery::{CredentialSource, Deliverer, DrainReport, PayrollSuite, RetryPolicy};
use dd_storage::now_ms;
use secrecy::SecretString;
use zeroize::Zeroizing;

use super::status::{self, Snapshot};
use crate::data_dir::{DEFAULT_DATA_DIR, load_data_dir};
use crate::database;
use crate::payroll_sim::{LOCAL_API_KEY, LOCAL_API_SECRET};

#[derive(Args)]
pub struct DrainArgs {
    /// Data directory of `ddctl serve`: its database, keys and payroll identity are the
    /// defaults of every flag below (default `./ddctl-data` when --database-url is not
    /// given).
    #[arg(long, env = "DD_DATA_DIR", hide_env_values = true)]
    data_dir: Option<PathBuf>,
    /// Database URL (`sqlite://…`, `postgres://…`); overrides the data directory's
    /// (the one `ddctl serve --database-url` recorded there, else its SQLite file).
    #[arg(long, env = "DD_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Keep draining until no job is pending or in flight (waits out backoffs and the
    /// leases of dead drainers; dead jobs do not count).
    #[arg(long, conflicts_with = "watch")]
    until_empty: bool,
    /// Keep draining forever.
    #[arg(long)]
    watch: bool,
    /// Pause between rounds with --until-empty / --watch.
    #[arg(long, default_value_t = 500)]
    poll_ms: u64,
    /// Jobs claimed (and delivered concurrently) per round.
    #[arg(long, default_value_t = 25)]
    batch: i64,
    /// Local key-encryption-key file that opens the `dd1:` account numbers.
    #[arg(long, env = "DD_ENVELOPE_KEY_FILE", hide_env_values = true)]
    envelope_key_file: Option<PathBuf>,
    /// The decrypt Lambda's key secret JSON `{"salt","keyPhrase"}`, for the tenants'
    /// service passwords.
    #[arg(
        long,
        env = "DD_KEY_JSON",
        hide_env_values = true,
        conflicts_with = "key_file"
    )]
    key_json: Option<String>,
    /// A file holding that key secret JSON.
    #[arg(long, env = "DD_KEY_FILE", hide_env_values = true)]
    key_file: Option<PathBuf>,
    /// Payroll API key (SSO `iss`); default: the data directory's simulator's, else
    /// `ddctl payroll-sim`'s demo one.
    #[arg(long, env = "DD_PAYROLL_API_KEY", hide_env_values = true)]
    payroll_api_key: Option<String>,
    /// Payroll API secret (SSO HS256 key); default as for the API key.
    #[arg(long, env = "DD_PAYROLL_API_SECRET", hide_env_values = true)]
    payroll_api_secret: Option<String>,
    /// Payroll application id (SSO `sub`).
    #[arg(long, env = "DD_PAYROLL_APPLICATION_ID", hide_env_values = true)]
    payroll_application_id: Option<String>,
    /// Deadline of each payroll HTTP call.
    #[arg(long, default_value_t = 10_000)]
    request_timeout_ms: u64,
    /// First backoff ceiling (doubles per attempt, full jitter).
    #[arg(long, default_value_t = 1_000)]
    backoff_base_ms: i64,
    /// Largest backoff ceiling.
    #[arg(long, default_value_t = 300_000)]
    backoff_cap_ms: i64,
    /// Attempts before a job goes dead.
    #[arg(long, default_value_t = 10)]
    max_attempts: i64,
    /// How long a claim holds a job.
    #[arg(long, default_value_t = 120_000)]
    lease_ms: i64,
}

pub fn run(args: &DrainArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let (report, left) = runtime.block_on(async {
        let deliverer = build(args).await?;
        let report = drain(&deliverer, args).await?;
        let left = Snapshot::take(deliverer.store(), 1).await?;
        deliverer.store().close().await;
        anyhow::Ok((report, left))
    })?;
    let mut summary = serde_json::to_value(report)?;
    summary["left"] = status::counts_json(&left.counts);
    println!("{summary}");
    if let Some(line) = status::left_behind(&left, now_ms()) {
        eprintln!("ddctl outbox drain: {line}");
    }
    Ok(())
}

async fn drain(deliverer: &Deliverer, args: &DrainArgs) -> anyhow::Result<DrainReport> {
    let poll = Duration::from_millis(args.poll_ms);
    if args.watch {
        deliverer.watch(args.batch, poll).await;
        return Ok(DrainReport::default());
    }
    let report = if args.until_empty {
        deliverer.drain_until_empty(args.batch, poll).await?
    } else {
        deliverer.drain_due(args.batch, None).await?
    };
    Ok(report)
}

async fn build(args: &DrainArgs) -> anyhow::Result<Deliverer> {
    // The data directory is read only when some setting is not given explicitly.
    let explicit = args.database_url.is_some()
        && args.envelope_key_file.is_some()
        && (args.key_json.is_some() || args.key_file.is_some());
    let data = match (&args.data_dir, explicit, &args.database_url) {
        (Some(dir), _, _) => Some(load_data_dir(dir)?),
        (None, false, None) => Some(load_data_dir(Path::new(DEFAULT_DATA_DIR))?),
        _ => None,
    };
    let from_data = |what: &str| {
        anyhow::anyhow!("give --{what} or --data-dir (a directory made by `ddctl serve`)")
    };

    let target = match (&data, &args.database_url) {
        (Some(d), given) => database::for_client(&d.path, given.as_deref())?,
        (None, Some(url)) => database::given(url),
        (None, None) => return Err(from_data("database-url")),
    };
    let store = database::open(&target).await?;
    store
        .migrate()
        .await
        .context("cannot migrate the database")?;

    let kek_json = match (&args.envelope_key_file, &data) {
        (Some(file), _) => read_secret_file(file)?,
        (None, Some(d)) => d.kek_json.clone(),
        (None, None) => return Err(from_data("envelope-key-file")),
    };
    let accounts = Arc::new(EnvelopeCipher::new(LocalKeyProvider::from_json(&kek_json)?));

    refuse_decryptor_function()?;
    let decrypt_json = match (&args.key_json, &args.key_file, &data) {
        (Some(json), _, _) => Zeroizing::new(json.clone()),
        (None, Some(file), _) => read_secret_file(file)?,
        (None, None, Some(d)) => d.decrypt_key_json.clone(),
        (None, None, None) => return Err(from_data("key-file")),
    };
    let source = CredentialSource::in_process(DecryptLambdaKey::from_secret_json(&decrypt_json)?);

    let sim = data.as_ref().map(|d| &d.payroll_sim);
    let api_key = args
        .payroll_api_key
        .clone()
        .or_else(|| sim.map(|s| s.api_key.clone()))
        .unwrap_or_else(|| LOCAL_API_KEY.to_owned());
    let api_secret = match (&args.payroll_api_secret, sim) {
        (Some(secret), _) => SecretString::from(secret.clone()),
        (None, Some(s)) => s.api_secret.clone(),
        (None, None) => SecretString::from(LOCAL_API_SECRET),
    };
    let application_id = args
        .payroll_application_id
        .clone()
        .or_else(|| sim.and_then(|s| s.application_id.clone()))
        .unwrap_or_else(|| "ddctl".to_owned());
    let mut suite = PayrollSuite::new(api_key, api_secret, application_id);
    suite.request_timeout = Duration::from_millis(args.request_timeout_ms);
    let policy = RetryPolicy {
        base_ms: args.backoff_base_ms,
        cap_ms: args.backoff_cap_ms,
        max_attempts: args.max_attempts,
        lease_ms: args.lease_ms,
    };
    Ok(Deliverer::new(store, suite, source, accounts, policy)?)
}

/// `DD_DECRYPTOR_FUNCTION` (invoke the decryptor Lambda) belongs to the Lambda drainer;
/// ddctl decrypts in-process and refuses it rather than silently ignoring it.
fn refuse_decryptor_function() -> anyhow::Result<()> {
    if std::env::var_os("DD_DECRYPTOR_FUNCTION").is_some_and(|v| !v.is_empty()) {
        anyhow::bail!(
            "DD_DECRYPTOR_FUNCTION is set, but ddctl decrypts in-process; unset it or use the \
             payroll-outbox-drainer Lambda"
        );
    }
    Ok(())
}

fn read_secret_file(path: &Path) -> anyhow::Result<Zeroizing<String>> {
    Ok(Zeroizing::new(std::fs::read_to_string(path).with_context(
        || format!("cannot read {}", path.display()),
    )?))
}
