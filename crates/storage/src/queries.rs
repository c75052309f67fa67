//! Direct-deposit reads.

use dd_domain::{Allocation, AmountType, Status};
use sqlx::Row;

use crate::connect::Store;
use crate::error::StorageError;
use crate::records::{DEPOSIT_COLUMNS, DepositRecord, EmployeeKey};

/// Largest page a caller may ask for.
pub const MAX_PAGE_SIZE: u32 = 1000;

impl Store {
    /// One active (not end-dated) deposit of the employee.
    ///
    /// # Errors
    /// [`StorageError::NotFound`] when there is no such deposit for this tenant, company
    /// and employee.
    pub async fn get_deposit(
        &self,
        key: EmployeeKey<'_>,
        id: i64,
    ) -> Result<DepositRecord, StorageError> {
        let sql = format!(
            "SELECT {DEPOSIT_COLUMNS} FROM direct_deposits WHERE tenant_id = $1 \
             AND company_id = $2 AND employee_id = $3 AND id = $4 AND end_dated_at IS NULL"
        );
        let row = sqlx::query(&sql)
            .bind(key.tenant)
            .bind(key.company)
            .bind(key.employee)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StorageError::NotFound("deposit"))?;
        DepositRecord::from_row(&row)
    }

    /// A page of the employee's active deposits in id order, and how many there are in
    /// all. `page` is 1-based (0 is read as 1).
    ///
    /// # Errors
    /// [`StorageError::InvalidInput`] when `page_size` is 0 or above [`MAX_PAGE_SIZE`].
    pub async fn list_deposits(
        &self,
        key: EmployeeKey<'_>,
        page: u32,
        page_size: u32,
    ) -> Result<(Vec<DepositRecord>, i64), StorageError> {
        if page_size == 0 || page_size > MAX_PAGE_SIZE {
            return Err(StorageError::InvalidInput("page size must be 1 to 1000"));
        }
        let offset = i64::from(page.max(1) - 1) * i64::from(page_size);
        // One statement, no transaction: the window count is computed over the same
        // snapshot as the page, so the total matches the page without BEGIN/COMMIT and a
        // second query (on Postgres each was a round trip: 4 became 1).
        let sql = format!(
            "SELECT {DEPOSIT_COLUMNS}, COUNT(*) OVER () AS total_count FROM direct_deposits \
             WHERE tenant_id = $1 AND company_id = $2 AND employee_id = $3 \
             AND end_dated_at IS NULL ORDER BY id LIMIT $4 OFFSET $5"
        );
        let rows = sqlx::query(&sql)
            .bind(key.tenant)
            .bind(key.company)
            .bind(key.employee)
            .bind(i64::from(page_size))
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        let total = match rows.first() {
            Some(row) => row.try_get::<i64, _>("total_count")?,
            // Nothing on page 1: there is nothing at all.
            None if offset == 0 => 0,
            // A page past the end carries no row to read the count from (rare: a stale
            // page link), so only then is it a query of its own.
            None => self.count_deposits(key).await?,
        };
        let records = rows
            .iter()
            .map(DepositRecord::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((records, total))
    }

    /// How many active deposits the employee has.
    async fn count_deposits(&self, key: EmployeeKey<'_>) -> Result<i64, StorageError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM direct_deposits WHERE tenant_id = $1 \
             AND company_id = $2 AND employee_id = $3 AND end_dated_at IS NULL",
        )
        .bind(key.tenant)
        .bind(key.company)
        .bind(key.employee)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>("n")?)
    }

    /// The employee's not end-dated deposits in id order, `(id, allocation, status)`: what
    /// a paycheck split starts from (the caller leaves Rejected ones out of the split, but
    /// they still count for the per-employee rules).
    ///
    /// # Errors
    /// [`StorageError::CorruptRow`] for an unreadable amount type, amount or status.
    pub async fn deposit_allocations(
        &self,
        key: EmployeeKey<'_>,
    ) -> Result<Vec<(i64, Allocation, Status)>, StorageError> {
        let rows = sqlx::query(
            "SELECT id, amount_type, amount, status FROM direct_deposits WHERE tenant_id = $1 \
             AND company_id = $2 AND employee_id = $3 AND end_dated_at IS NULL ORDER BY id",
        )
        .bind(key.tenant)
        .bind(key.company)
        .bind(key.employee)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let corrupt = |reason| StorageError::corrupt("direct_deposits", reason);
                let amount_type: String = row.try_get("amount_type")?;
                let amount_type: AmountType = amount_type
                    .parse()
                    .map_err(|_| corrupt("unknown amount_type"))?;
                let allocation = Allocation::from_stored(amount_type, row.try_get("amount")?)
                    .map_err(|_| corrupt("amount out of range"))?;
                let status: String = row.try_get("status")?;
                let status = status.parse().map_err(|_| corrupt("unknown status"))?;
                Ok((row.try_get("id")?, allocation, status))
            })
            .collect()
    }
}
