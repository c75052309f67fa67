//! Direct-deposit types and rules (docs/architecture.md §2.4): routing numbers with the ABA checksum,
//! account numbers as secrets with masking, amount types and allocations, the status
//! lifecycle, the per-employee uniqueness rules, and the paycheck split.
//!
//! No I/O, no async, no logging: storage and the API build on these types. Every failure is
//! a [`DomainError`], whose messages never contain an account number.

mod account;
mod allocation;
mod designation;
mod error;
mod paycheck;
mod routing;
mod rules;
mod status;
mod wire_enum;

pub use account::{AccountNumber, MAX_ACCOUNT_LEN, mask};
pub use allocation::{
    Allocation, AmountType, Cents, Hundredths, MAX_FLAT_CENTS, MAX_PERCENT_HUNDREDTHS,
};
pub use designation::Designation;
pub use error::{DomainError, DuplicateKind, fields};
pub use paycheck::{
    NET_PAY_FIELD, NetPay, Split, SplitInput, SplitLine, format_money, split_paycheck,
};
pub use routing::RoutingNumber;
pub use rules::{ExistingDeposit, NewDeposit, check_new_deposit, check_update};
pub use status::{DeleteAction, Status};
