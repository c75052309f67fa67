//! A running `ddctl serve` and the clients the scenarios use.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const DDCTL: &str = env!("CARGO_BIN_EXE_ddctl");
pub const T1: &str = "00000000-0000-4000-8000-000000000001";

/// A running `ddctl serve`.
pub struct Served {
    pub child: Child,
    pub url: String,
    pub payroll_url: String,
    /// e-mail → (collection URL, token).
    pub users: HashMap<String, (String, String)>,
    pub banner: String,
    /// Everything the server wrote to stderr (its log), read as it comes: a pipe nobody
    /// reads fills up and blocks the server's logging.
    log: Arc<Mutex<String>>,
    log_reader: Option<std::thread::JoinHandle<()>>,
}

/// `ddctl` with the environment variables it reads removed (the caller's shell must not
/// change what a test sees).
pub fn ddctl() -> Command {
    let mut cmd = Command::new(DDCTL);
    for var in [
        "DD_DATABASE_URL",
        "DD_DATA_DIR",
        "DD_KEY_JSON",
        "DD_KEY_FILE",
        "DD_ENVELOPE_KEY_FILE",
        "DD_KMS_KEY_ID",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

impl Served {
    pub fn start(data_dir: &Path, extra: &[&str]) -> Self {
        Self::start_with_env(data_dir, extra, &[])
    }

    /// Starts with extra environment variables (the API's limits, e.g.
    /// `DD_DB_POOL_WAIT_MS`, are read from the environment, as on Lambda).
    pub fn start_with_env(data_dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = ddctl()
            .args(["serve", "--port", "0", "--data-dir"])
            .arg(data_dir)
            .args(extra)
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = Arc::clone(&log);
        let log_reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if tx.send(line.unwrap()).is_err() {
                    break;
                }
            }
        });
        let mut banner = String::new();
        loop {
            let Ok(line) = rx.recv_timeout(Duration::from_secs(120)) else {
                let _ = child.kill();
                let _ = child.wait();
                let log = log.lock().unwrap().clone();
                panic!("ddctl serve did not print Ready.: {banner}{log}");
            };
            banner.push_str(&line);
            banner.push('\n');
            if line == "Ready." {
                break;
            }
        }
        let url = banner
            .lines()
            .find_map(|l| l.strip_prefix("ddctl serve: listening on "))
            .unwrap()
            .to_owned();
        let payroll_url = banner
            .lines()
            .find_map(|l| l.trim().strip_prefix("payroll simulator:"))
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap()
            .to_owned();
        let mut users = HashMap::new();
        let lines: Vec<&str> = banner.lines().collect();
        for pair in lines.windows(2) {
            if let Some(token) = pair[1].trim().strip_prefix("TOKEN=") {
                let fields: Vec<&str> = pair[0].split_whitespace().collect();
                let email = fields[0].to_owned();
                let collection = fields.last().unwrap().to_string();
                users.insert(email, (collection, token.to_owned()));
            }
        }
        Self {
            child,
            url,
            payroll_url,
            users,
            banner,
            log,
            log_reader: Some(log_reader),
        }
    }

    pub fn user(&self, email: &str) -> (String, String) {
        self.users[email].clone()
    }

    pub fn port(&self) -> String {
        self.url.rsplit(':').next().unwrap().to_owned()
    }

    /// Sends SIGTERM, checks that the server exits 0, and returns its stderr (the log).
    pub fn stop(mut self) -> String {
        sigterm(&self.child);
        let status = wait_for_exit(&mut self.child, Duration::from_secs(60));
        let log = self.log();
        assert!(status.success(), "ddctl serve exited with {status}: {log}");
        log
    }

    /// The log so far; all of it once the server has exited.
    pub fn log(&mut self) -> String {
        if self.child.try_wait().unwrap().is_some()
            && let Some(reader) = self.log_reader.take()
        {
            reader.join().unwrap();
        }
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Served {
    /// A failed test must not leave its server running.
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub fn sigterm(child: &Child) {
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// Waits for the process to end; kills it and fails after `limit` (a hang is the bug).
pub fn wait_for_exit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("ddctl serve did not stop within {limit:?} of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Polls `check` until it returns `Some` (an eventual outcome, not a timing assertion: the
/// limit only keeps a broken build from hanging the suite).
pub fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// curl: (status, body).
pub fn curl(method: &str, url: &str, token: &str, body: Option<&Value>) -> (u16, String) {
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "-X", method, "-w", "\n%{http_code}", "-H"])
        .arg(format!("Authorization: Bearer {token}"));
    if let Some(body) = body {
        cmd.args(["-H", "Content-Type: application/json", "--data"])
            .arg(body.to_string());
    }
    let out = cmd.arg(url).output().unwrap();
    assert!(out.status.success(), "curl failed: {out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let (body, status) = text.rsplit_once('\n').unwrap();
    (status.parse().unwrap(), body.to_owned())
}

/// An unauthenticated GET of the simulator's introspection endpoints.
pub fn sim_get(payroll_url: &str, path: &str) -> Value {
    let (status, body) = curl("GET", &format!("{payroll_url}{path}"), "-", None);
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

pub fn deposit(account: &str) -> Value {
    json!({
        "amount": 25.5,
        "amountType": "Flat",
        "bankAccount": {"routingNumber": "021000021", "accountNumber": account, "designation": "Savings"},
    })
}

/// Alice creates a deposit and the HR admin approves it: one payroll job. Returns its id.
pub fn approved_deposit(served: &Served, account: &str) -> i64 {
    let (url, alice) = served.user("alice@acme.example");
    let (status, body) = curl("POST", &url, &alice, Some(&deposit(account)));
    assert_eq!(status, 201, "{body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_i64()
        .unwrap();
    let (_, hr) = served.user("hr@acme.example");
    let (status, body) = curl("POST", &format!("{url}/{id}/approve"), &hr, None);
    assert_eq!(status, 200, "{body}");
    id
}

pub fn ddctl_token(data_dir: &Path, employee: &str, role: &str) -> Output {
    ddctl()
        .args([
            "token",
            "--tenant",
            T1,
            "--employee",
            employee,
            "--role",
            role,
            "--data-dir",
        ])
        .arg(data_dir)
        .output()
        .unwrap()
}

/// `ddctl outbox status --json` of a data directory.
pub fn outbox_status(data_dir: &Path) -> Value {
    let out = ddctl()
        .args(["outbox", "status", "--json", "--data-dir"])
        .arg(data_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A JSON POST from sync code (reqwest is built without `blocking`).
pub fn post_json(url: &str, body: &Value) -> Value {
    dd_payroll::install_crypto_provider();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        reqwest::Client::new()
            .post(url)
            .json(body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    })
}
