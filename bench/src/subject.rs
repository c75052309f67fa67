//! The benchmark configuration: the event, the expected answer and the subjects.
//!
//! Subjects are data (`bench/subjects.json`) so a new runtime or a teammate's function is one
//! entry, and a subject whose binary or dependencies are missing is reported as skipped with
//! the reason rather than failing the whole run. Strings may use `${VAR}` to pick up paths the
//! `bench/run` script knows (target dir, interpreter, moto port); an unset variable in the
//! command, cwd or env also makes the subject skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Name the functions run under (`AWS_LAMBDA_FUNCTION_NAME`, the ARN).
    pub function_name: String,
    /// The event every invocation receives.
    pub event: Value,
    /// The exact JSON every invocation must answer; anything else fails the run.
    pub expected: Value,
    /// Id of the subject whose cold start is the floor (ratio 1.0).
    pub floor: String,
    /// Id of the Node subject the Rust ones are compared with.
    pub node: String,
    pub subjects: Vec<SubjectSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectSpec {
    pub id: String,
    pub label: String,
    /// argv; `command[0]` is checked for existence (as a path, or on PATH).
    pub command: Vec<String>,
    /// Working directory, also `LAMBDA_TASK_ROOT`; default: the directory of `command[0]`.
    #[serde(default)]
    pub cwd: Option<String>,
    /// `_HANDLER` as Lambda would set it.
    #[serde(default)]
    pub handler: Option<String>,
    /// Extra environment on top of the Lambda-like base environment.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Files that must exist; otherwise the subject is skipped.
    #[serde(default)]
    pub requires: Vec<String>,
    /// Word for the skip notice: "not built" for our binaries, "not installed" for peers.
    #[serde(default = "default_missing")]
    pub missing: String,
    /// Whether `--quick` (CI) runs this subject.
    #[serde(default)]
    pub quick: bool,
    /// Quick and full runs fail when the median cold start exceeds this × the floor's.
    #[serde(default)]
    pub max_ratio_to_floor: Option<f64>,
    /// Stripped executable whose size is reported.
    #[serde(default)]
    pub binary: Option<String>,
    /// Deployment zip whose size is reported, when it was built.
    #[serde(default)]
    pub zip: Option<String>,
    /// After its last response the subject gets SIGTERM and this long to exit before SIGKILL.
    /// Unset: SIGKILL at once (the normal case). Set it when `command` wraps the function in a
    /// profiler (`valgrind --tool=callgrind`, `perf record`) that writes its output on exit.
    #[serde(default)]
    pub stop_grace_ms: Option<u64>,
}

fn default_missing() -> String {
    "not installed".into()
}

/// A subject ready to launch: every variable expanded, every file present.
#[derive(Debug, Clone)]
pub struct Subject {
    pub id: String,
    pub program: PathBuf,
    pub args: Vec<String>,
    pub cwd: PathBuf,
    pub handler: String,
    pub env: BTreeMap<String, String>,
    pub binary: Option<PathBuf>,
    pub zip: Option<PathBuf>,
    pub stop_grace: Option<std::time::Duration>,
}

impl Config {
    pub fn load(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let config: Self =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        if !config.subjects.iter().any(|s| s.id == config.floor) {
            bail!(
                "floor subject {:?} is not in the subject list",
                config.floor
            );
        }
        Ok(config)
    }
}

impl SubjectSpec {
    /// Expands variables and checks files; `Err(reason)` means "skip, and say why".
    pub fn resolve(&self, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Subject, String> {
        let skip = |detail: String| format!("{} ({detail})", self.missing);
        let expand_req =
            |text: &str| expand(text, lookup).map_err(|var| skip(format!("${var} unset")));

        let mut argv = Vec::with_capacity(self.command.len());
        for arg in &self.command {
            argv.push(expand_req(arg)?);
        }
        let Some((program, args)) = argv.split_first() else {
            return Err("empty command".into());
        };
        let program = locate(program, lookup).ok_or_else(|| skip(format!("no {program}")))?;
        for required in &self.requires {
            let path = expand_req(required)?;
            if !Path::new(&path).exists() {
                return Err(skip(format!("no {path}")));
            }
        }
        let cwd = match &self.cwd {
            Some(cwd) => PathBuf::from(expand_req(cwd)?),
            None => program.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        let mut env = BTreeMap::new();
        for (name, value) in &self.env {
            env.insert(name.clone(), expand_req(value)?);
        }
        // Sizes are optional extras: an unset variable just means "not measured".
        let optional = |text: &Option<String>| {
            text.as_deref()
                .and_then(|t| expand(t, lookup).ok())
                .map(PathBuf::from)
                .filter(|p| p.exists())
        };
        Ok(Subject {
            id: self.id.clone(),
            program,
            args: args.to_vec(),
            cwd,
            handler: self.handler.clone().unwrap_or_else(|| "bootstrap".into()),
            env,
            binary: optional(&self.binary),
            zip: optional(&self.zip),
            stop_grace: self.stop_grace_ms.map(std::time::Duration::from_millis),
        })
    }
}

/// Replaces `${NAME}`; `Err(NAME)` for the first unset variable.
pub fn expand(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let name = &after[..end];
        match lookup(name) {
            Some(value) if !value.is_empty() => out.push_str(&value),
            _ => return Err(name.to_owned()),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A path with a slash must exist; a bare name is searched on PATH, as exec would.
fn locate(program: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if program.contains('/') {
        let path = PathBuf::from(program);
        return path.is_file().then_some(path);
    }
    let path_var = lookup("PATH")?;
    std::env::split_paths(&path_var)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        match name {
            "A" => Some("alpha".into()),
            "PATH" => Some("/usr/bin:/bin".into()),
            _ => None,
        }
    }

    #[test]
    fn expands_and_reports_unset_variables() {
        assert_eq!(expand("x${A}y${A}", &vars), Ok("xalphayalpha".into()));
        assert_eq!(expand("no vars", &vars), Ok("no vars".into()));
        assert_eq!(expand("${B}/bin", &vars), Err("B".into()));
    }

    fn spec(command: &str) -> SubjectSpec {
        serde_json::from_value(serde_json::json!({
            "id": "x", "label": "X", "command": [command], "missing": "not built"
        }))
        .expect("spec")
    }

    #[test]
    fn missing_binary_is_a_skip_reason() {
        let reason = spec("/nonexistent/bench-x")
            .resolve(&vars)
            .expect_err("skip");
        assert_eq!(reason, "not built (no /nonexistent/bench-x)");
        let reason = spec("${NOPE}/bin").resolve(&vars).expect_err("skip");
        assert_eq!(reason, "not built ($NOPE unset)");
    }

    #[test]
    fn bare_names_are_found_on_path() {
        let subject = spec("sh").resolve(&vars).expect("sh on PATH");
        assert!(subject.program.ends_with("sh"));
        assert_eq!(subject.handler, "bootstrap");
    }
}
