//! The per-employee rules of `dd_domain::rules`, evaluated on stored rows.
//!
//! `dd_domain::check_new_deposit` compares clear account numbers, which storage never
//! holds: stored rows carry a caller-computed keyed fingerprint of the upper-cased account
//! number instead (see `NewDepositRecord::account_fingerprint`). Equal fingerprints ⇔
//! `AccountNumber::same_account`, so these checks decide exactly what the domain ones do
//! and return the same `DomainError`s; the partial unique indexes of the schema back
//! them up against concurrent writers.

use dd_domain::{AmountType, DomainError, DuplicateKind};

use crate::records::NewDepositRecord;

/// An active (not end-dated) deposit as the rules see it.
#[derive(Debug, Clone)]
pub(crate) struct ActiveDeposit {
    pub(crate) id: i64,
    pub(crate) routing: String,
    pub(crate) fingerprint: String,
    pub(crate) amount_type: AmountType,
}

/// Same order as `dd_domain::check_new_deposit`: bank account first, then remainder.
pub(crate) fn check_create(
    active: &[ActiveDeposit],
    new: &NewDepositRecord,
) -> Result<(), DomainError> {
    if let Some(same) = active
        .iter()
        .find(|d| d.routing == new.routing.as_str() && d.fingerprint == new.account_fingerprint)
    {
        return Err(DomainError::Duplicate {
            kind: DuplicateKind::BankAccount,
            existing_id: same.id,
        });
    }
    check_remainder(active, None, new.allocation.amount_type())
}

/// One Balance Remainder per employee; `except` is the deposit being updated.
pub(crate) fn check_remainder(
    active: &[ActiveDeposit],
    except: Option<i64>,
    amount_type: AmountType,
) -> Result<(), DomainError> {
    if amount_type != AmountType::BalanceRemainder {
        return Ok(());
    }
    match active
        .iter()
        .find(|d| Some(d.id) != except && d.amount_type == AmountType::BalanceRemainder)
    {
        Some(other) => Err(DomainError::Duplicate {
            kind: DuplicateKind::BalanceRemainder,
            existing_id: other.id,
        }),
        None => Ok(()),
    }
}
