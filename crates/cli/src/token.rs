//! `ddctl token`: a bearer token for a user of a `ddctl serve` data directory.
//!
//! The token names the user by tenant and e-mail, as production tokens do; the server
//! finds the role and the employee link in its users table. So this command looks the
//! employee's user up in the same database, and `--role` only checks what it finds.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::Args;
use direct_deposit_api::auth::jwt::unix_now;
use direct_deposit_api::{AccountClaim, Claims, sign_hs256};
use sqlx::Row as _;

use crate::data_dir::{DEFAULT_DATA_DIR, DataDir, load_data_dir};
use crate::database::{self, Target};

/// Default lifetime of printed tokens: a working day and then some.
pub const DEFAULT_TTL_SECS: u64 = 12 * 3600;
/// Longest lifetime `ddctl token` signs: a week (a local token, not a credential to keep).
const MAX_TTL_SECS: u64 = 7 * 24 * 3600;

/// A role as the users table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RoleArg {
    /// An employee: own deposits, account numbers masked.
    Employee,
    /// An HR admin: the whole tenant, approvals.
    Admin,
}

impl RoleArg {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Employee => "employee",
            Self::Admin => "admin",
        }
    }
}

/// Arguments of `ddctl token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The data directory of the server the token is for.
    #[arg(long, default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// Tenant id.
    #[arg(long)]
    pub tenant: String,
    /// Company id.
    #[arg(long, default_value_t = 1)]
    pub company: i64,
    /// Employee id whose user the token is for.
    #[arg(long)]
    pub employee: i64,
    /// Fail unless the user has this role.
    #[arg(long, value_enum)]
    pub role: Option<RoleArg>,
    /// Token lifetime in seconds, at least 1. The server still accepts a token for 30 s
    /// after it expires (its allowance for clock skew).
    #[arg(long, default_value_t = DEFAULT_TTL_SECS,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TTL_SECS))]
    pub ttl_secs: u64,
    /// The server's database; default: the one the data directory records (`ddctl serve
    /// --database-url`), else its SQLite file.
    #[arg(long, env = "DD_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

/// Signs a token for `email` of `tenant` with the data directory's secret.
///
/// # Errors
/// Only if the claims cannot be signed (never with a valid secret).
pub fn mint(data: &DataDir, tenant: &str, email: &str, ttl_secs: u64) -> anyhow::Result<String> {
    let claims = Claims {
        account: AccountClaim {
            tenant_id: tenant.to_owned(),
            email: email.to_owned(),
        },
        application_id: Some("ddctl".to_owned()),
        scope: Some("direct-deposits".to_owned()),
        exp: unix_now().saturating_add(ttl_secs),
    };
    sign_hs256(&claims, data.jwt_secret.as_bytes()).map_err(|e| anyhow::anyhow!(e))
}

/// Runs `ddctl token`: prints the token and a newline.
///
/// # Errors
/// Unknown data directory, unknown employee, or a role mismatch.
pub fn run(args: &TokenArgs) -> anyhow::Result<()> {
    let data = load_data_dir(&args.data_dir)?;
    let target = database::for_client(&data.path, args.database_url.as_deref())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let (email, role) = runtime.block_on(find_user(&target, args))?;
    if let Some(wanted) = args.role
        && wanted.as_str() != role
    {
        bail!(
            "employee {} of tenant {} has the role {role}, not {}",
            args.employee,
            args.tenant,
            wanted.as_str()
        );
    }
    println!("{}", mint(&data, &args.tenant, &email, args.ttl_secs)?);
    Ok(())
}

async fn find_user(target: &Target, args: &TokenArgs) -> anyhow::Result<(String, String)> {
    let store = database::open(target).await?;
    let row = sqlx::query(
        "SELECT email, role FROM users WHERE tenant_id = $1 AND company_id = $2 \
         AND employee_id = $3",
    )
    .bind(&args.tenant)
    .bind(args.company)
    .bind(args.employee)
    .fetch_optional(store.pool())
    .await
    .map_err(|e| anyhow::anyhow!(dd_storage::StorageError::from(e)))?;
    store.close().await;
    let Some(row) = row else {
        bail!(
            "no user is linked to employee {} of company {} in tenant {}",
            args.employee,
            args.company,
            args.tenant
        );
    };
    Ok((row.try_get("email")?, row.try_get("role")?))
}
