//! The export queries of docs/legacy-export/ (run by bcp against SQL Server, which CI does
//! not have) write the header the importer reads and one value per header column, in the
//! same order, and fit in a shell's double quotes.

use std::path::Path;

const TABLES: [(&str, &str); 7] = [
    (
        "Company",
        "ID,PR_Integration_PK,PRIntegration_ClientID,CompanyName",
    ),
    ("Employee", "ID,CompanyID,PR_Integration_PK"),
    (
        "EmployeeDirectDeposit",
        "ID,EmployeeID,RoutingNumber,Account,StartDate,EndDate,AmountCode,Amount,\
         ApprovalStatus,Checking,IsSavings,IsMoneyMarket,EvoFK_EmployeeEarningsDeduction",
    ),
    ("PRServiceLocation", "APIUsername,APIPassword"),
    ("HRnextUser", "ID,Username"),
    ("HRnextUserEmployee", "HRnextUserID,EmployeeID"),
    ("UserRole", "Username,RoleLevel"),
];

#[test]
fn each_query_writes_the_header_and_its_columns_in_order() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/legacy-export");
    for (table, header) in TABLES {
        let sql = std::fs::read_to_string(dir.join(format!("{table}.sql"))).unwrap();
        assert!(
            !sql.contains('"'),
            "{table}: a double quote breaks the shell quoting"
        );
        assert!(
            sql.contains(&format!("CAST(N'{header}' AS nvarchar(max)) AS line")),
            "{table}: header"
        );
        assert!(
            sql.contains(&format!("FROM dbo.{table}\n")),
            "{table}: source"
        );
        let values: Vec<&str> = sql
            .lines()
            .filter(|l| l.trim_start().starts_with("+ "))
            .collect();
        let columns: Vec<&str> = header.split(',').collect();
        assert_eq!(values.len(), columns.len(), "{table}: one value per column");
        for (line, column) in values.iter().zip(&columns) {
            let reads = line.match_indices(column).any(|(at, _)| {
                let before = &line[..at];
                (before.ends_with('(') || before.ends_with(", "))
                    && line[at + column.len()..].starts_with([',', ')', ' '])
            });
            assert!(reads, "{table}: {column} out of order: {line}");
        }
    }
}
