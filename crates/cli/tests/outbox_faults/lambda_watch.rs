//! The payroll-outbox-drainer Lambda itself, run by `cargo lambda watch` (the Lambda runtime
//! API emulator) and invoked through the Lambda Invoke API with an EventBridge scheduled
//! event (by dd-aws's own Invoke client, so it meets a real Invoke endpoint here too), over a SQLite database holding an approved deposit's pending job and
//! `ddctl payroll-sim` as the payroll suite: the job must be delivered, once.
//!
//! Ignored by default: it needs `cargo lambda` and runs cargo inside the test. Run by
//! `functions/payroll-outbox-drainer/tests/run-watch-test.sh` (from scripts/test-all), which
//! builds the function first so the emulator's lazy build only checks it is fresh.

use std::net::TcpStream;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use dd_aws::SdkEnv;
use dd_aws::lambda_invoke::LambdaInvoker;
use dd_storage::{DEMO_TENANT_1, JobStatus};
use serde_json::{Value, json};

use crate::support::{World, free_port};
use crate::{ALICE, Sim};

const FUNCTION: &str = "payroll-outbox-drainer";

/// `cargo lambda watch` in its own process group (it starts the function as a child),
/// stopped with the whole group on drop.
struct Emulator(Child);

impl Emulator {
    fn start(port: u16, env: &[(&'static str, String)], log: &Path) -> Self {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../functions")
            .join(FUNCTION)
            .join("Cargo.toml");
        let log = std::fs::File::create(log).unwrap();
        let mut cmd = Command::new("cargo");
        cmd.args([
            "lambda",
            "watch",
            "--ignore-changes",
            "--invoke-address",
            "127.0.0.1",
        ])
        .args(["--invoke-port", &port.to_string(), "--bin", FUNCTION])
        .arg("--manifest-path")
        .arg(manifest)
        // Nothing of the caller's settings may reach the function but these.
        .env_remove("DD_DECRYPTOR_FUNCTION")
        .env_remove("DD_KEY_JSON")
        .env_remove("DD_KMS_KEY_ID")
        .env_remove("DD_DATABASE_SECRET_ID")
        .env_remove("AWS_ENDPOINT_URL")
        .env("RUST_LOG", "info")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .process_group(0);
        Self(cmd.spawn().expect("cargo lambda (run scripts/setup)"))
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        for _ in 0..100 {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.wait();
    }
}

/// What EventBridge Scheduler sends on each tick (the drainer ignores all but `detail-type`).
fn scheduled_event() -> Value {
    json!({
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": "123456789012",
        "time": "2026-11-28T04:00:00Z",
        "region": "us-east-1",
        "resources": ["arn:aws:scheduler:us-east-1:123456789012:schedule/default/dd-drain"],
        "detail": {}
    })
}

async fn wait_for_port(port: u16, emulator: &mut Emulator, log: &Path) {
    for _ in 0..600 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = emulator.0.try_wait() {
            panic!(
                "cargo lambda watch exited ({status}): {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("cargo lambda watch never listened on {port}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs cargo lambda; run by functions/payroll-outbox-drainer/tests/run-watch-test.sh"]
async fn scheduled_drainer_lambda_delivers_a_pending_job() {
    let sim = Sim::start(0, &[]);
    let w = World::sqlite(&sim.url).await;
    let (d, job_id) = w.approved(ALICE, "864286428642", 4_321).await;
    assert_eq!(w.count(JobStatus::Pending).await, 1);

    let port = free_port();
    let log = w._dir.0.join("cargo-lambda-watch.log");
    let mut emulator = Emulator::start(port, &w.drainer_env(), &log);
    wait_for_port(port, &mut emulator, &log).await;

    // The first invoke starts the function (and builds it, if the script's build is stale).
    let aws = SdkEnv::for_endpoint(
        "us-east-1",
        "test",
        "test",
        format!("http://127.0.0.1:{port}"),
    );
    let invoker = LambdaInvoker::new(&aws, Duration::from_secs(900));
    let event = scheduled_event().to_string();
    let reply = invoker.invoke(FUNCTION, event.as_bytes()).await;
    let logs = std::fs::read_to_string(&log).unwrap_or_default();
    let reply = reply.unwrap_or_else(|err| panic!("invoke failed: {err}\n{logs}"));
    let body: Value = serde_json::from_slice(&reply).unwrap_or(Value::Null);
    assert_eq!(body["claimed"].as_u64(), Some(1), "{body}\n{logs}");
    assert_eq!(body["applied"].as_u64(), Some(1), "{body}\n{logs}");

    // Delivered once, recorded, and the deposit knows its payroll E/D.
    let jobs = w.jobs().await;
    let job = jobs.iter().find(|j| j.id == job_id).unwrap();
    assert_eq!((job.status, job.attempts), (JobStatus::Done, 1), "{job:?}");
    assert_eq!(sim.applied_count(&job.idempotency_key).await, 1);
    let target = w
        .store
        .delivery_target(DEMO_TENANT_1, d.id)
        .await
        .unwrap()
        .unwrap();
    assert!(target.payroll_ed_id.is_some());

    // A second tick finds nothing to do.
    let again: Value =
        serde_json::from_slice(&invoker.invoke(FUNCTION, event.as_bytes()).await.unwrap()).unwrap();
    assert_eq!(again["claimed"].as_u64(), Some(0), "{again}");
    assert_eq!(sim.received().await.len(), 1);
    // The service password and the account number stay out of the function's log.
    let logs = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        !logs.contains("864286428642")
            && !logs.contains(crate::support::password_of(DEMO_TENANT_1))
    );
    w.store.close().await;
}
