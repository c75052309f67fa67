//! `ddctl migrate --database-url URL`: applies the schema migrations embedded in this build
//! (the same ones the Lambdas carry) to a SQLite or PostgreSQL database.
//!
//! Idempotent: versions already applied are skipped, and concurrent runs are serialised by
//! sqlx's advisory lock on PostgreSQL. The deployed stack runs the same migrations through
//! its drainer on every deploy (`docs/deploy.md`); this command is for a first set-up from a
//! machine that can reach the database, or for a manual fix. TLS is built in (RDS enforces
//! it): use `sslmode=require` or `verify-full` there, `disable` on loopback.

use anyhow::Context as _;
use dd_storage::Store;

/// Arguments of `ddctl migrate`.
#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    /// `postgres://user:password@host:5432/db?sslmode=require` or `sqlite://path?mode=rwc`.
    #[arg(long, env = "DD_DATABASE_URL", hide_env_values = true)]
    database_url: String,
}

/// Applies pending migrations and prints where the schema stands.
pub fn run(args: &MigrateArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let store = Store::connect(&args.database_url)
            .await
            .context("cannot open the database")?;
        let before = applied_versions(&store).await;
        store.migrate().await.context("migration failed")?;
        let after = applied_versions(&store).await;
        store.close().await;
        let latest = store.backend().migration_sql().len();
        println!(
            "schema at version {latest}: {} migration(s) applied now, {before} already applied",
            after.saturating_sub(before)
        );
        Ok(())
    })
}

/// How many migrations the database records (0 before the first run created the table).
async fn applied_versions(store: &Store) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(store.pool())
        .await
        .unwrap_or(0)
}
