//! `dd-bench`: the cold-start harness of docs/architecture.md §4.
//!
//! ```text
//! dd-bench run --config bench/subjects.json [--quick] [--runs N] [--warm N] [--warmup N]
//!              [--only ID,ID] [--timeout-ms N] [--out FILE] [--meta KEY=VALUE]...
//! dd-bench fake-runtime [--reply JSON | --echo] [--init-error]
//! ```
//! `run` prints the markdown table on stdout, writes the JSON report to `--out` and exits 1
//! when a measured subject failed or a gate did not hold. `bench/run` wraps it.

mod fake_runtime;
mod http;
mod measure;
mod relative;
mod report;
mod runtime_api;
mod subject;
mod timeline;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use measure::{RunRecord, RunSettings, cold_run};
use report::{Report, Status, SubjectResult, Summary};
use subject::{Config, Subject};

#[derive(Debug)]
struct RunArgs {
    config: PathBuf,
    quick: bool,
    runs: Option<usize>,
    warm: Option<usize>,
    warmup: usize,
    only: Option<Vec<String>>,
    timeout: Duration,
    out: Option<PathBuf>,
    meta: BTreeMap<String, String>,
}

fn main() -> ExitCode {
    match real_main() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("dd-bench: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn real_main() -> Result<ExitCode> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("run") => run(parse_run_args(args)?),
        Some("fake-runtime") => {
            // The default reply is the benchmark's expected answer.
            let mut reply = fake_runtime::Reply::Fixed(
                r#"{"statusCode":200,"body":"EvoP@ss!2020","isBase64Encoded":false}"#.to_owned(),
            );
            let mut init_error = false;
            while let Some(arg) = args.next() {
                match arg.as_str() {
                    "--reply" => {
                        let text = args.next().context("--reply needs a value")?;
                        reply = fake_runtime::Reply::Fixed(text);
                    }
                    "--echo" => reply = fake_runtime::Reply::Echo,
                    "--init-error" => init_error = true,
                    other => bail!("unknown fake-runtime argument {other:?}"),
                }
            }
            fake_runtime::run(&reply, init_error)?;
            Ok(ExitCode::SUCCESS)
        }
        _ => bail!(
            "usage: dd-bench run --config FILE [--quick] [--runs N] [--warm N] [--warmup N] \
             [--only ID,..] [--timeout-ms N] [--out FILE] [--meta K=V]... | dd-bench fake-runtime"
        ),
    }
}

fn parse_run_args(mut args: impl Iterator<Item = String>) -> Result<RunArgs> {
    let mut parsed = RunArgs {
        config: PathBuf::from("bench/subjects.json"),
        quick: false,
        runs: None,
        warm: None,
        warmup: 1,
        only: None,
        timeout: Duration::from_secs(10),
        out: None,
        meta: BTreeMap::new(),
    };
    while let Some(flag) = args.next() {
        if flag == "--quick" {
            parsed.quick = true;
            continue;
        }
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<usize>()
                .with_context(|| format!("{flag} {value:?}"))
        };
        match flag.as_str() {
            "--config" => parsed.config = PathBuf::from(&value),
            "--runs" => parsed.runs = Some(number()?.max(1)),
            "--warm" => parsed.warm = Some(number()?),
            "--warmup" => parsed.warmup = number()?,
            "--only" => parsed.only = Some(value.split(',').map(str::to_owned).collect()),
            "--timeout-ms" => parsed.timeout = Duration::from_millis(number()? as u64),
            "--out" => parsed.out = Some(PathBuf::from(&value)),
            "--meta" => {
                let (key, val) = value.split_once('=').context("--meta wants KEY=VALUE")?;
                parsed.meta.insert(key.to_owned(), val.to_owned());
            }
            other => bail!("unknown run argument {other:?}"),
        }
    }
    Ok(parsed)
}

fn run(args: RunArgs) -> Result<ExitCode> {
    let config = Config::load(&args.config)?;
    // Quick mode is the CI check: few runs, and only the subjects marked for it.
    let runs = args.runs.unwrap_or(if args.quick { 15 } else { 20 });
    let warm = args.warm.unwrap_or(if args.quick { 20 } else { 100 });
    let log_dir = args
        .out
        .as_ref()
        .and_then(|out| out.parent())
        .map_or_else(|| PathBuf::from("bench/out/logs"), |dir| dir.join("logs"));
    let settings = RunSettings {
        function_name: config.function_name.clone(),
        warm,
        timeout: args.timeout,
        log_dir,
    };

    let lookup = |name: &str| std::env::var(name).ok();
    let mut results = Vec::new();
    let mut active: Vec<(usize, Subject)> = Vec::new();
    for spec in &config.subjects {
        let wanted = match &args.only {
            Some(only) => only.contains(&spec.id),
            None => !args.quick || spec.quick,
        };
        if !wanted {
            continue;
        }
        let mut result = SubjectResult {
            id: spec.id.clone(),
            label: spec.label.clone(),
            status: Status::Ok,
            reason: None,
            summary: None,
            ratio_to_floor: None,
            cold_ratio_to_node: None,
            rss_ratio_to_node: None,
            max_ratio_to_floor: spec.max_ratio_to_floor,
            max_ratio_to: spec.max_ratio_to.clone(),
            not_ours_ms_meta: spec.not_ours_ms_meta.clone(),
            our_share: None,
            binary_bytes: None,
            zip_bytes: None,
            runs: Vec::new(),
        };
        match spec.resolve(&config.event, &config.expected, &lookup) {
            Ok(subject) => {
                let size = |p: &Option<PathBuf>| {
                    p.as_ref().and_then(|p| p.metadata().ok()).map(|m| m.len())
                };
                result.binary_bytes = size(&subject.binary);
                result.zip_bytes = size(&subject.zip);
                active.push((results.len(), subject));
            }
            Err(reason) => {
                eprintln!("NOTICE: {} skipped: {reason}", spec.id);
                result.status = Status::Skipped;
                result.reason = Some(reason);
            }
        }
        results.push(result);
    }
    if !active.iter().any(|(_, s)| s.id == config.floor) {
        bail!(
            "the floor subject {:?} cannot run; nothing to compare with",
            config.floor
        );
    }

    // Round-robin over subjects, starting one further each round, so drift on the machine
    // (other builds, a server still warming up) hits every subject alike instead of whichever
    // always runs first.
    for round in 0..args.warmup + runs {
        let start = round % active.len();
        for (index, subject) in active[start..].iter().chain(&active[..start]) {
            let record = cold_run(subject, &settings)?;
            if round >= args.warmup {
                results[*index].runs.push(record);
            } else if let Some(error) = record.error {
                eprintln!("warm-up run of {} failed: {error}", subject.id);
            }
        }
        eprint!("{}", if round < args.warmup { 'w' } else { '.' });
        let _ = std::io::stderr().flush();
    }
    eprintln!();

    for result in results
        .iter_mut()
        .filter(|r| !matches!(r.status, Status::Skipped))
    {
        result.summary = Summary::of(&result.runs);
        let failed: Vec<&RunRecord> = result.runs.iter().filter(|r| !r.ok()).collect();
        if let Some(first) = failed.first() {
            result.status = Status::Failed;
            result.reason = Some(format!(
                "{} of {} runs failed; first: {}",
                failed.len(),
                result.runs.len(),
                first.error.as_deref().unwrap_or("")
            ));
        }
    }
    let mut report = Report {
        meta: args.meta,
        runs,
        warmup_runs: args.warmup,
        warm_events: warm,
        quick: args.quick,
        subjects: results,
        failures: Vec::new(),
        notices: Vec::new(),
    };
    report.finish(&config.floor, &config.node);
    print!("{}", report.markdown());
    if let Some(out) = &args.out {
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let json = serde_json::to_string_pretty(&report)?;
        std::fs::write(out, json + "\n").with_context(|| format!("writing {}", out.display()))?;
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
