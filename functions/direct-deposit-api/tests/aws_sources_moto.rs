//! The API set up as in AWS, against moto and the machine's PostgreSQL: database credentials
//! and the fingerprint key from Secrets Manager, KMS as the envelope key, the JWKS fetched from
//! a URL at init. A deposit written through the router must land as a `dd1:` envelope wrapped
//! by the KMS key, and read back in clear for the admin.
//!
//! Skipped with a notice when moto or PostgreSQL is unavailable, unless `CI` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener as StdListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[path = "../../../crates/aws/tests/support/moto_admin.rs"]
mod moto_admin;

use dd_aws::SdkEnv;
use dd_storage::testing::TestDatabase;
use dd_storage::{DemoSeed, Store};
use direct_deposit_api::{AccountClaim, Claims, Config, app, sign_hs256};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const JWT_SECRET: &str = "aws-sources-test-secret-0123456789";
const FINGERPRINT_HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const ALICE: &str = "alice@acme.example";
const HR: &str = "hr@acme.example";

struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_moto() -> Option<(Moto, String)> {
    let port = StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(child) = child else {
        assert!(
            std::env::var_os("CI").is_none(),
            "moto_server is not installed"
        );
        eprintln!("NOTICE: moto_server not installed; AWS sources test skipped");
        return None;
    };
    let moto = Moto(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some((moto, format!("http://127.0.0.1:{port}")))
}

/// The RDS-shaped secret for a `postgres://user[:password]@host:port/db?…` URL.
fn rds_secret(url: &str) -> String {
    let rest = url.strip_prefix("postgres://").unwrap();
    let (userinfo, rest) = rest.split_once('@').unwrap();
    let (username, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let (hostport, rest) = rest.split_once('/').unwrap();
    let (host, port) = hostport.split_once(':').unwrap_or((hostport, "5432"));
    let dbname = rest.split('?').next().unwrap();
    serde_json::json!({"engine": "postgres", "username": username, "password": password,
        "host": host, "port": port.parse::<u16>().unwrap(), "dbname": dbname})
    .to_string()
}

/// Serves `{"keys":[]}` to every GET; counts them.
async fn jwks_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/.well-known/jwks.json",
        listener.local_addr().unwrap()
    );
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = [0_u8; 2048];
            let _ = socket.read(&mut buf).await;
            counter.fetch_add(1, Ordering::SeqCst);
            let body = r#"{"keys":[]}"#;
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(reply.as_bytes()).await;
        }
    });
    (url, hits)
}

fn token(email: &str) -> String {
    let claims = Claims {
        account: AccountClaim {
            tenant_id: dd_storage::DEMO_TENANT_1.to_owned(),
            email: email.to_owned(),
        },
        application_id: None,
        scope: None,
        exp: direct_deposit_api::auth::jwt::unix_now() + 600,
    };
    sign_hs256(&claims, JWT_SECRET.as_bytes()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_reads_its_secrets_and_keys_from_aws() {
    let Some((_moto, endpoint)) = start_moto() else {
        return;
    };
    let Some(db) = TestDatabase::create("api_aws").await else {
        return;
    };
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    store
        .seed(&DemoSeed::standard("http://127.0.0.1:9/payroll", &|t| {
            format!("LEGACY-{t}")
        }))
        .await
        .unwrap();

    let sdk = SdkEnv::for_endpoint("us-east-1", "testing", "testing", &endpoint);
    // The fixtures through boto3 (a real client that is not ours), as dd-aws's moto tests do.
    for (name, value) in [
        ("dd/db", rds_secret(&db.url)),
        ("dd/fingerprint", FINGERPRINT_HEX.to_owned()),
    ] {
        moto_admin::create_secret(&endpoint, None, name, &value);
    }
    let (key_arn, _) = moto_admin::create_key(&endpoint, "dd API envelope key");

    let (jwks_url, jwks_hits) = jwks_server().await;
    let env = [
        ("DD_DATABASE_SECRET_ID", "dd/db"),
        ("DD_DATABASE_SSLMODE", "disable"),
        ("DD_FINGERPRINT_KEY_SECRET_ID", "dd/fingerprint"),
        ("DD_KMS_KEY_ID", key_arn.as_str()),
        ("DD_JWT_SECRET", JWT_SECRET),
        ("DD_JWKS_URL", "https://placeholder.invalid/jwks"),
    ];
    let mut config = Config::from_lookup(|name| {
        env.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    })
    .unwrap();
    // Plain HTTP on loopback stands in for the SSO (from_env insists on https).
    config.jwks_url = Some(jwks_url);
    let state = config.into_state_with(Some(sdk)).await.unwrap();
    assert_eq!(
        jwks_hits.load(Ordering::SeqCst),
        1,
        "JWKS fetched once at init"
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app(state)).await.unwrap() });
    // reqwest has rustls without a provider in a workspace build: install the one (ring).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let collection = format!(
        "{base}/tenants/{}/companies/1/employees/1/direct-deposits",
        dd_storage::DEMO_TENANT_1
    );
    let created = client
        .post(&collection)
        .bearer_auth(token(ALICE))
        .json(&serde_json::json!({"amount": 250, "amountType": "Flat", "bankAccount":
            {"routingNumber": "021000021", "accountNumber": "123456789", "designation": "Checking"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());

    let stored: String = sqlx::query_scalar("SELECT account_ciphertext FROM direct_deposits")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(stored.starts_with("dd1:"), "{stored}");
    assert!(!stored.contains("123456789"));

    let listed: serde_json::Value = client
        .get(&collection)
        .bearer_auth(token(HR))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed["results"][0]["bankAccount"]["accountNumber"],
        "123456789"
    );
}
