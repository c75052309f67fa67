//! What HR admins review: the company's pending deposits, and audited reveals of a full
//! account number.

use sqlx::Row;

use crate::audit::record_deposit_change;
use crate::connect::Store;
use crate::error::StorageError;
use crate::queries::MAX_PAGE_SIZE;
use crate::records::{Actor, DEPOSIT_COLUMNS, DepositRecord, EmployeeKey};

/// Audit action of a reveal.
pub const ACTION_ACCOUNT_REVEALED: &str = "account_revealed";

/// A pending deposit with the employee it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingDeposit {
    /// The deposit.
    pub record: DepositRecord,
    /// The employee's first name.
    pub first_name: String,
    /// The employee's last name.
    pub last_name: String,
}

impl Store {
    /// Whether the company exists in this tenant.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the query fails.
    pub async fn company_exists(&self, tenant: &str, company: i64) -> Result<bool, StorageError> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM companies WHERE tenant_id = $1 AND id = $2")
                .bind(tenant)
                .bind(company)
                .fetch_one(&self.pool)
                .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// A page of the company's Pending deposits, oldest first (creation time, then id),
    /// and how many there are in all. `page` is 1-based (0 is read as 1).
    ///
    /// # Errors
    /// [`StorageError::InvalidInput`] when `page_size` is 0 or above [`MAX_PAGE_SIZE`].
    pub async fn list_pending(
        &self,
        tenant: &str,
        company: i64,
        page: u32,
        page_size: u32,
    ) -> Result<(Vec<PendingDeposit>, i64), StorageError> {
        if page_size == 0 || page_size > MAX_PAGE_SIZE {
            return Err(StorageError::InvalidInput("page size must be 1 to 1000"));
        }
        let offset = i64::from(page.max(1) - 1) * i64::from(page_size);
        let columns = DEPOSIT_COLUMNS
            .split(", ")
            .map(|c| format!("d.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {columns}, e.first_name, e.last_name FROM direct_deposits d \
             JOIN employees e ON e.tenant_id = d.tenant_id AND e.company_id = d.company_id \
             AND e.id = d.employee_id \
             WHERE d.tenant_id = $1 AND d.company_id = $2 AND d.status = 'Pending' \
             AND d.end_dated_at IS NULL ORDER BY d.created_at, d.id LIMIT $3 OFFSET $4"
        );
        let mut tx = self.begin_read().await?;
        let rows = sqlx::query(&sql)
            .bind(tenant)
            .bind(company)
            .bind(i64::from(page_size))
            .bind(offset)
            .fetch_all(&mut *tx)
            .await?;
        let total = sqlx::query(
            "SELECT COUNT(*) AS n FROM direct_deposits WHERE tenant_id = $1 \
             AND company_id = $2 AND status = 'Pending' AND end_dated_at IS NULL",
        )
        .bind(tenant)
        .bind(company)
        .fetch_one(&mut *tx)
        .await?
        .try_get::<i64, _>("n")?;
        tx.commit().await?;
        let pending = rows
            .iter()
            .map(|row| {
                Ok(PendingDeposit {
                    record: DepositRecord::from_row(row)?,
                    first_name: row.try_get("first_name")?,
                    last_name: row.try_get("last_name")?,
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        Ok((pending, total))
    }

    /// Records that `actor` was shown the full account number of deposit `id`: one audit
    /// row (action [`ACTION_ACCOUNT_REVEALED`], the masked snapshot), committed before the
    /// caller shows anything. Returns the deposit, whose envelope the caller opens.
    ///
    /// # Errors
    /// [`StorageError::NotFound`] when the deposit is not an active deposit of this
    /// employee.
    pub async fn record_reveal(
        &self,
        key: EmployeeKey<'_>,
        id: i64,
        actor: &Actor,
    ) -> Result<DepositRecord, StorageError> {
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "SELECT {DEPOSIT_COLUMNS} FROM direct_deposits WHERE tenant_id = $1 \
             AND company_id = $2 AND employee_id = $3 AND id = $4 AND end_dated_at IS NULL"
        );
        let row = sqlx::query(&sql)
            .bind(key.tenant)
            .bind(key.company)
            .bind(key.employee)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StorageError::NotFound("deposit"))?;
        let record = DepositRecord::from_row(&row)?;
        record_deposit_change(&mut tx, ACTION_ACCOUNT_REVEALED, actor, None, Some(&record)).await?;
        tx.commit().await?;
        tracing::info!(deposit = id, "account number revealed");
        Ok(record)
    }
}
