//! Companies, employees, users and the payroll service account of the export.
//!
//! Ids must be what the API's paths accept (the legacy `int` range), payroll keys whole
//! numbers. Users: `Username` is the token's e-mail (compared ignoring case, as SQL Server
//! does); the role is the highest known `RoleLevel` (10 employee, 50 HR admin); a user
//! links to at most one employee, which an employee role needs.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use anyhow::bail;
use dd_storage::{ImportCompany, ImportEmployee, ImportRefusal, ImportUser, Role};
use zeroize::Zeroizing;

use super::source::{LegacyExport, Row, Table, col};

/// The directory of one tenant, mapped.
#[derive(Debug, Default)]
pub struct Directory {
    pub companies: Vec<ImportCompany>,
    pub employees: Vec<ImportEmployee>,
    pub users: Vec<ImportUser>,
    pub service: Option<ServiceAccount>,
    pub refused: Vec<ImportRefusal>,
    pub warnings: Vec<String>,
    employee_company: HashMap<i64, i64>,
    refused_employees: HashSet<i64>,
}

/// The `PRServiceLocation` row: the password is the legacy ciphertext, kept as is.
pub struct ServiceAccount {
    pub username: String,
    pub password_ciphertext: Zeroizing<String>,
}

impl fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl Directory {
    /// The company of an imported employee, or why a deposit of theirs cannot be imported.
    pub fn company_of(&self, employee: i64) -> Result<i64, String> {
        if self.refused_employees.contains(&employee) {
            return Err(format!("its employee {employee} was refused"));
        }
        self.employee_company
            .get(&employee)
            .copied()
            .ok_or_else(|| format!("unknown employee {employee} (not in Employee.csv)"))
    }
}

/// A legacy id the API's paths accept: a positive whole number in the `int` range.
pub fn legacy_id(row: &Row<'_>, column: &str) -> Result<i64, String> {
    direct_deposit_api::paths::deposit_id(row.get(column).unwrap_or(""))
        .map_err(|_| format!("{column} is not a whole number from 1 to 2147483647"))
}

/// A payroll key: NULL or a whole number.
fn payroll_key(row: &Row<'_>, column: &str) -> Result<Option<i64>, String> {
    row.get(column)
        .map(|v| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| format!("{column} is not a whole number"))
        })
        .transpose()
}

fn refusal(row: &Row<'_>, employee_id: Option<i64>, reasons: &[String]) -> ImportRefusal {
    ImportRefusal {
        table: row.table().to_owned(),
        legacy_id: row.id_text(col::ID),
        employee_id,
        reason: reasons.join("; "),
    }
}

fn unique_ids(table: &Table) -> anyhow::Result<()> {
    let mut seen = HashSet::new();
    for row in table.rows() {
        if let Some(id) = row.get(col::ID)
            && !seen.insert(id.to_lowercase())
        {
            bail!(
                "{}.csv line {}: ID {id} appears twice; export the table again",
                table.name,
                row.line()
            );
        }
    }
    Ok(())
}

/// Maps companies, employees, users and the service account.
///
/// # Errors
/// When an `ID` repeats within a table, or `PRServiceLocation` has more than one row.
pub fn map_directory(export: &LegacyExport) -> anyhow::Result<Directory> {
    for table in [&export.companies, &export.employees, &export.users] {
        unique_ids(table)?;
    }
    let mut dir = Directory::default();
    let mut companies = HashSet::new();
    for row in export.companies.rows() {
        let id = legacy_id(&row, col::ID);
        let client = payroll_key(&row, col::PR_CLIENT);
        let company = payroll_key(&row, col::PR_PK);
        match (id, client, company) {
            (Ok(id), Ok(payroll_client_id), Ok(payroll_company_id)) => {
                companies.insert(id);
                dir.companies.push(ImportCompany {
                    id,
                    name: row.get(col::COMPANY_NAME).unwrap_or("").to_owned(),
                    payroll_client_id,
                    payroll_company_id,
                });
            }
            (id, client, company) => {
                let why: Vec<String> = [id.err(), client.err(), company.err()]
                    .into_iter()
                    .flatten()
                    .collect();
                dir.refused.push(refusal(&row, None, &why));
            }
        }
    }
    employees(export, &companies, &mut dir);
    users(export, &mut dir);
    service(&export.service, &mut dir)?;
    Ok(dir)
}

fn employees(export: &LegacyExport, companies: &HashSet<i64>, dir: &mut Directory) {
    let named = export.employees.has(col::FIRST_NAME) || export.employees.has(col::LAST_NAME);
    let mut missing_keys = Vec::new();
    for row in export.employees.rows() {
        let id = legacy_id(&row, col::ID);
        let company = legacy_id(&row, col::COMPANY_ID).and_then(|c| {
            if companies.contains(&c) {
                Ok(c)
            } else {
                Err(format!(
                    "company {c} is not imported (refused or not in Company.csv)"
                ))
            }
        });
        let key = payroll_key(&row, col::PR_PK);
        match (id, company, key) {
            (Ok(id), Ok(company_id), Ok(payroll_employee_id)) => {
                if payroll_employee_id.is_none() {
                    missing_keys.push(id);
                }
                dir.employee_company.insert(id, company_id);
                let name = |c| row.get(c).unwrap_or("").to_owned();
                dir.employees.push(ImportEmployee {
                    company_id,
                    id,
                    name: named.then(|| (name(col::FIRST_NAME), name(col::LAST_NAME))),
                    payroll_employee_id,
                });
            }
            (id, company, key) => {
                let employee = id.as_ref().ok().copied();
                if let Some(e) = employee {
                    dir.refused_employees.insert(e);
                }
                let why: Vec<String> = [id.err(), company.err(), key.err()]
                    .into_iter()
                    .flatten()
                    .collect();
                dir.refused.push(refusal(&row, employee, &why));
            }
        }
    }
    if !missing_keys.is_empty() {
        dir.warnings.push(format!(
            "{} employees have no {} (payroll calls for them use the tenant's payroll \
             company and our employee id): {}",
            missing_keys.len(),
            col::PR_PK,
            list(&missing_keys)
        ));
    }
}

fn users(export: &LegacyExport, dir: &mut Directory) {
    let mut levels: HashMap<String, Vec<String>> = HashMap::new();
    for row in export.roles.rows() {
        if let Some(name) = row.get(col::USERNAME) {
            let level = row.get(col::ROLE_LEVEL).unwrap_or("NULL").trim().to_owned();
            levels.entry(name.to_lowercase()).or_default().push(level);
        }
    }
    let mut links: BTreeMap<String, HashSet<i64>> = BTreeMap::new();
    let mut bad_links: HashMap<String, Vec<String>> = HashMap::new();
    for row in export.user_employees.rows() {
        let (Some(user), Some(employee)) = (row.get(col::USER_ID), row.get(col::EMPLOYEE_ID))
        else {
            continue;
        };
        match employee
            .trim()
            .parse::<i64>()
            .map(|e| (e, dir.company_of(e)))
        {
            Ok((e, Ok(_))) => {
                links.entry(user.to_lowercase()).or_default().insert(e);
            }
            Ok((e, Err(_))) => bad_links
                .entry(user.to_lowercase())
                .or_default()
                .push(format!("linked to employee {e}, which is not imported")),
            Err(_) => bad_links
                .entry(user.to_lowercase())
                .or_default()
                .push(format!("{} is not an employee id", col::EMPLOYEE_ID)),
        }
    }
    let mut seen_names = HashSet::new();
    let mut rows: Vec<Row<'_>> = export.users.rows().collect();
    rows.sort_by_key(|r| r.get(col::ID).and_then(|id| id.parse::<i64>().ok()));
    for row in rows {
        let id = row.get(col::ID).unwrap_or("").to_lowercase();
        let mut why = bad_links.remove(&id).unwrap_or_default();
        let bad_link = !why.is_empty();
        let name = row.get(col::USERNAME).map(str::trim).unwrap_or("");
        if name.is_empty() {
            why.push(format!("{} is empty", col::USERNAME));
        } else if !seen_names.insert(name.to_lowercase()) {
            why.push(format!(
                "{} {name} repeats an earlier user's",
                col::USERNAME
            ));
        }
        let role = role(levels.get(&name.to_lowercase()).map(Vec::as_slice))
            .map_err(|e| why.push(e))
            .ok();
        let employees: Vec<i64> = links
            .get(&id)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        let employee = match employees.as_slice() {
            [] => None,
            [e] => Some(*e),
            _ => {
                why.push(format!(
                    "linked to {} employees; the new system links a user to one",
                    employees.len()
                ));
                None
            }
        };
        if role == Some(Role::Employee) && employees.is_empty() && !bad_link {
            why.push("an employee role needs a link to an employee".to_owned());
        }
        match role {
            Some(role) if why.is_empty() => dir.users.push(ImportUser {
                email: name.to_lowercase(),
                role,
                employee: employee.and_then(|e| Some((dir.company_of(e).ok()?, e))),
            }),
            _ => dir.refused.push(refusal(&row, employee, &why)),
        }
    }
}

/// The highest known level: 50 → HR admin, 10 → employee.
fn role(levels: Option<&[String]>) -> Result<Role, String> {
    let levels = levels.unwrap_or_default();
    if levels.iter().any(|l| l == "50") {
        Ok(Role::Admin)
    } else if levels.iter().any(|l| l == "10") {
        Ok(Role::Employee)
    } else if levels.is_empty() {
        Err(format!("no {} row in UserRole.csv", col::ROLE_LEVEL))
    } else {
        Err(format!(
            "{} {} is not one the new system knows (10 employee, 50 HR admin)",
            col::ROLE_LEVEL,
            levels.join(", ")
        ))
    }
}

fn service(table: &Table, dir: &mut Directory) -> anyhow::Result<()> {
    let rows: Vec<Row<'_>> = table.rows().collect();
    match rows.as_slice() {
        [] => dir.warnings.push(
            "PRServiceLocation.csv has no row: no payroll service account imported".to_owned(),
        ),
        [row] => match (row.get(col::API_USERNAME), row.get(col::API_PASSWORD)) {
            (Some(user), Some(password)) => {
                dir.service = Some(ServiceAccount {
                    username: user.to_owned(),
                    password_ciphertext: Zeroizing::new(password.trim().to_owned()),
                });
            }
            _ => dir.refused.push(ImportRefusal {
                table: table.name.to_owned(),
                legacy_id: format!("line {}", row.line()),
                employee_id: None,
                reason: format!("{} or {} is NULL", col::API_USERNAME, col::API_PASSWORD),
            }),
        },
        more => bail!(
            "PRServiceLocation.csv has {} rows; export the one the legacy API uses \
             (docs/migration.md)",
            more.len()
        ),
    }
    Ok(())
}

/// Up to 20 ids, then how many more.
pub fn list(ids: &[i64]) -> String {
    let shown: Vec<String> = ids.iter().take(20).map(i64::to_string).collect();
    match ids.len().saturating_sub(20) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}
