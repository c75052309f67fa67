//! Client ↔ simulator over real HTTP on 127.0.0.1 (ephemeral ports).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use dd_domain::{AccountNumber, Allocation, AmountType, Designation, RoutingNumber};
use dd_payroll::sim::{FailMode, FaultConfig, SimConfig, SimState, SimTenant, serve_state};
use dd_payroll::{
    DirectDepositEd, EdDate, EmployeeRef, ErrorClass, IdempotencyKey, PayrollClient, PayrollConfig,
    PayrollError, Step, TenantCredentials,
};
use secrecy::SecretString;
use serde_json::{Value, json};

const API_KEY: &str = "api-key-1";
const API_SECRET: &str = "api-secret-XYZ";
const APP_ID: &str = "dd-app";
const PASSWORD: &str = "Tenant-A-Pa55word!";
const ACCOUNT: &str = "000123456789";

struct Sim {
    state: SimState,
    base: String,
}

async fn start_sim() -> Sim {
    let mut config = SimConfig::new(API_KEY, API_SECRET)
        .with_tenant(SimTenant::new("tenant-a", "bureau-a", "svc-a", PASSWORD))
        .with_tenant(SimTenant::new("tenant-b", "bureau-b", "svc-b", "other"));
    config.application_id = Some(APP_ID.into());
    let state = SimState::new(config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve_state(state.clone(), listener));
    Sim { state, base }
}

fn client_with_timeout(sim: &Sim, timeout: Duration) -> PayrollClient {
    let mut config = PayrollConfig::new(
        sim.base.clone(),
        API_KEY,
        SecretString::from(API_SECRET),
        APP_ID,
    );
    config.request_timeout = timeout;
    PayrollClient::new(config).unwrap()
}

fn client(sim: &Sim) -> PayrollClient {
    client_with_timeout(sim, Duration::from_secs(10))
}

fn creds(password: &str) -> TenantCredentials {
    TenantCredentials {
        tenant_id: "tenant-a".into(),
        username: "svc-a".into(),
        password: SecretString::from(password),
    }
}

fn employee() -> EmployeeRef {
    EmployeeRef::new("client-1", "company-7", "emp-42")
}

fn deposit(allocation: Allocation) -> DirectDepositEd {
    DirectDepositEd {
        routing_number: RoutingNumber::parse("021000021").unwrap(),
        account_number: AccountNumber::parse(ACCOUNT).unwrap(),
        designation: Designation::Checking,
        allocation,
        effective_start_date: EdDate::parse("2025-07-01").unwrap(),
        effective_end_date: None,
    }
}

fn flat(amount: f64) -> Allocation {
    Allocation::new(AmountType::Flat, Some(amount)).unwrap()
}

fn percent(rate: f64) -> Allocation {
    Allocation::new(AmountType::Percentage, Some(rate)).unwrap()
}

fn key(k: &str) -> IdempotencyKey {
    IdempotencyKey::new(k).unwrap()
}

async fn sim_get(sim: &Sim, path: &str) -> Value {
    reqwest::get(format!("{}{path}", sim.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn happy_path_for_each_amount_type() {
    let sim = start_sim().await;
    let client = client(&sim);
    let creds = creds(PASSWORD);
    let cases = [
        (
            flat(12.34),
            json!({"method": "Fixed", "amount": 12.34}),
            false,
        ),
        (
            percent(10.5),
            json!({"method": "PercOfNet", "rate": 10.5}),
            false,
        ),
        (Allocation::BalanceRemainder, Value::Null, true),
    ];
    for (i, (allocation, calculation, whole_check)) in cases.into_iter().enumerate() {
        let d = deposit(allocation);
        let created = client
            .create_ed(&creds, &employee(), &d, &key(&format!("create-{i}")))
            .await
            .unwrap();
        assert_eq!(created.deposit, d);
        let fetched = client
            .get_ed(&creds, &employee(), &created.id)
            .await
            .unwrap();
        assert_eq!(fetched, created);
        assert_eq!(fetched.deposit.account_number.expose(), ACCOUNT);

        let received = sim.state.received();
        let last = received.last().unwrap();
        assert_eq!(last.method, "POST");
        assert_eq!(last.idempotency_key, format!("create-{i}"));
        assert_eq!(last.tenant_id, "tenant-a");
        assert_eq!(
            last.path,
            "/v3/api/bureaus/bureau-a/clients/client-1/companies/company-7/employees/emp-42/eds"
        );
        assert_eq!(last.body["calculation"], calculation);
        assert_eq!(last.body["deductWholeCheck"], json!(whole_check));
        assert_eq!(last.body["ed"]["code"], json!("DD"));
        assert_eq!(
            last.body["directDeposit"]["accountNumber"],
            json!("********6789")
        );
        assert_eq!(last.body["directDeposit"]["accountType"], json!("Checking"));

        // Update: a different amount and account type.
        let mut changed = d.clone();
        changed.allocation = if allocation.is_balance_remainder() {
            flat(1.0)
        } else {
            Allocation::BalanceRemainder
        };
        changed.designation = Designation::Savings;
        let updated = client
            .update_ed(
                &creds,
                &employee(),
                &created.id,
                &changed,
                &key(&format!("update-{i}")),
            )
            .await
            .unwrap();
        assert_eq!(updated.id, created.id);
        assert_eq!(updated.deposit, changed);

        // Delete of an approved deposit: end-dated with a PUT, still readable.
        let end = EdDate::parse("2025-12-31").unwrap();
        let ended = client
            .end_date_ed(
                &creds,
                &employee(),
                &created.id,
                &changed,
                end.clone(),
                &key(&format!("end-{i}")),
            )
            .await
            .unwrap();
        assert_eq!(ended.deposit.effective_end_date, Some(end.clone()));
        let fetched = client
            .get_ed(&creds, &employee(), &created.id)
            .await
            .unwrap();
        assert_eq!(fetched.deposit.effective_end_date, Some(end));
        let last = sim.state.received().pop().unwrap();
        assert_eq!(last.method, "PUT");
        assert_eq!(last.body["effectiveEndDate"], json!("2025-12-31"));
    }
    let stats = sim.state.stats();
    assert_eq!(stats.mutations_applied, 9);
    assert_eq!(stats.idempotent_replays, 0);

    // Introspection over HTTP, with account numbers masked.
    let eds = sim_get(&sim, "/_sim/eds").await;
    assert_eq!(eds.as_array().unwrap().len(), 3);
    assert!(eds.to_string().contains("********6789"));
    let received = sim_get(&sim, "/_sim/received").await;
    assert_eq!(received.as_array().unwrap().len(), 9);
    for text in [eds.to_string(), received.to_string()] {
        assert!(!text.contains(ACCOUNT));
        assert!(!text.contains(PASSWORD));
    }
    let stats = sim_get(&sim, "/_sim/stats").await;
    assert_eq!(stats["mutationsApplied"], json!(9));
}

#[tokio::test]
async fn access_token_is_cached_across_calls() {
    let sim = start_sim().await;
    let client = client(&sim);
    let creds = creds(PASSWORD);
    let created = client
        .create_ed(&creds, &employee(), &deposit(flat(5.0)), &key("k1"))
        .await
        .unwrap();
    for _ in 0..3 {
        client
            .get_ed(&creds, &employee(), &created.id)
            .await
            .unwrap();
    }
    // Concurrent calls share the cached session too.
    let emp = employee();
    let (a, b) = tokio::join!(
        client.get_ed(&creds, &emp, &created.id),
        client.get_ed(&creds, &emp, &created.id)
    );
    a.unwrap();
    b.unwrap();
    let stats = sim.state.stats();
    assert_eq!(stats.oauth_token_calls, 1);
    assert_eq!(stats.tenant_lookups, 1);
    assert_eq!(stats.ed_gets, 5);

    // Forgetting the session (e.g. after a credential rotation) forces a new exchange.
    client.forget_session("tenant-a").await;
    client
        .get_ed(&creds, &employee(), &created.id)
        .await
        .unwrap();
    assert_eq!(sim.state.stats().oauth_token_calls, 2);
}

#[tokio::test]
async fn revoked_token_is_renewed_once_and_the_call_succeeds() {
    let sim = start_sim().await;
    let client = client(&sim);
    let creds = creds(PASSWORD);
    let created = client
        .create_ed(&creds, &employee(), &deposit(flat(5.0)), &key("k1"))
        .await
        .unwrap();
    sim.state.revoke_tokens();
    let updated = client
        .update_ed(
            &creds,
            &employee(),
            &created.id,
            &deposit(flat(7.0)),
            &key("k2"),
        )
        .await
        .unwrap();
    assert_eq!(updated.deposit.allocation, flat(7.0));
    let stats = sim.state.stats();
    assert_eq!(stats.oauth_token_calls, 2);
    assert_eq!(sim.state.applied_count("k2"), 1);
}

#[tokio::test]
async fn concurrent_first_calls_share_one_token_exchange() {
    let sim = start_sim().await;
    let client = client(&sim);
    let creds = creds(PASSWORD);
    let d = deposit(flat(5.0));
    let (k1, k2, k3) = (key("c1"), key("c2"), key("c3"));
    let emp = employee();
    let (a, b, c) = tokio::join!(
        client.create_ed(&creds, &emp, &d, &k1),
        client.create_ed(&creds, &emp, &d, &k2),
        client.create_ed(&creds, &emp, &d, &k3),
    );
    a.unwrap();
    b.unwrap();
    c.unwrap();
    assert_eq!(sim.state.stats().oauth_token_calls, 1);
}

#[tokio::test]
async fn wrong_password_is_credentials_rejected_at_oauth_step() {
    let sim = start_sim().await;
    let client = client(&sim);
    let err = client
        .create_ed(
            &creds("stale-password"),
            &employee(),
            &deposit(flat(1.0)),
            &key("k"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, PayrollError::CredentialsRejected { status: 401, .. }),
        "{err:?}"
    );
    assert_eq!(err.step(), Some(Step::OauthToken));
    assert_eq!(err.class(), ErrorClass::CredentialsRejected);
    assert!(err.to_string().contains("oauth_token"), "{err}");
    assert_eq!(sim.state.stats().credentials_rejected, 1);
    assert_eq!(sim.state.stats().mutations_applied, 0);

    // The caller re-reads and re-decrypts the rotated credential and tries once more.
    client
        .create_ed(
            &creds(PASSWORD),
            &employee(),
            &deposit(flat(1.0)),
            &key("k"),
        )
        .await
        .unwrap();
    assert_eq!(sim.state.applied_count("k"), 1);
}

#[tokio::test]
async fn unknown_user_and_other_tenant_password_are_rejected() {
    let sim = start_sim().await;
    let client = client(&sim);
    let mut c = creds("other"); // tenant-b's password
    let err = client.get_ed(&c, &employee(), "1").await.unwrap_err();
    assert!(err.is_credentials_rejected());
    c.username = "svc-b".into();
    let err = client.get_ed(&c, &employee(), "1").await.unwrap_err();
    assert!(err.is_credentials_rejected());
}

#[tokio::test]
async fn injected_failures_before_apply_are_retryable_and_change_nothing() {
    let sim = start_sim().await;
    let client = client(&sim);
    let creds = creds(PASSWORD);
    let created = client
        .create_ed(&creds, &employee(), &deposit(flat(5.0)), &key("k1"))
        .await
        .unwrap();
    sim.state.set_faults(FaultConfig {
        fail_rate: 1.0,
        ..FaultConfig::default()
    });
    let err = client
        .update_ed(
            &creds,
            &employee(),
            &created.id,
            &deposit(flat(6.0)),
            &key("k2"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, PayrollError::Http { status: 503, .. }),
        "{err:?}"
    );
    assert_eq!(err.step(), Some(Step::EdPut));
    assert!(err.is_retryable());
    assert_eq!(sim.state.applied_count("k2"), 0);

    // A fresh client fails at the first step, and says so.
    let err = super_fresh_get(&sim, &creds, &created.id).await;
    assert_eq!(err.step(), Some(Step::OauthToken));
    assert!(err.is_retryable());

    // The outbox retries later with the same key and it lands once.
    sim.state.set_faults(FaultConfig::default());
    let updated = client
        .update_ed(
            &creds,
            &employee(),
            &created.id,
            &deposit(flat(6.0)),
            &key("k2"),
        )
        .await
        .unwrap();
    assert_eq!(updated.deposit.allocation, flat(6.0));
    assert_eq!(sim.state.applied_count("k2"), 1);
}

async fn super_fresh_get(sim: &Sim, creds: &TenantCredentials, id: &str) -> PayrollError {
    client(sim)
        .get_ed(creds, &employee(), id)
        .await
        .unwrap_err()
}

#[tokio::test]
async fn latency_beyond_the_client_timeout_is_a_retryable_timeout() {
    let sim = start_sim().await;
    let client = client_with_timeout(&sim, Duration::from_millis(200));
    let creds = creds(PASSWORD);
    let created = client
        .create_ed(&creds, &employee(), &deposit(flat(5.0)), &key("k1"))
        .await
        .unwrap();
    sim.state.set_faults(FaultConfig {
        latency_ms: 5_000,
        ..FaultConfig::default()
    });
    let err = client
        .get_ed(&creds, &employee(), &created.id)
        .await
        .unwrap_err();
    assert!(matches!(err, PayrollError::Timeout { .. }), "{err:?}");
    assert_eq!(err.step(), Some(Step::EdGet));
    assert!(err.is_retryable());
    assert_eq!(err.to_string(), "payroll ed_get: timed out");
}

#[tokio::test]
async fn same_key_twice_is_applied_once() {
    let sim = start_sim().await;
    let client = client(&sim);
    let creds = creds(PASSWORD);
    let d = deposit(percent(25.0));
    let first = client
        .create_ed(&creds, &employee(), &d, &key("job-1"))
        .await
        .unwrap();
    let second = client
        .create_ed(&creds, &employee(), &d, &key("job-1"))
        .await
        .unwrap();
    assert_eq!(first, second);
    assert_eq!(sim.state.applied_count("job-1"), 1);
    assert_eq!(sim.state.eds().len(), 1);
    let stats = sim.state.stats();
    assert_eq!((stats.mutations_applied, stats.idempotent_replays), (1, 1));
    assert_eq!(sim.state.received()[0].replays, 1);

    // The same key with a different request is refused, permanently.
    let err = client
        .create_ed(&creds, &employee(), &deposit(percent(30.0)), &key("job-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, PayrollError::Http { status: 422, .. }),
        "{err:?}"
    );
    assert_eq!(err.class(), ErrorClass::Permanent);
    assert_eq!(
        err.to_string(),
        "payroll ed_create: HTTP 422 (idempotency_key_reused)"
    );
}

#[tokio::test]
async fn retry_after_a_drop_past_apply_is_applied_once() {
    let sim = start_sim().await;
    let client = client(&sim);
    let creds = creds(PASSWORD);
    let d = deposit(flat(40.0));
    // Open the session first so the injected fault hits the mutation.
    client
        .get_ed(&creds, &employee(), "none")
        .await
        .unwrap_err();
    sim.state.set_faults(FaultConfig {
        fail_mode: FailMode::AfterApply,
        fail_next: 1,
        ..FaultConfig::default()
    });
    let err = client
        .create_ed(&creds, &employee(), &d, &key("job-9"))
        .await
        .unwrap_err();
    assert!(matches!(err, PayrollError::Connection { .. }), "{err:?}");
    assert_eq!(err.step(), Some(Step::EdCreate));
    assert!(err.is_retryable());
    // Applied although the client never heard so.
    assert_eq!(sim.state.applied_count("job-9"), 1);

    let retried = client
        .create_ed(&creds, &employee(), &d, &key("job-9"))
        .await
        .unwrap();
    assert_eq!(retried.deposit, d);
    assert_eq!(sim.state.applied_count("job-9"), 1);
    assert_eq!(sim.state.eds().len(), 1);
    assert_eq!(sim.state.stats().injected_failures, 1);
}

#[tokio::test]
async fn fault_settings_change_at_runtime_over_http() {
    let sim = start_sim().await;
    dd_payroll::install_crypto_provider();
    let http = reqwest::Client::new();
    let url = format!("{}/_sim/config", sim.base);
    let v: Value = http
        .post(&url)
        .json(&json!({"failRate": 0.5, "failMode": "afterApply", "latencyMs": 7}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        v,
        json!({"failRate": 0.5, "failMode": "afterApply", "latencyMs": 7, "failNext": 0})
    );
    assert_eq!(sim.state.faults().latency_ms, 7);
    let bad = http
        .post(&url)
        .json(&json!({"failRate": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(sim_get(&sim, "/_sim/config").await["failRate"], json!(0.5));
}

#[tokio::test]
async fn secrets_never_show_in_debug_or_display() {
    let sim = start_sim().await;
    let client = client_with_timeout(&sim, Duration::from_millis(200));
    let good = creds(PASSWORD);
    let d = deposit(flat(9.99));
    let mut errors: Vec<PayrollError> = Vec::new();
    errors.push(
        client
            .create_ed(&creds("wrong-Pa55"), &employee(), &d, &key("x"))
            .await
            .unwrap_err(),
    );
    let created = client
        .create_ed(&good, &employee(), &d, &key("a"))
        .await
        .unwrap();
    errors.push(
        client
            .create_ed(&good, &employee(), &deposit(flat(1.0)), &key("a"))
            .await
            .unwrap_err(),
    );
    errors.push(client.get_ed(&good, &employee(), "404").await.unwrap_err());
    sim.state.set_faults(FaultConfig {
        fail_mode: FailMode::AfterApply,
        fail_next: 1,
        ..FaultConfig::default()
    });
    errors.push(
        client
            .update_ed(&good, &employee(), &created.id, &d, &key("b"))
            .await
            .unwrap_err(),
    );
    sim.state.set_faults(FaultConfig {
        latency_ms: 5_000,
        ..FaultConfig::default()
    });
    errors.push(
        client
            .update_ed(&good, &employee(), &created.id, &d, &key("c"))
            .await
            .unwrap_err(),
    );
    assert_eq!(errors.len(), 5);

    let mut texts = vec![
        format!("{client:?}"),
        format!("{good:?}"),
        format!("{d:?}"),
        format!("{created:?}"),
        format!("{:?}", employee()),
    ];
    for e in &errors {
        texts.push(format!("{e}"));
        texts.push(format!("{e:?}"));
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            texts.push(format!("{s} {s:?}"));
            source = s.source();
        }
    }
    for text in &texts {
        for secret in [PASSWORD, "wrong-Pa55", ACCOUNT, API_SECRET] {
            assert!(!text.contains(secret), "{secret:?} leaked in {text}");
        }
    }
}
