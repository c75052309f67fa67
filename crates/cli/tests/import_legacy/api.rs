//! The API serves the imported tenant as the legacy API did: same ids, statuses, amount
//! types and amounts, masking for employees, end-dated rows hidden, pages of 30; the rules
//! hold against imported rows; the next create gets a fresh id; `ddctl token` works for
//! imported users.

use std::sync::Arc;

use direct_deposit_api::{
    AccountClaim, AppState, Claims, FingerprintKey, Limits, Verifier, app, sign_hs256,
};
use secrecy::SecretSlice;
use serde_json::{Value, json};

use crate::common::{Env, TENANT, ddctl, expected, fixtures, on_both};

const JWT_SECRET: &[u8] = b"import-test-jwt-secret-0123456789";

struct Api {
    base: String,
    http: reqwest::Client,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Api {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Api {
    async fn start(env: &Env) -> Self {
        let store = env.store().await;
        let (_, fingerprint) = env.keys();
        let state = AppState::new(
            store,
            Verifier::new(Some(SecretSlice::from(JWT_SECRET.to_vec()))),
            Arc::new(env.cipher()),
            FingerprintKey::new(fingerprint).unwrap(),
        )
        .with_limits(Limits {
            max_deposits_per_employee: crate::common::MAX_DEPOSITS,
            ..Limits::default()
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app(state)).await.unwrap();
        });
        dd_payroll::install_crypto_provider();
        Self {
            base,
            http: reqwest::Client::new(),
            task,
        }
    }

    fn url(&self, company: i64, employee: i64) -> String {
        format!(
            "{}/tenants/{TENANT}/companies/{company}/employees/{employee}/direct-deposits",
            self.base
        )
    }

    async fn call(&self, method: &str, url: &str, who: &str, body: Option<Value>) -> (u16, Value) {
        let claims = Claims {
            account: AccountClaim {
                tenant_id: TENANT.to_owned(),
                email: who.to_owned(),
            },
            application_id: None,
            scope: None,
            exp: direct_deposit_api::auth::jwt::unix_now() + 600,
        };
        let token = sign_hs256(&claims, JWT_SECRET).unwrap();
        let mut request = self
            .http
            .request(method.parse().unwrap(), url)
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// What the legacy API listed for an employee: the live deposits in id order.
fn legacy_list(employee: i64) -> Vec<(i64, Value)> {
    let mut out: Vec<(i64, Value)> = expected()["deposits"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, d)| d["employee"] == employee && d["endDated"] == false)
        .map(|(id, d)| (id.parse().unwrap(), d.clone()))
        .collect();
    out.sort_by_key(|(id, _)| *id);
    out
}

fn resource(id: i64, d: &Value, account: &str) -> Value {
    let amount = d["amount"].as_str().map(|a| {
        let v: f64 = a.parse().unwrap();
        if v.fract() == 0.0 {
            json!(v as i64)
        } else {
            json!(v)
        }
    });
    json!({
        "id": id,
        "amount": amount,
        "bankAccount": {
            "routingNumber": d["routing"],
            "accountNumber": account,
            "designation": d["designation"],
        },
        "amountType": d["amountType"],
        "status": d["status"],
    })
}

fn masked(account: &str) -> String {
    dd_domain::mask(account)
}

async fn served_as_the_legacy_api_did(env: Env) {
    env.import_ok(&fixtures(), &["--keep-going"]);
    let api = Api::start(&env).await;
    let employee_of = |e: i64| -> String {
        expected()["users"]
            .as_object()
            .unwrap()
            .iter()
            .find(|(_, u)| u["employee"] == e && u["role"] == "employee")
            .map(|(email, _)| email.clone())
            .unwrap()
    };

    // Employee 101: 36 live deposits, two pages, masked accounts, legacy ids.
    let want = legacy_list(101);
    assert_eq!(want.len(), 36);
    let me = employee_of(101);
    let (status, page1) = api.call("GET", &api.url(7, 101), &me, None).await;
    assert_eq!(status, 200, "{page1}");
    assert_eq!(
        (page1["count"].clone(), page1["totalCount"].clone()),
        (json!(30), json!(36))
    );
    let page2_url = format!("{}?pageToken=Mg==", api.url(7, 101));
    let (status, page2) = api.call("GET", &page2_url, &me, None).await;
    assert_eq!(status, 200);
    assert_eq!(page2["count"], 6);
    let got: Vec<Value> = [&page1, &page2]
        .iter()
        .flat_map(|p| p["results"].as_array().unwrap().clone())
        .collect();
    let expected_resources: Vec<Value> = want
        .iter()
        .map(|(id, d)| resource(*id, d, &masked(d["account"].as_str().unwrap())))
        .collect();
    assert_eq!(got, expected_resources);

    // The HR admin sees every employee's accounts in the clear; end-dated rows hidden.
    for employee in [104, 117, 118, 119, 120, 121, 123, 124, 125, 126, 127] {
        let (status, list) = api
            .call(
                "GET",
                &api.url(company(employee), employee),
                "hr.admin@example.com",
                None,
            )
            .await;
        assert_eq!(status, 200, "{employee}: {list}");
        let want: Vec<Value> = legacy_list(employee)
            .iter()
            .map(|(id, d)| resource(*id, d, d["account"].as_str().unwrap()))
            .collect();
        assert_eq!(list["results"], json!(want), "employee {employee}");
    }
    // Short accounts are masked entirely; letters keep their case.
    let (_, short) = api
        .call("GET", &api.url(company(127), 127), &employee_of(127), None)
        .await;
    assert_eq!(
        short["results"][0]["bankAccount"]["accountNumber"],
        "******"
    );
    let (_, letters) = api
        .call("GET", &api.url(company(126), 126), &employee_of(126), None)
        .await;
    let accounts: Vec<&str> = letters["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["bankAccount"]["accountNumber"].as_str().unwrap())
        .collect();
    assert!(accounts.contains(&"******34ef"), "{accounts:?}");

    // The API's rules hold against imported rows, and a create gets a fresh id.
    let (_, first) = &want[0];
    let (status, body) = api
        .call(
            "POST",
            &api.url(7, 101),
            &me,
            Some(json!({"amount": 5, "amountType": "Flat", "bankAccount": {
                "routingNumber": first["routing"], "accountNumber": first["account"],
                "designation": "Checking"}})),
        )
        .await;
    assert_eq!((status, body["code"].clone()), (409, json!(40)), "{body}");
    let (status, body) = api
        .call(
            "POST",
            &api.url(7, 101),
            &me,
            Some(
                json!({"amount": null, "amountType": "Balance Remainder", "bankAccount": {
                "routingNumber": "021000021", "accountNumber": "4444333322221111",
                "designation": "Checking"}}),
            ),
        )
        .await;
    assert_eq!(
        status, 409,
        "a second remainder next to the imported one: {body}"
    );
    let (status, created) = api
        .call(
            "POST",
            &api.url(7, 101),
            &me,
            Some(
                json!({"amount": 12.5, "amountType": "Flat", "bankAccount": {
                "routingNumber": "021000021", "accountNumber": "4444333322221111",
                "designation": "Savings"}}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let last_imported = legacy_ids().into_iter().max().unwrap();
    assert!(created["id"].as_i64().unwrap() > last_imported, "{created}");
    assert_eq!(created["status"], "Pending");

    // `ddctl token` finds imported users by their employee link (the data directory's
    // database; the PostgreSQL run has no data directory).
    if env.pg.is_none() {
        let out = ddctl()
            .args([
                "token",
                "--tenant",
                TENANT,
                "--company",
                "7",
                "--employee",
                "101",
            ])
            .arg("--data-dir")
            .arg(env.data_dir())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8(out.stdout)
                .unwrap()
                .trim()
                .split('.')
                .count(),
            3
        );
    }
}

/// The company of an employee with imported deposits.
fn company(employee: i64) -> i64 {
    expected()["deposits"]
        .as_object()
        .unwrap()
        .values()
        .find(|d| d["employee"] == employee)
        .map(|d| d["company"].as_i64().unwrap())
        .unwrap()
}

/// Ids of the imported deposits.
fn legacy_ids() -> Vec<i64> {
    expected()["deposits"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.parse().unwrap())
        .collect()
}

on_both!(served, served_as_the_legacy_api_did);
