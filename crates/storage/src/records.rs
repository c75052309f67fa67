//! Typed rows of the deposit tables and the inputs of the write methods.

use core::fmt;

use dd_domain::{AccountNumber, Allocation, AmountType, Designation, RoutingNumber, Status};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::StorageError;

/// Which employee a call is about. Every deposit query is scoped by all three parts, so a
/// deposit id from another tenant, company or employee is simply not found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmployeeKey<'a> {
    /// Tenant id (UUID string).
    pub tenant: &'a str,
    /// Company id within the tenant.
    pub company: i64,
    /// Employee id within the company.
    pub employee: i64,
}

impl<'a> EmployeeKey<'a> {
    /// Builds a key.
    #[must_use]
    pub const fn new(tenant: &'a str, company: i64, employee: i64) -> Self {
        Self {
            tenant,
            company,
            employee,
        }
    }
}

/// Who makes a change, as recorded in the audit row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user's id, when the actor is a user of this tenant.
    pub user_id: Option<i64>,
    /// E-mail of the user, or a system name such as `ddctl`.
    pub name: String,
}

impl Actor {
    /// A user of the tenant.
    #[must_use]
    pub fn user(user_id: i64, email: &str) -> Self {
        Self {
            user_id: Some(user_id),
            name: email.to_owned(),
        }
    }

    /// A system process (seeding, the CLI).
    #[must_use]
    pub fn system(name: &str) -> Self {
        Self {
            user_id: None,
            name: name.to_owned(),
        }
    }
}

/// A deposit to create. The clear account number never reaches storage: the caller
/// encrypts it and computes its fingerprint.
#[derive(Clone)]
pub struct NewDepositRecord {
    /// Routing number of the target account.
    pub routing: RoutingNumber,
    /// The account number encrypted by the caller (opaque text, e.g. `dd1:…`).
    pub account_ciphertext: String,
    /// Last 4 characters of the account number (for masking and the audit trail).
    pub account_last4: String,
    /// Keyed hash (e.g. HMAC-SHA256 under a per-tenant key) of the account number
    /// **upper-cased**: the duplicate rule compares accounts ignoring ASCII case
    /// ([`AccountNumber::same_account`]), so equal fingerprints must mean the same account.
    /// See [`NewDepositRecord::fingerprint_input`].
    pub account_fingerprint: String,
    /// Account designation.
    pub designation: Designation,
    /// Amount type and amount.
    pub allocation: Allocation,
}

impl NewDepositRecord {
    /// The exact bytes the caller must feed its keyed hash to get `account_fingerprint`.
    #[must_use]
    pub fn fingerprint_input(account: &AccountNumber) -> zeroize::Zeroizing<String> {
        zeroize::Zeroizing::new(account.expose().to_ascii_uppercase())
    }
}

impl fmt::Debug for NewDepositRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewDepositRecord")
            .field("routing", &self.routing)
            .field("account", &"<redacted>")
            .field("designation", &self.designation)
            .field("allocation", &self.allocation)
            .finish()
    }
}

/// A stored deposit.
#[derive(Clone, PartialEq)]
pub struct DepositRecord {
    /// Deposit id.
    pub id: i64,
    /// Tenant id.
    pub tenant_id: String,
    /// Company id.
    pub company_id: i64,
    /// Employee id.
    pub employee_id: i64,
    /// Routing number.
    pub routing: RoutingNumber,
    /// The account number as encrypted by the caller.
    pub account_ciphertext: String,
    /// Last 4 characters of the account number.
    pub account_last4: String,
    /// Account designation.
    pub designation: Designation,
    /// Amount type and amount.
    pub allocation: Allocation,
    /// Approval status.
    pub status: Status,
    /// When an Approved deposit was deleted (epoch ms); such rows are history.
    pub end_dated_at: Option<i64>,
    /// The payroll suite's id for this deposit, once a delivery recorded it.
    pub payroll_ed_id: Option<i64>,
    /// Why an HR admin rejected it (Rejected deposits only).
    pub rejection_reason: Option<String>,
    /// Incremented on every change.
    pub version: i64,
    /// Creation time, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
}

impl fmt::Debug for DepositRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DepositRecord")
            .field("id", &self.id)
            .field("tenant_id", &self.tenant_id)
            .field("company_id", &self.company_id)
            .field("employee_id", &self.employee_id)
            .field("routing", &self.routing)
            .field("account", &"<redacted>")
            .field("designation", &self.designation)
            .field("allocation", &self.allocation)
            .field("status", &self.status)
            .field("end_dated_at", &self.end_dated_at)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// The columns [`DepositRecord::from_row`] reads, in `SELECT` order.
pub(crate) const DEPOSIT_COLUMNS: &str = "id, tenant_id, company_id, employee_id, \
     routing_number, account_ciphertext, account_last4, designation, amount_type, amount, \
     status, end_dated_at, payroll_ed_id, rejection_reason, version, created_at, updated_at";

const DEPOSITS: &str = "direct_deposits";

impl DepositRecord {
    /// Rebuilds a record, re-validating every typed column so a corrupt row stops here.
    pub(crate) fn from_row(row: &AnyRow) -> Result<Self, StorageError> {
        let routing: String = row.try_get("routing_number")?;
        let designation: String = row.try_get("designation")?;
        let amount_type: String = row.try_get("amount_type")?;
        let status: String = row.try_get("status")?;
        let amount_type: AmountType = amount_type
            .parse()
            .map_err(|_| StorageError::corrupt(DEPOSITS, "unknown amount_type"))?;
        Ok(Self {
            id: row.try_get("id")?,
            tenant_id: row.try_get("tenant_id")?,
            company_id: row.try_get("company_id")?,
            employee_id: row.try_get("employee_id")?,
            routing: RoutingNumber::parse(&routing)
                .map_err(|_| StorageError::corrupt(DEPOSITS, "invalid routing_number"))?,
            account_ciphertext: row.try_get("account_ciphertext")?,
            account_last4: row.try_get("account_last4")?,
            designation: designation
                .parse()
                .map_err(|_| StorageError::corrupt(DEPOSITS, "unknown designation"))?,
            allocation: Allocation::from_stored(amount_type, row.try_get("amount")?)
                .map_err(|_| StorageError::corrupt(DEPOSITS, "amount out of range"))?,
            status: status
                .parse()
                .map_err(|_| StorageError::corrupt(DEPOSITS, "unknown status"))?,
            end_dated_at: row.try_get("end_dated_at")?,
            payroll_ed_id: row.try_get("payroll_ed_id")?,
            rejection_reason: row.try_get("rejection_reason")?,
            version: row.try_get("version")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }

    /// The employee this deposit belongs to.
    #[must_use]
    pub fn employee_key(&self) -> EmployeeKey<'_> {
        EmployeeKey::new(&self.tenant_id, self.company_id, self.employee_id)
    }

    /// The masked JSON snapshot written to audit rows: the account appears only as its
    /// last 4 characters.
    pub(crate) fn audit_json(&self) -> String {
        serde_json::json!({
            "id": self.id,
            "routingNumber": self.routing.as_str(),
            "accountLast4": self.account_last4,
            "designation": self.designation.as_str(),
            "amountType": self.allocation.amount_type().as_str(),
            "amount": self.allocation.stored_amount(),
            "status": self.status.as_str(),
            "endDatedAt": self.end_dated_at,
            "rejectionReason": self.rejection_reason,
        })
        .to_string()
    }
}

/// What deleting a deposit did.
#[derive(Debug, Clone, PartialEq)]
pub enum DeleteOutcome {
    /// The row is gone (it never reached payroll).
    Removed,
    /// The Approved row was kept with an end date and the end date queued for payroll.
    EndDated(Box<DepositRecord>),
}

/// The result of a write that may have queued a payroll job.
#[derive(Debug, Clone, PartialEq)]
pub struct Committed<T> {
    /// What the write produced.
    pub value: T,
    /// The payroll outbox job written in the same transaction, if any: deliver it right
    /// after commit (the drain command picks it up otherwise).
    pub payroll_job: Option<i64>,
}
