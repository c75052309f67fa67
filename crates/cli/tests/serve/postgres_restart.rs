//! PostgreSQL stops in the middle of a write load and comes back: on a private cluster
//! (initdb + pg_ctl into a temporary directory on a free port), never the machine's shared
//! server. During the outage every request gets the error envelope, within the pool wait
//! and a margin (no hang); afterwards the same server process writes again, every 201 it
//! sent is a row, and no row is half-written (each has its audit row and opens).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::Row as _;

use crate::common::{Served, T1, curl, deposit, eventually};

/// The server's pool wait (its default, `DEFAULT_POOL_WAIT`) plus a wide margin for a
/// loaded machine; the request timeout is set far above it, so an answer within this bound
/// comes from the pool wait or a failed connect, not from the timeout.
const ANSWER_BOUND: Duration = Duration::from_secs(12);

/// A PostgreSQL cluster of its own, stopped (immediately) when dropped.
struct PrivateCluster {
    dir: tempfile::TempDir,
    data: PathBuf,
    log: PathBuf,
    bin: PathBuf,
    port: u16,
    /// initdb and postgres refuse to run as root: run them as `postgres` then.
    as_postgres: bool,
}

fn initdb_dir() -> Option<PathBuf> {
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    [
        from_pg_config,
        Some(PathBuf::from("/usr/lib/postgresql/15/bin")),
    ]
    .into_iter()
    .flatten()
    .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl PrivateCluster {
    fn start() -> Option<Self> {
        let Some(bin) = initdb_dir() else {
            assert!(
                std::env::var_os("CI").is_none(),
                "initdb/pg_ctl not found (PostgreSQL server binaries) and CI is set"
            );
            eprintln!("skipped: no initdb/pg_ctl here (install postgresql; CI fails instead)");
            return None;
        };
        let uid = Command::new("id").arg("-u").output().unwrap();
        let as_postgres = String::from_utf8_lossy(&uid.stdout).trim() == "0";
        let dir = tempfile::tempdir().unwrap();
        if as_postgres {
            let chown = Command::new("chown")
                .args(["postgres:"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(chown.success());
        }
        let cluster = Self {
            data: dir.path().join("data"),
            log: dir.path().join("postgres.log"),
            dir,
            bin,
            port: free_port(),
            as_postgres,
        };
        cluster.run(
            "initdb",
            &[
                "-D",
                &cluster.path(&cluster.data),
                "-U",
                "postgres",
                "-A",
                "trust",
            ],
            &["--no-sync", "-E", "UTF8", "--locale=C"],
        );
        cluster.pg_ctl_start();
        let created = Command::new("psql")
            .arg(cluster.url("postgres"))
            .args(["-XqAtc", "CREATE DATABASE dd"])
            .output()
            .unwrap();
        assert!(created.status.success(), "{created:?}");
        Some(cluster)
    }

    fn path(&self, p: &Path) -> String {
        p.to_string_lossy().into_owned()
    }

    fn run(&self, tool: &str, args: &[&str], more: &[&str]) {
        let program = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(program);
            cmd
        } else {
            Command::new(program)
        };
        let out = cmd.args(args).args(more).output().unwrap();
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        assert!(out.status.success(), "{tool} failed: {out:?}\n{log}");
    }

    fn pg_ctl_start(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.path(self.dir.path())
        );
        let (data, log) = (self.path(&self.data), self.path(&self.log));
        self.run(
            "pg_ctl",
            &["-D", &data, "-l", &log, "-o", &options, "-w", "start"],
            &[],
        );
    }

    /// A crash as far as clients can tell: every backend is killed, recovery on restart.
    fn stop_immediately(&self) {
        let data = self.path(&self.data);
        self.run(
            "pg_ctl",
            &["-D", &data, "-m", "immediate", "-w", "stop"],
            &[],
        );
    }

    fn url(&self, database: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{database}?sslmode=disable",
            self.port
        )
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let data = self.path(&self.data);
        let mut cmd = if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"])
                .arg(self.bin.join("pg_ctl"));
            cmd
        } else {
            Command::new(self.bin.join("pg_ctl"))
        };
        let _ = cmd.args(["-D", &data, "-m", "immediate", "stop"]).output();
    }
}

/// One answer the load got: when, how long it took, and what.
struct Answer {
    at: Instant,
    took: Duration,
    status: u16,
    body: String,
    account: String,
}

/// Writers creating deposits for Alice (fresh account numbers) until `stop`.
fn write_load(url: &str, token: &str, writers: usize, stop: &Arc<AtomicBool>) -> Vec<Answer> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // reqwest is built without a default TLS provider (one stack: ring); tests set it up.
    dd_payroll::install_crypto_provider();
    runtime.block_on(async {
        let tasks: Vec<_> = (0..writers)
            .map(|w| {
                let (url, token, stop) = (url.to_owned(), token.to_owned(), stop.clone());
                tokio::spawn(async move {
                    let client = reqwest::Client::builder()
                        .timeout(Duration::from_secs(60))
                        .build()
                        .unwrap();
                    let mut answers = Vec::new();
                    let mut n = 0;
                    while !stop.load(Ordering::Relaxed) {
                        n += 1;
                        let account = format!("9{w:02}{n:06}");
                        let started = Instant::now();
                        let response = client
                            .post(&url)
                            .bearer_auth(&token)
                            .json(&deposit(&account))
                            .send()
                            .await
                            .expect("the server answers, even without its database");
                        let status = response.status().as_u16();
                        let body = response.text().await.unwrap();
                        answers.push(Answer {
                            at: started,
                            took: started.elapsed(),
                            status,
                            body,
                            account,
                        });
                        if status != 201 {
                            // A client backs off a little (as Retry-After asks).
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                    answers
                })
            })
            .collect();
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await.unwrap());
        }
        all
    })
}

#[test]
fn postgres_restarted_under_write_load_loses_nothing() {
    let Some(cluster) = PrivateCluster::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let database = cluster.url("dd");
    let mut served = Served::start_with_env(
        &tmp.path().join("data"),
        &["--database-url", &database],
        &[
            // Room for the whole load on one employee, and a request timeout far above the
            // pool wait (the bound asserted below is about the pool wait).
            ("DD_MAX_DEPOSITS_PER_EMPLOYEE", "100000"),
            ("DD_REQUEST_TIMEOUT_MS", "60000"),
        ],
    );
    let (url, alice) = served.user("alice@acme.example");

    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (url, alice, stop) = (url.clone(), alice.clone(), stop.clone());
        std::thread::spawn(move || write_load(&url, &alice, 8, &stop))
    };
    std::thread::sleep(Duration::from_secs(2));
    let outage_start = Instant::now();
    cluster.stop_immediately();
    std::thread::sleep(Duration::from_secs(4));
    cluster.pg_ctl_start();
    let outage_end = Instant::now();
    // The same server process writes again once its pool reconnects.
    eventually("a create succeeds after the restart", || {
        let (status, _) = curl("POST", &url, &alice, Some(&deposit("123123123")));
        (status == 201).then_some(())
    });
    std::thread::sleep(Duration::from_secs(1));
    stop.store(true, Ordering::Relaxed);
    let answers = load.join().unwrap();
    assert!(
        served.child.try_wait().unwrap().is_none(),
        "the server died"
    );

    let count = |status: u16| answers.iter().filter(|a| a.status == status).count();
    eprintln!(
        "{} answers: {} × 201, {} × 503, others {}",
        answers.len(),
        count(201),
        count(503),
        answers.len() - count(201) - count(503)
    );
    let during: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.at > outage_start && a.at < outage_end)
        .collect();
    assert!(
        during.iter().any(|a| a.status != 201),
        "no request saw the outage"
    );
    for answer in &answers {
        if answer.status == 201 {
            continue;
        }
        // The error envelope, and a status a client can act on: retry later.
        assert_eq!(answer.status, 503, "{}", answer.body);
        let envelope: Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(envelope["statusCode"], 503, "{}", answer.body);
        assert!(envelope["message"].is_string(), "{}", answer.body);
        assert!(
            answer.took < ANSWER_BOUND,
            "a request hung for {:?} during the outage",
            answer.took
        );
    }
    assert!(answers.iter().any(|a| a.status == 201 && a.at > outage_end));

    // Every acknowledged create is a whole row: it opens (account envelope intact), has
    // the account that was sent, and has its audit row.
    let (_, admin) = served.user("hr@acme.example");
    let acknowledged: Vec<(i64, &str)> = answers
        .iter()
        .filter(|a| a.status == 201)
        .map(|a| {
            let body: Value = serde_json::from_str(&a.body).unwrap();
            (body["id"].as_i64().unwrap(), a.account.as_str())
        })
        .collect();
    for (id, account) in &acknowledged {
        let (status, body) = curl("GET", &format!("{url}/{id}"), &admin, None);
        assert_eq!(status, 200, "acknowledged deposit {id} is gone: {body}");
        let deposit: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(deposit["bankAccount"]["accountNumber"], *account);
    }
    let (rows, unaudited) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            use sqlx::Connection as _;
            let mut db = sqlx::PgConnection::connect(&database).await.unwrap();
            let rows: i64 = sqlx::query(
                "SELECT count(*) AS n FROM direct_deposits WHERE tenant_id = $1 \
                 AND employee_id = 1",
            )
            .bind(T1)
            .fetch_one(&mut db)
            .await
            .unwrap()
            .get("n");
            let unaudited: i64 = sqlx::query(
                "SELECT count(*) AS n FROM direct_deposits d WHERE NOT EXISTS (SELECT 1 FROM \
                 audit_log a WHERE a.entity = 'direct_deposit' AND a.entity_id = d.id \
                 AND a.tenant_id = d.tenant_id)",
            )
            .fetch_one(&mut db)
            .await
            .unwrap()
            .get("n");
            (rows, unaudited)
        });
    assert_eq!(unaudited, 0, "rows without their audit row");
    // A create whose reply was lost in the crash may exist without a 201 (the client
    // retries with an Idempotency-Key); an acknowledged one never goes missing. (Plus the
    // probe create after the restart: strictly more rows than acknowledged load creates.)
    assert!(
        rows > i64::try_from(acknowledged.len()).unwrap(),
        "{rows} rows for {} acknowledged creates",
        acknowledged.len()
    );
    let log = served.log();
    assert!(!log.contains("panicked"), "{log}");
    served.stop();
}
