//! The fixed demo data `ddctl serve` seeds, wired to this data directory's keys: each
//! tenant's payroll password is stored as the legacy ciphertext (encrypted with the server's
//! decrypt-Lambda key: the data directory's, or the one given), and the clear password
//! exists only in the simulator's configuration.

use anyhow::{Context as _, anyhow};
use dd_crypto::ExposeSecret as _;
use dd_crypto::decrypt_lambda::DecryptLambdaKey;
use dd_storage::{DemoSeed, Role};

use crate::data_dir::{DataDir, sim_tenant};

/// The demo seed pointing at the payroll simulator on `payroll_url`, its passwords
/// encrypted with the key secret `decrypt_key_json`.
///
/// # Errors
/// When the decrypt key is unusable or a demo tenant has no simulator account.
pub fn seed(data: &DataDir, decrypt_key_json: &str, payroll_url: &str) -> anyhow::Result<DemoSeed> {
    let key = DecryptLambdaKey::from_secret_json(decrypt_key_json)
        .context("the legacy credential key is unusable")?;
    // Encrypt up front: the seed builder's callback cannot fail.
    let template = DemoSeed::standard(payroll_url, &|_| String::new());
    let mut ciphertexts = Vec::new();
    for tenant in &template.tenants {
        let account = sim_tenant(&data.payroll_sim, &tenant.id)
            .ok_or_else(|| anyhow!("payroll-sim.json has no tenant {}", tenant.id))?;
        let ciphertext = key
            .encrypt(account.password.expose_secret())
            .context("cannot encrypt a payroll password")?;
        ciphertexts.push((tenant.id.clone(), ciphertext));
    }
    Ok(DemoSeed::standard(payroll_url, &|tenant| {
        ciphertexts
            .iter()
            .find(|(id, _)| id == tenant)
            .map(|(_, c)| c.clone())
            .unwrap_or_default()
    }))
}

/// One demo user: who they are and where their deposits live.
#[derive(Debug, Clone)]
pub struct DemoUser {
    /// Tenant id.
    pub tenant: String,
    /// Tenant display name.
    pub tenant_name: String,
    /// Company id.
    pub company: i64,
    /// Employee id.
    pub employee: i64,
    /// E-mail (the token's subject).
    pub email: String,
    /// `employee` or `admin`.
    pub role: Role,
}

/// Every user of the seed, in seed order.
#[must_use]
pub fn users(seed: &DemoSeed) -> Vec<DemoUser> {
    let mut out = Vec::new();
    for tenant in &seed.tenants {
        for company in &tenant.companies {
            for employee in &company.employees {
                out.push(DemoUser {
                    tenant: tenant.id.clone(),
                    tenant_name: tenant.name.clone(),
                    company: company.id,
                    employee: employee.id,
                    email: employee.email.clone(),
                    role: employee.role,
                });
            }
        }
    }
    out
}
