//! `ddctl serve`: the whole module on one laptop. The direct-deposit API and the
//! decryptor's `POST /decrypt` on 127.0.0.1 (SQLite in the data directory by default,
//! Postgres with `--database-url`), the payroll simulator on another loopback port, demo
//! data seeded, and a ready-to-use token printed per demo user.
//!
//! Start-up order matters: ports first, then the data directory's lock, then the database
//! and its lock, and only then the seed (which repoints the tenants' payroll settings at
//! this run's simulator). SIGTERM or Ctrl-C stops it cleanly (`serve/shutdown.rs`).

mod decrypt;
mod delivery;
mod demo;
mod local_sign_in;
mod lock;
mod settings;
mod shutdown;
mod web;

use std::future::IntoFuture as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, anyhow};
use clap::Args;
use dd_crypto::decrypt_lambda::DecryptLambdaKey;
use dd_crypto::envelope::{EnvelopeCipher, LocalKeyProvider};
use dd_delivery::{CredentialSource, Deliverer, PayrollSuite, RetryPolicy};
use dd_payroll::sim::{SimState, serve_state};
use dd_storage::{Role, Store};
use direct_deposit_api::{AppState, CorsPolicy, FingerprintKey, Verifier, app};
use secrecy::{SecretSlice, SecretString};
use tokio::net::TcpListener;
use tokio::sync::watch;
use zeroize::Zeroizing;

use crate::data_dir::{DEFAULT_DATA_DIR, DataDir, create_dir, load_or_create};
use crate::database::{self, Target};
use crate::key_source::KeyArgs;
use crate::token::{DEFAULT_TTL_SECS, mint};

/// Arguments of `ddctl serve`.
#[derive(Args)]
pub struct ServeArgs {
    /// Port of the API on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Data directory (database, keys), created on first run.
    #[arg(long, default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// Use this database instead of the data directory's SQLite file (e.g.
    /// `postgres://postgres@127.0.0.1:5432/dd?sslmode=disable`). Recorded in the data
    /// directory without its password, so later commands and restarts use it too.
    #[arg(long, env = "DD_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Port of the payroll simulator on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub payroll_port: u16,
    // The legacy credential key (the decrypt Lambda's key secret) for `POST /decrypt` and
    // the tenants' payroll passwords; default: the data directory's `decrypt-key.json`.
    #[command(flatten)]
    pub key: KeyArgs,
    /// Allow browser calls from this exact origin (`http://host:port`); repeatable. Not
    /// needed for the web app at /app/, which is on the API's origin.
    #[arg(
        long = "cors-origin",
        value_name = "ORIGIN",
        env = "DD_CORS_ORIGINS",
        hide_env_values = true,
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
}

/// Runs `ddctl serve` until SIGTERM or Ctrl-C.
///
/// # Errors
/// When a port, the data directory or the database cannot be set up.
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
    let signals = shutdown::StopSignals::install()?;
    // Settings first: a bad value stops the start before anything is bound or touched.
    let settings = settings::Settings::from_env()?;
    // The ports first: a start that cannot listen must not touch the data directory, and
    // must not seed the database with a simulator that is about to die.
    let listener = bind(args.port, "--port").await?;
    let payroll_listener = bind(args.payroll_port, "--payroll-port").await?;
    let api_url = format!("http://{}", listener.local_addr()?);
    let payroll_url = format!("http://{}", payroll_listener.local_addr()?);

    // Then one server per data directory, and per database: every start repoints the
    // tenants' payroll settings at its own simulator.
    let dir_created = create_dir(&args.data_dir)?;
    let holder = format!("pid {}, {api_url}", std::process::id());
    let dir_lock = lock::lock_data_dir(&args.data_dir, &holder)?;
    let (data, keys_created) = load_or_create(&args.data_dir)?;
    let target = database::for_serve(&data.path, args.database_url.as_deref())?;
    let store = database::open_with(&target, settings.pool).await?;
    let db_lock = lock::lock_database(&store, target.shown()).await?;
    store
        .migrate()
        .await
        .context("cannot migrate the database")?;
    database::record(&data.path, &target)?;
    let decrypt_key = match args.key.secret_json()? {
        Some(json) => json,
        None => data.decrypt_key_json.clone(),
    };

    let simulator = SimState::new(data.payroll_sim.clone());
    tokio::spawn(async move {
        if let Err(err) = serve_state(simulator, payroll_listener).await {
            tracing::error!(error = %err, "payroll simulator stopped");
        }
    });
    // Re-applied on every start: idempotent, and it points the payroll accounts at this
    // run's simulator port (safe: this server holds the data directory and the database).
    let seed = demo::seed(&data, &decrypt_key, &payroll_url)?;
    store
        .seed(&seed)
        .await
        .context("cannot seed the demo data")?;

    // Payroll delivery: right after each commit, plus a drain loop as the safety net that
    // retries what failed (backoff) and what a crash left leased.
    let delivery = delivery::LocalDelivery::start(deliverer(&data, &decrypt_key, store.clone())?);
    let cors = CorsPolicy::allow(&args.cors_origins)?;
    let state = state(&data, store.clone())?
        .with_dispatch(delivery.clone())
        .with_cors(cors)
        .with_limits(settings.limits);
    // Local-only routes merge into the API's router here (the Lambda never mounts them).
    let router = app(state)
        .merge(decrypt::router(
            SecretString::from(String::from(decrypt_key.as_str())),
            Arc::new(EnvelopeCipher::new(local_kek(&data)?)),
        ))
        .merge(web::router())
        .merge(local_sign_in::router(&data.path, &seed)?);
    let banner = Banner {
        data: &data,
        created: dir_created || keys_created,
        database: &target,
        api_url: &api_url,
        payroll_url: &payroll_url,
        custom_key: args.key.given(),
    };
    print_banner(&banner, &seed)?;

    serve_until_signal(listener, router, signals).await?;
    delivery.stop(shutdown::GRACE).await;
    db_lock.release().await;
    database::close(&store, &target).await;
    dir_lock.release();
    tracing::info!("stopped");
    Ok(())
}

/// Serves until SIGTERM or SIGINT, then stops accepting and waits (up to the grace
/// period) for the requests in flight.
async fn serve_until_signal(
    listener: TcpListener,
    router: axum::Router,
    mut signals: shutdown::StopSignals,
) -> anyhow::Result<()> {
    let (stop, mut stopped) = watch::channel(false);
    let server = axum::serve(listener, router).with_graceful_shutdown(async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    });
    let mut server = tokio::spawn(server.into_future());
    let signal = tokio::select! {
        signal = signals.recv() => signal,
        ended = &mut server => {
            return match ended {
                Ok(result) => result.context("server stopped"),
                Err(err) => Err(anyhow!(err).context("server task failed")),
            };
        }
    };
    tracing::info!(signal, "stopping: finishing the requests in flight");
    let _ = stop.send(true);
    match tokio::time::timeout(shutdown::GRACE, &mut server).await {
        Ok(Ok(result)) => result.context("server stopped")?,
        Ok(Err(err)) => return Err(anyhow!(err).context("server task failed")),
        Err(_) => {
            tracing::warn!(
                grace_secs = shutdown::GRACE.as_secs(),
                "requests still open after the grace period; closing them"
            );
            server.abort();
        }
    }
    Ok(())
}

fn local_kek(data: &DataDir) -> anyhow::Result<LocalKeyProvider> {
    LocalKeyProvider::from_json(&data.kek_json).context("kek.json is not a local key file")
}

fn deliverer(
    data: &DataDir,
    decrypt_key: &Zeroizing<String>,
    store: Store,
) -> anyhow::Result<Deliverer> {
    let sim = &data.payroll_sim;
    let suite = PayrollSuite::new(
        sim.api_key.clone(),
        sim.api_secret.clone(),
        sim.application_id
            .clone()
            .unwrap_or_else(|| "ddctl".to_owned()),
    );
    let key = DecryptLambdaKey::from_secret_json(decrypt_key)
        .context("the legacy credential key is not a key secret {\"salt\",\"keyPhrase\"}")?;
    Ok(Deliverer::new(
        store,
        suite,
        CredentialSource::in_process(key),
        Arc::new(EnvelopeCipher::new(local_kek(data)?)),
        RetryPolicy::default(),
    )?)
}

fn state(data: &DataDir, store: Store) -> anyhow::Result<AppState> {
    let provider = local_kek(data)?;
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

async fn bind(port: u16, flag: &str) -> anyhow::Result<TcpListener> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpListener::bind(addr).await.map_err(|err| {
        let hint = if err.kind() == std::io::ErrorKind::AddrInUse {
            format!(
                "; another program (another ddctl serve?) uses it: stop it, or give another \
                 {flag} (0 picks a free port)"
            )
        } else {
            String::new()
        };
        anyhow!("cannot listen on {addr}: {err}{hint}")
    })
}

/// Where everything is, for the banner.
struct Banner<'a> {
    data: &'a DataDir,
    created: bool,
    database: &'a Target,
    api_url: &'a str,
    payroll_url: &'a str,
    custom_key: bool,
}

/// What a new user needs: where things are and a token per demo user. Printed to stdout
/// (not the log): the tokens are meant to be copied.
fn print_banner(b: &Banner<'_>, seed: &dd_storage::DemoSeed) -> anyhow::Result<()> {
    use std::fmt::Write as _;
    let mut out = String::new();
    let api_url = b.api_url;
    let dir = b.data.path.display();
    let verb = if b.created { "created" } else { "using" };
    writeln!(out, "ddctl serve: listening on {api_url}")?;
    writeln!(out, "  data directory ({verb}): {dir}")?;
    writeln!(out, "  database:               {}", b.database.shown())?;
    if b.database.had_password {
        writeln!(
            out,
            "    (recorded without its password: `ddctl token` / `ddctl outbox` need \
             PGPASSWORD or ~/.pgpass)"
        )?;
    }
    writeln!(
        out,
        "  payroll simulator:      {} (what payroll received: GET {}/_sim/eds)",
        b.payroll_url, b.payroll_url
    )?;
    let key = if b.custom_key {
        "the given key secret".to_owned()
    } else {
        format!("{dir}/decrypt-key.json")
    };
    writeln!(
        out,
        "  decryptor:              POST {api_url}/decrypt (legacy key: {key}; dd1: envelopes: \
         {dir}/kek.json)"
    )?;
    writeln!(out, "  web app:                {api_url}/app/")?;
    writeln!(out)?;
    writeln!(out, "Tokens (valid {} h):", DEFAULT_TTL_SECS / 3600)?;
    for user in demo::users(seed) {
        let role = match user.role {
            Role::Employee => "employee",
            Role::Admin => "HR admin",
        };
        let token = mint(b.data, &user.tenant, &user.email, DEFAULT_TTL_SECS)?;
        writeln!(
            out,
            "  {} ({}, {role}) {api_url}/tenants/{}/companies/{}/employees/{}/direct-deposits",
            user.email, user.tenant_name, user.tenant, user.company, user.employee
        )?;
        writeln!(out, "    TOKEN={token}")?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Payroll changes are delivered by this server; see what is pending with \
         `ddctl outbox status --data-dir {dir}`. Stop with Ctrl-C."
    )?;
    writeln!(out, "Ready.")?;
    print!("{out}");
    // Piped stdout is block-buffered: whoever waits for "Ready." must see it now.
    std::io::Write::flush(&mut std::io::stdout())?;
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
