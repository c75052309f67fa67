//! One cold start: launch a fresh process against a fresh Runtime API, drive it through
//! 1 + N invocations, read its peak RSS and kill it.
//!
//! Clock points (all `Instant`, all in this process):
//! - exec: just before `spawn` (which returns once the child has exec'd);
//! - init end: arrival of the first `next` poll;
//! - cold start end: the first response POST fully read;
//! - a warm duration: event written on `next` → its response POST fully read.
//!
//! The start-up timeline puts the subject's own marks (`dd-startup-marks`: raw
//! `CLOCK_MONOTONIC` stamps on stderr, turned on by `DD_STARTUP_MARKS=1`) on the same axis:
//! the harness reads that clock next to the exec `Instant`, so a mark's offset from exec is
//! its stamp minus the harness's.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::Value;

use crate::runtime_api::{Observed, Outcome, Server};
use crate::subject::Subject;

/// What every run of every subject shares (the event and the answer are the subject's).
#[derive(Debug, Clone)]
pub struct RunSettings {
    pub function_name: String,
    /// Invocations after the first (cold) one.
    pub warm: usize,
    pub timeout: Duration,
    pub log_dir: PathBuf,
}

/// The measurements of one run; `error` set means the run failed and its numbers are partial.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunRecord {
    pub error: Option<String>,
    pub init_ms: Option<f64>,
    pub cold_ms: Option<f64>,
    /// Duration of the first (cold) invocation, kept apart from the warm ones.
    pub first_duration_ms: Option<f64>,
    pub warm_ms: Vec<f64>,
    pub peak_rss_kb: Option<u64>,
    /// Page faults (minor + major, all threads) by the same moment: unlike times, they do not
    /// move with the machine's load, so they show what a bigger binary costs.
    pub page_faults: Option<u64>,
    /// The start-up timeline: the subject's marks and the harness's own (`first next`,
    /// `first response`), in microseconds from exec, in time order. Subjects that write no
    /// marks (or runs with no warm event, since the marks line is written when the second
    /// invocation begins) have only the harness's two.
    pub timeline_us: Vec<Mark>,
}

/// One point of a start-up timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mark {
    pub mark: String,
    pub us: f64,
}

impl RunRecord {
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

/// Runs one cold start of `subject`. Only harness failures (cannot bind, cannot write the log)
/// are `Err`; anything the subject does wrong is a failed `RunRecord`.
pub fn cold_run(subject: &Subject, settings: &RunSettings) -> Result<RunRecord> {
    let server = Server::start(
        subject.event.clone(),
        1 + settings.warm,
        &settings.function_name,
    )?;
    std::fs::create_dir_all(&settings.log_dir)?;
    let log_path = settings.log_dir.join(format!("{}.log", subject.id));
    let log =
        File::create(&log_path).with_context(|| format!("creating {}", log_path.display()))?;

    let mut command = Command::new(&subject.program);
    command
        .args(&subject.args)
        .current_dir(&subject.cwd)
        .env_clear()
        .envs(lambda_env(subject, settings, &server.endpoint()))
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);

    let exec_ns = dd_startup_marks::monotonic_ns();
    let exec = Instant::now();
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => {
            return Ok(RunRecord {
                error: Some(format!("cannot start {}: {err}", subject.program.display())),
                ..RunRecord::default()
            });
        }
    };
    let mut exited = None;
    let observed = server.wait(settings.timeout, || {
        exited = child.try_wait().ok().flatten();
        exited.is_some()
    });
    // Read the high-water mark while the process is still alive, after its last response.
    let peak_rss_kb = peak_rss_kb(child.id());
    let page_faults = page_faults(child.id());
    stop(&mut child, subject.stop_grace);
    drop(server);

    let mut record = evaluate(&observed, exec, &subject.expected);
    record.peak_rss_kb = peak_rss_kb;
    record.page_faults = page_faults;
    record.timeline_us = timeline(
        &subject_marks(&log_path),
        exec_ns,
        record.init_ms,
        record.cold_ms,
    );
    if record.ok() && peak_rss_kb.is_none() {
        record.error = Some("could not read VmHWM".into());
    }
    if let Some(error) = &mut record.error {
        if let Some(status) = exited {
            error.push_str(&format!("; process exited early: {status}"));
        }
        error.push_str(&format!("; log tail: {}", log_tail(&log_path)));
    }
    Ok(record)
}

/// The environment a `provided.al2023` / managed-runtime sandbox gives a function, with
/// dummy credentials (Lambda always sets some) and the subject's own variables on top.
fn lambda_env(
    subject: &Subject,
    settings: &RunSettings,
    endpoint: &str,
) -> BTreeMap<String, String> {
    let name = &settings.function_name;
    let task_root = subject.cwd.display().to_string();
    let mut env: BTreeMap<String, String> = [
        ("AWS_LAMBDA_RUNTIME_API", endpoint.to_owned()),
        ("AWS_LAMBDA_FUNCTION_NAME", name.clone()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".into()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}")),
        (
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef".into(),
        ),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_DEFAULT_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("AWS_SESSION_TOKEN", "test".into()),
        ("LAMBDA_TASK_ROOT", task_root.clone()),
        ("LAMBDA_RUNTIME_DIR", task_root),
        ("_HANDLER", subject.handler.clone()),
        ("TZ", ":UTC".into()),
        ("LANG", "en_US.UTF-8".into()),
        // Our Lambdas write their start-up marks (dd-startup-marks); others ignore it.
        (dd_startup_marks::ENV_VAR, "1".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    if let Some(path) = std::env::var_os("PATH") {
        env.insert("PATH".into(), path.to_string_lossy().into_owned());
    }
    env.extend(subject.env.clone());
    env
}

/// Turns what the server saw into times and a verdict.
fn evaluate(observed: &Observed, exec: Instant, expected: &Value) -> RunRecord {
    let ms = |later: Instant, earlier: Instant| {
        later.saturating_duration_since(earlier).as_secs_f64() * 1000.0
    };
    let mut record = RunRecord {
        init_ms: observed.first_next.map(|t| ms(t, exec)),
        ..RunRecord::default()
    };
    let mut errors = observed.protocol_errors.clone();
    if let Some(body) = &observed.init_error {
        errors.push(format!("init error: {}", clip(body)));
    }
    for (index, invocation) in observed.invocations.iter().enumerate() {
        let Some((finished, outcome)) = &invocation.finished else {
            errors.push(format!("invocation {index} not answered"));
            break;
        };
        match outcome {
            Outcome::Error(body) => {
                errors.push(format!("invocation {index} error: {}", clip(body)))
            }
            Outcome::Response(body) => {
                if serde_json::from_slice::<Value>(body).ok().as_ref() != Some(expected) {
                    errors.push(format!("invocation {index} wrong answer: {}", clip(body)));
                }
            }
        }
        if index == 0 {
            record.cold_ms = Some(ms(*finished, exec));
        }
        if let Some(handed_out) = invocation.handed_out {
            let duration = ms(*finished, handed_out);
            if index == 0 {
                record.first_duration_ms = Some(duration);
            } else {
                record.warm_ms.push(duration);
            }
        }
        if !errors.is_empty() {
            break;
        }
    }
    if !errors.is_empty() {
        record.error = Some(errors.join("; "));
    }
    record
}

/// The first marks line in the subject's log, if any.
fn subject_marks(log_path: &std::path::Path) -> Vec<(String, u64)> {
    std::fs::read_to_string(log_path)
        .ok()
        .and_then(|log| log.lines().find_map(dd_startup_marks::parse_line))
        .unwrap_or_default()
}

/// Puts the subject's marks (raw nanoseconds) and the harness's own points (milliseconds from
/// exec) on one axis: microseconds from exec, in time order. A mark named twice (a key
/// re-derived later) counts once, at its first stamp.
fn timeline(
    marks: &[(String, u64)],
    exec_ns: u64,
    init_ms: Option<f64>,
    cold_ms: Option<f64>,
) -> Vec<Mark> {
    let mut points: Vec<Mark> = Vec::new();
    for (name, ns) in marks {
        if points.iter().all(|p| &p.mark != name) {
            // Signed: a stamp before exec would mean the clocks disagree; show it, not hide it.
            let us = (*ns as f64 - exec_ns as f64) / 1000.0;
            points.push(Mark {
                mark: name.clone(),
                us,
            });
        }
    }
    let harness = [("first next", init_ms), ("first response", cold_ms)];
    for (name, ms) in harness {
        if let Some(ms) = ms {
            points.push(Mark {
                mark: name.to_owned(),
                us: ms * 1000.0,
            });
        }
    }
    points.sort_by(|a, b| a.us.total_cmp(&b.us));
    points
}

/// `VmHWM` (peak resident set) of a live process, in kB.
fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Minor + major page faults of a live process (`/proc/PID/stat` fields 10 and 12).
fn page_faults(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; the fields after its ')' do not.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let minor: u64 = fields.get(7)?.parse().ok()?;
    let major: u64 = fields.get(9)?.parse().ok()?;
    Some(minor + major)
}

/// SIGKILL, or with a grace period SIGTERM first so a wrapping profiler can write its output.
fn stop(child: &mut Child, grace: Option<Duration>) {
    if let Some(grace) = grace {
        // std has no SIGTERM; kill(1) avoids a libc dependency for this diagnostic path.
        let terminated = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .is_ok_and(|status| status.success());
        let deadline = Instant::now() + grace;
        while terminated && Instant::now() < deadline {
            if child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn clip(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut clipped: String = text.chars().take(300).collect();
    if clipped.len() < text.len() {
        clipped.push('…');
    }
    clipped
}

fn log_tail(path: &std::path::Path) -> String {
    let mut tail = Vec::new();
    if let Ok(mut file) = File::open(path) {
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let _ = file.seek(SeekFrom::Start(len.saturating_sub(600)));
        let _ = file.read_to_end(&mut tail);
    }
    if tail.is_empty() {
        "(empty)".into()
    } else {
        String::from_utf8_lossy(&tail).trim().replace('\n', " | ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime_api::Invocation;
    use serde_json::json;

    fn observed(bodies: &[&str]) -> (Observed, Instant) {
        let exec = Instant::now();
        let mut observed = Observed::default();
        observed.first_next = Some(exec);
        for body in bodies {
            let mut invocation = Invocation::default();
            invocation.handed_out = Some(exec);
            invocation.finished = Some((exec, Outcome::Response(body.as_bytes().to_vec())));
            observed.invocations.push(invocation);
        }
        (observed, exec)
    }

    #[test]
    fn matching_answers_pass_and_split_cold_from_warm() {
        let (observed, exec) = observed(&[r#"{"a":1}"#, r#"{ "a" : 1 }"#, r#"{"a":1}"#]);
        let record = evaluate(&observed, exec, &json!({"a": 1}));
        assert!(record.ok(), "{:?}", record.error);
        assert!(record.cold_ms.is_some() && record.first_duration_ms.is_some());
        assert_eq!(record.warm_ms.len(), 2);
    }

    #[test]
    fn a_wrong_answer_fails_the_run() {
        let (observed, exec) = observed(&[r#"{"a":1}"#, r#"{"a":2}"#]);
        let record = evaluate(&observed, exec, &json!({"a": 1}));
        let error = record.error.expect("must fail");
        assert!(error.contains("invocation 1 wrong answer"), "{error}");
    }

    #[test]
    fn a_missing_answer_fails_the_run() {
        let (mut observed, exec) = observed(&[r#"{"a":1}"#]);
        observed.invocations.push(Invocation::default());
        let record = evaluate(&observed, exec, &json!({"a": 1}));
        assert!(record.error.expect("must fail").contains("not answered"));
    }

    #[test]
    fn timeline_aligns_subject_marks_with_the_harness_points() {
        let marks = vec![
            ("main".to_owned(), 1_000_400_000),
            ("handled".to_owned(), 1_001_500_000),
            ("main".to_owned(), 1_009_000_000),
        ];
        let points = timeline(&marks, 1_000_000_000, Some(0.9), Some(1.6));
        let named: Vec<(&str, f64)> = points.iter().map(|p| (p.mark.as_str(), p.us)).collect();
        assert_eq!(
            named,
            vec![
                ("main", 400.0),
                ("first next", 900.0),
                ("handled", 1500.0),
                ("first response", 1600.0)
            ]
        );
    }

    #[test]
    fn reads_own_peak_rss_and_page_faults() {
        assert!(peak_rss_kb(std::process::id()).is_some_and(|kb| kb > 0));
        assert!(page_faults(std::process::id()).is_some_and(|faults| faults > 0));
    }
}
