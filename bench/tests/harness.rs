//! End-to-end checks of the harness: real processes, real sockets, the real verdict.
//!
//! The subject is `dd-bench fake-runtime` (a std-only runtime client), so these tests need no
//! `lambda_runtime` build. They check payload round trips and verdicts, never timings.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_dd-bench");

fn subject(id: &str, extra_args: &[&str]) -> Value {
    let mut command = vec![BIN.to_owned(), "fake-runtime".to_owned()];
    command.extend(extra_args.iter().map(|a| (*a).to_owned()));
    json!({"id": id, "label": id, "command": command, "missing": "not built", "quick": true})
}

/// Runs the harness on the given subjects (the first is the floor) and returns
/// (exit code, JSON report).
fn run_harness(test: &str, subjects: Vec<Value>) -> (Option<i32>, Value) {
    run_harness_with_env(test, subjects, &[])
}

/// [`run_harness`] with extra variables in the harness's environment (for `${VAR}`).
fn run_harness_with_env(
    test: &str,
    subjects: Vec<Value>,
    env: &[(&str, &str)],
) -> (Option<i32>, Value) {
    let dir: PathBuf = std::env::temp_dir().join(format!("dd-bench-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let floor = subjects[0]["id"].clone();
    let config = json!({
        "function_name": "bench-test",
        "event": {"cipherText": "gzzxXpWx160+peB3tjp/I5D2jZzqdusVg/dzGX5HMe4="},
        "expected": {"statusCode": 200, "body": "EvoP@ss!2020", "isBase64Encoded": false},
        "floor": floor,
        "node": floor,
        "subjects": subjects,
    });
    let config_path = dir.join("subjects.json");
    std::fs::write(&config_path, config.to_string()).expect("write config");
    let out = dir.join("results.json");
    // Captured so the table does not clutter the test output; shown only if parsing fails.
    let output = Command::new(BIN)
        .args(["run", "--config"])
        .arg(&config_path)
        .args(["--runs", "2", "--warm", "3", "--warmup", "0", "--out"])
        .arg(&out)
        .envs(env.iter().copied())
        .output()
        .expect("run dd-bench");
    let status = output.status;
    let text = std::fs::read_to_string(&out).unwrap_or_else(|err| {
        panic!(
            "no results.json ({err}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let report = serde_json::from_str(&text).expect("results.json is JSON");
    let _ = std::fs::remove_dir_all(&dir);
    (status.code(), report)
}

#[test]
fn a_correct_subject_passes_with_every_measurement_and_a_missing_one_is_skipped() {
    let missing = json!({"id": "gone", "label": "gone", "command": ["/nonexistent/fn"],
                         "missing": "not built", "quick": true});
    let (code, report) = run_harness("pass", vec![subject("fake", &[]), missing]);
    assert_eq!(code, Some(0), "{report:#}");
    let fake = &report["subjects"][0];
    assert_eq!(fake["status"], "ok");
    let runs = fake["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 2);
    for run in runs {
        assert!(run["error"].is_null());
        assert_eq!(run["warm_ms"].as_array().expect("warm").len(), 3);
        assert!(run["peak_rss_kb"].as_u64().expect("rss") > 0);
        assert!(run["cold_ms"].as_f64().expect("cold") >= run["init_ms"].as_f64().expect("init"));
    }
    assert_eq!(fake["ratio_to_floor"], 1.0);
    // The subject's marks and the harness's points, on one axis, in time order.
    let timeline: Vec<&str> = fake["summary"]["timeline_us"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|point| point["mark"].as_str().expect("mark"))
        .collect();
    assert_eq!(
        timeline,
        ["main", "first next", "handler", "handled", "first response"]
    );
    let main_us = fake["summary"]["timeline_us"][0]["median_us"]
        .as_f64()
        .expect("us");
    assert!(main_us > 0.0, "main is after exec: {main_us}");
    let gone = &report["subjects"][1];
    assert_eq!(gone["status"], "skipped");
    assert_eq!(gone["reason"], "not built (no /nonexistent/fn)");
}

#[test]
fn a_wrong_answer_fails_the_run() {
    let wrong = r#"{"statusCode":500,"body":"","isBase64Encoded":false}"#;
    let (code, report) = run_harness(
        "wrong",
        vec![subject("fake", &[]), subject("liar", &["--reply", wrong])],
    );
    assert_eq!(code, Some(1));
    let liar = &report["subjects"][1];
    assert_eq!(liar["status"], "failed");
    let reason = liar["reason"].as_str().expect("reason");
    assert!(reason.contains("invocation 0 wrong answer"), "{reason}");
    assert_eq!(report["subjects"][0]["status"], "ok");
}

#[test]
fn an_init_error_fails_the_run() {
    let (code, report) = run_harness(
        "init",
        vec![subject("fake", &[]), subject("broken", &["--init-error"])],
    );
    assert_eq!(code, Some(1));
    let reason = report["subjects"][1]["reason"].as_str().expect("reason");
    assert!(reason.contains("init error"), "{reason}");
}

/// A subject with its own `event` and `expected`; `--echo` answers with the event received.
fn echo_subject(id: &str, event: Value, expected: Value) -> Value {
    let mut subject = subject(id, &["--echo"]);
    subject["event"] = event;
    subject["expected"] = expected;
    subject
}

#[test]
fn a_subject_gets_its_own_event_with_variables_expanded_and_is_held_to_its_own_answer() {
    let event = json!({
        "rawPath": "/tenants/t/direct-deposits",
        "headers": {"authorization": "Bearer ${DD_BENCH_TEST_TOKEN}"},
        "isBase64Encoded": false
    });
    let sent = json!({
        "rawPath": "/tenants/t/direct-deposits",
        "headers": {"authorization": "Bearer s3cr3t"},
        "isBase64Encoded": false
    });
    // The floor keeps the top-level event and answer; the echo proves what was sent.
    let (code, report) = run_harness_with_env(
        "override",
        vec![
            subject("fake", &[]),
            echo_subject("api", event.clone(), sent),
            echo_subject("stale", event, json!({"headers": {}})),
        ],
        &[("DD_BENCH_TEST_TOKEN", "s3cr3t")],
    );
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(report["subjects"][0]["status"], "ok");
    let api = &report["subjects"][1];
    assert_eq!(api["status"], "ok", "{api:#}");
    assert_eq!(api["runs"][0]["warm_ms"].as_array().expect("warm").len(), 3);
    let stale = &report["subjects"][2];
    assert_eq!(stale["status"], "failed");
    let reason = stale["reason"].as_str().expect("reason");
    assert!(reason.contains("invocation 0 wrong answer"), "{reason}");
    assert!(reason.contains("Bearer s3cr3t"), "{reason}");
}

#[test]
fn an_unset_variable_in_a_subject_event_skips_it() {
    let event = json!({"headers": {"authorization": "Bearer ${DD_BENCH_UNSET_TOKEN}"}});
    let (code, report) = run_harness(
        "unset",
        vec![subject("fake", &[]), echo_subject("api", event, json!({}))],
    );
    assert_eq!(code, Some(0), "{report:#}");
    let api = &report["subjects"][1];
    assert_eq!(api["status"], "skipped");
    assert_eq!(api["reason"], "not built ($DD_BENCH_UNSET_TOKEN unset)");
}
