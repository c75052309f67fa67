//! Per-employee rules that span several deposits.
//!
//! The caller loads the employee's deposits (inside the write transaction, so the check and
//! the write see the same rows), borrows them as [`ExistingDeposit`]s, and runs the check
//! before writing. Both rules ignore end-dated rows: those are history, not live deposits.

use crate::account::AccountNumber;
use crate::allocation::AmountType;
use crate::error::{DomainError, DuplicateKind};
use crate::routing::RoutingNumber;

/// One of the employee's stored deposits, as the rules need to see it.
#[derive(Debug, Clone, Copy)]
pub struct ExistingDeposit<'a> {
    /// The deposit's id.
    pub id: i64,
    /// Its routing number.
    pub routing: &'a RoutingNumber,
    /// Its (decrypted) account number.
    pub account: &'a AccountNumber,
    /// Its amount type.
    pub amount_type: AmountType,
    /// Whether it has been end-dated (deleted after approval); such rows are ignored.
    pub end_dated: bool,
}

/// A deposit about to be created for the employee.
#[derive(Debug, Clone, Copy)]
pub struct NewDeposit<'a> {
    /// Routing number of the target account.
    pub routing: &'a RoutingNumber,
    /// Target account number.
    pub account: &'a AccountNumber,
    /// Amount type of the new deposit.
    pub amount_type: AmountType,
}

/// Checks that `candidate` can be added to the employee's `existing` deposits.
///
/// # Errors
/// [`DomainError::Duplicate`] with [`DuplicateKind::BankAccount`] when an active deposit
/// already goes to the same routing + account number (account compared ignoring ASCII case,
/// see [`AccountNumber::same_account`]); otherwise with [`DuplicateKind::BalanceRemainder`]
/// when the candidate is a Balance Remainder and an active one exists.
pub fn check_new_deposit(
    existing: &[ExistingDeposit<'_>],
    candidate: &NewDeposit<'_>,
) -> Result<(), DomainError> {
    let active = || existing.iter().filter(|d| !d.end_dated);
    if let Some(same) = active()
        .find(|d| d.routing == candidate.routing && d.account.same_account(candidate.account))
    {
        return Err(DomainError::Duplicate {
            kind: DuplicateKind::BankAccount,
            existing_id: same.id,
        });
    }
    check_single_remainder(active(), candidate.amount_type)
}

/// Checks that deposit `id` may change its amount type to `new_amount_type`.
///
/// Only the amount type can break a rule on update (the bank account is fixed once
/// created), and the deposit being updated does not collide with itself. Whether `id`
/// exists is the caller's concern (404).
///
/// # Errors
/// [`DomainError::Duplicate`] with [`DuplicateKind::BalanceRemainder`] when the new type is
/// Balance Remainder and another active deposit already is one.
pub fn check_update(
    existing: &[ExistingDeposit<'_>],
    id: i64,
    new_amount_type: AmountType,
) -> Result<(), DomainError> {
    let others = existing.iter().filter(|d| !d.end_dated && d.id != id);
    check_single_remainder(others, new_amount_type)
}

/// One Balance Remainder per employee.
fn check_single_remainder<'d, 'a: 'd>(
    mut active: impl Iterator<Item = &'d ExistingDeposit<'a>>,
    amount_type: AmountType,
) -> Result<(), DomainError> {
    if amount_type != AmountType::BalanceRemainder {
        return Ok(());
    }
    match active.find(|d| d.amount_type == AmountType::BalanceRemainder) {
        Some(other) => Err(DomainError::Duplicate {
            kind: DuplicateKind::BalanceRemainder,
            existing_id: other.id,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixture {
        r1: RoutingNumber,
        r2: RoutingNumber,
        a1: AccountNumber,
        a2: AccountNumber,
    }

    fn fixture() -> Fixture {
        Fixture {
            r1: RoutingNumber::parse("021000021").unwrap(),
            r2: RoutingNumber::parse("011000015").unwrap(),
            a1: AccountNumber::parse("12345678").unwrap(),
            a2: AccountNumber::parse("87654321").unwrap(),
        }
    }

    fn row<'a>(
        id: i64,
        routing: &'a RoutingNumber,
        account: &'a AccountNumber,
        amount_type: AmountType,
        end_dated: bool,
    ) -> ExistingDeposit<'a> {
        ExistingDeposit {
            id,
            routing,
            account,
            amount_type,
            end_dated,
        }
    }

    fn dup(kind: DuplicateKind, existing_id: i64) -> Result<(), DomainError> {
        Err(DomainError::Duplicate { kind, existing_id })
    }

    #[test]
    fn first_deposit_is_always_fine() {
        let f = fixture();
        for amount_type in AmountType::ALL {
            let new = NewDeposit {
                routing: &f.r1,
                account: &f.a1,
                amount_type: *amount_type,
            };
            assert_eq!(check_new_deposit(&[], &new), Ok(()));
        }
    }

    #[test]
    fn rejects_same_routing_and_account() {
        let f = fixture();
        let existing = [row(1, &f.r1, &f.a1, AmountType::Flat, false)];
        let new = NewDeposit {
            routing: &f.r1,
            account: &f.a1,
            amount_type: AmountType::Percentage,
        };
        assert_eq!(
            check_new_deposit(&existing, &new),
            dup(DuplicateKind::BankAccount, 1)
        );
    }

    #[test]
    fn account_comparison_ignores_case() {
        let f = fixture();
        let lower = AccountNumber::parse("abc12345").unwrap();
        let upper = AccountNumber::parse("ABC12345").unwrap();
        let existing = [row(4, &f.r1, &lower, AmountType::Flat, false)];
        let new = NewDeposit {
            routing: &f.r1,
            account: &upper,
            amount_type: AmountType::Flat,
        };
        assert_eq!(
            check_new_deposit(&existing, &new),
            dup(DuplicateKind::BankAccount, 4)
        );
    }

    #[test]
    fn same_account_at_another_bank_or_other_account_is_fine() {
        let f = fixture();
        let existing = [row(1, &f.r1, &f.a1, AmountType::Flat, false)];
        for (routing, account) in [(&f.r2, &f.a1), (&f.r1, &f.a2)] {
            let new = NewDeposit {
                routing,
                account,
                amount_type: AmountType::Flat,
            };
            assert_eq!(check_new_deposit(&existing, &new), Ok(()));
        }
    }

    #[test]
    fn end_dated_rows_do_not_count() {
        let f = fixture();
        let existing = [row(1, &f.r1, &f.a1, AmountType::BalanceRemainder, true)];
        let new = NewDeposit {
            routing: &f.r1,
            account: &f.a1,
            amount_type: AmountType::BalanceRemainder,
        };
        assert_eq!(check_new_deposit(&existing, &new), Ok(()));
        assert_eq!(
            check_update(&existing, 2, AmountType::BalanceRemainder),
            Ok(())
        );
    }

    #[test]
    fn one_balance_remainder_per_employee() {
        let f = fixture();
        let existing = [
            row(1, &f.r1, &f.a1, AmountType::Flat, false),
            row(2, &f.r2, &f.a1, AmountType::BalanceRemainder, false),
        ];
        let new = NewDeposit {
            routing: &f.r1,
            account: &f.a2,
            amount_type: AmountType::BalanceRemainder,
        };
        assert_eq!(
            check_new_deposit(&existing, &new),
            dup(DuplicateKind::BalanceRemainder, 2)
        );
        // Flat and Percentage deposits can be added next to a remainder.
        for amount_type in [AmountType::Flat, AmountType::Percentage] {
            let new = NewDeposit { amount_type, ..new };
            assert_eq!(check_new_deposit(&existing, &new), Ok(()));
        }
    }

    #[test]
    fn bank_account_duplicate_is_reported_first() {
        let f = fixture();
        let existing = [row(3, &f.r1, &f.a1, AmountType::BalanceRemainder, false)];
        let new = NewDeposit {
            routing: &f.r1,
            account: &f.a1,
            amount_type: AmountType::BalanceRemainder,
        };
        assert_eq!(
            check_new_deposit(&existing, &new),
            dup(DuplicateKind::BankAccount, 3)
        );
    }

    #[test]
    fn update_to_remainder_conflicts_with_another_remainder() {
        let f = fixture();
        let existing = [
            row(1, &f.r1, &f.a1, AmountType::Flat, false),
            row(2, &f.r2, &f.a2, AmountType::BalanceRemainder, false),
        ];
        assert_eq!(
            check_update(&existing, 1, AmountType::BalanceRemainder),
            dup(DuplicateKind::BalanceRemainder, 2)
        );
        assert_eq!(check_update(&existing, 1, AmountType::Percentage), Ok(()));
    }

    #[test]
    fn update_of_the_remainder_itself_is_fine() {
        let f = fixture();
        let existing = [
            row(1, &f.r1, &f.a1, AmountType::Flat, false),
            row(2, &f.r2, &f.a2, AmountType::BalanceRemainder, false),
        ];
        assert_eq!(
            check_update(&existing, 2, AmountType::BalanceRemainder),
            Ok(())
        );
        assert_eq!(check_update(&existing, 2, AmountType::Flat), Ok(()));
    }

    #[test]
    fn debug_of_rows_does_not_leak_accounts() {
        let f = fixture();
        let existing = row(1, &f.r1, &f.a1, AmountType::Flat, false);
        assert!(!format!("{existing:?}").contains("12345678"));
    }
}
