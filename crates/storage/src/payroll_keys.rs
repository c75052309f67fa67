//! The payroll suite's keys of an employee: which client, company and employee record a
//! payroll call addresses. Imported tenants keep the legacy keys (`Company.
//! PRIntegration_ClientID` / `PR_Integration_PK`, `Employee.PR_Integration_PK`); where one
//! is not known, the tenant's payroll account and our employee id stand in, as before.

use sqlx::Row;

use crate::connect::Store;
use crate::error::StorageError;
use crate::records::EmployeeKey;

/// An employee's payroll keys as stored; `None` where not known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PayrollEmployeeKeys {
    /// Payroll client id of the employee's company.
    pub client_id: Option<i64>,
    /// Payroll company id of the employee's company.
    pub company_id: Option<i64>,
    /// Payroll employee id.
    pub employee_id: Option<i64>,
}

impl Store {
    /// The stored payroll keys of the employee (all `None` for an unknown employee).
    ///
    /// # Errors
    /// [`StorageError::Database`] when the query fails.
    pub async fn payroll_employee_keys(
        &self,
        key: EmployeeKey<'_>,
    ) -> Result<PayrollEmployeeKeys, StorageError> {
        let row = sqlx::query(
            "SELECT c.payroll_client_id, c.payroll_company_id, e.payroll_employee_id \
             FROM employees e JOIN companies c ON c.tenant_id = e.tenant_id \
             AND c.id = e.company_id WHERE e.tenant_id = $1 AND e.company_id = $2 AND e.id = $3",
        )
        .bind(key.tenant)
        .bind(key.company)
        .bind(key.employee)
        .fetch_optional(&self.pool)
        .await?;
        row.map_or(Ok(PayrollEmployeeKeys::default()), |row| {
            Ok(PayrollEmployeeKeys {
                client_id: row.try_get("payroll_client_id")?,
                company_id: row.try_get("payroll_company_id")?,
                employee_id: row.try_get("payroll_employee_id")?,
            })
        })
    }
}
