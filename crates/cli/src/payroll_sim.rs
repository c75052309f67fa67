//! `ddctl payroll-sim`: the local payroll suite (`dd_payroll::sim`) on a port, with the
//! demo tenants' service accounts, or a JSON configuration, and fault injection.
//!
//! The first line on stdout is `payroll-sim listening on http://<addr>` (with `--port 0`
//! the OS picks the port: scripts and tests read it from there).

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use dd_payroll::sim::{FailMode, SimConfig, SimState, SimTenant};
use dd_storage::{DEMO_TENANT_1, DEMO_TENANT_2};

/// API key of the local suite (the SSO token's `iss`); `ddctl outbox drain` defaults to it.
pub const LOCAL_API_KEY: &str = "dd-local-api-key";
/// API secret of the local suite; never use it outside a laptop.
pub const LOCAL_API_SECRET: &str = "dd-local-api-secret";
/// Demo service accounts (tenant, bureau subdomain, user, clear password). The user names
/// match `DemoSeed::standard`; whoever seeds the demo data encrypts these passwords.
pub const DEMO_SERVICE_ACCOUNTS: [(&str, &str, &str, &str); 2] = [
    (DEMO_TENANT_1, "acme", "svc-acme", "acme-payroll-demo"),
    (DEMO_TENANT_2, "globex", "svc-globex", "globex-payroll-demo"),
];

#[derive(Clone, Copy, ValueEnum)]
pub enum FailModeArg {
    /// Answer 503 before applying anything.
    BeforeApply,
    /// Apply, then drop the connection (the client cannot know it succeeded).
    AfterApply,
}

#[derive(Args)]
pub struct PayrollSimArgs {
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 8090)]
    port: u16,
    /// Address to bind (loopback by default: the simulator checks real passwords).
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// Probability in [0, 1] that a payroll request fails.
    #[arg(long)]
    fail_rate: Option<f64>,
    /// How injected failures happen.
    #[arg(long, value_enum)]
    fail_mode: Option<FailModeArg>,
    /// Delay added to every payroll request.
    #[arg(long)]
    latency_ms: Option<u64>,
    /// JSON configuration (camelCase `SimConfig`: apiKey, apiSecret, tenants, faults …);
    /// the flags above override its faults.
    #[arg(long)]
    config: Option<PathBuf>,
}

/// The demo configuration: the local API identity and the demo tenants.
fn demo_config() -> SimConfig {
    DEMO_SERVICE_ACCOUNTS.iter().fold(
        SimConfig::new(LOCAL_API_KEY, LOCAL_API_SECRET),
        |config, (tenant, sub, user, password)| {
            config.with_tenant(SimTenant::new(*tenant, *sub, *user, *password))
        },
    )
}

fn load_config(args: &PayrollSimArgs) -> anyhow::Result<SimConfig> {
    let mut config = match &args.config {
        None => demo_config(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            // serde_json's message may quote the file (passwords): keep only the position.
            serde_json::from_str(&text).map_err(|e| {
                anyhow::anyhow!(
                    "{} is not a simulator configuration (line {}, column {})",
                    path.display(),
                    e.line(),
                    e.column()
                )
            })?
        }
    };
    if let Some(rate) = args.fail_rate {
        anyhow::ensure!((0.0..=1.0).contains(&rate), "--fail-rate must be in [0, 1]");
        config.faults.fail_rate = rate;
    }
    if let Some(mode) = args.fail_mode {
        config.faults.fail_mode = match mode {
            FailModeArg::BeforeApply => FailMode::BeforeApply,
            FailModeArg::AfterApply => FailMode::AfterApply,
        };
    }
    if let Some(ms) = args.latency_ms {
        config.faults.latency_ms = ms;
    }
    Ok(config)
}

pub fn run(args: &PayrollSimArgs) -> anyhow::Result<()> {
    let config = load_config(args)?;
    crate::outbox_cmd::init_tracing();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(args.host, args.port))
            .await
            .with_context(|| format!("cannot listen on {}:{}", args.host, args.port))?;
        let addr = listener.local_addr()?;
        let faults = config.faults;
        let mut out = std::io::stdout().lock();
        writeln!(out, "payroll-sim listening on http://{addr}")?;
        out.flush()?;
        drop(out);
        tracing::info!(%addr, fail_rate = faults.fail_rate, fail_mode = ?faults.fail_mode, latency_ms = faults.latency_ms, "payroll simulator started");
        dd_payroll::sim::serve_state(SimState::new(config), listener).await?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_config_has_the_demo_tenants() {
        let c = demo_config();
        assert_eq!(c.tenants.len(), 2);
        assert_eq!(c.tenants[0].username, "svc-acme");
    }
}
