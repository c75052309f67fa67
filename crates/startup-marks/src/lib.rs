//! Start-up timeline marks for the cold-start bench (`bench/`, issue 14).
//!
//! A Lambda calls [`begin`] first thing in `main`, [`mark`] at each start-up step, and
//! [`invocation_begins`] / [`invocation_ends`] around its handler. Unless the environment has
//! `DD_STARTUP_MARKS=1` (the bench sets it; no deployment does), every call is one relaxed
//! atomic load and nothing else: no clock read, no allocation, no output.
//!
//! When enabled, each mark is a raw `CLOCK_MONOTONIC` reading in nanoseconds, the clock the
//! harness reads just before it spawns the process, so both sides' stamps share one origin.
//! The marks are written as one stderr line when the second invocation begins, i.e. after the
//! harness has timed the first response, so writing them never lands inside a cold start:
//!
//! ```text
//! dd-startup-marks main=1234567890 config=1234571234 ... handled=1234999999
//! ```

use std::io::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// The variable that turns marks on (value `1`).
pub const ENV_VAR: &str = "DD_STARTUP_MARKS";

/// What starts the stderr line, for the harness to find it among the function's logs.
pub const LINE_PREFIX: &str = "dd-startup-marks";

static ENABLED: AtomicBool = AtomicBool::new(false);
static INVOCATIONS: AtomicU32 = AtomicU32::new(0);
static MARKS: Mutex<Vec<(&'static str, u64)>> = Mutex::new(Vec::new());

/// Reads [`ENV_VAR`] once and, when it is `1`, records the `main` mark. Call first in `main`.
pub fn begin() {
    if std::env::var_os(ENV_VAR).is_some_and(|value| value == "1") {
        ENABLED.store(true, Ordering::Relaxed);
        mark("main");
    }
}

/// Records `name` now, if marks are on.
pub fn mark(name: &'static str) {
    if !ENABLED.load(Ordering::Relaxed) {
        return;
    }
    let now = monotonic_ns();
    if let Ok(mut marks) = MARKS.lock() {
        marks.push((name, now));
    }
}

/// Call when an invocation's handler starts: marks the first one `handler` and writes the
/// line when the second one starts.
pub fn invocation_begins() {
    if !ENABLED.load(Ordering::Relaxed) {
        return;
    }
    match INVOCATIONS.load(Ordering::Relaxed) {
        0 => mark("handler"),
        1 => write_line(),
        _ => {}
    }
}

/// Call when an invocation's handler has its answer: marks the first one `handled`.
pub fn invocation_ends() {
    if !ENABLED.load(Ordering::Relaxed) {
        return;
    }
    if INVOCATIONS.fetch_add(1, Ordering::Relaxed) == 0 {
        mark("handled");
    }
}

fn write_line() {
    let Ok(marks) = MARKS.lock() else {
        return;
    };
    let _ = std::io::stderr().write_all(format_line(&marks).as_bytes());
}

fn format_line(marks: &[(&'static str, u64)]) -> String {
    let mut line = String::from(LINE_PREFIX);
    for (name, ns) in marks {
        line.push_str(&format!(" {name}={ns}"));
    }
    line.push('\n');
    line
}

/// `CLOCK_MONOTONIC` in nanoseconds: the clock `std::time::Instant` uses on Linux, as a
/// number another process can compare with.
pub fn monotonic_ns() -> u64 {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    let secs = u64::try_from(now.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(now.tv_nsec).unwrap_or(0);
    secs.saturating_mul(1_000_000_000).saturating_add(nanos)
}

/// Parses a line written by a subject: `(name, nanoseconds)` pairs in the order marked, or
/// `None` when `line` is not a marks line.
pub fn parse_line(line: &str) -> Option<Vec<(String, u64)>> {
    let rest = line.trim_end().strip_prefix(LINE_PREFIX)?;
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    rest.split_whitespace()
        .map(|pair| {
            let (name, ns) = pair.split_once('=')?;
            Some((name.to_owned(), ns.parse().ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_line_parses_back() {
        let line = format_line(&[("main", 10), ("config", 25)]);
        assert_eq!(
            parse_line(&line),
            Some(vec![("main".to_owned(), 10), ("config".to_owned(), 25)])
        );
    }

    #[test]
    fn other_lines_are_not_marks() {
        assert_eq!(parse_line(r#"{"level":"INFO"}"#), None);
        assert_eq!(parse_line("dd-startup-marksx a=1"), None);
        assert_eq!(parse_line("dd-startup-marks a=b"), None);
    }

    #[test]
    fn the_clock_moves_forward_and_agrees_with_std() {
        let before = monotonic_ns();
        let instant = std::time::Instant::now();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let elapsed = instant.elapsed().as_nanos() as u64;
        let after = monotonic_ns();
        assert!(after - before >= elapsed);
    }
}
