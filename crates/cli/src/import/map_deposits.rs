//! `dbo.EmployeeDirectDeposit` rows → deposits, with the legacy API's own value mapping and
//! the field rules our API enforces (`dd-domain`). A row that breaks a rule is refused with
//! every reason, named by legacy column; nothing is guessed or repaired.

use std::collections::HashSet;

use anyhow::bail;
use dd_domain::Status;
use dd_domain::{AccountNumber, Allocation, AmountType, Designation, DomainError, RoutingNumber};
use dd_storage::{DEPOSIT_TABLE, ImportRefusal};
use zeroize::Zeroizing;

use super::dates::parse_epoch_ms;
use super::map_directory::{Directory, legacy_id};
use super::source::{Row, Table, col};

/// A deposit that passed the field rules. `Debug` never shows the account number.
#[derive(Debug)]
pub struct MappedDeposit {
    pub id: i64,
    pub company_id: i64,
    pub employee_id: i64,
    pub routing: RoutingNumber,
    pub account: AccountNumber,
    pub designation: Designation,
    pub allocation: Allocation,
    pub status: Status,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub payroll_ed_id: Option<i64>,
}

/// The legacy API's amount code mapping: `%` and `Flat` exactly, anything else (`Balance`,
/// `Balance Remainder`, NULL, …) is the balance remainder.
pub fn amount_type_of(code: Option<&str>) -> AmountType {
    match code {
        Some("%") => AmountType::Percentage,
        Some("Flat") => AmountType::Flat,
        _ => AmountType::BalanceRemainder,
    }
}

/// The legacy API's approval status mapping.
pub fn status_of(code: Option<&str>) -> Result<Status, String> {
    match code.map(str::trim) {
        None => Ok(Status::NoStatus),
        Some("-1") => Ok(Status::Rejected),
        Some("0") => Ok(Status::Pending),
        Some("1") => Ok(Status::Approved),
        Some(_) => Err(format!("{} is not one of NULL, -1, 0, 1", col::APPROVAL)),
    }
}

/// Maps every row; refused rows come back as refusals. Every `ID` must be unique.
///
/// # Errors
/// When two rows share an `ID` (the export is not of one table).
pub fn map_deposits(
    table: &Table,
    directory: &Directory,
) -> anyhow::Result<(Vec<MappedDeposit>, Vec<ImportRefusal>)> {
    let mut seen = HashSet::new();
    let mut mapped = Vec::new();
    let mut refused = Vec::new();
    for row in table.rows() {
        if let Some(id) = row.get(col::ID)
            && !seen.insert(id.to_owned())
        {
            bail!(
                "{}.csv line {}: ID {id} appears twice; export the table again",
                table.name,
                row.line()
            );
        }
        match map_row(&row, directory) {
            Ok(deposit) => mapped.push(deposit),
            Err((employee_id, reasons)) => refused.push(ImportRefusal {
                table: DEPOSIT_TABLE.to_owned(),
                legacy_id: row.id_text(col::ID),
                employee_id,
                reason: reasons.join("; "),
            }),
        }
    }
    Ok((mapped, refused))
}

type Refused = (Option<i64>, Vec<String>);

fn map_row(row: &Row<'_>, directory: &Directory) -> Result<MappedDeposit, Refused> {
    let mut why = Vec::new();
    let id = legacy_id(row, col::ID).map_err(|e| why.push(e)).ok();
    let employee = match row.get(col::EMPLOYEE_ID).map(str::parse::<i64>) {
        Some(Ok(e)) => Some(e),
        _ => {
            why.push(format!("{} is not an employee id", col::EMPLOYEE_ID));
            None
        }
    };
    let company = employee.and_then(|e| match directory.company_of(e) {
        Ok(company) => Some(company),
        Err(reason) => {
            why.push(reason);
            None
        }
    });
    let account = account(row.get(col::ACCOUNT)).map_err(|e| why.push(e)).ok();
    let routing = RoutingNumber::parse(row.get(col::ROUTING).unwrap_or(""))
        .map_err(|e| why.push(field(col::ROUTING, &e)))
        .ok();
    let allocation = allocation(row).map_err(|e| why.push(e)).ok();
    let status = status_of(row.get(col::APPROVAL))
        .map_err(|e| why.push(e))
        .ok();
    let designation = designation(row).map_err(|e| why.push(e)).ok();
    let start = date(row, col::START).map_err(|e| why.push(e)).ok();
    let end = date(row, col::END).map_err(|e| why.push(e)).ok();
    let payroll_ed_id = match row.get(col::ED).map(str::parse::<i64>) {
        None => Some(None),
        Some(Ok(ed)) if ed > 0 => Some(Some(ed)),
        Some(_) => {
            why.push(format!("{} is not a payroll E/D id", col::ED));
            None
        }
    };
    match (
        id,
        employee,
        company,
        account,
        routing,
        allocation,
        status,
        designation,
        start,
        end,
        payroll_ed_id,
    ) {
        (
            Some(id),
            Some(employee_id),
            Some(company_id),
            Some(account),
            Some(routing),
            Some(allocation),
            Some(status),
            Some(designation),
            Some(start),
            Some(end),
            Some(payroll_ed_id),
        ) if why.is_empty() => Ok(MappedDeposit {
            id,
            company_id,
            employee_id,
            routing,
            account,
            designation,
            allocation,
            status,
            start,
            end,
            payroll_ed_id,
        }),
        _ => Err((employee, why)),
    }
}

/// A domain field error, named by the legacy column.
fn field(column: &str, err: &DomainError) -> String {
    match err.reason() {
        Some(reason) => format!("{column} {reason}"),
        None => format!("{column}: {err}"),
    }
}

fn account(value: Option<&str>) -> Result<AccountNumber, String> {
    let value = Zeroizing::new(value.unwrap_or("").to_owned());
    if value.starts_with('#') {
        return Err(format!(
            "{} is tokenized (starts with #): the export holds no account number to import",
            col::ACCOUNT
        ));
    }
    AccountNumber::parse(&value).map_err(|e| field(col::ACCOUNT, &e))
}

fn allocation(row: &Row<'_>) -> Result<Allocation, String> {
    let amount_type = amount_type_of(row.get(col::AMOUNT_CODE));
    if amount_type == AmountType::BalanceRemainder {
        // The legacy API ignored the amount of a remainder; so do we.
        return Allocation::new(amount_type, None).map_err(|e| field(col::AMOUNT, &e));
    }
    let amount = match row.get(col::AMOUNT) {
        None => None,
        Some(text) => {
            Some(decimal(text).ok_or_else(|| format!("{} is not a decimal number", col::AMOUNT))?)
        }
    };
    Allocation::new(amount_type, amount).map_err(|e| field(col::AMOUNT, &e))
}

/// A plain decimal (`250`, `10.5`, `250.0000`, `-1.25`); no exponents, no `inf`.
pub fn decimal(text: &str) -> Option<f64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (plain(whole) && plain(fraction))
        .then(|| text.parse().ok())
        .flatten()
}

fn designation(row: &Row<'_>) -> Result<Designation, String> {
    let flags = [
        (col::CHECKING, Designation::Checking),
        (col::SAVINGS, Designation::Savings),
        (col::MONEY_MARKET, Designation::MoneyMarket),
    ];
    let mut first = None;
    for (column, designation) in flags {
        let set = match row.get(column).map(str::trim) {
            None | Some("0") => false,
            Some("1") => true,
            Some(_) => return Err(format!("{column} is not a bit (0 or 1)")),
        };
        if set && first.is_none() {
            first = Some(designation);
        }
    }
    first.ok_or_else(|| {
        format!(
            "no account type: {}, {} and {} are all 0",
            col::CHECKING,
            col::SAVINGS,
            col::MONEY_MARKET
        )
    })
}

fn date(row: &Row<'_>, column: &str) -> Result<Option<i64>, String> {
    row.get(column)
        .map(|text| {
            parse_epoch_ms(text.trim()).ok_or_else(|| format!("{column} is not an ISO 8601 date"))
        })
        .transpose()
}
