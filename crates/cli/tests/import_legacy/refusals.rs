//! Bad data is reported, not guessed: without `--keep-going` one refused row stops the whole
//! import with nothing written; a dry run writes nothing either way; a broken export is an
//! error naming the file, line and column, never a value.

use crate::common::{Env, TENANT, copy_fixtures, ddctl, edit, expected, fixtures, on_both};

async fn refused_rows_stop_everything(env: Env) {
    let out = env.import(&fixtures(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("error: 26 rows refused: nothing was imported"),
        "{stderr}"
    );
    // Each refused row is listed with its legacy id and reason.
    for (id, r) in expected()["refused"].as_object().unwrap() {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("  EmployeeDirectDeposit {id} ")))
            .unwrap_or_else(|| panic!("{id} not listed: {stdout}"));
        assert!(line.contains(r["reason"].as_str().unwrap()), "{line}");
    }
    let store = env.store().await;
    assert!(
        !store.tenant_exists(TENANT).await.unwrap(),
        "nothing written"
    );
    store.close().await;
    // The report is there to read and fix from.
    let refused = std::fs::read_to_string(env.report_dir().join("refused.csv")).unwrap();
    assert!(
        refused.starts_with("Table,ID,EmployeeID,Reason\n"),
        "{refused}"
    );
    assert_eq!(refused.lines().count(), 27);
    assert!(
        refused.contains("EmployeeDirectDeposit,1372,108,Account is tokenized"),
        "{refused}"
    );

    // A dry run checks everything and writes nothing, also with --keep-going.
    let out = env.import_ok(&fixtures(), &["--dry-run", "--keep-going"]);
    assert!(out.contains("result: dry run: nothing written"), "{out}");
    assert!(out.contains("deposits:         377 added"), "{out}");
    let store = env.store().await;
    assert!(!store.tenant_exists(TENANT).await.unwrap(), "dry run wrote");
    store.close().await;
    let out = env.import(&fixtures(), &["--dry-run"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing would be imported"));
}

on_both!(refused_rows, refused_rows_stop_everything);

fn failing(env: &Env, export: &std::path::Path) -> String {
    let out = env.import(export, &["--keep-going"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    String::from_utf8(out.stderr).unwrap()
}

#[tokio::test]
async fn a_broken_export_is_an_error_naming_the_place_not_the_value() {
    let env = Env::sqlite().await;
    let export = copy_fixtures(&env.dir.0);
    let csv = |t: &str| export.join(format!("{t}.csv"));

    // A repeated ID: not an export of one table.
    edit(&export, "EmployeeDirectDeposit", "1002", "ID", "1001");
    let err = failing(&env, &export);
    assert!(
        err.contains("EmployeeDirectDeposit.csv line 3: ID 1001 appears twice"),
        "{err}"
    );
    std::fs::copy(
        fixtures().join("EmployeeDirectDeposit.csv"),
        csv("EmployeeDirectDeposit"),
    )
    .unwrap();

    // A row with a field too many, whose fields hold an account number.
    let mut text = std::fs::read_to_string(csv("EmployeeDirectDeposit")).unwrap();
    text.push_str("9001,101,x,021000021,55501234567,Flat,1,1,0,0,1,2020-01-01,,,a,b,EXTRA\r\n");
    std::fs::write(csv("EmployeeDirectDeposit"), text).unwrap();
    let err = failing(&env, &export);
    assert!(
        err.contains("EmployeeDirectDeposit.csv line 396 has a different number of fields"),
        "{err}"
    );
    assert!(!err.contains("55501234567"), "{err}");
    std::fs::copy(
        fixtures().join("EmployeeDirectDeposit.csv"),
        csv("EmployeeDirectDeposit"),
    )
    .unwrap();

    // A missing column and a missing file.
    let employees = std::fs::read_to_string(csv("Employee")).unwrap();
    std::fs::write(
        csv("Employee"),
        employees.replacen("PR_Integration_PK", "PR_Key", 1),
    )
    .unwrap();
    let err = failing(&env, &export);
    assert!(
        err.contains("Employee.csv: the header has no column PR_Integration_PK"),
        "{err}"
    );
    std::fs::write(csv("Employee"), employees).unwrap();
    std::fs::remove_file(csv("UserRole")).unwrap();
    let err = failing(&env, &export);
    assert!(err.contains("UserRole.csv"), "{err}");

    // Two service accounts: which one the legacy API used is not guessed.
    std::fs::copy(fixtures().join("UserRole.csv"), csv("UserRole")).unwrap();
    let mut service = std::fs::read_to_string(csv("PRServiceLocation")).unwrap();
    service.push_str("2,,svc-other,AAAA\r\n");
    std::fs::write(csv("PRServiceLocation"), service).unwrap();
    let err = failing(&env, &export);
    assert!(err.contains("PRServiceLocation.csv has 2 rows"), "{err}");

    // A tenant id the API's paths cannot carry.
    std::fs::copy(
        fixtures().join("PRServiceLocation.csv"),
        csv("PRServiceLocation"),
    )
    .unwrap();
    let out = ddctl()
        .args(["import", "legacy", "--tenant", "a b", "--from"])
        .arg(&export)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tenant must be"));
    // Nothing was ever written.
    assert!(
        !env.data_dir().join("dd.sqlite").exists() || {
            let store = env.store().await;
            let exists = store.tenant_exists(TENANT).await.unwrap();
            store.close().await;
            !exists
        }
    );
}

/// The API's maximum of active deposits per employee holds for imported rows too: the
/// lowest legacy ids are imported, the rest refused.
#[tokio::test]
async fn the_maximum_per_employee_refuses_the_later_deposits() {
    let env = Env::sqlite().await;
    let out = env.import_ok(
        &fixtures(),
        &["--keep-going", "--max-deposits-per-employee", "10"],
    );
    assert!(out.contains("refused: 52 rows"), "{out}");
    let refused = std::fs::read_to_string(env.report_dir().join("refused.csv")).unwrap();
    let too_many: Vec<i64> = refused
        .lines()
        .filter(|l| l.contains("employee already has 10 active deposits"))
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(too_many, (1011..=1036).collect::<Vec<i64>>());
    let store = env.store().await;
    let (live, total) = store
        .list_deposits(dd_storage::EmployeeKey::new(TENANT, 7, 101), 1, 30)
        .await
        .unwrap();
    assert_eq!((live.len(), total), (10, 10));
    assert_eq!(live.last().unwrap().id, 1010);
    store.close().await;
}
