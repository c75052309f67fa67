//! The import report, in the report directory: `report.txt` (what the run did, the refused
//! rows with their reasons, notes, and the verification counts: the page an HR admin
//! reads), `refused.csv` (the refused rows, for a spreadsheet) and `fingerprints.csv` (one
//! keyed fingerprint per imported deposit). None of them holds an account number.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;
use dd_storage::{ImportCounts, ImportMode, ImportOutcome};

use super::verify::{VerifiedRow, tally};
use crate::data_dir::create_if_missing;

/// Refused rows printed on stdout before pointing at `refused.csv`.
const SHOWN_REFUSALS: usize = 50;

/// Everything the report says.
#[derive(Debug)]
pub struct Report<'a> {
    pub tenant: &'a str,
    pub from: &'a Path,
    pub mode: ImportMode,
    pub outcome: &'a ImportOutcome,
    pub verified: &'a [VerifiedRow],
    pub notes: &'a [String],
    pub key_file: &'a Path,
}

impl Report<'_> {
    /// The one-line result.
    pub fn result(&self) -> String {
        let o = self.outcome;
        let refused = o.refused.len();
        if !self.mode.keep_going && refused > 0 {
            let verb = if self.mode.dry_run { "would be" } else { "was" };
            format!(
                "{} refused: nothing {verb} imported (fix them in the legacy data, \
                 or give --keep-going to import the rest)",
                rows(refused)
            )
        } else if self.mode.dry_run {
            format!(
                "dry run: nothing written; a real run would {}",
                if o.changed {
                    "change what is listed below"
                } else {
                    "change nothing"
                }
            )
        } else if !o.changed {
            "nothing to change: the database already matches the export".to_owned()
        } else {
            format!(
                "imported (run {})",
                o.run_id.map_or_else(|| "?".to_owned(), |r| r.to_string())
            )
        }
    }

    /// The report's text; `all_refusals` lists every refused row (the file does, stdout
    /// stops after a screenful).
    pub fn text(&self, all_refusals: bool) -> anyhow::Result<String> {
        let o = self.outcome;
        let d = &o.directory;
        let mut t = String::new();
        writeln!(
            t,
            "ddctl import legacy: tenant {} from {}",
            self.tenant,
            self.from.display()
        )?;
        writeln!(t, "result: {}", self.result())?;
        writeln!(t)?;
        writeln!(
            t,
            "changes{}:",
            if o.committed { "" } else { " (not written)" }
        )?;
        let tenant = match (d.tenant_created, d.tenant_renamed) {
            (true, _) => "created",
            (_, true) => "renamed",
            _ => "unchanged",
        };
        writeln!(t, "  tenant:           {tenant}")?;
        writeln!(t, "  companies:        {}", counts(d.companies))?;
        writeln!(t, "  employees:        {}", counts(d.employees))?;
        writeln!(t, "  users:            {}", counts(d.users))?;
        writeln!(t, "  payroll account:  {}", counts(d.payroll_account))?;
        writeln!(
            t,
            "  deposits:         {}, {} kept as changed in the new system since, {} removed \
             in the new system since",
            counts(o.deposits.imported),
            o.deposits.kept_newer,
            o.deposits.removed_since_import
        )?;
        writeln!(t)?;
        writeln!(t, "refused: {} (refused.csv)", rows(o.refused.len()))?;
        let shown = if all_refusals {
            o.refused.len()
        } else {
            SHOWN_REFUSALS
        };
        for r in o.refused.iter().take(shown) {
            let employee = r
                .employee_id
                .map(|e| format!(" (employee {e})"))
                .unwrap_or_default();
            writeln!(t, "  {} {}{employee}: {}", r.table, r.legacy_id, r.reason)?;
        }
        if o.refused.len() > shown {
            writeln!(t, "  … {} more in refused.csv", o.refused.len() - shown)?;
        }
        if !self.notes.is_empty() {
            writeln!(t)?;
            writeln!(t, "notes:")?;
            for note in self.notes {
                writeln!(t, "  - {note}")?;
            }
        }
        writeln!(t)?;
        self.verification(&mut t)?;
        Ok(t)
    }

    fn verification(&self, t: &mut String) -> anyhow::Result<()> {
        let v = self.verified;
        let end_dated = v.iter().filter(|r| r.end_dated).count();
        writeln!(
            t,
            "verification: the imported deposits as the database holds them{} \
             (fingerprints.csv; key: {}; recipe: docs/migration.md)",
            if self.outcome.committed {
                ""
            } else {
                " inside the rolled-back run"
            },
            self.key_file.display()
        )?;
        writeln!(
            t,
            "  deposits:       {} ({} active, {end_dated} end-dated)",
            v.len(),
            v.len() - end_dated
        )?;
        writeln!(
            t,
            "  by status:      {}",
            line(tally(v.iter().map(|r| r.status)))
        )?;
        writeln!(
            t,
            "  by company:     {}",
            line(tally(v.iter().map(|r| r.company_id)))
        )?;
        writeln!(
            t,
            "  by amount type: {}",
            line(tally(v.iter().map(|r| r.amount_type)))
        )?;
        Ok(())
    }

    /// Writes the three files into `dir` (replacing an earlier run's).
    ///
    /// # Errors
    /// When a file cannot be written.
    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        let mut refused = csv::Writer::from_writer(Vec::new());
        refused.write_record(["Table", "ID", "EmployeeID", "Reason"])?;
        for r in &self.outcome.refused {
            let employee = r.employee_id.map(|e| e.to_string()).unwrap_or_default();
            refused.write_record([r.table.as_str(), &r.legacy_id, &employee, &r.reason])?;
        }
        let mut rows = csv::Writer::from_writer(Vec::new());
        rows.write_record(fingerprint_header())?;
        for r in self.verified {
            rows.write_record(fingerprint_record(r))?;
        }
        replace(&dir.join("refused.csv"), &refused.into_inner()?)?;
        replace(&dir.join("fingerprints.csv"), &rows.into_inner()?)?;
        replace(&dir.join("report.txt"), self.text(true)?.as_bytes())
    }
}

/// The columns of `fingerprints.csv` (the source-side script writes the same).
pub const fn fingerprint_header() -> [&'static str; 7] {
    [
        "ID",
        "CompanyID",
        "EmployeeID",
        "Status",
        "AmountType",
        "EndDated",
        "Fingerprint",
    ]
}

fn fingerprint_record(r: &VerifiedRow) -> [String; 7] {
    [
        r.id.to_string(),
        r.company_id.to_string(),
        r.employee_id.to_string(),
        r.status.to_owned(),
        r.amount_type.to_owned(),
        u8::from(r.end_dated).to_string(),
        r.fingerprint.clone(),
    ]
}

fn line<K: std::fmt::Display>(pairs: Vec<(K, u64)>) -> String {
    pairs
        .iter()
        .map(|(k, n)| format!("{k}: {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn rows(n: usize) -> String {
    if n == 1 {
        "1 row".to_owned()
    } else {
        format!("{n} rows")
    }
}

fn counts(c: ImportCounts) -> String {
    format!(
        "{} added, {} updated, {} unchanged",
        c.added, c.updated, c.unchanged
    )
}

/// Writes `file` anew (0600: the report names employees).
fn replace(file: &Path, content: &[u8]) -> anyhow::Result<()> {
    let _ = std::fs::remove_file(file);
    create_if_missing(file, || {
        Ok(zeroize::Zeroizing::new(
            String::from_utf8(content.to_vec()).context("report is not UTF-8")?,
        ))
    })?;
    Ok(())
}
