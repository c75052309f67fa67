//! The approval lifecycle of a deposit.
//!
//! ```text
//! (create) ──▶ Pending ──approve──▶ Approved ──delete──▶ end-dated (and pushed to payroll)
//!                 │
//!                 └────reject────▶ Rejected
//! Pending / Rejected / No Status ──delete──▶ removed
//! ```
//! `No Status` is what rows from before the approval workflow carry.

use crate::error::{DomainError, fields};
use crate::wire_enum::wire_enum;

wire_enum! {
    /// Approval status; wire and DB strings `Pending`, `Approved`, `Rejected`, `No Status`.
    pub enum Status (field = fields::STATUS, expected = "Pending, Approved, Rejected, No Status") {
        /// Created, awaiting approval. Every new deposit starts here.
        Pending => "Pending",
        /// Approved and sent to payroll.
        Approved => "Approved",
        /// Turned down; never reaches payroll.
        Rejected => "Rejected",
        /// No approval information (legacy rows).
        NoStatus => "No Status",
    }
}

/// What deleting a deposit means for storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeleteAction {
    /// Delete the row: it never reached payroll.
    Remove,
    /// Keep the row with an end date (history) and push the end date to payroll.
    EndDate,
}

impl Status {
    /// The status of a newly created deposit.
    pub const INITIAL: Self = Self::Pending;

    /// Pending → Approved.
    ///
    /// # Errors
    /// [`DomainError::InvalidTransition`] from any other status.
    pub fn approve(self) -> Result<Self, DomainError> {
        self.transition(Self::Approved)
    }

    /// Pending → Rejected.
    ///
    /// # Errors
    /// [`DomainError::InvalidTransition`] from any other status.
    pub fn reject(self) -> Result<Self, DomainError> {
        self.transition(Self::Rejected)
    }

    /// What deleting a deposit in this status does: only Approved deposits have reached
    /// payroll, so only they are end-dated (and the end date pushed to payroll); every
    /// other one is removed.
    #[must_use]
    pub const fn on_delete(self) -> DeleteAction {
        match self {
            Self::Approved => DeleteAction::EndDate,
            Self::Pending | Self::Rejected | Self::NoStatus => DeleteAction::Remove,
        }
    }

    /// Whether the amount type / amount may be changed: a Rejected deposit is a decided
    /// change request, final like any decision (delete it and create a new one); Pending,
    /// Approved (re-sent to payroll) and No Status deposits may be changed.
    ///
    /// # Errors
    /// [`DomainError::NotEditable`] for a Rejected deposit.
    pub fn check_editable(self) -> Result<(), DomainError> {
        match self {
            Self::Rejected => Err(DomainError::NotEditable { status: self }),
            Self::Pending | Self::Approved | Self::NoStatus => Ok(()),
        }
    }

    fn transition(self, to: Self) -> Result<Self, DomainError> {
        // Only a decision on a pending deposit is allowed; a decided one is final.
        match self {
            Self::Pending => Ok(to),
            Self::Approved | Self::Rejected | Self::NoStatus => {
                Err(DomainError::InvalidTransition { from: self, to })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip() {
        assert_eq!(Status::NoStatus.as_str(), "No Status");
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), *s);
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(json, format!("\"{s}\""));
            assert_eq!(serde_json::from_str::<Status>(&json).unwrap(), *s);
        }
        let err = "NoStatus".parse::<Status>().unwrap_err();
        assert_eq!(err.field(), Some("status"));
        assert!(serde_json::from_str::<Status>("\"pending\"").is_err());
    }

    #[test]
    fn new_deposits_are_pending() {
        assert_eq!(Status::INITIAL, Status::Pending);
    }

    #[test]
    fn pending_can_be_approved_or_rejected() {
        assert_eq!(Status::Pending.approve(), Ok(Status::Approved));
        assert_eq!(Status::Pending.reject(), Ok(Status::Rejected));
    }

    #[test]
    fn decided_statuses_are_final() {
        for from in [Status::Approved, Status::Rejected, Status::NoStatus] {
            assert_eq!(
                from.approve(),
                Err(DomainError::InvalidTransition {
                    from,
                    to: Status::Approved
                })
            );
            assert_eq!(
                from.reject(),
                Err(DomainError::InvalidTransition {
                    from,
                    to: Status::Rejected
                })
            );
        }
    }

    #[test]
    fn rejected_is_not_editable() {
        let err = Status::Rejected.check_editable().unwrap_err();
        assert_eq!(
            err.to_string(),
            "a Rejected deposit cannot be changed; delete it and create a new one"
        );
        for s in [Status::Pending, Status::Approved, Status::NoStatus] {
            assert_eq!(s.check_editable(), Ok(()));
        }
    }

    #[test]
    fn delete_removes_unless_approved() {
        assert_eq!(Status::Approved.on_delete(), DeleteAction::EndDate);
        for s in [Status::Pending, Status::Rejected, Status::NoStatus] {
            assert_eq!(s.on_delete(), DeleteAction::Remove);
        }
    }
}
