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

/// What happened to the deposit's other jobs, as far as the plan cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Precedents {
    /// An older upsert job of the same deposit is done (`Store::earlier_upsert_delivered`).
    pub(crate) earlier_upsert_delivered: bool,
    /// A newer job of the same deposit is done (`Store::later_job_done`).
    pub(crate) later_job_done: bool,
    /// A newer end-date job of the same deposit is pending or in flight
    /// (`Store::later_end_date_queued`; only asked for an end-dated deposit).
    pub(crate) end_date_queued: bool,
}

/// Decides the call from the job and the deposit's state now (`target`), not only the
/// job's snapshot: a dead job requeued by an operator may run long after the deposit moved on.
pub(crate) fn plan(action: JobAction, target: DeliveryTarget, precedents: Precedents) -> Plan {
    let Precedents {
        earlier_upsert_delivered,
        later_job_done,
        end_date_queued,
    } = precedents;
    match (action, target.payroll_ed_id) {
        // A requeued upsert overtaken by a later job that is done: its snapshot is stale (an
        // update would roll payroll back; a create would make a second E/D), and when that
        // job was the end-date (the deposit was deleted after this job went dead), sending it
        // would make the deposit live at payroll again. Skip, as the legacy semantics skip an
        // end-date of a deposit payroll never had: the end-date already settled payroll (E/D
        // end-dated, or never created). Sending the end date from here instead could not
        // reuse this job's idempotency key (payroll stored it with the live body).
        (JobAction::Upsert, _) if later_job_done => {
            Plan::Skip("a later change of the deposit reached payroll first")
        }
        // An upsert of an end-dated deposit runs only while its end-date job is queued
        // behind it (claimed in order: the end date follows and settles payroll). Without
        // one, the end-date job went dead: the create would make the deposit live at
        // payroll and the update would send a live body, and nothing would end it. Skip;
        // requeueing the end-date job then settles payroll (or skips, when payroll never
        // had the deposit).
        (JobAction::Upsert, _) if target.end_dated_at.is_some() && !end_date_queued => {
            Plan::Skip("the deposit is end-dated and no end-date job of it is queued")
        }
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
            end_dated_at: None,
        }
    }

    fn ended(ed: Option<i64>) -> DeliveryTarget {
        DeliveryTarget {
            end_dated_at: Some(86_400_000),
            ..target(ed)
        }
    }

    const NONE: Precedents = Precedents {
        earlier_upsert_delivered: false,
        later_job_done: false,
        end_date_queued: false,
    };
    const EARLIER: Precedents = Precedents {
        earlier_upsert_delivered: true,
        ..NONE
    };
    const LATER: Precedents = Precedents {
        later_job_done: true,
        ..NONE
    };
    /// The deposit's end-date job waits behind this one.
    const QUEUED: Precedents = Precedents {
        end_date_queued: true,
        ..NONE
    };

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
        assert_eq!(plan(Upsert, target(None), NONE), Plan::Create);
        assert_eq!(plan(Upsert, target(Some(7)), NONE), Plan::Create);
        assert_eq!(plan(Upsert, target(Some(7)), EARLIER), Plan::Update(7));
        assert_eq!(plan(Upsert, target(None), EARLIER), Plan::Create);
        assert_eq!(plan(EndDate, target(Some(7)), EARLIER), Plan::EndDate(7));
        assert_eq!(plan(EndDate, ended(Some(7)), NONE), Plan::EndDate(7));
        assert!(matches!(plan(EndDate, target(None), NONE), Plan::Skip(_)));
    }

    #[test]
    fn requeued_upserts_never_revive_or_roll_back() {
        use JobAction::Upsert;
        // A dead create or update requeued after the delete's end-date was done: never sent.
        assert!(matches!(plan(Upsert, ended(None), LATER), Plan::Skip(_)));
        assert!(matches!(plan(Upsert, ended(Some(7)), LATER), Plan::Skip(_)));
        // Deleted while its create was still queued: created, then the end-date follows.
        assert_eq!(plan(Upsert, ended(None), QUEUED), Plan::Create);
        let earlier_queued = Precedents {
            earlier_upsert_delivered: true,
            ..QUEUED
        };
        assert_eq!(
            plan(Upsert, ended(Some(7)), earlier_queued),
            Plan::Update(7)
        );
        // Deleted, and the end-date job went dead: a requeued create or update must not
        // make the deposit live at payroll with nothing left to end it.
        assert!(matches!(plan(Upsert, ended(None), NONE), Plan::Skip(_)));
        assert!(matches!(
            plan(Upsert, ended(Some(7)), EARLIER),
            Plan::Skip(_)
        ));
        // Overtaken by a later delivered change: never sent (no second E/D, no rollback).
        assert!(matches!(
            plan(Upsert, target(Some(7)), LATER),
            Plan::Skip(_)
        ));
        assert!(matches!(plan(Upsert, target(None), LATER), Plan::Skip(_)));
    }
}
