//! Tenants, companies, employees, users and the tenant's payroll service account.

use core::fmt;

use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::connect::{Store, now_ms};
use crate::error::StorageError;
use crate::records::EmployeeKey;

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Sees and edits their own deposits, with account numbers masked.
    Employee,
    /// HR admin: every employee of the tenant, approvals.
    Admin,
}

impl Role {
    /// The database string.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Employee => "employee",
            Self::Admin => "admin",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "employee" => Some(Self::Employee),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// A user of a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// User id.
    pub id: i64,
    /// Tenant id.
    pub tenant_id: String,
    /// Lower-case e-mail.
    pub email: String,
    /// Role.
    pub role: Role,
    /// Company of the linked employee.
    pub company_id: Option<i64>,
    /// The employee this user is, if any.
    pub employee_id: Option<i64>,
}

impl UserRecord {
    fn from_row(row: &AnyRow) -> Result<Self, StorageError> {
        let role: String = row.try_get("role")?;
        Ok(Self {
            id: row.try_get("id")?,
            tenant_id: row.try_get("tenant_id")?,
            email: row.try_get("email")?,
            role: Role::parse(&role)
                .ok_or_else(|| StorageError::corrupt("users", "unknown role"))?,
            company_id: row.try_get("company_id")?,
            employee_id: row.try_get("employee_id")?,
        })
    }
}

/// A user with the names shown for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProfile {
    /// The user.
    pub user: UserRecord,
    /// The tenant's display name.
    pub tenant_name: String,
    /// The linked employee's first name (none without an employee link).
    pub first_name: Option<String>,
    /// The linked employee's last name.
    pub last_name: Option<String>,
}

/// The tenant's payroll service account (Evolution-style API).
#[derive(Clone, PartialEq, Eq)]
pub struct PayrollAccount {
    /// API base URL, e.g. `https://payroll.example.com`.
    pub api_base_url: String,
    /// Service-account user name.
    pub username: String,
    /// Service-account password in the legacy ciphertext format (decrypt in memory only).
    pub password_ciphertext: String,
    /// Payroll client id.
    pub client_id: i64,
    /// Payroll company id.
    pub company_id: i64,
}

impl fmt::Debug for PayrollAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PayrollAccount")
            .field("api_base_url", &self.api_base_url)
            .field("username", &self.username)
            .field("password_ciphertext", &"<redacted>")
            .field("client_id", &self.client_id)
            .field("company_id", &self.company_id)
            .finish()
    }
}

impl Store {
    /// Whether `tenant` exists.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the query fails.
    pub async fn tenant_exists(&self, tenant: &str) -> Result<bool, StorageError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM tenants WHERE id = $1")
            .bind(tenant)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// Whether the employee exists in this tenant and company.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the query fails.
    pub async fn employee_exists(&self, key: EmployeeKey<'_>) -> Result<bool, StorageError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM employees \
             WHERE tenant_id = $1 AND company_id = $2 AND id = $3",
        )
        .bind(key.tenant)
        .bind(key.company)
        .bind(key.employee)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// The user with `email` (compared lower-case) in `tenant`.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the query fails.
    pub async fn find_user(
        &self,
        tenant: &str,
        email: &str,
    ) -> Result<Option<UserRecord>, StorageError> {
        let row = sqlx::query(
            "SELECT id, tenant_id, email, role, company_id, employee_id FROM users \
             WHERE tenant_id = $1 AND email = $2",
        )
        .bind(tenant)
        .bind(email.to_lowercase())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(UserRecord::from_row).transpose()
    }

    /// The user with `email` in `tenant`, with the tenant's name and the linked employee's
    /// names: who a token's user is.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the query fails.
    pub async fn user_profile(
        &self,
        tenant: &str,
        email: &str,
    ) -> Result<Option<UserProfile>, StorageError> {
        let row = sqlx::query(
            "SELECT u.id, u.tenant_id, u.email, u.role, u.company_id, u.employee_id, \
             t.name AS tenant_name, e.first_name, e.last_name FROM users u \
             JOIN tenants t ON t.id = u.tenant_id \
             LEFT JOIN employees e ON e.tenant_id = u.tenant_id \
             AND e.company_id = u.company_id AND e.id = u.employee_id \
             WHERE u.tenant_id = $1 AND u.email = $2",
        )
        .bind(tenant)
        .bind(email.to_lowercase())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(UserProfile {
                user: UserRecord::from_row(&row)?,
                tenant_name: row.try_get("tenant_name")?,
                first_name: row.try_get("first_name")?,
                last_name: row.try_get("last_name")?,
            })
        })
        .transpose()
    }

    /// The tenant's payroll service account.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the query fails.
    pub async fn payroll_account(
        &self,
        tenant: &str,
    ) -> Result<Option<PayrollAccount>, StorageError> {
        let row = sqlx::query(
            "SELECT api_base_url, username, password_ciphertext, client_id, company_id \
             FROM payroll_accounts WHERE tenant_id = $1",
        )
        .bind(tenant)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(PayrollAccount {
                api_base_url: row.try_get("api_base_url")?,
                username: row.try_get("username")?,
                password_ciphertext: row.try_get("password_ciphertext")?,
                client_id: row.try_get("client_id")?,
                company_id: row.try_get("company_id")?,
            })
        })
        .transpose()
    }
}

// Idempotent upserts, run inside the caller's transaction (see seed.rs).

pub(crate) async fn upsert_tenant(
    conn: &mut AnyConnection,
    id: &str,
    name: &str,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name",
    )
    .bind(id)
    .bind(name)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn upsert_company(
    conn: &mut AnyConnection,
    tenant: &str,
    id: i64,
    name: &str,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO companies (tenant_id, id, name) VALUES ($1, $2, $3) \
         ON CONFLICT (tenant_id, id) DO UPDATE SET name = excluded.name",
    )
    .bind(tenant)
    .bind(id)
    .bind(name)
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn upsert_employee(
    conn: &mut AnyConnection,
    key: EmployeeKey<'_>,
    first_name: &str,
    last_name: &str,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO employees (tenant_id, company_id, id, first_name, last_name) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, company_id, id) \
         DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name",
    )
    .bind(key.tenant)
    .bind(key.company)
    .bind(key.employee)
    .bind(first_name)
    .bind(last_name)
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn upsert_user(
    conn: &mut AnyConnection,
    tenant: &str,
    email: &str,
    role: Role,
    employee: Option<(i64, i64)>,
) -> Result<i64, StorageError> {
    let row = sqlx::query(
        "INSERT INTO users (tenant_id, email, role, company_id, employee_id) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, email) DO UPDATE \
         SET role = excluded.role, company_id = excluded.company_id, \
         employee_id = excluded.employee_id RETURNING id",
    )
    .bind(tenant)
    .bind(email.to_lowercase())
    .bind(role.as_str())
    .bind(employee.map(|(c, _)| c))
    .bind(employee.map(|(_, e)| e))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub(crate) async fn upsert_payroll_account(
    conn: &mut AnyConnection,
    tenant: &str,
    account: &PayrollAccount,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO payroll_accounts (tenant_id, api_base_url, username, \
         password_ciphertext, client_id, company_id, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id) DO UPDATE SET \
         api_base_url = excluded.api_base_url, username = excluded.username, \
         password_ciphertext = excluded.password_ciphertext, \
         client_id = excluded.client_id, company_id = excluded.company_id, \
         updated_at = excluded.updated_at",
    )
    .bind(tenant)
    .bind(account.api_base_url.as_str())
    .bind(account.username.as_str())
    .bind(account.password_ciphertext.as_str())
    .bind(account.client_id)
    .bind(account.company_id)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}
