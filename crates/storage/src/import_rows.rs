//! The SQL of the deposit half of a legacy import (`import_deposits.rs` decides).

use std::collections::HashMap;

use sqlx::{Any, Row, Transaction};

use crate::connect::now_ms;
use crate::error::StorageError;
use crate::import::ImportDeposit;
use crate::records::{DEPOSIT_COLUMNS, DepositRecord};

type Tx = Transaction<'static, Any>;
type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

/// A stored deposit with what the rules need.
pub(crate) struct Stored {
    pub(crate) record: DepositRecord,
    pub(crate) fingerprint: String,
}

/// What `legacy_deposit_imports` remembers of a deposit's last import.
pub(crate) struct Remembered {
    pub(crate) digest: String,
    pub(crate) version: i64,
}

pub(crate) async fn load_stored(
    tx: &mut Tx,
    tenant: &str,
) -> Result<HashMap<i64, Stored>, StorageError> {
    let sql = format!(
        "SELECT {DEPOSIT_COLUMNS}, account_fingerprint FROM direct_deposits WHERE tenant_id = $1"
    );
    let rows = sqlx::query(&sql).bind(tenant).fetch_all(&mut **tx).await?;
    rows.iter()
        .map(|row| {
            let record = DepositRecord::from_row(row)?;
            Ok((
                record.id,
                Stored {
                    record,
                    fingerprint: row.try_get("account_fingerprint")?,
                },
            ))
        })
        .collect()
}

pub(crate) async fn load_remembered(
    tx: &mut Tx,
    tenant: &str,
) -> Result<HashMap<i64, Remembered>, StorageError> {
    let rows = sqlx::query(
        "SELECT deposit_id, source_digest, imported_version FROM legacy_deposit_imports \
         WHERE tenant_id = $1",
    )
    .bind(tenant)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("deposit_id")?,
                Remembered {
                    digest: row.try_get("source_digest")?,
                    version: row.try_get("imported_version")?,
                },
            ))
        })
        .collect()
}

/// Ids of the source deposits that other tenants' deposits use, with that tenant.
pub(crate) async fn taken_elsewhere(
    tx: &mut Tx,
    tenant: &str,
    sources: &[&ImportDeposit],
) -> Result<HashMap<i64, String>, StorageError> {
    let (Some(first), Some(last)) = (sources.first(), sources.last()) else {
        return Ok(HashMap::new());
    };
    let rows = sqlx::query(
        "SELECT id, tenant_id FROM direct_deposits WHERE tenant_id <> $1 AND id >= $2 \
         AND id <= $3",
    )
    .bind(tenant)
    .bind(first.id)
    .bind(last.id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("id")?, row.try_get("tenant_id")?)))
        .collect()
}

fn validate(d: &ImportDeposit) -> Result<(), StorageError> {
    let l4 = &d.record.account_last4;
    if d.record.account_ciphertext.is_empty() || d.record.account_fingerprint.is_empty() {
        return Err(StorageError::InvalidInput(
            "imported deposit without account ciphertext or fingerprint",
        ));
    }
    if l4.is_empty() || l4.len() > 4 || !l4.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(StorageError::InvalidInput(
            "account last 4 must be 1-4 letters or digits",
        ));
    }
    if d.id <= 0 {
        return Err(StorageError::InvalidInput("deposit ids are positive"));
    }
    Ok(())
}

/// A query with an import's deposit columns bound as `$1`…`$14`, in the order of
/// [`IMPORTED_COLUMNS`] then `created_at`, `updated_at`: the INSERT and the UPDATE share them.
fn bind_imported<'q>(
    query: AnyQuery<'q>,
    d: &'q ImportDeposit,
    created_at: i64,
    updated_at: i64,
) -> AnyQuery<'q> {
    query
        .bind(d.company_id)
        .bind(d.employee_id)
        .bind(d.record.routing.as_str())
        .bind(d.record.account_ciphertext.as_str())
        .bind(d.record.account_last4.as_str())
        .bind(d.record.account_fingerprint.as_str())
        .bind(d.record.designation.as_str())
        .bind(d.record.allocation.amount_type().as_str())
        .bind(d.record.allocation.stored_amount())
        .bind(d.status.as_str())
        .bind(d.end_dated_at)
        .bind(d.payroll_ed_id)
        .bind(created_at)
        .bind(updated_at)
}

/// The columns an import writes, bound by [`bind_imported`] as `$1`…`$12`.
const IMPORTED_COLUMNS: [&str; 12] = [
    "company_id",
    "employee_id",
    "routing_number",
    "account_ciphertext",
    "account_last4",
    "account_fingerprint",
    "designation",
    "amount_type",
    "amount",
    "status",
    "end_dated_at",
    "payroll_ed_id",
];

pub(crate) async fn insert(
    tx: &mut Tx,
    tenant: &str,
    d: &ImportDeposit,
) -> Result<DepositRecord, StorageError> {
    validate(d)?;
    let now = now_ms();
    let sql = format!(
        "INSERT INTO direct_deposits ({}, created_at, updated_at, tenant_id, id, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1) \
         RETURNING {DEPOSIT_COLUMNS}",
        IMPORTED_COLUMNS.join(", ")
    );
    let query = bind_imported(sqlx::query(&sql), d, d.created_at.unwrap_or(now), now);
    let row = query.bind(tenant).bind(d.id).fetch_one(&mut **tx).await?;
    DepositRecord::from_row(&row)
}

pub(crate) async fn update(
    tx: &mut Tx,
    tenant: &str,
    d: &ImportDeposit,
    old: &DepositRecord,
) -> Result<DepositRecord, StorageError> {
    validate(d)?;
    let assignments: Vec<String> = IMPORTED_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, column)| format!("{column} = ${}", i + 1))
        .collect();
    let sql = format!(
        "UPDATE direct_deposits SET {}, created_at = $13, updated_at = $14, \
         version = version + 1 \
         WHERE tenant_id = $15 AND id = $16 AND version = $17 RETURNING {DEPOSIT_COLUMNS}",
        assignments.join(", ")
    );
    let created_at = d.created_at.unwrap_or(old.created_at);
    let query = bind_imported(sqlx::query(&sql), d, created_at, now_ms());
    let row = query
        .bind(tenant)
        .bind(old.id)
        .bind(old.version)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StorageError::Conflict(
            "the deposit changed while it was imported; run the import again",
        ))?;
    DepositRecord::from_row(&row)
}

pub(crate) async fn remember(
    tx: &mut Tx,
    tenant: &str,
    d: &ImportDeposit,
    version: i64,
    run_id: i64,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO legacy_deposit_imports (tenant_id, deposit_id, source_digest, \
         imported_version, payroll_ed_id, run_id) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (tenant_id, deposit_id) DO UPDATE SET \
         source_digest = excluded.source_digest, imported_version = excluded.imported_version, \
         payroll_ed_id = excluded.payroll_ed_id, run_id = excluded.run_id",
    )
    .bind(tenant)
    .bind(d.id)
    .bind(d.source_digest.as_str())
    .bind(version)
    .bind(d.payroll_ed_id)
    .bind(run_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The tenant's imported deposits as they stand, in id order.
pub(crate) async fn imported_deposits(
    tx: &mut Tx,
    tenant: &str,
) -> Result<Vec<DepositRecord>, StorageError> {
    let sql = format!(
        "SELECT {DEPOSIT_COLUMNS} FROM direct_deposits WHERE tenant_id = $1 AND id IN \
         (SELECT deposit_id FROM legacy_deposit_imports WHERE tenant_id = $1) ORDER BY id"
    );
    let rows = sqlx::query(&sql).bind(tenant).fetch_all(&mut **tx).await?;
    rows.iter().map(DepositRecord::from_row).collect()
}
