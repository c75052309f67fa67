//! Idempotent seeding of tenants, companies, employees, users and payroll accounts: the
//! fixed demo data of `ddctl serve`, and fixtures of other crates' tests.

use crate::connect::Store;
use crate::directory::{
    PayrollAccount, Role, upsert_company, upsert_employee, upsert_payroll_account, upsert_tenant,
    upsert_user,
};
use crate::error::StorageError;
use crate::records::EmployeeKey;

/// The first demo tenant: company 1 with employees 1–3 (3 is an HR admin).
pub const DEMO_TENANT_1: &str = "00000000-0000-4000-8000-000000000001";
/// The second demo tenant: company 1 with employee 1.
pub const DEMO_TENANT_2: &str = "00000000-0000-4000-8000-000000000002";

/// Data to upsert. Running it twice changes nothing the second time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSeed {
    /// Tenants with everything below them.
    pub tenants: Vec<TenantSeed>,
}

/// A tenant to upsert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSeed {
    /// Tenant id (UUID string).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Its companies.
    pub companies: Vec<CompanySeed>,
    /// Its payroll service account.
    pub payroll: Option<PayrollAccount>,
}

/// A company to upsert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanySeed {
    /// Company id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Its employees.
    pub employees: Vec<EmployeeSeed>,
}

/// An employee and the user that logs in as them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployeeSeed {
    /// Employee id.
    pub id: i64,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// The linked user's e-mail.
    pub email: String,
    /// The linked user's role.
    pub role: Role,
}

fn employee(id: i64, first: &str, last: &str, email: &str, role: Role) -> EmployeeSeed {
    EmployeeSeed {
        id,
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        email: email.to_owned(),
        role,
    }
}

impl DemoSeed {
    /// The fixed demo data (DEMO_TENANT_1: Acme, company 1, employees 1–3 with 3 the HR
    /// admin; DEMO_TENANT_2: Globex, company 1, employee 1). Each tenant's payroll account
    /// points at `api_base_url` (client 1, company 1) with user `svc-<tenant name>` and the
    /// password ciphertext `password_ciphertext(tenant_id)` (the caller encrypts in the
    /// legacy format; storage never sees a clear password).
    #[must_use]
    pub fn standard(api_base_url: &str, password_ciphertext: &dyn Fn(&str) -> String) -> Self {
        let payroll = |tenant: &str, user: &str| PayrollAccount {
            api_base_url: api_base_url.to_owned(),
            username: user.to_owned(),
            password_ciphertext: password_ciphertext(tenant),
            client_id: 1,
            company_id: 1,
        };
        Self {
            tenants: vec![
                TenantSeed {
                    id: DEMO_TENANT_1.to_owned(),
                    name: "Acme".to_owned(),
                    companies: vec![CompanySeed {
                        id: 1,
                        name: "Acme Payroll Co".to_owned(),
                        employees: vec![
                            employee(1, "Alice", "Anders", "alice@acme.example", Role::Employee),
                            employee(2, "Bob", "Baker", "bob@acme.example", Role::Employee),
                            employee(3, "Hana", "Reyes", "hr@acme.example", Role::Admin),
                        ],
                    }],
                    payroll: Some(payroll(DEMO_TENANT_1, "svc-acme")),
                },
                TenantSeed {
                    id: DEMO_TENANT_2.to_owned(),
                    name: "Globex".to_owned(),
                    companies: vec![CompanySeed {
                        id: 1,
                        name: "Globex Corp".to_owned(),
                        employees: vec![employee(
                            1,
                            "Carol",
                            "Chen",
                            "carol@globex.example",
                            Role::Employee,
                        )],
                    }],
                    payroll: Some(payroll(DEMO_TENANT_2, "svc-globex")),
                },
            ],
        }
    }
}

impl Store {
    /// Upserts everything in `seed` in one transaction.
    ///
    /// # Errors
    /// [`StorageError::Database`] when a write fails; nothing is written then.
    pub async fn seed(&self, seed: &DemoSeed) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        for t in &seed.tenants {
            upsert_tenant(&mut tx, &t.id, &t.name).await?;
            for c in &t.companies {
                upsert_company(&mut tx, &t.id, c.id, &c.name).await?;
                for e in &c.employees {
                    let key = EmployeeKey::new(&t.id, c.id, e.id);
                    upsert_employee(&mut tx, key, &e.first_name, &e.last_name).await?;
                    upsert_user(&mut tx, &t.id, &e.email, e.role, Some((c.id, e.id))).await?;
                }
            }
            if let Some(account) = &t.payroll {
                upsert_payroll_account(&mut tx, &t.id, account).await?;
            }
        }
        tx.commit().await?;
        tracing::info!(tenants = seed.tenants.len(), "seed applied");
        Ok(())
    }
}
