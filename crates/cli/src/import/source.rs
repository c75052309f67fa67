//! The exchange format (docs/migration.md): one RFC 4180 CSV file per legacy table, named
//! after it, UTF-8 (a leading byte-order mark is skipped), a header row of legacy column
//! names in any order (matched ignoring case, as SQL Server does; unknown columns are
//! ignored), NULL as an empty field.
//!
//! Parsing is the `csv` crate's. Errors name the file, line and column, never a field's
//! content: the deposits file holds account numbers.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context as _, anyhow, bail};

/// One legacy table as exported.
pub struct Table {
    /// The table's name, e.g. `EmployeeDirectDeposit`.
    pub name: &'static str,
    columns: HashMap<String, usize>,
    rows: Vec<(u64, csv::StringRecord)>,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("name", &self.name)
            .field("rows", &self.rows.len())
            .finish_non_exhaustive()
    }
}

/// One row of a [`Table`], read by column name.
#[derive(Clone, Copy)]
pub struct Row<'a> {
    table: &'a Table,
    line: u64,
    record: &'a csv::StringRecord,
}

impl Table {
    /// Reads `DIR/<name>.csv`; every column of `required` must be in the header.
    ///
    /// # Errors
    /// When the file is missing or unreadable, is not RFC 4180 / UTF-8, or lacks a column.
    pub fn read(dir: &Path, name: &'static str, required: &[&str]) -> anyhow::Result<Self> {
        let path = dir.join(format!("{name}.csv"));
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(body);
        let file = format!("{name}.csv");
        let header = reader.headers().map_err(|e| describe(&file, &e))?.clone();
        let mut columns = HashMap::new();
        for (i, column) in header.iter().enumerate() {
            if columns.insert(column.trim().to_lowercase(), i).is_some() {
                bail!("{file}: the header names column {column} twice");
            }
        }
        for column in required {
            if !columns.contains_key(&column.to_lowercase()) {
                bail!("{file}: the header has no column {column} (see docs/migration.md)");
            }
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| describe(&file, &e))?;
            let line = record.position().map_or(0, csv::Position::line);
            rows.push((line, record));
        }
        Ok(Self {
            name,
            columns,
            rows,
        })
    }

    /// Whether the header has `column`.
    pub fn has(&self, column: &str) -> bool {
        self.columns.contains_key(&column.to_lowercase())
    }

    /// The rows in file order.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(|(line, record)| Row {
            table: self,
            line: *line,
            record,
        })
    }
}

impl<'a> Row<'a> {
    /// The field of `column`; `None` for NULL (an empty field) or a column the file does
    /// not have.
    pub fn get(&self, column: &str) -> Option<&'a str> {
        let i = *self.table.columns.get(&column.to_lowercase())?;
        self.record.get(i).filter(|v| !v.is_empty())
    }

    /// The line of the file the row starts on.
    pub const fn line(&self) -> u64 {
        self.line
    }

    /// The table's name.
    pub const fn table(&self) -> &'static str {
        self.table.name
    }

    /// The row's `ID` as written, for reports (or `line N` when it has none).
    pub fn id_text(&self, column: &str) -> String {
        self.get(column)
            .map_or_else(|| format!("line {}", self.line), str::to_owned)
    }
}

/// A parse error with its place but without the field's content.
fn describe(file: &str, err: &csv::Error) -> anyhow::Error {
    let place = err
        .position()
        .map(|p| format!(" line {}", p.line()))
        .unwrap_or_default();
    let what = match err.kind() {
        csv::ErrorKind::Utf8 { .. } => "is not UTF-8",
        csv::ErrorKind::UnequalLengths { .. } => "has a different number of fields than the header",
        csv::ErrorKind::Io(_) => "cannot be read",
        _ => "is not RFC 4180 CSV",
    };
    anyhow!("{file}{place} {what}")
}

/// The whole export of one tenant database.
#[derive(Debug)]
pub struct LegacyExport {
    /// `dbo.Company`.
    pub companies: Table,
    /// `dbo.Employee`.
    pub employees: Table,
    /// `dbo.EmployeeDirectDeposit`.
    pub deposits: Table,
    /// `dbo.PRServiceLocation`.
    pub service: Table,
    /// `dbo.HRnextUser`.
    pub users: Table,
    /// `dbo.HRnextUserEmployee`.
    pub user_employees: Table,
    /// `dbo.UserRole`.
    pub roles: Table,
}

/// Column names, as the legacy tables spell them.
pub mod col {
    pub const ID: &str = "ID";
    pub const EMPLOYEE_ID: &str = "EmployeeID";
    pub const COMPANY_ID: &str = "CompanyID";
    pub const PR_PK: &str = "PR_Integration_PK";
    pub const PR_CLIENT: &str = "PRIntegration_ClientID";
    pub const COMPANY_NAME: &str = "CompanyName";
    pub const FIRST_NAME: &str = "FirstName";
    pub const LAST_NAME: &str = "LastName";
    pub const ROUTING: &str = "RoutingNumber";
    pub const ACCOUNT: &str = "Account";
    pub const START: &str = "StartDate";
    pub const END: &str = "EndDate";
    pub const AMOUNT_CODE: &str = "AmountCode";
    pub const AMOUNT: &str = "Amount";
    pub const APPROVAL: &str = "ApprovalStatus";
    pub const CHECKING: &str = "Checking";
    pub const SAVINGS: &str = "IsSavings";
    pub const MONEY_MARKET: &str = "IsMoneyMarket";
    pub const ED: &str = "EvoFK_EmployeeEarningsDeduction";
    pub const API_USERNAME: &str = "APIUsername";
    pub const API_PASSWORD: &str = "APIPassword";
    pub const USERNAME: &str = "Username";
    pub const USER_ID: &str = "HRnextUserID";
    pub const ROLE_LEVEL: &str = "RoleLevel";
}

impl LegacyExport {
    /// Reads the seven files of `dir`.
    ///
    /// # Errors
    /// As [`Table::read`], naming the first file that fails.
    pub fn read(dir: &Path) -> anyhow::Result<Self> {
        use col::*;
        Ok(Self {
            companies: Table::read(dir, "Company", &[ID, PR_PK, PR_CLIENT, COMPANY_NAME])?,
            employees: Table::read(dir, "Employee", &[ID, COMPANY_ID, PR_PK])?,
            deposits: Table::read(
                dir,
                "EmployeeDirectDeposit",
                &[
                    ID,
                    EMPLOYEE_ID,
                    ROUTING,
                    ACCOUNT,
                    START,
                    END,
                    AMOUNT_CODE,
                    AMOUNT,
                    APPROVAL,
                    CHECKING,
                    SAVINGS,
                    MONEY_MARKET,
                    ED,
                ],
            )?,
            service: Table::read(dir, "PRServiceLocation", &[API_USERNAME, API_PASSWORD])?,
            users: Table::read(dir, "HRnextUser", &[ID, USERNAME])?,
            user_employees: Table::read(dir, "HRnextUserEmployee", &[USER_ID, EMPLOYEE_ID])?,
            roles: Table::read(dir, "UserRole", &[USERNAME, ROLE_LEVEL])?,
        })
    }
}
