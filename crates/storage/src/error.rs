//! The crate's single error type.
//!
//! Database failures are reduced to a category, the SQLSTATE code and the constraint name:
//! driver messages can quote the offending value (Postgres' `invalid input syntax … "x"`,
//! `Failing row contains (…)` details), and bound values here include ciphertexts and
//! fingerprints, so the raw driver error never travels past this module.

use dd_domain::DomainError;

/// Everything that can go wrong in `dd-storage`.
///
/// Suggested API mapping: `NotFound` → 404/50, `Domain` → as `DomainError` says (400/30 or
/// 409/40), `Conflict` → 409/40, `InvalidInput` → 400/30, everything else → 500/0.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The tenant / company / employee / deposit / job does not exist in this tenant.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A domain rule refused the change (duplicate, invalid transition, corrupt amount).
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// A concurrent change won the race (unique index, stale version, idempotency key in
    /// use); retrying the request re-evaluates the rules against the new state.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// A caller-supplied value the schema cannot hold (e.g. a bad role or URL scheme).
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// A stored row could not be turned back into a typed value.
    #[error("corrupt row in {table}: {reason}")]
    CorruptRow {
        /// The table the row came from.
        table: &'static str,
        /// What was wrong with it; never the value itself.
        reason: &'static str,
    },
    /// The database refused or failed the statement.
    #[error("database error ({kind:?}{})", code_suffix(code.as_deref(), constraint.as_deref()))]
    Database {
        /// What kind of failure it was.
        kind: DbFailure,
        /// The SQLSTATE (Postgres) or extended result code (SQLite), when there is one.
        code: Option<String>,
        /// The violated constraint, when the driver names it (Postgres does; SQLite names
        /// only columns, which are not values either but not worth parsing).
        constraint: Option<String>,
    },
}

/// Category of a [`StorageError::Database`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbFailure {
    /// Could not connect, or the connection broke.
    Connection,
    /// No pooled connection became free in time.
    PoolTimeout,
    /// A unique index refused the row.
    UniqueViolation,
    /// A foreign key refused the row.
    ForeignKeyViolation,
    /// A CHECK / NOT NULL constraint refused the row.
    CheckViolation,
    /// A column held a value of an unexpected type.
    Decode,
    /// A migration failed or the applied migrations do not match the embedded ones.
    Migration,
    /// The connection URL could not be parsed.
    Configuration,
    /// Anything else.
    Other,
}

fn code_suffix(code: Option<&str>, constraint: Option<&str>) -> String {
    let mut s = String::new();
    if let Some(code) = code {
        s.push_str(", code ");
        s.push_str(code);
    }
    if let Some(c) = constraint {
        s.push_str(", constraint ");
        s.push_str(c);
    }
    s
}

impl StorageError {
    /// Whether this is a unique-index violation (a lost race against a concurrent write).
    #[must_use]
    pub const fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            Self::Database {
                kind: DbFailure::UniqueViolation,
                ..
            }
        )
    }

    pub(crate) const fn db(kind: DbFailure) -> Self {
        Self::Database {
            kind,
            code: None,
            constraint: None,
        }
    }

    pub(crate) const fn corrupt(table: &'static str, reason: &'static str) -> Self {
        Self::CorruptRow { table, reason }
    }
}

impl From<sqlx::Error> for StorageError {
    fn from(err: sqlx::Error) -> Self {
        use sqlx::error::ErrorKind;
        // Logged at debug without the message for the same reason it is not kept: the
        // message may quote a bound value.
        let out = match &err {
            sqlx::Error::Database(db) => {
                let kind = match db.kind() {
                    ErrorKind::UniqueViolation => DbFailure::UniqueViolation,
                    ErrorKind::ForeignKeyViolation => DbFailure::ForeignKeyViolation,
                    ErrorKind::NotNullViolation | ErrorKind::CheckViolation => {
                        DbFailure::CheckViolation
                    }
                    _ => DbFailure::Other,
                };
                Self::Database {
                    kind,
                    code: db.code().map(|c| c.into_owned()),
                    constraint: db.constraint().map(str::to_owned),
                }
            }
            sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) => {
                Self::db(DbFailure::Connection)
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => Self::db(DbFailure::PoolTimeout),
            sqlx::Error::ColumnDecode { .. }
            | sqlx::Error::ColumnNotFound(_)
            | sqlx::Error::ColumnIndexOutOfBounds { .. }
            | sqlx::Error::Decode(_)
            | sqlx::Error::TypeNotFound { .. } => Self::db(DbFailure::Decode),
            sqlx::Error::Configuration(_) => Self::db(DbFailure::Configuration),
            sqlx::Error::Migrate(_) => Self::db(DbFailure::Migration),
            _ => Self::db(DbFailure::Other),
        };
        tracing::debug!(error = %out, "database call failed");
        out
    }
}

impl From<sqlx::migrate::MigrateError> for StorageError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        match err {
            sqlx::migrate::MigrateError::Execute(inner) => {
                // Keep the SQLSTATE of the failing DDL, it is the useful part.
                match Self::from(inner) {
                    Self::Database {
                        code, constraint, ..
                    } => Self::Database {
                        kind: DbFailure::Migration,
                        code,
                        constraint,
                    },
                    other => other,
                }
            }
            _ => Self::db(DbFailure::Migration),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_display_has_no_driver_message() {
        let e = StorageError::Database {
            kind: DbFailure::UniqueViolation,
            code: Some("23505".into()),
            constraint: Some("ux_dd_account".into()),
        };
        assert_eq!(
            e.to_string(),
            "database error (UniqueViolation, code 23505, constraint ux_dd_account)"
        );
        assert!(e.is_unique_violation());
        assert_eq!(
            StorageError::db(DbFailure::Other).to_string(),
            "database error (Other)"
        );
    }
}
