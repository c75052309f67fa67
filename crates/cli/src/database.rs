//! Which database the commands of a data directory use, and opening it with errors a new
//! user can act on.
//!
//! `ddctl serve` uses the data directory's SQLite file unless it is given `--database-url`;
//! then it records that URL, without its password, in the data directory's `database-url`,
//! so `ddctl token`, `ddctl outbox …` and the next `ddctl serve` find the same database.
//! A password given in the URL is never written: later commands take it from `PGPASSWORD`
//! or `~/.pgpass` (libpq's conventions, which sqlx follows), or from `--database-url`.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow, bail};
use dd_storage::{Backend, DbFailure, PoolSettings, StorageError, Store};
use sqlx::Connection as _;
use zeroize::Zeroizing;

use crate::data_dir::create_if_missing;

/// The data directory's SQLite database.
const SQLITE_FILE: &str = "dd.sqlite";
/// The database URL `ddctl serve` was given, without its password.
const RECORDED_URL_FILE: &str = "database-url";

/// Where a [`Target`]'s URL came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `--database-url` / `DD_DATABASE_URL`.
    Given,
    /// The data directory's `database-url` record.
    Recorded,
    /// The data directory's own SQLite file.
    DataDirSqlite,
}

/// A database to open. `Debug` and [`Target::shown`] never include a password.
pub struct Target {
    url: Zeroizing<String>,
    shown: String,
    /// Where the URL came from.
    pub origin: Origin,
    /// The URL carried a password, which is not recorded.
    pub had_password: bool,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("shown", &self.shown)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl Target {
    fn new(url: String, origin: Origin) -> Self {
        let (shown, had_password) = without_password(&url);
        Self {
            url: Zeroizing::new(url),
            shown,
            origin,
            had_password,
        }
    }

    /// The URL without its password, for banners, logs and errors.
    #[must_use]
    pub fn shown(&self) -> &str {
        &self.shown
    }

    fn is_postgres(&self) -> bool {
        self.url.starts_with("postgres://") || self.url.starts_with("postgresql://")
    }
}

/// The database of `ddctl serve`: `given`, else the recorded one, else the data directory's
/// SQLite file (created here, 0600, and only in that case: SQLite gives its -wal and -shm
/// files the database file's permissions).
///
/// # Errors
/// When the record is unreadable or the SQLite file cannot be created.
pub fn for_serve(dir: &Path, given: Option<&str>) -> anyhow::Result<Target> {
    if let Some(target) = given_or_recorded(dir, given)? {
        return Ok(target);
    }
    let file = dir.join(SQLITE_FILE);
    create_if_missing(&file, || Ok(Zeroizing::new(String::new())))?;
    Ok(sqlite(&file, "rwc"))
}

/// The database of the commands that work on a served data directory (`token`, `outbox`):
/// `given`, else the recorded one, else the data directory's SQLite file, which must exist
/// (opening never creates it: an empty new file would answer every question with nothing).
///
/// # Errors
/// When there is no database yet.
pub fn for_client(dir: &Path, given: Option<&str>) -> anyhow::Result<Target> {
    if let Some(target) = given_or_recorded(dir, given)? {
        return Ok(target);
    }
    let file = dir.join(SQLITE_FILE);
    if !file.exists() {
        bail!(
            "{} has no database yet: run `ddctl serve --data-dir {}` first (or give \
             --database-url)",
            dir.display(),
            dir.display()
        );
    }
    Ok(sqlite(&file, "rw"))
}

/// A database given explicitly, with no data directory involved.
#[must_use]
pub fn given(url: &str) -> Target {
    Target::new(url.to_owned(), Origin::Given)
}

fn given_or_recorded(dir: &Path, given: Option<&str>) -> anyhow::Result<Option<Target>> {
    if let Some(url) = given {
        return Ok(Some(self::given(url)));
    }
    let record = dir.join(RECORDED_URL_FILE);
    if !record.exists() {
        return Ok(None);
    }
    let url = std::fs::read_to_string(&record)
        .with_context(|| format!("cannot read {}", record.display()))?;
    Ok(Some(Target::new(url.trim().to_owned(), Origin::Recorded)))
}

fn sqlite(file: &Path, mode: &str) -> Target {
    let mut target = Target::new(
        format!("sqlite://{}?mode={mode}", file.display()),
        Origin::DataDirSqlite,
    );
    target.shown = file.display().to_string();
    target
}

/// Records a given URL (without its password) in the data directory, replacing an older
/// record, so the other commands use the same database. Other targets record nothing.
///
/// # Errors
/// When the record cannot be written.
pub fn record(dir: &Path, target: &Target) -> anyhow::Result<()> {
    if target.origin != Origin::Given {
        return Ok(());
    }
    let record = dir.join(RECORDED_URL_FILE);
    let staged: PathBuf = dir.join(format!("{RECORDED_URL_FILE}.new"));
    let _ = std::fs::remove_file(&staged);
    create_if_missing(&staged, || {
        Ok(Zeroizing::new(format!("{}\n", target.shown)))
    })?;
    std::fs::rename(&staged, &record)
        .with_context(|| format!("cannot write {}", record.display()))?;
    Ok(())
}

/// Opens the database, turning the failures a new user meets into what to do about them.
///
/// # Errors
/// When the database cannot be opened.
pub async fn open(target: &Target) -> anyhow::Result<Store> {
    open_with(target, PoolSettings::default()).await
}

/// [`open`] with explicit pool settings (`ddctl serve`'s `DD_DB_POOL_WAIT_MS`).
///
/// # Errors
/// When the database cannot be opened.
pub async fn open_with(target: &Target, pool: PoolSettings) -> anyhow::Result<Store> {
    match Store::connect_with(&target.url, pool).await {
        Ok(store) => Ok(store),
        Err(err) => Err(explain(target, &err)),
    }
}

/// Closes the pool and, for SQLite, leaves the database file complete on its own.
///
/// Pool connections close concurrently (a returned connection closes on its own task), and
/// SQLite folds the write-ahead log back and removes the -wal and -shm files only when the
/// *last* connection closes with nothing else open. So once the pool is gone, one more
/// connection checkpoints and closes alone: a copy, a backup or the benchmark's cold start
/// then opens a self-contained file.
pub async fn close(store: &Store, target: &Target) {
    store.close().await;
    if store.backend() != Backend::Sqlite || target.url.contains(":memory:") {
        return;
    }
    let checkpoint = async {
        let mut last =
            <sqlx::AnyConnection as sqlx::Connection>::connect(target.url.as_str()).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut last)
            .await?;
        last.close().await
    };
    match checkpoint.await {
        Ok(()) => tracing::debug!("write-ahead log checkpointed"),
        Err(err) => tracing::warn!(
            error = %StorageError::from(err),
            "write-ahead log not checkpointed; SQLite replays it on the next open"
        ),
    }
}

fn explain(target: &Target, err: &StorageError) -> anyhow::Error {
    let shown = target.shown();
    let code = match err {
        StorageError::Database { code, .. } => code.as_deref(),
        _ => None,
    };
    let server = Server::of(&target.url);
    match (code, err) {
        (Some("3D000"), _) => anyhow!(
            "database {} does not exist on {}:{}; create it with `createdb -h {} -p {}{} {}`",
            server.database,
            server.host,
            server.port,
            server.host,
            server.port,
            server.user_flag(),
            server.database,
        ),
        (Some("28P01" | "28000"), _) => {
            let hint = if target.origin == Origin::Recorded {
                "the data directory records the database without its password: set \
                 PGPASSWORD (or use ~/.pgpass), or give --database-url"
            } else {
                "check the user and password of --database-url (or PGPASSWORD)"
            };
            anyhow!("PostgreSQL refused the login to {shown}: {hint}")
        }
        (
            _,
            StorageError::Database {
                kind: DbFailure::Connection | DbFailure::PoolTimeout,
                ..
            },
        ) if target.is_postgres() => anyhow!(
            "cannot connect to PostgreSQL at {}:{} ({err}); is it running? (`pg_isready -h {} \
             -p {}`)",
            server.host,
            server.port,
            server.host,
            server.port
        ),
        _ => anyhow!("cannot open the database {shown}: {err}"),
    }
}

/// The parts of a Postgres URL that a hint needs (never the password).
struct Server {
    host: String,
    port: u16,
    user: String,
    database: String,
}

impl Server {
    fn of(url: &str) -> Self {
        let parsed = url::Url::parse(url).ok();
        let host = parsed
            .as_ref()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "localhost".to_owned());
        let port = parsed.as_ref().and_then(url::Url::port).unwrap_or(5432);
        let user = parsed
            .as_ref()
            .map(|u| u.username().to_owned())
            .unwrap_or_default();
        let database = parsed
            .as_ref()
            .map(|u| u.path().trim_start_matches('/').to_owned())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "postgres".to_owned());
        Self {
            host,
            port,
            user,
            database,
        }
    }

    fn user_flag(&self) -> String {
        if self.user.is_empty() {
            String::new()
        } else {
            format!(" -U {}", self.user)
        }
    }
}

/// `url` without a password (in the user-info part or a `password=` query parameter), and
/// whether it had one. A URL that does not parse cannot be shown safely and is replaced.
fn without_password(url: &str) -> (String, bool) {
    if url.starts_with("sqlite:") && !url.contains('@') && !url.contains("password") {
        return (url.to_owned(), false);
    }
    let Ok(mut parsed) = url::Url::parse(url) else {
        return ("<a database URL that does not parse>".to_owned(), false);
    };
    let mut had_password = parsed.password().is_some();
    if had_password && parsed.set_password(None).is_err() {
        return ("<a database URL that does not parse>".to_owned(), true);
    }
    let query: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if query.iter().any(|(k, _)| k == "password") {
        had_password = true;
        let kept: Vec<_> = query.iter().filter(|(k, _)| k != "password").collect();
        if kept.is_empty() {
            parsed.set_query(None);
        } else {
            parsed.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    (parsed.to_string(), had_password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_never_shown() {
        let (shown, had) =
            without_password("postgres://dd:s3cret@db.example:6543/dd?sslmode=disable");
        assert_eq!(shown, "postgres://dd@db.example:6543/dd?sslmode=disable");
        assert!(had);
        let (shown, had) =
            without_password("postgres://dd@127.0.0.1/dd?password=s3cret&sslmode=disable");
        assert_eq!(shown, "postgres://dd@127.0.0.1/dd?sslmode=disable");
        assert!(had);
        let (shown, had) = without_password("postgres://postgres@127.0.0.1:5432/dd");
        assert_eq!(shown, "postgres://postgres@127.0.0.1:5432/dd");
        assert!(!had);
        assert_eq!(
            without_password("sqlite:///tmp/x.sqlite?mode=rwc"),
            ("sqlite:///tmp/x.sqlite?mode=rwc".to_owned(), false)
        );
        assert!(!without_password("not a url :s3cret@").0.contains("s3cret"));
    }

    #[test]
    fn a_missing_database_says_how_to_create_it() {
        let target = Target::new(
            "postgres://postgres:pw@127.0.0.1:5432/dd?sslmode=disable".to_owned(),
            Origin::Given,
        );
        let err = StorageError::Database {
            kind: DbFailure::Other,
            code: Some("3D000".to_owned()),
            constraint: None,
        };
        let message = explain(&target, &err).to_string();
        assert_eq!(
            message,
            "database dd does not exist on 127.0.0.1:5432; create it with \
             `createdb -h 127.0.0.1 -p 5432 -U postgres dd`"
        );
        let refused = StorageError::Database {
            kind: DbFailure::Other,
            code: Some("28P01".to_owned()),
            constraint: None,
        };
        let message = explain(&target, &refused).to_string();
        assert!(
            message.contains("postgres://postgres@127.0.0.1:5432/dd"),
            "{message}"
        );
        assert!(!message.contains("pw@"), "{message}");
    }
}
