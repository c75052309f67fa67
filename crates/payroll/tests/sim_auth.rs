//! The simulator's own checks, driven with raw HTTP: SSO token validation, service
//! credentials, tenant isolation and the idempotency-key requirement.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use dd_payroll::sim::{SimConfig, SimState, SimTenant, serve_state};
use dd_payroll::sso::{self, SsoClaims};
use serde_json::{Value, json};

const SECRET: &[u8] = b"api-secret";

async fn start() -> (SimState, String) {
    let state = SimState::new(
        SimConfig::new("key", "api-secret")
            .with_tenant(SimTenant::new("ta", "bureau-a", "ua", "pa"))
            .with_tenant(SimTenant::new("tb", "bureau-b", "ub", "pb")),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve_state(state.clone(), listener));
    (state, base)
}

fn jwt(tenant: &str, edit: impl FnOnce(&mut SsoClaims), secret: &[u8]) -> String {
    let mut c = SsoClaims::new("key", "app", tenant, Duration::from_secs(60)).unwrap();
    edit(&mut c);
    sso::sign(&c, secret).unwrap()
}

async fn token_call(base: &str, tenant: &str, jwt: &str, user: &str, pass: &str) -> (u16, Value) {
    dd_payroll::install_crypto_provider();
    let r = reqwest::Client::new()
        .post(format!("{base}/identity/tenants/{tenant}/oauth/token"))
        .bearer_auth(jwt)
        .json(&json!({"grant_type": "password", "username": user, "password": pass}))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn access_token(base: &str, tenant: &str, user: &str, pass: &str) -> String {
    let (status, body) = token_call(base, tenant, &jwt(tenant, |_| {}, SECRET), user, pass).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn sso_token_is_checked() {
    let (state, base) = start().await;
    let cases: [(String, &str); 5] = [
        (jwt("ta", |_| {}, b"wrong-secret"), "invalid_sso_token"),
        (
            jwt("ta", |c| c.iss = "other".into(), SECRET),
            "invalid_sso_token",
        ),
        (
            jwt("ta", |c| c.exp = c.iat - 1, SECRET),
            "sso_token_expired",
        ),
        (jwt("tb", |_| {}, SECRET), "invalid_sso_token"),
        ("not.a.jwt".into(), "invalid_sso_token"),
    ];
    for (token, code) in cases {
        let (status, body) = token_call(&base, "ta", &token, "ua", "pa").await;
        assert_eq!((status, body["code"].as_str().unwrap()), (401, code));
    }
    // A valid token works once; replaying its jti does not.
    let token = jwt("ta", |_| {}, SECRET);
    assert_eq!(token_call(&base, "ta", &token, "ua", "pa").await.0, 200);
    let (status, body) = token_call(&base, "ta", &token, "ua", "pa").await;
    assert_eq!(
        (status, body["code"].as_str().unwrap()),
        (401, "sso_token_replayed")
    );
    assert_eq!(state.stats().tokens_issued, 1);
}

#[tokio::test]
async fn tenants_are_isolated() {
    let (_state, base) = start().await;
    let tb = access_token(&base, "tb", "ub", "pb").await;
    dd_payroll::install_crypto_provider();
    let http = reqwest::Client::new();
    let lookup = http
        .get(format!("{base}/identity/tenants/ta"))
        .bearer_auth(&tb)
        .send()
        .await
        .unwrap();
    assert_eq!(lookup.status(), 403);
    let ed = http
        .get(format!(
            "{base}/v3/api/bureaus/bureau-a/clients/c/companies/co/employees/e/eds/1"
        ))
        .bearer_auth(&tb)
        .send()
        .await
        .unwrap();
    assert_eq!(ed.status(), 403);
    let own: Value = http
        .get(format!("{base}/identity/tenants/tb"))
        .bearer_auth(&tb)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(own["subdomain"], json!("bureau-b"));
}

#[tokio::test]
async fn mutations_need_a_token_a_key_and_a_valid_body() {
    let (state, base) = start().await;
    let ta = access_token(&base, "ta", "ua", "pa").await;
    dd_payroll::install_crypto_provider();
    let http = reqwest::Client::new();
    let url = format!("{base}/v3/api/bureaus/bureau-a/clients/c/companies/co/employees/e/eds");
    let body = json!({
        "ed": {"code": "DD"},
        "calculation": {"method": "Fixed", "amount": 10.0},
        "deductWholeCheck": false,
        "directDeposit": {"routingNumber": "021000021", "accountNumber": "12345678", "accountType": "Savings"},
        "effectiveStartDate": "2025-01-01",
        "effectiveEndDate": null
    });
    let no_token = http
        .post(&url)
        .header("Idempotency-Key", "k")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), 401);
    let no_key = http
        .post(&url)
        .bearer_auth(&ta)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), 400);
    let mut bad = body.clone();
    bad["directDeposit"]["routingNumber"] = json!("021000022");
    let r = http
        .post(&url)
        .bearer_auth(&ta)
        .header("Idempotency-Key", "k")
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let mut both = body.clone();
    both["deductWholeCheck"] = json!(true);
    let r = http
        .post(&url)
        .bearer_auth(&ta)
        .header("Idempotency-Key", "k")
        .json(&both)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(state.stats().mutations_applied, 0);

    let ok = http
        .post(&url)
        .bearer_auth(&ta)
        .header("Idempotency-Key", "k")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 201);
    let created: Value = ok.json().await.unwrap();
    assert_eq!(created["id"], json!("1001"));
    assert_eq!(state.applied_count("k"), 1);
    let received = state.received();
    assert_eq!(
        received[0].body["directDeposit"]["accountNumber"],
        json!("****5678")
    );
}
