//! Real processes and real databases for the outbox fault tests: a `ddctl payroll-sim`
//! child, `ddctl outbox drain` runs, SQLite files in a temp dir or a fresh Postgres
//! database, and deposits committed with `dd1:` account numbers and legacy-encrypted
//! service passwords, exactly as the API writes them.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use dd_crypto::decrypt_lambda::DecryptLambdaKey;
use dd_crypto::envelope::{EnvelopeCipher, LocalKeyProvider};
use dd_delivery::{CredentialSource, Deliverer, PayrollSuite, RetryPolicy};
use dd_domain::{AccountNumber, Allocation, AmountType, Designation, RoutingNumber};
use dd_storage::{
    Actor, DEMO_TENANT_1, DEMO_TENANT_2, DemoSeed, DepositRecord, EmployeeKey, JobStatus,
    NewDepositRecord, PayrollJob, Store,
};
use secrecy::SecretString;
use serde_json::{Value, json};

pub const API_KEY: &str = "test-api-key";
pub const API_SECRET: &str = "test-api-secret";
const SALT: &str = "NaCl-outbox-tests";
const KEY_PHRASE: &str = "outbox key phrase";
/// Clear service passwords the simulator expects.
pub const PASSWORDS: [(&str, &str); 2] = [
    (DEMO_TENANT_1, "acme-Pa55word!"),
    (DEMO_TENANT_2, "globex-Pa55word!"),
];

pub fn password_of(tenant: &str) -> &'static str {
    PASSWORDS.iter().find(|(t, _)| *t == tenant).unwrap().1
}

/// A directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "ddctl-outbox-{}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            dd_storage::now_ms()
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `ddctl payroll-sim`, killed on drop.
pub struct Sim {
    child: Child,
    _dir: TempDir,
    pub url: String,
    http: reqwest::Client,
}

impl Sim {
    /// Starts the simulator on `port` (0: any) with the test tenants and `flags`.
    pub fn start(port: u16, flags: &[&str]) -> Self {
        let dir = TempDir::new();
        let config = dir.0.join("sim.json");
        let tenants: Vec<Value> = [(DEMO_TENANT_1, "acme", "svc-acme"), (DEMO_TENANT_2, "globex", "svc-globex")]
            .iter()
            .map(|(t, sub, user)| json!({"tenantId": t, "subdomain": sub, "username": user, "password": password_of(t)}))
            .collect();
        let body = json!({"apiKey": API_KEY, "apiSecret": API_SECRET, "tenants": tenants});
        std::fs::write(&config, body.to_string()).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_ddctl"))
            .args(["payroll-sim", "--port", &port.to_string(), "--config"])
            .arg(&config)
            .args(flags)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("payroll-sim listening on ")
            .unwrap_or_else(|| panic!("unexpected sim banner {line:?}"))
            .to_owned();
        dd_payroll::install_crypto_provider();
        Self {
            child,
            _dir: dir,
            url,
            http: reqwest::Client::new(),
        }
    }

    pub async fn get(&self, what: &str) -> Value {
        let url = format!("{}/_sim/{what}", self.url);
        self.http
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn received(&self) -> Vec<Value> {
        self.get("received").await.as_array().unwrap().clone()
    }

    pub async fn stats(&self) -> Value {
        self.get("stats").await
    }

    pub async fn set_faults(&self, faults: Value) {
        let url = format!("{}/_sim/config", self.url);
        let status = self
            .http
            .post(url)
            .json(&faults)
            .send()
            .await
            .unwrap()
            .status();
        assert!(status.is_success(), "sim config refused: {status}");
    }

    /// Times each key was applied (the simulator applies a key at most once if the
    /// client behaves; this counts what it received and applied).
    pub async fn applied_count(&self, key: &str) -> usize {
        self.received()
            .await
            .iter()
            .filter(|r| r["idempotencyKey"] == key)
            .count()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Keys and database of one test.
pub struct World {
    pub _dir: TempDir,
    pub db_url: String,
    pub store: Store,
    pub cipher: Arc<EnvelopeCipher<LocalKeyProvider>>,
    pub legacy: DecryptLambdaKey,
    envelope_file: PathBuf,
    decrypt_key_file: PathBuf,
}

impl World {
    /// Keys in `dir`, and `store` (migrated, at `db_url`) seeded with the demo tenants
    /// whose payroll accounts point at `payroll_url`.
    pub async fn new(dir: TempDir, db_url: String, store: Store, payroll_url: &str) -> Self {
        let kek = LocalKeyProvider::generate().unwrap();
        let envelope_file = dir.0.join("envelope-key.json");
        std::fs::write(&envelope_file, kek.to_json().as_bytes()).unwrap();
        let decrypt_key_file = dir.0.join("decrypt-key.json");
        let key_json = json!({"salt": SALT, "keyPhrase": KEY_PHRASE}).to_string();
        std::fs::write(&decrypt_key_file, &key_json).unwrap();
        store.migrate().await.unwrap();
        let world = Self {
            _dir: dir,
            db_url,
            // The measurements approve ~14 deposits per employee: above the API's default
            // maximum of 10 active deposits, which is not what these tests are about.
            store: store.with_max_deposits_per_employee(100),
            cipher: Arc::new(EnvelopeCipher::new(kek)),
            legacy: DecryptLambdaKey::new(SALT, KEY_PHRASE).unwrap(),
            envelope_file,
            decrypt_key_file,
        };
        world
            .seed(payroll_url, &|t| password_of(t).to_owned())
            .await;
        world
    }

    /// A SQLite file in a fresh temp dir.
    pub async fn sqlite(payroll_url: &str) -> Self {
        let dir = TempDir::new();
        let url = format!("sqlite://{}?mode=rwc", dir.0.join("dd.sqlite").display());
        let store = Store::connect(&url).await.unwrap();
        Self::new(dir, url, store, payroll_url).await
    }

    /// (Re)writes the demo tenants; `password` gives each tenant's clear password, which
    /// is stored encrypted in the legacy format.
    pub async fn seed(&self, payroll_url: &str, password: &dyn Fn(&str) -> String) {
        let encrypt = |t: &str| self.legacy.encrypt(&password(t)).unwrap();
        self.store
            .seed(&DemoSeed::standard(payroll_url, &encrypt))
            .await
            .unwrap();
    }

    /// Creates and approves a Flat deposit; returns it and its payroll job id.
    pub async fn approved(
        &self,
        key: EmployeeKey<'_>,
        account: &str,
        cents: i64,
    ) -> (DepositRecord, i64) {
        let clear = AccountNumber::parse(account).unwrap();
        let new = NewDepositRecord {
            routing: RoutingNumber::parse("021000021").unwrap(),
            account_ciphertext: self
                .cipher
                .seal(key.tenant, account.as_bytes())
                .await
                .unwrap(),
            account_last4: clear.last4(),
            account_fingerprint: format!("fp-{}", *NewDepositRecord::fingerprint_input(&clear)),
            designation: Designation::Checking,
            allocation: flat(cents),
        };
        let admin = Actor::user(3, "hr@acme.example");
        let created = self
            .store
            .create_deposit(key, &new, &admin, None)
            .await
            .unwrap();
        let approved = self
            .store
            .approve_deposit(key, created.id, &admin)
            .await
            .unwrap();
        (approved.value, approved.payroll_job.unwrap())
    }

    /// An in-process worker on this world (the API's immediate delivery).
    pub fn deliverer(&self, policy: RetryPolicy, request_timeout: Duration) -> Deliverer {
        let mut suite = PayrollSuite::new(API_KEY, SecretString::from(API_SECRET), "tests");
        suite.request_timeout = request_timeout;
        let source = CredentialSource::in_process(DecryptLambdaKey::new(SALT, KEY_PHRASE).unwrap());
        Deliverer::new(
            self.store.clone(),
            suite,
            source,
            self.cipher.clone(),
            policy,
        )
        .unwrap()
    }

    /// `ddctl outbox drain` over this world; `flags` add to the connection flags.
    pub fn drain_command(&self, flags: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ddctl"));
        cmd.args([
            "outbox",
            "drain",
            "--database-url",
            &self.db_url,
            "--envelope-key-file",
        ])
        .arg(&self.envelope_file)
        .arg("--key-file")
        .arg(&self.decrypt_key_file)
        .args([
            "--payroll-api-key",
            API_KEY,
            "--payroll-api-secret",
            API_SECRET,
        ])
        .args(flags)
        .env_remove("DD_DECRYPTOR_FUNCTION")
        .env_remove("DD_KEY_JSON")
        .env("RUST_LOG", "info");
        cmd
    }

    /// The payroll-outbox-drainer Lambda's settings for this world (its environment).
    pub fn drainer_env(&self) -> Vec<(&'static str, String)> {
        let path = |p: &PathBuf| p.display().to_string();
        vec![
            ("DD_DATABASE_URL", self.db_url.clone()),
            ("DD_KEK_FILE", path(&self.envelope_file)),
            ("DD_KEY_FILE", path(&self.decrypt_key_file)),
            ("DD_PAYROLL_API_KEY", API_KEY.to_owned()),
            ("DD_PAYROLL_API_SECRET", API_SECRET.to_owned()),
            ("DD_PAYROLL_APPLICATION_ID", "tests".to_owned()),
        ]
    }

    /// Runs a drain to its end; returns its totals (stdout JSON) after checking it succeeded.
    pub fn drain(&self, flags: &[&str]) -> Value {
        let out: Output = self.drain_command(flags).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "drain failed: {stderr}");
        for (_, pw) in PASSWORDS {
            assert!(
                !stderr.contains(pw),
                "a service password reached the drain's log"
            );
        }
        serde_json::from_slice(&out.stdout).unwrap()
    }

    pub async fn jobs(&self) -> Vec<PayrollJob> {
        self.store.list_jobs(None, None, 1000).await.unwrap()
    }

    pub async fn count(&self, status: JobStatus) -> i64 {
        self.store.count_jobs(None, Some(status)).await.unwrap()
    }
}

pub fn flat(cents: i64) -> Allocation {
    Allocation::from_stored(AmountType::Flat, Some(cents)).unwrap()
}

/// Fast retries for tests: the scenarios are about outcomes, not schedules.
pub const FAST_RETRIES: [&str; 6] = [
    "--backoff-base-ms",
    "20",
    "--backoff-cap-ms",
    "200",
    "--poll-ms",
    "50",
];

/// Polls `check` every 20 ms until it holds (bounded so a broken build fails, not hangs).
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..3000 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("never happened: {what}");
}
