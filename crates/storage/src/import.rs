//! Importing one tenant from the legacy SQL Server tables (`ddctl import legacy`,
//! docs/migration.md), in ONE transaction: the tenant, its companies, employees, users,
//! payroll service account and direct deposits, with an audit row per deposit written.
//!
//! The caller maps and validates the legacy rows (field rules of `dd-domain`) and seals
//! the account numbers; this module decides, against what the database already holds,
//! what to insert, update or leave alone, enforces the per-employee rules exactly as a
//! create through the API does (`rules.rs`), and keeps the legacy deposit ids. Re-running
//! with the same input changes nothing: nothing is written unless something differs.

use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::connect::{Backend, Store, now_ms};
use crate::directory::PayrollAccount;
use crate::error::StorageError;
use crate::import_deposits::{DepositCounts, import_deposits};
use crate::import_directory::{DirectoryCounts, import_directory};
use crate::import_rows::imported_deposits;
use crate::records::{Actor, DepositRecord, NewDepositRecord};
use dd_domain::Status;

/// Everything to import for one tenant.
#[derive(Debug, Clone)]
pub struct LegacyImport {
    /// The tenant (UUID string).
    pub tenant_id: String,
    /// Its display name; `None` keeps an existing tenant's name, and names a new tenant
    /// after its first company.
    pub tenant_name: Option<String>,
    /// Companies (legacy `dbo.Company`).
    pub companies: Vec<ImportCompany>,
    /// Employees (legacy `dbo.Employee`).
    pub employees: Vec<ImportEmployee>,
    /// Users with their role and employee link (legacy `dbo.HRnextUser` and friends).
    pub users: Vec<ImportUser>,
    /// The payroll service account to write; `None` leaves the stored one alone.
    pub payroll_account: Option<PayrollAccount>,
    /// Direct deposits (legacy `dbo.EmployeeDirectDeposit`), any order.
    pub deposits: Vec<ImportDeposit>,
    /// Rows the caller already refused; recorded with the run.
    pub refused: Vec<ImportRefusal>,
    /// Recorded as the actor of the audit rows and the run.
    pub actor: Actor,
}

/// A company and its payroll keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportCompany {
    /// Legacy `Company.ID`, kept as the company id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Payroll client id (`PRIntegration_ClientID`).
    pub payroll_client_id: Option<i64>,
    /// Payroll company id (`PR_Integration_PK`).
    pub payroll_company_id: Option<i64>,
}

/// An employee and their payroll key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportEmployee {
    /// Legacy `Employee.CompanyID`.
    pub company_id: i64,
    /// Legacy `Employee.ID`, kept as the employee id.
    pub id: i64,
    /// First and last name, when the export has them (`None` keeps the stored ones).
    pub name: Option<(String, String)>,
    /// Payroll employee id (`PR_Integration_PK`).
    pub payroll_employee_id: Option<i64>,
}

/// A user of the tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportUser {
    /// Legacy `HRnextUser.Username` (stored lower-case, as the token's e-mail).
    pub email: String,
    /// Role.
    pub role: crate::directory::Role,
    /// The linked employee as (company, employee).
    pub employee: Option<(i64, i64)>,
}

/// A legacy deposit, mapped and sealed.
#[derive(Debug, Clone)]
pub struct ImportDeposit {
    /// Legacy `EmployeeDirectDeposit.ID`, kept as the deposit id.
    pub id: i64,
    /// Company of the employee.
    pub company_id: i64,
    /// Employee.
    pub employee_id: i64,
    /// Routing, sealed account, last 4, fingerprint, designation, allocation.
    pub record: NewDepositRecord,
    /// Mapped `ApprovalStatus`.
    pub status: Status,
    /// `EndDate` (epoch ms); such a deposit is history, hidden from lists.
    pub end_dated_at: Option<i64>,
    /// `EvoFK_EmployeeEarningsDeduction`: the payroll E/D this deposit already is.
    pub payroll_ed_id: Option<i64>,
    /// `StartDate` (epoch ms), the deposit's creation date; `None`: the import time.
    pub created_at: Option<i64>,
    /// A keyed digest of the mapped source row (account included, so never a plain
    /// hash): equal digests mean the legacy row did not change since the last import.
    pub source_digest: String,
}

/// A legacy row that is not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportRefusal {
    /// Legacy table, e.g. `EmployeeDirectDeposit`.
    pub table: String,
    /// The row's `ID` (or key) in that table.
    pub legacy_id: String,
    /// The employee the row belongs to, when known.
    pub employee_id: Option<i64>,
    /// Why: a rule, never a value that could be an account number.
    pub reason: String,
}

/// What the run may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportMode {
    /// Decide and verify everything, then roll back.
    pub dry_run: bool,
    /// Import the rest when rows are refused; without it any refusal rolls back.
    pub keep_going: bool,
}

/// How many of one kind of row were added, changed or already as in the source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    /// Inserted.
    pub added: u64,
    /// Updated to match the source.
    pub updated: u64,
    /// Already as in the source.
    pub unchanged: u64,
}

impl ImportCounts {
    pub(crate) const fn changed(&self) -> bool {
        self.added + self.updated > 0
    }
}

/// What an import did (or, rolled back, would have done).
#[derive(Debug, Clone, Serialize)]
pub struct ImportOutcome {
    /// Whether the transaction was committed.
    pub committed: bool,
    /// Whether anything differed from what the database held.
    pub changed: bool,
    /// Tenant, companies, employees, users, payroll account.
    pub directory: DirectoryCounts,
    /// Deposits.
    pub deposits: DepositCounts,
    /// Every refused row: the caller's and the ones refused here, by table and id.
    pub refused: Vec<ImportRefusal>,
    /// The run row, when one was committed.
    pub run_id: Option<i64>,
    /// The tenant's imported deposits as stored at the end of the run (what the
    /// verification report reads; ciphertexts only).
    #[serde(skip)]
    pub imported: Vec<DepositRecord>,
}

impl Store {
    /// Imports `plan` in one transaction; see the module documentation. Calls `progress`
    /// with the number of deposits handled since the last call.
    ///
    /// Nothing is committed when `mode.dry_run`, when nothing differs, or when a row is
    /// refused and `mode.keep_going` is off.
    ///
    /// # Errors
    /// [`StorageError::InvalidInput`] for a plan that breaks the schema's shape (e.g. a
    /// deposit without a ciphertext); [`StorageError::Database`] when a statement fails.
    /// Nothing is written then.
    pub async fn import_legacy(
        &self,
        plan: &LegacyImport,
        mode: ImportMode,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<ImportOutcome, StorageError> {
        let mut tx = self.begin_write().await?;
        if self.backend() == Backend::Postgres {
            // API creates wait until the import commits, so none takes a legacy id first.
            sqlx::query("LOCK TABLE direct_deposits IN SHARE ROW EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await?;
        }
        let directory = import_directory(&mut tx, plan).await?;
        let run_id = insert_run(&mut tx, plan).await?;
        let limit = self.max_deposits_per_employee();
        let (deposits, mut refused) =
            import_deposits(&mut tx, plan, run_id, limit, progress).await?;
        refused.extend(plan.refused.iter().cloned());
        refused.sort_by(|a, b| {
            (
                a.table.as_str(),
                numeric(&a.legacy_id),
                a.legacy_id.as_str(),
            )
                .cmp(&(
                    b.table.as_str(),
                    numeric(&b.legacy_id),
                    b.legacy_id.as_str(),
                ))
        });
        let imported = imported_deposits(&mut tx, &plan.tenant_id).await?;
        let changed = directory.changed() || deposits.changed();
        let mut outcome = ImportOutcome {
            committed: false,
            changed,
            directory,
            deposits,
            refused,
            run_id: None,
            imported,
        };
        let refused_stops = !mode.keep_going && !outcome.refused.is_empty();
        if mode.dry_run || refused_stops || !changed {
            tx.rollback().await?;
            return Ok(outcome);
        }
        finish_run(&mut tx, run_id, &plan.tenant_id, &outcome).await?;
        if self.backend() == Backend::Postgres {
            advance_deposit_ids(&mut tx).await?;
        }
        tx.commit().await?;
        outcome.committed = true;
        outcome.run_id = Some(run_id);
        tracing::info!(
            run = run_id,
            deposits_added = outcome.deposits.imported.added,
            deposits_updated = outcome.deposits.imported.updated,
            refused = outcome.refused.len(),
            "legacy import committed"
        );
        Ok(outcome)
    }

    /// The refusals of the tenant's last committed import run, in report order.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the query fails.
    pub async fn last_import_refusals(
        &self,
        tenant: &str,
    ) -> Result<Vec<ImportRefusal>, StorageError> {
        let rows = sqlx::query(
            "SELECT legacy_table, legacy_id, employee_id, reason FROM legacy_import_refusals \
             WHERE tenant_id = $1 AND run_id = (SELECT MAX(id) FROM legacy_import_runs \
             WHERE tenant_id = $1)",
        )
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ImportRefusal {
                    table: row.try_get("legacy_table")?,
                    legacy_id: row.try_get("legacy_id")?,
                    employee_id: row.try_get("employee_id")?,
                    reason: row.try_get("reason")?,
                })
            })
            .collect()
    }
}

/// Sorts ids numerically where they are numbers.
fn numeric(id: &str) -> i64 {
    id.parse().unwrap_or(i64::MAX)
}

async fn insert_run(
    tx: &mut Transaction<'static, Any>,
    plan: &LegacyImport,
) -> Result<i64, StorageError> {
    let row = sqlx::query(
        "INSERT INTO legacy_import_runs (tenant_id, actor, summary, created_at) \
         VALUES ($1, $2, '{}', $3) RETURNING id",
    )
    .bind(plan.tenant_id.as_str())
    .bind(plan.actor.name.as_str())
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get("id")?)
}

/// Writes the run's summary and its refusals.
async fn finish_run(
    tx: &mut Transaction<'static, Any>,
    run_id: i64,
    tenant: &str,
    outcome: &ImportOutcome,
) -> Result<(), StorageError> {
    let summary = serde_json::json!({
        "directory": outcome.directory,
        "deposits": outcome.deposits,
        "refused": outcome.refused.len(),
    })
    .to_string();
    sqlx::query("UPDATE legacy_import_runs SET summary = $1 WHERE id = $2")
        .bind(summary)
        .bind(run_id)
        .execute(&mut **tx)
        .await?;
    for r in &outcome.refused {
        sqlx::query(
            "INSERT INTO legacy_import_refusals (run_id, tenant_id, legacy_table, legacy_id, \
             employee_id, reason) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(run_id)
        .bind(tenant)
        .bind(r.table.as_str())
        .bind(r.legacy_id.as_str())
        .bind(r.employee_id)
        .bind(r.reason.as_str())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Moves the deposit id sequence past the kept legacy ids, so the next create through
/// the API gets a fresh id. SQLite's AUTOINCREMENT does this by itself.
async fn advance_deposit_ids(tx: &mut Transaction<'static, Any>) -> Result<(), StorageError> {
    // Never moves it back: GREATEST skips the NULL of a sequence never used.
    sqlx::query(
        "SELECT setval(pg_get_serial_sequence('direct_deposits', 'id'), \
         GREATEST((SELECT COALESCE(MAX(id), 1) FROM direct_deposits), \
         (SELECT last_value FROM pg_sequences WHERE format('%I.%I', schemaname, \
         sequencename) = pg_get_serial_sequence('direct_deposits', 'id')))) AS v",
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(())
}
