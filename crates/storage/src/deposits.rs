//! Direct-deposit writes: each one checks the rules, writes the row, the audit row and (for
//! changes payroll must see) the outbox job in ONE transaction.

use dd_domain::{Allocation, DeleteAction, DomainError, DuplicateKind, Status};
use sqlx::{Any, Row, Transaction};

use crate::audit::record_deposit_change;
use crate::connect::{Backend, Store, now_ms};
use crate::error::StorageError;
use crate::idempotency::{self, IdempotencyInput};
use crate::jobs::JobAction;
use crate::outbox::enqueue;
use crate::records::{
    Actor, Committed, DEPOSIT_COLUMNS, DeleteOutcome, DepositRecord, EmployeeKey, NewDepositRecord,
};
use crate::rules::{EmployeeTally, check_create};

/// What a lost race against a concurrent writer of the same employee's deposits looks like.
const RACE: &str = "the employee's deposits changed concurrently; retry";

/// Maps a unique-index violation (a concurrent write passed the same check) to a conflict.
fn race_to_conflict(e: StorageError) -> StorageError {
    if e.is_unique_violation() {
        StorageError::Conflict(RACE)
    } else {
        e
    }
}

impl Store {
    /// Creates a Pending deposit for the employee.
    ///
    /// With `idempotency`, the rendered response is stored under the key in the same
    /// transaction.
    ///
    /// # Errors
    /// [`StorageError::NotFound`] for an unknown employee (in this tenant and company);
    /// [`StorageError::Domain`] with `Duplicate` when the rules refuse it, or with
    /// `TooManyDeposits` when the employee already has
    /// [`Store::max_deposits_per_employee`] active deposits;
    /// [`StorageError::Conflict`] on a concurrent create or a reused idempotency key;
    /// [`StorageError::InvalidInput`] for empty ciphertext / fingerprint or a bad last 4.
    pub async fn create_deposit(
        &self,
        key: EmployeeKey<'_>,
        new: &NewDepositRecord,
        actor: &Actor,
        idempotency: Option<&IdempotencyInput<'_>>,
    ) -> Result<DepositRecord, StorageError> {
        validate_new(new)?;
        let mut tx = self.begin_write().await?;
        if !self.lock_employee(&mut tx, key).await? {
            return Err(StorageError::NotFound("employee"));
        }
        let tally = tally(&mut tx, key, new).await?;
        check_create(
            &tally,
            new.allocation.is_balance_remainder(),
            self.max_deposits_per_employee(),
        )?;
        let now = now_ms();
        let sql = format!(
            "INSERT INTO direct_deposits (tenant_id, company_id, employee_id, routing_number, \
             account_ciphertext, account_last4, account_fingerprint, designation, amount_type, \
             amount, status, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12) \
             RETURNING {DEPOSIT_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(key.tenant)
            .bind(key.company)
            .bind(key.employee)
            .bind(new.routing.as_str())
            .bind(new.account_ciphertext.as_str())
            .bind(new.account_last4.as_str())
            .bind(new.account_fingerprint.as_str())
            .bind(new.designation.as_str())
            .bind(new.allocation.amount_type().as_str())
            .bind(new.allocation.stored_amount())
            .bind(Status::INITIAL.as_str())
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| race_to_conflict(e.into()))?;
        let record = DepositRecord::from_row(&row)?;
        record_deposit_change(&mut tx, "create", actor, None, Some(&record)).await?;
        if let Some(input) = idempotency {
            idempotency::save(&mut tx, key.tenant, input, &record).await?;
        }
        tx.commit().await?;
        tracing::info!(deposit = record.id, "direct deposit created");
        Ok(record)
    }

    /// Changes the amount type and amount. An Approved deposit stays Approved and the
    /// change is queued for payroll.
    ///
    /// # Errors
    /// [`StorageError::NotFound`] when the deposit is not an active deposit of this
    /// employee; [`StorageError::Domain`] with `Duplicate` for a second Balance Remainder,
    /// with `NotEditable` for a Rejected deposit; [`StorageError::Conflict`] on a
    /// concurrent change.
    pub async fn update_deposit(
        &self,
        key: EmployeeKey<'_>,
        id: i64,
        allocation: Allocation,
        actor: &Actor,
    ) -> Result<Committed<DepositRecord>, StorageError> {
        let mut tx = self.begin_write().await?;
        let old = self.load_for_write(&mut tx, key, id).await?;
        old.status.check_editable()?;
        if allocation.is_balance_remainder()
            && let Some(existing_id) = other_remainder(&mut tx, key, id).await?
        {
            return Err(DomainError::Duplicate {
                kind: DuplicateKind::BalanceRemainder,
                existing_id,
            }
            .into());
        }
        let change = Change {
            allocation,
            ..Change::keep(&old)
        };
        let new = write_back(&mut tx, &old, &change).await?;
        record_deposit_change(&mut tx, "update", actor, Some(&old), Some(&new)).await?;
        let payroll_job = if new.status == Status::Approved {
            Some(enqueue(&mut tx, JobAction::Upsert, &new).await?)
        } else {
            None
        };
        tx.commit().await?;
        tracing::info!(deposit = id, "direct deposit updated");
        Ok(Committed {
            value: new,
            payroll_job,
        })
    }

    /// Deletes a deposit: Pending / Rejected / No Status rows are removed; an Approved one
    /// is end-dated and the end date queued for payroll.
    ///
    /// # Errors
    /// [`StorageError::NotFound`] when the deposit is not an active deposit of this
    /// employee; [`StorageError::Conflict`] on a concurrent change.
    pub async fn delete_deposit(
        &self,
        key: EmployeeKey<'_>,
        id: i64,
        actor: &Actor,
    ) -> Result<Committed<DeleteOutcome>, StorageError> {
        let mut tx = self.begin_write().await?;
        let old = self.load_for_write(&mut tx, key, id).await?;
        let out = match old.status.on_delete() {
            DeleteAction::Remove => {
                let done = sqlx::query(
                    "DELETE FROM direct_deposits WHERE tenant_id = $1 AND company_id = $2 \
                     AND employee_id = $3 AND id = $4 AND version = $5",
                )
                .bind(key.tenant)
                .bind(key.company)
                .bind(key.employee)
                .bind(id)
                .bind(old.version)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StorageError::Conflict(RACE));
                }
                record_deposit_change(&mut tx, "delete", actor, Some(&old), None).await?;
                Committed {
                    value: DeleteOutcome::Removed,
                    payroll_job: None,
                }
            }
            DeleteAction::EndDate => {
                let change = Change {
                    end_dated_at: Some(now_ms()),
                    ..Change::keep(&old)
                };
                let new = write_back(&mut tx, &old, &change).await?;
                record_deposit_change(&mut tx, "end_date", actor, Some(&old), Some(&new)).await?;
                let job = enqueue(&mut tx, JobAction::EndDate, &new).await?;
                Committed {
                    value: DeleteOutcome::EndDated(Box::new(new)),
                    payroll_job: Some(job),
                }
            }
        };
        tx.commit().await?;
        tracing::info!(deposit = id, "direct deposit deleted");
        Ok(out)
    }

    /// Approves a Pending deposit and queues it for payroll.
    ///
    /// # Errors
    /// [`StorageError::NotFound`]; [`StorageError::Domain`] with `InvalidTransition` when
    /// it is not Pending; [`StorageError::Conflict`] on a concurrent change.
    pub async fn approve_deposit(
        &self,
        key: EmployeeKey<'_>,
        id: i64,
        actor: &Actor,
    ) -> Result<Committed<DepositRecord>, StorageError> {
        let mut tx = self.begin_write().await?;
        let old = self.load_for_write(&mut tx, key, id).await?;
        let status = old.status.approve()?;
        let change = Change {
            status,
            ..Change::keep(&old)
        };
        let new = write_back(&mut tx, &old, &change).await?;
        record_deposit_change(&mut tx, "approve", actor, Some(&old), Some(&new)).await?;
        let job = enqueue(&mut tx, JobAction::Upsert, &new).await?;
        tx.commit().await?;
        tracing::info!(deposit = id, job, "direct deposit approved");
        Ok(Committed {
            value: new,
            payroll_job: Some(job),
        })
    }

    /// Rejects a Pending deposit (it never reaches payroll), recording the HR admin's
    /// `reason` (already validated by the caller) on the row and in the audit row.
    ///
    /// # Errors
    /// As [`Store::approve_deposit`]; [`StorageError::InvalidInput`] for an empty reason.
    pub async fn reject_deposit(
        &self,
        key: EmployeeKey<'_>,
        id: i64,
        reason: &str,
        actor: &Actor,
    ) -> Result<DepositRecord, StorageError> {
        if reason.trim().is_empty() {
            return Err(StorageError::InvalidInput("rejection reason is empty"));
        }
        let mut tx = self.begin_write().await?;
        let old = self.load_for_write(&mut tx, key, id).await?;
        let status = old.status.reject()?;
        let change = Change {
            status,
            rejection_reason: Some(reason),
            ..Change::keep(&old)
        };
        let new = write_back(&mut tx, &old, &change).await?;
        record_deposit_change(&mut tx, "reject", actor, Some(&old), Some(&new)).await?;
        tx.commit().await?;
        tracing::info!(deposit = id, "direct deposit rejected");
        Ok(new)
    }

    /// Records the payroll suite's id of a deposit (after its first delivery). Not a
    /// business change: no audit row, no version bump.
    ///
    /// # Errors
    /// [`StorageError::NotFound`] when the deposit is not in `tenant`.
    pub async fn set_payroll_ed_id(
        &self,
        tenant: &str,
        deposit_id: i64,
        ed_id: i64,
    ) -> Result<(), StorageError> {
        let done = sqlx::query(
            "UPDATE direct_deposits SET payroll_ed_id = $1 WHERE tenant_id = $2 AND id = $3",
        )
        .bind(ed_id)
        .bind(tenant)
        .bind(deposit_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StorageError::NotFound("deposit"))
        }
    }

    /// Whether the employee exists; on Postgres its row stays locked until the transaction
    /// ends, so concurrent creates for one employee take turns and the per-employee
    /// maximum holds exactly (SQLite's IMMEDIATE transaction already serialises writers).
    async fn lock_employee(
        &self,
        tx: &mut Transaction<'static, Any>,
        key: EmployeeKey<'_>,
    ) -> Result<bool, StorageError> {
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "SELECT id FROM employees WHERE tenant_id = $1 AND company_id = $2 AND id = $3{lock}"
        );
        let row = sqlx::query(&sql)
            .bind(key.tenant)
            .bind(key.company)
            .bind(key.employee)
            .fetch_optional(&mut **tx)
            .await?;
        Ok(row.is_some())
    }

    /// Loads an active deposit of the employee for a write; on Postgres the row stays
    /// locked until the transaction ends (SQLite's IMMEDIATE transaction already is).
    async fn load_for_write(
        &self,
        tx: &mut Transaction<'static, Any>,
        key: EmployeeKey<'_>,
        id: i64,
    ) -> Result<DepositRecord, StorageError> {
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "SELECT {DEPOSIT_COLUMNS} FROM direct_deposits WHERE tenant_id = $1 \
             AND company_id = $2 AND employee_id = $3 AND id = $4 AND end_dated_at IS NULL{lock}"
        );
        let row = sqlx::query(&sql)
            .bind(key.tenant)
            .bind(key.company)
            .bind(key.employee)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StorageError::NotFound("deposit"))?;
        DepositRecord::from_row(&row)
    }
}

fn validate_new(new: &NewDepositRecord) -> Result<(), StorageError> {
    if new.account_ciphertext.is_empty() {
        return Err(StorageError::InvalidInput("account ciphertext is empty"));
    }
    if new.account_fingerprint.is_empty() {
        return Err(StorageError::InvalidInput("account fingerprint is empty"));
    }
    let l4 = &new.account_last4;
    if l4.is_empty() || l4.len() > 4 || !l4.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(StorageError::InvalidInput(
            "account last 4 must be 1-4 letters or digits",
        ));
    }
    Ok(())
}

/// The mutable columns of a deposit after a change.
struct Change<'a> {
    status: Status,
    allocation: Allocation,
    end_dated_at: Option<i64>,
    rejection_reason: Option<&'a str>,
}

impl<'a> Change<'a> {
    /// Everything as `old` has it.
    fn keep(old: &'a DepositRecord) -> Self {
        Self {
            status: old.status,
            allocation: old.allocation,
            end_dated_at: old.end_dated_at,
            rejection_reason: old.rejection_reason.as_deref(),
        }
    }
}

/// Writes `change` over `old`, fenced on its version.
async fn write_back(
    tx: &mut Transaction<'static, Any>,
    old: &DepositRecord,
    change: &Change<'_>,
) -> Result<DepositRecord, StorageError> {
    let sql = format!(
        "UPDATE direct_deposits SET status = $1, amount_type = $2, amount = $3, \
         end_dated_at = $4, rejection_reason = $11, version = version + 1, updated_at = $5 \
         WHERE tenant_id = $6 AND company_id = $7 AND employee_id = $8 AND id = $9 \
         AND version = $10 RETURNING {DEPOSIT_COLUMNS}"
    );
    let row = sqlx::query(&sql)
        .bind(change.status.as_str())
        .bind(change.allocation.amount_type().as_str())
        .bind(change.allocation.stored_amount())
        .bind(change.end_dated_at)
        .bind(now_ms())
        .bind(old.tenant_id.as_str())
        .bind(old.company_id)
        .bind(old.employee_id)
        .bind(old.id)
        .bind(old.version)
        .bind(change.rejection_reason)
        .fetch_optional(&mut **tx)
        .await
        .map_err(|e| race_to_conflict(e.into()))?
        .ok_or(StorageError::Conflict(RACE))?;
    DepositRecord::from_row(&row)
}

/// The create's view of the employee's active deposits, in one aggregate query.
async fn tally(
    tx: &mut Transaction<'static, Any>,
    key: EmployeeKey<'_>,
    new: &NewDepositRecord,
) -> Result<EmployeeTally, StorageError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, \
         MAX(CASE WHEN routing_number = $4 AND account_fingerprint = $5 THEN id END) AS same, \
         MAX(CASE WHEN amount_type = 'Balance Remainder' THEN id END) AS remainder \
         FROM direct_deposits WHERE tenant_id = $1 AND company_id = $2 \
         AND employee_id = $3 AND end_dated_at IS NULL",
    )
    .bind(key.tenant)
    .bind(key.company)
    .bind(key.employee)
    .bind(new.routing.as_str())
    .bind(new.account_fingerprint.as_str())
    .fetch_one(&mut **tx)
    .await?;
    Ok(EmployeeTally {
        active: row.try_get("n")?,
        same_account: row.try_get("same")?,
        remainder: row.try_get("remainder")?,
    })
}

/// The employee's active Balance Remainder other than deposit `except`, if any.
async fn other_remainder(
    tx: &mut Transaction<'static, Any>,
    key: EmployeeKey<'_>,
    except: i64,
) -> Result<Option<i64>, StorageError> {
    let row = sqlx::query(
        "SELECT id FROM direct_deposits WHERE tenant_id = $1 AND company_id = $2 \
         AND employee_id = $3 AND end_dated_at IS NULL \
         AND amount_type = 'Balance Remainder' AND id <> $4",
    )
    .bind(key.tenant)
    .bind(key.company)
    .bind(key.employee)
    .bind(except)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|row| row.try_get("id").map_err(StorageError::from))
        .transpose()
}
