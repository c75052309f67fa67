//! Test harness: the API on a real listener (127.0.0.1:0) over a fresh, seeded database,
//! SQLite or the machine's Postgres (a fresh database per test, dropped afterwards, as in
//! dd-storage's tests), and a reqwest client.
//!
//! Postgres: `DD_TEST_POSTGRES_URL` (default the machine's server). Unreachable server: the
//! test fails when `CI` is set, else it is skipped with a notice.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use dd_crypto::envelope::{EnvelopeCipher, LocalKeyProvider};
use dd_storage::testing::TestDatabase;
use dd_storage::{DEMO_TENANT_1, DEMO_TENANT_2, DemoSeed, Store};
use direct_deposit_api::{
    AccountClaim, AppState, Claims, FingerprintKey, PayrollDispatch, Verifier, app, sign_hs256,
};
use secrecy::SecretSlice;
use serde_json::Value;
use sqlx::Row;

pub const T1: &str = DEMO_TENANT_1;
pub const T2: &str = DEMO_TENANT_2;
pub const ALICE: &str = "alice@acme.example";
pub const BOB: &str = "bob@acme.example";
pub const HR: &str = "hr@acme.example";
pub const CAROL: &str = "carol@globex.example";
const JWT_SECRET: &[u8] = b"test-jwt-secret-0123456789abcdef";

/// Records the payroll seam's calls.
#[derive(Debug, Default)]
pub struct RecordingDispatch {
    pub jobs: Mutex<Vec<(String, i64)>>,
}

impl PayrollDispatch for RecordingDispatch {
    fn job_committed(&self, tenant: &str, job_id: i64) {
        self.jobs.lock().unwrap().push((tenant.to_owned(), job_id));
    }
}

/// A running API.
pub struct Server {
    pub base: String,
    pub store: Store,
    pub client: reqwest::Client,
    pub dispatch: Arc<RecordingDispatch>,
    task: tokio::task::JoinHandle<()>,
    _pg: Option<PgDb>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Row counts of every table a request can write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub deposits: Vec<(i64, String, i64, i64)>,
    pub audit: i64,
    pub outbox: i64,
    pub idempotency: i64,
}

pub fn seed() -> DemoSeed {
    DemoSeed::standard("http://127.0.0.1:9/payroll", &|t| {
        format!("LEGACY-CIPHERTEXT-FOR-{t}")
    })
}

async fn start(store: Store, pg: Option<PgDb>) -> Server {
    start_with(store, pg, |state| state).await
}

/// Starts the API with `configure` applied to its state (CORS, limits, …).
pub async fn start_with(
    store: Store,
    pg: Option<PgDb>,
    configure: impl FnOnce(AppState) -> AppState,
) -> Server {
    store.migrate().await.unwrap();
    store.seed(&seed()).await.unwrap();
    let dispatch = Arc::new(RecordingDispatch::default());
    let state = AppState::new(
        store.clone(),
        Verifier::new(Some(SecretSlice::from(JWT_SECRET.to_vec()))),
        Arc::new(EnvelopeCipher::new(LocalKeyProvider::generate().unwrap())),
        FingerprintKey::new(vec![7; 32]).unwrap(),
    )
    .with_dispatch(dispatch.clone());
    let state = configure(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app(state)).await.unwrap();
    });
    install_crypto_provider();
    Server {
        base,
        store,
        client: reqwest::Client::new(),
        dispatch,
        task,
        _pg: pg,
    }
}

pub async fn sqlite() -> Server {
    start(Store::connect("sqlite::memory:").await.unwrap(), None).await
}

pub async fn postgres() -> Option<Server> {
    let db = PgDb::create().await?;
    let store = db.store.clone();
    Some(start(store, Some(db)).await)
}

/// A Postgres-backed API with `configure` applied to its state (`None`: no server).
pub async fn postgres_with(configure: impl FnOnce(AppState) -> AppState) -> Option<Server> {
    let db = PgDb::create().await?;
    let store = db.store.clone();
    Some(start_with(store, Some(db), configure).await)
}

/// A SQLite-backed API with `configure` applied to its state.
pub async fn sqlite_with(configure: impl FnOnce(AppState) -> AppState) -> Server {
    start_with(
        Store::connect("sqlite::memory:").await.unwrap(),
        None,
        configure,
    )
    .await
}

/// A token for `email` of `tenant`, valid for an hour.
pub fn token(tenant: &str, email: &str) -> String {
    token_with_exp(
        tenant,
        email,
        direct_deposit_api::auth::jwt::unix_now() + 3600,
    )
}

pub fn token_with_exp(tenant: &str, email: &str, exp: u64) -> String {
    let claims = Claims {
        account: AccountClaim {
            tenant_id: tenant.to_owned(),
            email: email.to_owned(),
        },
        application_id: Some("tests".to_owned()),
        scope: Some("direct-deposits".to_owned()),
        exp,
    };
    sign_hs256(&claims, JWT_SECRET).unwrap()
}

/// The secret the test servers verify HS256 tokens with.
pub fn jwt_secret() -> &'static [u8] {
    JWT_SECRET
}

/// A token signed with the wrong secret.
pub fn forged_token(tenant: &str, email: &str) -> String {
    let claims = Claims {
        account: AccountClaim {
            tenant_id: tenant.to_owned(),
            email: email.to_owned(),
        },
        application_id: None,
        scope: None,
        exp: direct_deposit_api::auth::jwt::unix_now() + 3600,
    };
    sign_hs256(&claims, b"not-the-secret").unwrap()
}

pub fn path(tenant: &str, company: &str, employee: &str) -> String {
    format!("/tenants/{tenant}/companies/{company}/employees/{employee}/direct-deposits")
}

/// Alice's collection (tenant 1, company 1, employee 1).
pub fn alice_path() -> String {
    path(T1, "1", "1")
}

pub fn body(routing: &str, account: &str, amount_type: &str, amount: Option<f64>) -> Value {
    serde_json::json!({
        "amount": amount,
        "amountType": amount_type,
        "bankAccount": {
            "routingNumber": routing,
            "accountNumber": account,
            "designation": "Checking",
        },
    })
}

pub fn flat(account: &str, amount: f64) -> Value {
    body("021000021", account, "Flat", Some(amount))
}

/// A response: status, headers, JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Server {
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::Null)
        };
        Reply {
            status,
            headers,
            text,
            json,
        }
    }

    /// Sends raw body bytes as `application/json`.
    pub async fn send_bytes(&self, method: &str, path: &str, token: &str, body: Vec<u8>) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            text,
            json,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send("GET", path, Some(token), None, &[]).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.send("POST", path, Some(token), Some(body), &[]).await
    }

    /// Rejects deposit `id` of `collection` as the HR admin, with a reason.
    pub async fn reject(&self, collection: &str, id: i64, reason: &str) -> Reply {
        let body = serde_json::json!({ "reason": reason });
        self.post(&format!("{collection}/{id}/reject"), &token(T1, HR), &body)
            .await
    }

    /// Creates a deposit and returns its id (asserting 201).
    pub async fn create(&self, path: &str, token: &str, body: &Value) -> i64 {
        let r = self.post(path, token, body).await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.json["id"].as_i64().unwrap()
    }

    pub async fn snapshot(&self) -> Snapshot {
        let pool = self.store.pool();
        let count = |table: &'static str| async move {
            sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
                .fetch_one(pool)
                .await
                .unwrap()
                .get::<i64, _>("n")
        };
        let deposits = sqlx::query(
            "SELECT id, status, version, COALESCE(amount, -1) AS amount FROM direct_deposits \
             ORDER BY id",
        )
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.get::<i64, _>("id"),
                r.get::<String, _>("status"),
                r.get::<i64, _>("version"),
                r.get::<i64, _>("amount"),
            )
        })
        .collect();
        Snapshot {
            deposits,
            audit: count("audit_log").await,
            outbox: count("payroll_outbox").await,
            idempotency: count("idempotency_keys").await,
        }
    }

    pub fn dispatched(&self) -> Vec<(String, i64)> {
        self.dispatch.jobs.lock().unwrap().clone()
    }
}

/// Asserts the legacy error envelope with `status` and `code`.
pub fn assert_error(r: &Reply, status: u16, code: u64) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.json["statusCode"], status, "{}", r.text);
    assert_eq!(r.json["code"], code, "{}", r.text);
    for field in ["message", "developerMessage", "moreInfo"] {
        assert!(r.json[field].is_string(), "{field} in {}", r.text);
    }
    assert_eq!(r.json.as_object().unwrap().len(), 5, "{}", r.text);
}

/// A per-test Postgres database (dropped with the guard, after the store).
pub struct PgDb {
    pub store: Store,
    _db: TestDatabase,
}

impl PgDb {
    /// `None` when the server is unreachable and `CI` is not set.
    pub async fn create() -> Option<Self> {
        let db = TestDatabase::create("api").await?;
        let store = Store::connect(&db.url).await.unwrap();
        Some(Self { store, _db: db })
    }
}

/// Runs each listed `async fn(&Server)` on a fresh SQLite and a fresh Postgres database.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let server = $crate::common::sqlite().await;
                    super::$name(&server).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(server) = $crate::common::postgres().await else { return };
                    super::$name(&server).await;
                    server.store.close().await;
                }
            )+
        }
    };
}

/// In a workspace build reqwest has rustls without a crypto provider (dd-payroll installs
/// ring, the workspace's one provider); a client built before one is installed panics.
pub fn install_crypto_provider() {
    // `Err`: a provider is installed already, which is all we need.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
