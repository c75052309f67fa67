//! One `ddctl serve` per data directory and per database.
//!
//! Every start re-seeds the demo data and points the tenants' payroll settings at its own
//! simulator. A second server on the same data or database would repoint a live server's
//! tenants at a simulator that dies with it, and that server's approvals would never reach
//! payroll. So the data directory is locked (an advisory `flock` on `serve.lock`, released
//! by the kernel however the process ends) and, on Postgres, the database too (a
//! session-level advisory lock held on a connection of its own).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

use anyhow::{Context as _, bail};
use dd_storage::{Backend, Store};
use sqlx::Row as _;

const LOCK_FILE: &str = "serve.lock";

/// Postgres advisory lock key of `ddctl serve` ("ddctl" in ASCII).
const DATABASE_LOCK_KEY: i64 = 0x0064_6463_746c;

/// Held while the server runs: the data directory's lock file.
#[derive(Debug)]
pub struct DataDirLock {
    file: File,
}

/// Takes the data directory's lock and writes who holds it (for the next one's error).
///
/// # Errors
/// When another `ddctl serve` holds it, or the lock file cannot be used.
pub fn lock_data_dir(dir: &Path, holder: &str) -> anyhow::Result<DataDirLock> {
    let path = dir.join(LOCK_FILE);
    // No truncation before the lock is ours: the holder's note must survive our attempt.
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let note = std::fs::read_to_string(&path).unwrap_or_default();
            let note = note.trim();
            bail!(
                "data directory {} is in use by another ddctl serve{}; stop it first, or \
                 give this one another --data-dir",
                dir.display(),
                if note.is_empty() {
                    String::new()
                } else {
                    format!(" ({note})")
                }
            );
        }
        Err(TryLockError::Error(err)) => {
            return Err(err).with_context(|| format!("cannot lock {}", path.display()));
        }
    }
    file.set_len(0)
        .and_then(|()| file.write_all(holder.as_bytes()))
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(DataDirLock { file })
}

impl DataDirLock {
    /// Clears the holder's note on a clean stop (the lock itself goes with the process).
    pub fn release(self) {
        let _ = self.file.set_len(0);
    }
}

/// Held while the server runs on Postgres: the connection holding the advisory lock.
#[derive(Debug)]
pub struct DatabaseLock {
    connection: Option<sqlx::AnyConnection>,
}

/// Takes the database's `ddctl serve` lock (Postgres only; SQLite files live in the
/// locked data directory, or are given explicitly).
///
/// # Errors
/// When another `ddctl serve` holds it or the lock cannot be queried.
pub async fn lock_database(store: &Store, shown: &str) -> anyhow::Result<DatabaseLock> {
    if store.backend() != Backend::Postgres {
        return Ok(DatabaseLock { connection: None });
    }
    let mut connection = store
        .pool()
        .acquire()
        .await
        .map_err(dd_storage::StorageError::from)
        .context("cannot take a connection for the server lock")?
        .detach();
    let row = sqlx::query("SELECT pg_try_advisory_lock($1) AS locked")
        .bind(DATABASE_LOCK_KEY)
        .fetch_one(&mut connection)
        .await
        .map_err(dd_storage::StorageError::from)
        .context("cannot take the server lock of the database")?;
    let locked: bool = row
        .try_get("locked")
        .map_err(dd_storage::StorageError::from)?;
    if !locked {
        bail!(
            "database {shown} is in use by another ddctl serve (two servers on one database \
             would repoint each other's payroll settings); stop it first"
        );
    }
    Ok(DatabaseLock {
        connection: Some(connection),
    })
}

impl DatabaseLock {
    /// Releases the lock by closing its connection.
    pub async fn release(self) {
        if let Some(connection) = self.connection {
            let _ = sqlx::Connection::close(connection).await;
        }
    }
}
