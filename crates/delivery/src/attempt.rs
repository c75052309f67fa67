//! One delivery attempt of one claimed job: the payroll conversation, with the single
//! re-read and re-decrypt of the tenant's service password when payroll refuses it.

use dd_payroll::{DirectDepositEd, EdDate, EmployeeRef, IdempotencyKey, TenantCredentials};
use dd_storage::{EmployeeKey, JobAction, PayrollAccount, PayrollJob};

use crate::DeliveryError;
use crate::deliverer::Deliverer;
use crate::ed::{self, Plan, Precedents};

/// What a successful attempt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivered {
    /// Payroll applied the change to this E/D.
    Applied(i64),
    /// Nothing to do at payroll, and why.
    Skipped(&'static str),
}

/// The payroll call of a job whose plan is not to skip.
#[derive(Debug, Clone)]
enum Call {
    Create,
    Update(i64),
    EndDate(i64, EdDate),
}

impl Deliverer {
    pub(crate) async fn attempt(&self, job: &PayrollJob) -> Result<Delivered, DeliveryError> {
        let store = self.store();
        let tenant = job.tenant_id.as_str();
        let target = store
            .delivery_target(tenant, job.deposit_id)
            .await?
            .ok_or(DeliveryError::Undeliverable("the deposit no longer exists"))?;
        let precedents = match job.action {
            JobAction::Upsert => Precedents {
                earlier_upsert_delivered: store.earlier_upsert_delivered(job).await?,
                later_job_done: store.later_job_done(job).await?,
                // Only an end-dated deposit needs it (one query fewer on the common path).
                end_date_queued: target.end_dated_at.is_some()
                    && store.later_end_date_queued(job).await?,
            },
            JobAction::EndDate => Precedents::default(),
        };
        let call = match ed::plan(job.action, target, precedents) {
            Plan::Skip(why) => return Ok(Delivered::Skipped(why)),
            Plan::Create => Call::Create,
            Plan::Update(ed) => Call::Update(ed),
            Plan::EndDate(ed) => {
                let end = job
                    .payload
                    .end_dated_at
                    .ok_or(DeliveryError::Undeliverable(
                        "end-date job without an end date",
                    ))?;
                Call::EndDate(ed, ed::ed_date(end)?)
            }
        };
        let account_number = self
            .accounts()
            .open_account(tenant, &job.payload.account_ciphertext)
            .await?;
        let deposit = ed::deposit_ed(&job.payload, account_number, target)?;
        let key = IdempotencyKey::new(job.idempotency_key.clone())?;

        let account = self.payroll_account(tenant).await?;
        let creds = self.tenant_credentials(tenant, &account, false).await?;
        let outcome = match self
            .call(&account, &creds, job, &call, &deposit, &key)
            .await
        {
            Err(DeliveryError::Payroll(e)) if e.is_credentials_rejected() => {
                // The row may have been rotated since we read it (or our cached password
                // is stale): read it again, decrypt again, and try exactly once more.
                tracing::warn!(
                    job = job.id,
                    tenant,
                    step = e.step().map_or("input", |s| s.as_str()),
                    "payroll refused the service credentials; re-reading and re-decrypting once"
                );
                self.forget_credentials(tenant);
                self.client(&account)?.forget_session(tenant).await;
                let account = self.payroll_account(tenant).await?;
                let creds = self.tenant_credentials(tenant, &account, true).await?;
                self.call(&account, &creds, job, &call, &deposit, &key)
                    .await
            }
            other => other,
        };
        let ed_id = outcome?;
        if matches!(call, Call::Create) {
            store
                .set_payroll_ed_id(tenant, job.deposit_id, ed_id)
                .await?;
        }
        Ok(Delivered::Applied(ed_id))
    }

    async fn payroll_account(&self, tenant: &str) -> Result<PayrollAccount, DeliveryError> {
        self.store()
            .payroll_account(tenant)
            .await?
            .ok_or(DeliveryError::Undeliverable(
                "the tenant has no payroll account",
            ))
    }

    /// Makes the call; returns the E/D id it concerns.
    async fn call(
        &self,
        account: &PayrollAccount,
        creds: &TenantCredentials,
        job: &PayrollJob,
        call: &Call,
        deposit: &DirectDepositEd,
        key: &IdempotencyKey,
    ) -> Result<i64, DeliveryError> {
        let client = self.client(account)?;
        // Imported employees keep the legacy payroll keys; the rest use the account's.
        let keys = self
            .store()
            .payroll_employee_keys(EmployeeKey::new(
                &job.tenant_id,
                job.company_id,
                job.employee_id,
            ))
            .await?;
        let employee = EmployeeRef::new(
            keys.client_id.unwrap_or(account.client_id).to_string(),
            keys.company_id.unwrap_or(account.company_id).to_string(),
            keys.employee_id.unwrap_or(job.employee_id).to_string(),
        );
        match call {
            Call::Create => {
                let created = client.create_ed(creds, &employee, deposit, key).await?;
                created.id.parse::<i64>().map_err(|_| {
                    DeliveryError::Undeliverable("payroll returned a non-numeric E/D id")
                })
            }
            Call::Update(ed) => {
                client
                    .update_ed(creds, &employee, &ed.to_string(), deposit, key)
                    .await?;
                Ok(*ed)
            }
            Call::EndDate(ed, end) => {
                client
                    .end_date_ed(creds, &employee, &ed.to_string(), deposit, end.clone(), key)
                    .await?;
                Ok(*ed)
            }
        }
    }
}
