//! The crate's single error type.
//!
//! Every reason is a `&'static str`: an error can never carry user input, so an account
//! number cannot leak through a message, a log line or a panic, whatever a caller does.

use crate::status::Status;

/// Wire (JSON) names of the fields a [`DomainError::InvalidField`] can point at.
///
/// They match the REST resource in docs/architecture.md §2.4, so the API can echo them to clients.
pub mod fields {
    /// `bankAccount.routingNumber`.
    pub const ROUTING_NUMBER: &str = "routingNumber";
    /// `bankAccount.accountNumber`.
    pub const ACCOUNT_NUMBER: &str = "accountNumber";
    /// `bankAccount.designation`.
    pub const DESIGNATION: &str = "designation";
    /// `amountType`.
    pub const AMOUNT_TYPE: &str = "amountType";
    /// `amount`.
    pub const AMOUNT: &str = "amount";
    /// `status`.
    pub const STATUS: &str = "status";
}

/// Which uniqueness rule a new or changed deposit would break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DuplicateKind {
    /// The employee already has an active Balance Remainder deposit.
    BalanceRemainder,
    /// The employee already has an active deposit to the same routing + account number.
    BankAccount,
}

/// Everything that can go wrong in `dd-domain`.
///
/// Suggested API mapping (docs/architecture.md §2.4): `InvalidField` → 400 / code 30,
/// `Duplicate`, `InvalidTransition`, `NotEditable`, `TooManyDeposits` → 409 / code 40 (the
/// resource is in a state that conflicts with the request).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A field's value breaks a format or range rule.
    #[error("{field} {reason}")]
    InvalidField {
        /// Wire name of the field, one of [`fields`].
        field: &'static str,
        /// Human reason; never contains the offending value.
        reason: &'static str,
    },
    /// The change would break a per-employee uniqueness rule.
    #[error("{}", duplicate_message(*kind))]
    Duplicate {
        /// The rule that would be broken.
        kind: DuplicateKind,
        /// Id of the existing deposit that the change collides with.
        existing_id: i64,
    },
    /// The status lifecycle does not allow this change.
    #[error("cannot change status from {from} to {to}")]
    InvalidTransition {
        /// The current status.
        from: Status,
        /// The requested status.
        to: Status,
    },
    /// The deposit's status does not allow changing it at all (a Rejected deposit is a
    /// decided change request: it is deleted and submitted anew, never edited).
    #[error("a {status} deposit cannot be changed; delete it and create a new one")]
    NotEditable {
        /// The current status.
        status: Status,
    },
    /// The employee already has the most active deposits allowed.
    #[error("employee already has {limit} direct deposits, the most allowed; delete one first")]
    TooManyDeposits {
        /// The configured maximum.
        limit: u32,
    },
}

impl DomainError {
    /// Builds an [`DomainError::InvalidField`].
    pub(crate) const fn invalid(field: &'static str, reason: &'static str) -> Self {
        Self::InvalidField { field, reason }
    }

    /// The wire name of the offending field, for `InvalidField` errors.
    #[must_use]
    pub const fn field(&self) -> Option<&'static str> {
        match self {
            Self::InvalidField { field, .. } => Some(field),
            Self::Duplicate { .. }
            | Self::InvalidTransition { .. }
            | Self::NotEditable { .. }
            | Self::TooManyDeposits { .. } => None,
        }
    }

    /// The human reason of an `InvalidField` error (without the field name).
    #[must_use]
    pub const fn reason(&self) -> Option<&'static str> {
        match self {
            Self::InvalidField { reason, .. } => Some(reason),
            Self::Duplicate { .. }
            | Self::InvalidTransition { .. }
            | Self::NotEditable { .. }
            | Self::TooManyDeposits { .. } => None,
        }
    }
}

const fn duplicate_message(kind: DuplicateKind) -> &'static str {
    match kind {
        DuplicateKind::BalanceRemainder => "employee already has a Balance Remainder deposit",
        DuplicateKind::BankAccount => {
            "employee already has a deposit to this routing and account number"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_field_message_names_field_and_reason() {
        let err = DomainError::invalid(fields::AMOUNT, "must be greater than 0");
        assert_eq!(err.to_string(), "amount must be greater than 0");
        assert_eq!(err.field(), Some("amount"));
        assert_eq!(err.reason(), Some("must be greater than 0"));
    }

    #[test]
    fn duplicate_and_transition_have_no_field() {
        let dup = DomainError::Duplicate {
            kind: DuplicateKind::BankAccount,
            existing_id: 7,
        };
        assert_eq!(dup.field(), None);
        assert_eq!(dup.reason(), None);
        assert!(dup.to_string().contains("routing and account number"));

        let tr = DomainError::InvalidTransition {
            from: Status::Approved,
            to: Status::Rejected,
        };
        assert_eq!(tr.field(), None);
        assert_eq!(
            tr.to_string(),
            "cannot change status from Approved to Rejected"
        );
    }
}
