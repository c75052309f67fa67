//! From an outbox job to the payroll call: which call (create, update, end-date or
//! nothing) and the E/D body.
//!
//! Every retry of a job must send a byte-identical request: the payroll suite stores each
//! idempotency key with the request it came with and refuses the key with any other. So the
//! body is built from the job's snapshot and the deposit's creation date only, never from
//! "now".

use dd_domain::{AccountNumber, Allocation, AmountType, Designation, RoutingNumber};
use dd_payroll::{DirectDepositEd, EdDate};
use dd_storage::{DeliveryTarget, DepositSnapshot, JobAction};

use crate::DeliveryError;

/// The payroll call a job needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    /// `POST …/eds`; record the returned id.
    Create,
    /// `PUT …/eds/{ed}`.
    Update(i64),
    /// `PUT …/eds/{ed}` with `effectiveEndDate`.
    EndDate(i64),
    /// Nothing to do at payroll; the reason goes to the audit row.
    Skip(&'static str),
}

/// Decides the call. `earlier_upsert_delivered`: whether an older upsert job of the same
/// deposit is done (see `Store::earlier_upsert_delivered`).
pub(crate) fn plan(
    action: JobAction,
    target: DeliveryTarget,
    earlier_upsert_delivered: bool,
) -> Plan {
    match (action, target.payroll_ed_id) {
        (JobAction::Upsert, Some(ed)) if earlier_upsert_delivered => Plan::Update(ed),
        // The first delivered upsert creates the E/D. Also when it already has an id: that
        // is this very job re-run after a crash between recording the id and completing,
        // and the replayed create returns the stored E/D without applying it again.
        // An update whose create went dead creates the E/D with the current state.
        (JobAction::Upsert, _) => Plan::Create,
        (JobAction::EndDate, Some(ed)) => Plan::EndDate(ed),
        (JobAction::EndDate, None) => Plan::Skip("the deposit never reached payroll"),
    }
}

/// The E/D body for `snapshot` with its opened account number.
pub(crate) fn deposit_ed(
    snapshot: &DepositSnapshot,
    account_number: AccountNumber,
    target: DeliveryTarget,
) -> Result<DirectDepositEd, DeliveryError> {
    let bad = DeliveryError::Undeliverable;
    let amount_type: AmountType = snapshot
        .amount_type
        .parse()
        .map_err(|_| bad("snapshot has an unknown amount type"))?;
    let allocation = Allocation::from_stored(amount_type, snapshot.amount)
        .map_err(|_| bad("snapshot amount is out of range"))?;
    let designation: Designation = snapshot
        .designation
        .parse()
        .map_err(|_| bad("snapshot has an unknown designation"))?;
    let routing_number = RoutingNumber::parse(&snapshot.routing_number)
        .map_err(|_| bad("snapshot has an invalid routing number"))?;
    Ok(DirectDepositEd {
        routing_number,
        account_number,
        designation,
        allocation,
        // The deposit's creation date: fixed for its whole life, so an update never moves
        // the start and every retry sends the same body.
        effective_start_date: ed_date(target.created_at)?,
        effective_end_date: snapshot.end_dated_at.map(ed_date).transpose()?,
    })
}

/// The UTC calendar date of an epoch-millisecond timestamp.
pub(crate) fn ed_date(epoch_ms: i64) -> Result<EdDate, DeliveryError> {
    let (y, m, d) = civil_from_days(epoch_ms.div_euclid(86_400_000));
    EdDate::parse(&format!("{y:04}-{m:02}-{d:02}"))
        .map_err(|_| DeliveryError::Undeliverable("timestamp outside the calendar"))
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (H. Hinnant's `civil_from_days`; exact for every i64 day count we can meet).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let y = yoe + era * 400 + i64::from(m <= 2);
    // Both are range-bounded above, so the conversions cannot fail.
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(ed: Option<i64>) -> DeliveryTarget {
        DeliveryTarget {
            payroll_ed_id: ed,
            created_at: 0,
        }
    }

    #[test]
    fn dates() {
        assert_eq!(ed_date(0).unwrap().as_str(), "1970-01-01");
        assert_eq!(ed_date(951_782_400_000).unwrap().as_str(), "2000-02-29");
        assert_eq!(ed_date(1_767_225_599_999).unwrap().as_str(), "2025-12-31");
        assert_eq!(ed_date(1_767_225_600_000).unwrap().as_str(), "2026-01-01");
        assert_eq!(ed_date(-1).unwrap().as_str(), "1969-12-31");
    }

    #[test]
    fn plans() {
        use JobAction::{EndDate, Upsert};
        assert_eq!(plan(Upsert, target(None), false), Plan::Create);
        assert_eq!(plan(Upsert, target(Some(7)), false), Plan::Create);
        assert_eq!(plan(Upsert, target(Some(7)), true), Plan::Update(7));
        assert_eq!(plan(Upsert, target(None), true), Plan::Create);
        assert_eq!(plan(EndDate, target(Some(7)), true), Plan::EndDate(7));
        assert!(matches!(plan(EndDate, target(None), false), Plan::Skip(_)));
    }
}
