//! The deposit half of a legacy import: keeps the legacy ids, decides per deposit what to
//! do against what the database holds, and enforces the per-employee rules of a create.
//!
//! Per source deposit, by what `legacy_deposit_imports` remembers of the last import:
//! - never imported: inserted with its legacy id, unless that id is taken (another tenant's
//!   deposit, or one made in the new system), which refuses it;
//! - imported, source digest unchanged: left alone (also when the new system changed it
//!   since, e.g. approved it: that change is newer than the legacy row);
//! - imported, source changed, deposit not changed since the import: updated to match;
//! - imported, source changed, deposit changed since too: refused (both sides moved);
//! - imported, deposit gone since (removed through the API): left alone.
//!
//! Inserts and updates then pass the same per-employee rules as an API create
//! (`rules::check_create`: one account once, one Balance Remainder, at most
//! `Store::max_deposits_per_employee` active deposits), in legacy id order: the first
//! Balance Remainder of an employee stays, a later one is refused.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use sqlx::{Any, Transaction};

use crate::audit::record_deposit_change;
use crate::error::StorageError;
use crate::import::{ImportCounts, ImportDeposit, ImportRefusal, LegacyImport};
use crate::import_rows::{
    Stored, insert, load_remembered, load_stored, remember, taken_elsewhere, update,
};
use crate::rules::{EmployeeTally, check_create};

/// What the deposit half did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DepositCounts {
    /// Inserted / updated / already as in the source.
    pub imported: ImportCounts,
    /// Left as they are because the new system changed them after their import.
    pub kept_newer: u64,
    /// Imported before and removed through the new system since: not re-created.
    pub removed_since_import: u64,
}

impl DepositCounts {
    pub(crate) const fn changed(&self) -> bool {
        self.imported.changed()
    }
}

/// The table name used in refusals of deposits.
pub const DEPOSIT_TABLE: &str = "EmployeeDirectDeposit";

type Tx = Transaction<'static, Any>;

enum Decision<'a> {
    Insert(&'a ImportDeposit),
    Update(&'a ImportDeposit, &'a Stored),
}

/// An active deposit as the per-employee rules see it.
#[derive(Debug, Clone)]
struct Live {
    id: i64,
    routing: String,
    fingerprint: String,
    remainder: bool,
}

/// The tally a create through the API would read for `new`, from the employee's live
/// deposits as this import has them so far.
fn tally(live: &[Live], new: &ImportDeposit) -> EmployeeTally {
    let same_account = live.iter().find(|l| {
        l.routing == new.record.routing.as_str() && l.fingerprint == new.record.account_fingerprint
    });
    EmployeeTally {
        active: i64::try_from(live.len()).unwrap_or(i64::MAX),
        same_account: same_account.map(|l| l.id),
        remainder: live.iter().find(|l| l.remainder).map(|l| l.id),
    }
}

pub(crate) async fn import_deposits(
    tx: &mut Tx,
    plan: &LegacyImport,
    run_id: i64,
    limit: u32,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(DepositCounts, Vec<ImportRefusal>), StorageError> {
    let tenant = plan.tenant_id.as_str();
    let stored = load_stored(tx, tenant).await?;
    let remembered = load_remembered(tx, tenant).await?;
    let mut sources: Vec<&ImportDeposit> = plan.deposits.iter().collect();
    sources.sort_by_key(|d| d.id);
    let taken = taken_elsewhere(tx, tenant, &sources).await?;

    let mut counts = DepositCounts::default();
    let mut refused = Vec::new();
    let refuse = |d: &ImportDeposit, reason: String| ImportRefusal {
        table: DEPOSIT_TABLE.to_owned(),
        legacy_id: d.id.to_string(),
        employee_id: Some(d.employee_id),
        reason,
    };
    let mut decisions = Vec::new();
    for d in &sources {
        let here = stored.get(&d.id);
        match (remembered.get(&d.id), here) {
            (None, None) if taken.contains_key(&d.id) => refused.push(refuse(
                d,
                "its id is used by another tenant's deposit in this database".to_owned(),
            )),
            (None, None) => decisions.push(Decision::Insert(d)),
            (None, Some(_)) => refused.push(refuse(
                d,
                "its id is used by a deposit made in the new system".to_owned(),
            )),
            (Some(_), None) => counts.removed_since_import += 1,
            (Some(last), Some(s)) if last.digest == d.source_digest => {
                if s.record.version == last.version {
                    counts.imported.unchanged += 1;
                } else {
                    counts.kept_newer += 1;
                }
            }
            (Some(last), Some(s)) if s.record.version == last.version => {
                decisions.push(Decision::Update(d, s));
            }
            (Some(_), Some(_)) => refused.push(refuse(
                d,
                "changed in the legacy system and in the new system since the last import"
                    .to_owned(),
            )),
        }
    }

    // The rules see every active deposit that stays as it is, then the written ones in
    // legacy id order, exactly as if each had been created through the API.
    let replaced: HashSet<i64> = decisions
        .iter()
        .filter_map(|d| match d {
            Decision::Update(_, old) => Some(old.record.id),
            Decision::Insert(_) => None,
        })
        .collect();
    let mut active: HashMap<(i64, i64), Vec<Live>> = HashMap::new();
    let mut kept: Vec<&Stored> = stored
        .values()
        .filter(|s| !replaced.contains(&s.record.id))
        .collect();
    kept.sort_by_key(|s| s.record.id);
    for s in kept {
        add_active(&mut active, s);
    }
    progress(u64::try_from(sources.len() - decisions.len()).unwrap_or(0));
    for decision in decisions {
        let (d, old) = match decision {
            Decision::Insert(d) => (d, None),
            Decision::Update(d, old) => (d, Some(old)),
        };
        if d.end_dated_at.is_none() {
            let employee = active.entry((d.company_id, d.employee_id)).or_default();
            let is_remainder = d.record.allocation.is_balance_remainder();
            if let Err(rule) = check_create(&tally(employee, d), is_remainder, limit) {
                refused.push(refuse(d, rule_reason(&rule)));
                // A refused update leaves the stored deposit as it was, and active.
                if let Some(old) = old {
                    add_active(&mut active, old);
                }
                progress(1);
                continue;
            }
            employee.push(Live {
                id: d.id,
                routing: d.record.routing.as_str().to_owned(),
                fingerprint: d.record.account_fingerprint.clone(),
                remainder: is_remainder,
            });
        }
        let new = match old {
            None => {
                counts.imported.added += 1;
                let new = insert(tx, tenant, d).await?;
                record_deposit_change(tx, "import", &plan.actor, None, Some(&new)).await?;
                new
            }
            Some(old) => {
                counts.imported.updated += 1;
                let new = update(tx, tenant, d, &old.record).await?;
                record_deposit_change(
                    tx,
                    "import_update",
                    &plan.actor,
                    Some(&old.record),
                    Some(&new),
                )
                .await?;
                new
            }
        };
        remember(tx, tenant, d, new.version, run_id).await?;
        progress(1);
    }
    Ok((counts, refused))
}

/// Adds a stored deposit to its employee's active list, unless it is end-dated.
fn add_active(active: &mut HashMap<(i64, i64), Vec<Live>>, s: &Stored) {
    if s.record.end_dated_at.is_some() {
        return;
    }
    active
        .entry((s.record.company_id, s.record.employee_id))
        .or_default()
        .push(Live {
            id: s.record.id,
            routing: s.record.routing.as_str().to_owned(),
            fingerprint: s.fingerprint.clone(),
            remainder: s.record.allocation.is_balance_remainder(),
        });
}

/// The rule's message with the deposit it collides with (an id, never an account).
fn rule_reason(rule: &dd_domain::DomainError) -> String {
    match rule {
        dd_domain::DomainError::Duplicate { existing_id, .. } => {
            format!("{rule} (deposit {existing_id})")
        }
        dd_domain::DomainError::TooManyDeposits { limit } => format!(
            "employee already has {limit} active deposits, the most the new system allows \
             (DD_MAX_DEPOSITS_PER_EMPLOYEE); the ones with lower ids are imported"
        ),
        other => other.to_string(),
    }
}
