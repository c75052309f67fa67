//! The directory half of a legacy import: tenant, companies (with payroll keys), employees
//! (with payroll keys), users and the payroll service account. Each row is compared with
//! what is stored and written only when it differs, so a re-run writes nothing.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::connect::now_ms;
use crate::directory::{PayrollAccount, upsert_payroll_account, upsert_user};
use crate::error::StorageError;
use crate::import::{ImportCompany, ImportCounts, ImportEmployee, LegacyImport};

/// What the directory half did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DirectoryCounts {
    /// The tenant did not exist and was created.
    pub tenant_created: bool,
    /// The tenant's name changed.
    pub tenant_renamed: bool,
    /// Companies.
    pub companies: ImportCounts,
    /// Employees.
    pub employees: ImportCounts,
    /// Users.
    pub users: ImportCounts,
    /// The payroll service account (at most one).
    pub payroll_account: ImportCounts,
}

impl DirectoryCounts {
    pub(crate) const fn changed(&self) -> bool {
        self.tenant_created
            || self.tenant_renamed
            || self.companies.changed()
            || self.employees.changed()
            || self.users.changed()
            || self.payroll_account.changed()
    }
}

type Tx = Transaction<'static, Any>;

pub(crate) async fn import_directory(
    tx: &mut Tx,
    plan: &LegacyImport,
) -> Result<DirectoryCounts, StorageError> {
    let mut counts = DirectoryCounts::default();
    tenant(tx, plan, &mut counts).await?;
    for c in &plan.companies {
        company(tx, &plan.tenant_id, c, &mut counts.companies).await?;
    }
    for e in &plan.employees {
        employee(tx, &plan.tenant_id, e, &mut counts.employees).await?;
    }
    users(tx, plan, &mut counts.users).await?;
    if let Some(account) = &plan.payroll_account {
        payroll_account(tx, &plan.tenant_id, account, &mut counts.payroll_account).await?;
    }
    Ok(counts)
}

async fn tenant(
    tx: &mut Tx,
    plan: &LegacyImport,
    counts: &mut DirectoryCounts,
) -> Result<(), StorageError> {
    let stored: Option<String> = sqlx::query("SELECT name FROM tenants WHERE id = $1")
        .bind(plan.tenant_id.as_str())
        .fetch_optional(&mut **tx)
        .await?
        .map(|row| row.try_get("name"))
        .transpose()?;
    match (stored, &plan.tenant_name) {
        (None, name) => {
            let name = name
                .clone()
                .or_else(|| {
                    let first = plan.companies.iter().min_by_key(|c| c.id)?;
                    Some(first.name.clone())
                })
                .unwrap_or_else(|| plan.tenant_id.clone());
            sqlx::query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)")
                .bind(plan.tenant_id.as_str())
                .bind(name)
                .bind(now_ms())
                .execute(&mut **tx)
                .await?;
            counts.tenant_created = true;
        }
        (Some(old), Some(new)) if old != *new => {
            sqlx::query("UPDATE tenants SET name = $1 WHERE id = $2")
                .bind(new.as_str())
                .bind(plan.tenant_id.as_str())
                .execute(&mut **tx)
                .await?;
            counts.tenant_renamed = true;
        }
        (Some(_), _) => {}
    }
    Ok(())
}

async fn company(
    tx: &mut Tx,
    tenant: &str,
    c: &ImportCompany,
    counts: &mut ImportCounts,
) -> Result<(), StorageError> {
    let stored = sqlx::query(
        "SELECT name, payroll_client_id, payroll_company_id FROM companies \
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(c.id)
    .fetch_optional(&mut **tx)
    .await?;
    let sql = match stored {
        None => {
            counts.added += 1;
            "INSERT INTO companies (name, payroll_client_id, payroll_company_id, tenant_id, id) \
             VALUES ($1, $2, $3, $4, $5)"
        }
        Some(row) => {
            let same = row.try_get::<String, _>("name")? == c.name
                && row.try_get::<Option<i64>, _>("payroll_client_id")? == c.payroll_client_id
                && row.try_get::<Option<i64>, _>("payroll_company_id")? == c.payroll_company_id;
            if same {
                counts.unchanged += 1;
                return Ok(());
            }
            counts.updated += 1;
            "UPDATE companies SET name = $1, payroll_client_id = $2, payroll_company_id = $3 \
             WHERE tenant_id = $4 AND id = $5"
        }
    };
    sqlx::query(sql)
        .bind(c.name.as_str())
        .bind(c.payroll_client_id)
        .bind(c.payroll_company_id)
        .bind(tenant)
        .bind(c.id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn employee(
    tx: &mut Tx,
    tenant: &str,
    e: &ImportEmployee,
    counts: &mut ImportCounts,
) -> Result<(), StorageError> {
    let stored = sqlx::query(
        "SELECT first_name, last_name, payroll_employee_id FROM employees \
         WHERE tenant_id = $1 AND company_id = $2 AND id = $3",
    )
    .bind(tenant)
    .bind(e.company_id)
    .bind(e.id)
    .fetch_optional(&mut **tx)
    .await?;
    let (first, last, sql) = match stored {
        None => {
            counts.added += 1;
            let (first, last) = e.name.clone().unwrap_or_default();
            let sql = "INSERT INTO employees (first_name, last_name, payroll_employee_id, \
                       tenant_id, company_id, id) VALUES ($1, $2, $3, $4, $5, $6)";
            (first, last, sql)
        }
        Some(row) => {
            let stored_name = (
                row.try_get::<String, _>("first_name")?,
                row.try_get::<String, _>("last_name")?,
            );
            let name = e.name.clone().unwrap_or_else(|| stored_name.clone());
            let same = name == stored_name
                && row.try_get::<Option<i64>, _>("payroll_employee_id")? == e.payroll_employee_id;
            if same {
                counts.unchanged += 1;
                return Ok(());
            }
            counts.updated += 1;
            let sql = "UPDATE employees SET first_name = $1, last_name = $2, \
                       payroll_employee_id = $3 WHERE tenant_id = $4 AND company_id = $5 \
                       AND id = $6";
            (name.0, name.1, sql)
        }
    };
    sqlx::query(sql)
        .bind(first)
        .bind(last)
        .bind(e.payroll_employee_id)
        .bind(tenant)
        .bind(e.company_id)
        .bind(e.id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn users(
    tx: &mut Tx,
    plan: &LegacyImport,
    counts: &mut ImportCounts,
) -> Result<(), StorageError> {
    let rows =
        sqlx::query("SELECT email, role, company_id, employee_id FROM users WHERE tenant_id = $1")
            .bind(plan.tenant_id.as_str())
            .fetch_all(&mut **tx)
            .await?;
    let mut stored = HashMap::new();
    for row in rows {
        let link = match (
            row.try_get::<Option<i64>, _>("company_id")?,
            row.try_get::<Option<i64>, _>("employee_id")?,
        ) {
            (Some(c), Some(e)) => Some((c, e)),
            _ => None,
        };
        stored.insert(
            row.try_get::<String, _>("email")?,
            (row.try_get::<String, _>("role")?, link),
        );
    }
    for user in &plan.users {
        let email = user.email.to_lowercase();
        match stored.get(&email) {
            Some((role, link)) if role == user.role.as_str() && *link == user.employee => {
                counts.unchanged += 1;
                continue;
            }
            Some(_) => counts.updated += 1,
            None => counts.added += 1,
        }
        upsert_user(tx, &plan.tenant_id, &email, user.role, user.employee).await?;
    }
    Ok(())
}

async fn payroll_account(
    tx: &mut Tx,
    tenant: &str,
    account: &PayrollAccount,
    counts: &mut ImportCounts,
) -> Result<(), StorageError> {
    let stored = sqlx::query(
        "SELECT api_base_url, username, password_ciphertext, client_id, company_id \
         FROM payroll_accounts WHERE tenant_id = $1",
    )
    .bind(tenant)
    .fetch_optional(&mut **tx)
    .await?;
    match stored {
        None => counts.added += 1,
        Some(row) => {
            let same = row.try_get::<String, _>("api_base_url")? == account.api_base_url
                && row.try_get::<String, _>("username")? == account.username
                && row.try_get::<String, _>("password_ciphertext")? == account.password_ciphertext
                && row.try_get::<i64, _>("client_id")? == account.client_id
                && row.try_get::<i64, _>("company_id")? == account.company_id;
            if same {
                counts.unchanged += 1;
                return Ok(());
            }
            counts.updated += 1;
        }
    }
    upsert_payroll_account(tx, tenant, account).await
}
