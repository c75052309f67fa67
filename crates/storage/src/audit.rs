//! Audit rows: written inside the transaction of the change they describe, so a change
//! without its audit row (or an audit row for a change that rolled back) cannot exist.

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::connect::{Store, now_ms};
use crate::error::StorageError;
use crate::records::{Actor, DepositRecord};

/// Entity name of direct-deposit audit rows.
pub const ENTITY_DIRECT_DEPOSIT: &str = "direct_deposit";

/// One audit row. `old_value` / `new_value` are masked JSON snapshots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Row id.
    pub id: i64,
    /// Tenant id.
    pub tenant_id: String,
    /// Company of the entity, when it has one.
    pub company_id: Option<i64>,
    /// Employee of the entity, when it has one.
    pub employee_id: Option<i64>,
    /// Kind of entity, e.g. [`ENTITY_DIRECT_DEPOSIT`].
    pub entity: String,
    /// The entity's id.
    pub entity_id: i64,
    /// `create`, `update`, `approve`, `reject`, `delete`, `end_date`, `account_revealed`.
    pub action: String,
    /// The acting user's id, if a user acted.
    pub actor_user_id: Option<i64>,
    /// The acting user's e-mail or the system name.
    pub actor: String,
    /// Snapshot before the change (`None` for a create).
    pub old_value: Option<String>,
    /// Snapshot after the change (`None` for a removal).
    pub new_value: Option<String>,
    /// When, epoch ms.
    pub created_at: i64,
}

/// Writes the audit row of a deposit change inside `tx` (or of an access such as a
/// reveal, where `new` is the unchanged, masked snapshot).
pub(crate) async fn record_deposit_change(
    tx: &mut Transaction<'static, Any>,
    action: &'static str,
    actor: &Actor,
    old: Option<&DepositRecord>,
    new: Option<&DepositRecord>,
) -> Result<i64, StorageError> {
    let Some(subject) = new.or(old) else {
        return Err(StorageError::InvalidInput("audit row needs a snapshot"));
    };
    let row = sqlx::query(
        "INSERT INTO audit_log (tenant_id, company_id, employee_id, entity, entity_id, action, \
         actor_user_id, actor, old_value, new_value, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(subject.tenant_id.as_str())
    .bind(subject.company_id)
    .bind(subject.employee_id)
    .bind(ENTITY_DIRECT_DEPOSIT)
    .bind(subject.id)
    .bind(action)
    .bind(actor.user_id)
    .bind(actor.name.as_str())
    .bind(old.map(DepositRecord::audit_json))
    .bind(new.map(DepositRecord::audit_json))
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get("id")?)
}

impl AuditRecord {
    fn from_row(row: &AnyRow) -> Result<Self, StorageError> {
        Ok(Self {
            id: row.try_get("id")?,
            tenant_id: row.try_get("tenant_id")?,
            company_id: row.try_get("company_id")?,
            employee_id: row.try_get("employee_id")?,
            entity: row.try_get("entity")?,
            entity_id: row.try_get("entity_id")?,
            action: row.try_get("action")?,
            actor_user_id: row.try_get("actor_user_id")?,
            actor: row.try_get("actor")?,
            old_value: row.try_get("old_value")?,
            new_value: row.try_get("new_value")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

impl Store {
    /// The audit trail of one entity in `tenant`, oldest first.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the query fails.
    pub async fn list_audit(
        &self,
        tenant: &str,
        entity: &str,
        entity_id: i64,
    ) -> Result<Vec<AuditRecord>, StorageError> {
        let rows = sqlx::query(
            "SELECT id, tenant_id, company_id, employee_id, entity, entity_id, action, \
             actor_user_id, actor, old_value, new_value, created_at FROM audit_log \
             WHERE tenant_id = $1 AND entity = $2 AND entity_id = $3 ORDER BY id",
        )
        .bind(tenant)
        .bind(entity)
        .bind(entity_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(AuditRecord::from_row).collect()
    }

    /// Number of audit rows of `tenant` (all entities).
    ///
    /// # Errors
    /// [`StorageError::Database`] when the query fails.
    pub async fn count_audit(&self, tenant: &str) -> Result<i64, StorageError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }
}
