//! `ddctl serve`: the whole module on one laptop. The direct-deposit API and the
//! decryptor's `POST /decrypt` on 127.0.0.1 (SQLite in the data directory by default,
//! Postgres with `--database-url`), the payroll simulator on another loopback port, demo
//! data seeded, and a ready-to-use token printed per demo user.

mod decrypt;
mod demo;
mod local_sign_in;
mod web;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use dd_crypto::decrypt_lambda::DecryptLambdaKey;
use dd_crypto::envelope::{EnvelopeCipher, LocalKeyProvider};
use dd_delivery::{CredentialSource, Deliverer, PayrollSuite, RetryPolicy};
use dd_payroll::sim::{SimState, serve_state};
use dd_storage::{Role, Store};
use direct_deposit_api::{AppState, CorsPolicy, FingerprintKey, Verifier, app};
use secrecy::SecretSlice;
use tokio::net::TcpListener;

use crate::data_dir::{DEFAULT_DATA_DIR, DataDir, load_or_create};
use crate::token::{DEFAULT_TTL_SECS, mint};

/// Arguments of `ddctl serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port of the API on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Data directory (database, keys), created on first run.
    #[arg(long, default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// Use this database instead of the data directory's SQLite file (e.g.
    /// `postgres://postgres@127.0.0.1:5432/dd?sslmode=disable`).
    #[arg(long, env = "DD_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Port of the payroll simulator on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub payroll_port: u16,
    /// Allow browser calls from this exact origin (`http://host:port`); repeatable. Not
    /// needed for the web app at /app/, which is on the API's origin.
    #[arg(
        long = "cors-origin",
        value_name = "ORIGIN",
        env = "DD_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
}

/// Runs `ddctl serve` until Ctrl-C.
///
/// # Errors
/// When the data directory, the database or a listener cannot be set up.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    init_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let (data, created) = load_or_create(&args.data_dir)?;
    let database_url = args
        .database_url
        .clone()
        .unwrap_or_else(|| data.sqlite_url.clone());

    let payroll_listener = bind(args.payroll_port).await?;
    let payroll_url = format!("http://{}", payroll_listener.local_addr()?);
    let simulator = SimState::new(data.payroll_sim.clone());
    tokio::spawn(async move {
        if let Err(err) = serve_state(simulator, payroll_listener).await {
            tracing::error!(error = %err, "payroll simulator stopped");
        }
    });

    let store = Store::connect(&database_url)
        .await
        .context("cannot open the database")?;
    store
        .migrate()
        .await
        .context("cannot migrate the database")?;
    // Re-applied on every start: idempotent, and it points the payroll accounts at this
    // run's simulator port.
    let seed = demo::seed(&data, &payroll_url)?;
    store
        .seed(&seed)
        .await
        .context("cannot seed the demo data")?;

    // Payroll delivery: right after each commit, plus a drain loop as the safety net that
    // retries what failed (backoff) and what a crash left leased.
    let deliverer = deliverer(&data, store.clone())?;
    let _drain_loop = deliverer.spawn_drain_loop(DRAIN_BATCH, DRAIN_POLL);
    let cors = CorsPolicy::allow(&args.cors_origins)?;
    let state = state(&data, store)?
        .with_dispatch(Arc::new(deliverer))
        .with_cors(cors);
    let router = app(state)
        .merge(decrypt::router(data.decrypt_key_file.clone()))
        .merge(web::router())
        .merge(local_sign_in::router(&data.path, &seed)?);
    let listener = bind(args.port).await?;
    let api_url = format!("http://{}", listener.local_addr()?);
    print_banner(&data, created, &api_url, &payroll_url, &seed)?;
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            // Without a signal handler there is nothing to wait for but the process end.
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("server stopped")?;
    Ok(())
}

/// Jobs claimed per drain-loop pass, and the pause between passes.
const DRAIN_BATCH: i64 = 25;
const DRAIN_POLL: std::time::Duration = std::time::Duration::from_secs(2);

fn deliverer(data: &DataDir, store: Store) -> anyhow::Result<Deliverer> {
    let sim = &data.payroll_sim;
    let suite = PayrollSuite::new(
        sim.api_key.clone(),
        sim.api_secret.clone(),
        sim.application_id
            .clone()
            .unwrap_or_else(|| "ddctl".to_owned()),
    );
    let key = DecryptLambdaKey::from_secret_json(&data.decrypt_key_json)
        .context("decrypt-key.json is not a key secret")?;
    let accounts =
        LocalKeyProvider::from_json(&data.kek_json).context("kek.json is not a local key file")?;
    Ok(Deliverer::new(
        store,
        suite,
        CredentialSource::in_process(key),
        Arc::new(EnvelopeCipher::new(accounts)),
        RetryPolicy::default(),
    )?)
}

fn state(data: &DataDir, store: Store) -> anyhow::Result<AppState> {
    let provider =
        LocalKeyProvider::from_json(&data.kek_json).context("kek.json is not a local key file")?;
    let fingerprint = FingerprintKey::new(data.fingerprint_key.to_vec())
        .map_err(|e| anyhow::anyhow!("fingerprint-key: {e}"))?;
    let verifier = Verifier::new(Some(SecretSlice::from(data.jwt_secret.as_bytes().to_vec())));
    Ok(AppState::new(
        store,
        verifier,
        Arc::new(EnvelopeCipher::new(provider)),
        fingerprint,
    ))
}

async fn bind(port: u16) -> anyhow::Result<TcpListener> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))
}

/// What a new user needs: where things are and a token per demo user. Printed to stdout
/// (not the log): the tokens are meant to be copied.
fn print_banner(
    data: &DataDir,
    created: bool,
    api_url: &str,
    payroll_url: &str,
    seed: &dd_storage::DemoSeed,
) -> anyhow::Result<()> {
    use std::fmt::Write as _;
    let mut out = String::new();
    let verb = if created { "created" } else { "using" };
    writeln!(out, "ddctl serve: listening on {api_url}")?;
    writeln!(out, "  data directory ({verb}): {}", data.path.display())?;
    writeln!(out, "  payroll simulator:      {payroll_url}")?;
    writeln!(out, "  decryptor:              POST {api_url}/decrypt")?;
    writeln!(out, "  web app:                {api_url}/app/")?;
    writeln!(out)?;
    writeln!(out, "Tokens (valid {} h):", DEFAULT_TTL_SECS / 3600)?;
    for user in demo::users(seed) {
        let role = match user.role {
            Role::Employee => "employee",
            Role::Admin => "HR admin",
        };
        let token = mint(data, &user.tenant, &user.email, DEFAULT_TTL_SECS)?;
        writeln!(
            out,
            "  {} ({}, {role}) {api_url}/tenants/{}/companies/{}/employees/{}/direct-deposits",
            user.email, user.tenant_name, user.tenant, user.company, user.employee
        )?;
        writeln!(out, "    TOKEN={token}")?;
    }
    writeln!(out)?;
    writeln!(out, "Ready.")?;
    print!("{out}");
    Ok(())
}

/// Human-readable logs on stderr; `RUST_LOG` overrides the level.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // A second init (tests calling run twice in-process) is harmless.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}
