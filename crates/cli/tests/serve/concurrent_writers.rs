//! Sixteen writers at once on one employee, through the HTTP server on both backends: the
//! store-level rules (crates/storage/tests) must hold end to end, with the server's pool,
//! transactions and retries in between. Exactly one Balance Remainder, no duplicate
//! routing + account, never more than the per-employee maximum, and every refusal a 409
//! (never a 500 or a 503).

use serde_json::{Value, json};

use crate::common::Served;
use crate::postgres::fresh_database;

const WRITERS: usize = 16;

fn body(amount_type: &str, account: &str) -> Value {
    let mut body = json!({
        "amountType": amount_type,
        "bankAccount": {"routingNumber": "021000021", "accountNumber": account, "designation": "Checking"},
    });
    if amount_type == "Flat" {
        body["amount"] = json!(10);
    }
    body
}

/// Sends all `bodies` at once (each on its own connection, released together) and returns
/// the statuses.
fn all_at_once(url: &str, token: &str, bodies: Vec<Value>) -> Vec<u16> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    // reqwest is built without a default TLS provider (one stack: ring); tests set it up.
    dd_payroll::install_crypto_provider();
    runtime.block_on(async {
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(bodies.len()));
        let tasks: Vec<_> = bodies
            .into_iter()
            .map(|body| {
                let (url, token, start) = (url.to_owned(), token.to_owned(), start.clone());
                tokio::spawn(async move {
                    // One client per writer: separate connections, so the server really
                    // handles them concurrently.
                    let client = reqwest::Client::new();
                    let request = client.post(&url).bearer_auth(&token).json(&body);
                    start.wait().await;
                    let response = request.send().await.unwrap();
                    let status = response.status().as_u16();
                    let text = response.text().await.unwrap();
                    assert!(status == 201 || status == 409, "{status}: {text}");
                    if status == 409 {
                        let error: Value = serde_json::from_str(&text).unwrap();
                        assert_eq!(error["code"], 40, "{text}");
                    }
                    status
                })
            })
            .collect();
        let mut statuses = Vec::new();
        for task in tasks {
            statuses.push(task.await.unwrap());
        }
        statuses
    })
}

fn created(statuses: &[u16]) -> usize {
    statuses.iter().filter(|s| **s == 201).count()
}

/// The employee's deposits as the HR admin sees them (account numbers in full).
fn listed(served: &Served, url: &str) -> Vec<Value> {
    let (_, admin) = served.user("hr@acme.example");
    let (status, body) = crate::common::curl("GET", url, &admin, None);
    assert_eq!(status, 200, "{body}");
    let list: Value = serde_json::from_str(&body).unwrap();
    list["results"].as_array().unwrap().clone()
}

fn sixteen_writers_on_one_employee(served: &Served) {
    let (url, alice) = served.user("alice@acme.example");

    // Sixteen Balance Remainders with different accounts: exactly one wins.
    let bodies = (0..WRITERS)
        .map(|i| body("Balance Remainder", &format!("7100{i:04}")))
        .collect();
    assert_eq!(created(&all_at_once(&url, &alice, bodies)), 1);

    // Sixteen creates of one routing + account: exactly one wins.
    let bodies = (0..WRITERS).map(|_| body("Flat", "7200000001")).collect();
    assert_eq!(created(&all_at_once(&url, &alice, bodies)), 1);

    // Sixteen distinct Flat accounts: the maximum (10, two taken) holds exactly.
    let bodies = (0..WRITERS)
        .map(|i| body("Flat", &format!("7300{:04}", i + 40)))
        .collect();
    assert_eq!(created(&all_at_once(&url, &alice, bodies)), 8);

    let deposits = listed(served, &url);
    assert_eq!(deposits.len(), 10, "{deposits:?}");
    let remainders = deposits
        .iter()
        .filter(|d| d["amountType"] == "Balance Remainder")
        .count();
    assert_eq!(remainders, 1, "{deposits:?}");
    let mut accounts: Vec<String> = deposits
        .iter()
        .map(|d| {
            d["bankAccount"]["accountNumber"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    accounts.sort();
    accounts.dedup();
    assert_eq!(accounts.len(), 10, "a duplicate account: {deposits:?}");
}

#[test]
fn sixteen_concurrent_writers_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let served = Served::start(&tmp.path().join("data"), &[]);
    sixteen_writers_on_one_employee(&served);
    served.stop();
}

#[test]
fn sixteen_concurrent_writers_on_postgres() {
    let Some(db) = fresh_database("writers16") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let served = Served::start(&tmp.path().join("data"), &["--database-url", &db.url]);
    sixteen_writers_on_one_employee(&served);
    served.stop();
}
