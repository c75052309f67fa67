//! Every fixture row becomes what the legacy API meant by it: ids, statuses, amount types,
//! amounts, account types, end dates, E/D ids and payroll keys kept; users with their role
//! and employee link; the payroll account as is; refused rows kept with their reasons.

use std::collections::{BTreeMap, BTreeSet};

use dd_storage::{ENTITY_DIRECT_DEPOSIT, EmployeeKey};
use serde_json::Value;
use sqlx::Row as _;

use crate::common::{
    API_PASSWORD, Env, PAYROLL_URL, TENANT, amount_text, expected, fixtures, on_both,
};

async fn imports_every_row_as_the_legacy_api_meant_it(env: Env) {
    let out = env.import_ok(&fixtures(), &["--keep-going"]);
    assert!(out.contains("result: imported (run "), "{out}");
    let store = env.store().await;
    let cipher = env.cipher();
    let want = expected()["deposits"].as_object().unwrap();

    let rows = sqlx::query(
        "SELECT id, company_id, employee_id, routing_number, account_ciphertext, \
         account_last4, designation, amount_type, amount, status, end_dated_at, payroll_ed_id, \
         version FROM direct_deposits WHERE tenant_id = $1 ORDER BY id",
    )
    .bind(TENANT)
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), want.len(), "one deposit per importable row");
    for row in &rows {
        let id: i64 = row.get("id");
        let w = &want[&id.to_string()];
        let amount: Option<i64> = row.get("amount");
        let ciphertext: String = row.get("account_ciphertext");
        assert!(ciphertext.starts_with("dd1:"), "deposit {id}");
        let opened = cipher.open(&ciphertext, Some(TENANT)).await.unwrap();
        let account = w["account"].as_str().unwrap();
        let got = serde_json::json!({
            "employee": row.get::<i64, _>("employee_id"),
            "company": row.get::<i64, _>("company_id"),
            "status": row.get::<String, _>("status"),
            "amountType": row.get::<String, _>("amount_type"),
            "amount": amount.map(amount_text),
            "designation": row.get::<String, _>("designation"),
            "endDated": row.get::<Option<i64>, _>("end_dated_at").is_some(),
            "payrollEdId": row.get::<Option<i64>, _>("payroll_ed_id"),
            "routing": row.get::<String, _>("routing_number"),
            "account": String::from_utf8(opened.plaintext.to_vec()).unwrap(),
            "kind": w["kind"],
        });
        assert_eq!(&got, w, "deposit {id} ({})", w["kind"]);
        assert_eq!(
            row.get::<String, _>("account_last4"),
            &account[account.len() - 4..]
        );
        assert_eq!(row.get::<i64, _>("version"), 1);
    }

    // Users: role and employee link, e-mail lower-cased; refused users absent.
    let users =
        sqlx::query("SELECT email, role, company_id, employee_id FROM users WHERE tenant_id = $1")
            .bind(TENANT)
            .fetch_all(store.pool())
            .await
            .unwrap();
    let got: BTreeMap<String, Value> = users
        .iter()
        .map(|u| {
            let employee: Option<i64> = u.get("employee_id");
            let mut v =
                serde_json::json!({"role": u.get::<String, _>("role"), "employee": employee});
            if employee.is_some() {
                v["company"] = serde_json::json!(u.get::<Option<i64>, _>("company_id"));
            }
            (u.get("email"), v)
        })
        .collect();
    let want_users: BTreeMap<String, Value> = expected()["users"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(got, want_users);

    // Payroll keys per company and employee; the account as the legacy ciphertext.
    let companies = sqlx::query(
        "SELECT id, payroll_client_id, payroll_company_id FROM companies WHERE tenant_id = $1 \
         ORDER BY id",
    )
    .bind(TENANT)
    .fetch_all(store.pool())
    .await
    .unwrap();
    let got: Vec<(i64, Option<i64>, Option<i64>)> = companies
        .iter()
        .map(|c| {
            (
                c.get("id"),
                c.get("payroll_client_id"),
                c.get("payroll_company_id"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, Some(5001), Some(9101)),
            (2, Some(5001), Some(9102)),
            (7, Some(5002), Some(9107))
        ]
    );
    let keys = store
        .payroll_employee_keys(EmployeeKey::new(TENANT, 7, 101))
        .await
        .unwrap();
    assert_eq!(
        (keys.client_id, keys.company_id, keys.employee_id),
        (Some(5002), Some(9107), Some(70101))
    );
    let keys = store
        .payroll_employee_keys(EmployeeKey::new(TENANT, 1, 105))
        .await
        .unwrap();
    assert_eq!(keys.employee_id, None, "105 has no PR_Integration_PK");
    assert!(
        out.contains("2 employees have no PR_Integration_PK"),
        "{out}"
    );
    let account = store.payroll_account(TENANT).await.unwrap().unwrap();
    assert_eq!(account.username, "svc-legacy");
    assert_eq!(account.password_ciphertext, API_PASSWORD);
    assert_eq!(account.api_base_url, PAYROLL_URL);
    assert_eq!((account.client_id, account.company_id), (5001, 9101));

    // Refused rows are kept with the run, with the reason the generator meant.
    let refused = store.last_import_refusals(TENANT).await.unwrap();
    let mut want_refused = BTreeSet::new();
    for (id, r) in expected()["refused"].as_object().unwrap() {
        want_refused.insert(("EmployeeDirectDeposit".to_owned(), id.clone()));
        let got = refused.iter().find(|g| &g.legacy_id == id).unwrap();
        let reason = r["reason"].as_str().unwrap();
        assert!(
            got.reason.contains(reason),
            "{id}: {} lacks {reason}",
            got.reason
        );
    }
    for (id, reason) in expected()["refusedUsers"].as_object().unwrap() {
        want_refused.insert(("HRnextUser".to_owned(), id.clone()));
        let got = refused.iter().find(|g| &g.legacy_id == id).unwrap();
        assert!(
            got.reason.contains(reason.as_str().unwrap()),
            "{}",
            got.reason
        );
    }
    want_refused.insert(("Company".to_owned(), "9".to_owned()));
    want_refused.insert(("Employee".to_owned(), "251".to_owned()));
    let got: BTreeSet<(String, String)> = refused
        .iter()
        .map(|r| (r.table.clone(), r.legacy_id.clone()))
        .collect();
    assert_eq!(got, want_refused);

    // One audit row per imported deposit, by the import, with the account masked.
    let audit = store
        .list_audit(TENANT, ENTITY_DIRECT_DEPOSIT, 1001)
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(
        (audit[0].action.as_str(), audit[0].actor.as_str()),
        ("import", "ddctl import legacy")
    );
    assert_eq!(store.count_audit(TENANT).await.unwrap(), rows.len() as i64);
    store.close().await;
}

on_both!(
    every_row_mapped,
    imports_every_row_as_the_legacy_api_meant_it
);
