//! The per-employee rules of `dd_domain::rules`, evaluated on stored rows.
//!
//! `dd_domain::check_new_deposit` compares clear account numbers, which storage never
//! holds: stored rows carry a caller-computed keyed fingerprint of the upper-cased account
//! number instead (see `NewDepositRecord::account_fingerprint`). Equal fingerprints ⇔
//! `AccountNumber::same_account`, so these checks decide exactly what the domain ones do
//! and return the same `DomainError`s; the partial unique indexes of the schema back
//! them up against concurrent writers.
//!
//! A create reads one aggregate row ([`EmployeeTally`]), never the employee's rows
//! themselves, so its cost does not grow with the number of deposits.

use dd_domain::{DomainError, DuplicateKind};

/// What a create needs to know about the employee's active (not end-dated) deposits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EmployeeTally {
    /// How many there are.
    pub(crate) active: i64,
    /// One that goes to the new deposit's routing + account number, if any.
    pub(crate) same_account: Option<i64>,
    /// The Balance Remainder deposit, if any.
    pub(crate) remainder: Option<i64>,
}

/// Same order as `dd_domain::check_new_deposit` (bank account, then remainder), then the
/// per-employee maximum.
pub(crate) fn check_create(
    tally: &EmployeeTally,
    new_is_remainder: bool,
    limit: u32,
) -> Result<(), DomainError> {
    if let Some(existing_id) = tally.same_account {
        return Err(DomainError::Duplicate {
            kind: DuplicateKind::BankAccount,
            existing_id,
        });
    }
    if new_is_remainder && let Some(existing_id) = tally.remainder {
        return Err(DomainError::Duplicate {
            kind: DuplicateKind::BalanceRemainder,
            existing_id,
        });
    }
    if tally.active >= i64::from(limit) {
        return Err(DomainError::TooManyDeposits { limit });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_limit() {
        let empty = EmployeeTally {
            active: 0,
            same_account: None,
            remainder: None,
        };
        assert_eq!(check_create(&empty, true, 10), Ok(()));
        let full = EmployeeTally {
            active: 10,
            ..empty
        };
        assert_eq!(
            check_create(&full, false, 10),
            Err(DomainError::TooManyDeposits { limit: 10 })
        );
        assert_eq!(check_create(&full, false, 11), Ok(()));
        let both = EmployeeTally {
            active: 10,
            same_account: Some(3),
            remainder: Some(4),
        };
        assert!(matches!(
            check_create(&both, true, 10),
            Err(DomainError::Duplicate {
                kind: DuplicateKind::BankAccount,
                existing_id: 3
            })
        ));
        let rem = EmployeeTally {
            same_account: None,
            ..both
        };
        assert!(matches!(
            check_create(&rem, true, 10),
            Err(DomainError::Duplicate {
                kind: DuplicateKind::BalanceRemainder,
                existing_id: 4
            })
        ));
    }
}
