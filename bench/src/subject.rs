//! The benchmark configuration: the event, the expected answer and the subjects.
//!
//! Subjects are data (`bench/subjects.json`) so a new runtime or a teammate's function is one
//! entry, and a subject whose binary or dependencies are missing is reported as skipped with
//! the reason rather than failing the whole run. Strings may use `${VAR}` to pick up paths the
//! `bench/run` script knows (target dir, interpreter, moto port); an unset variable in the
//! command, cwd or env also makes the subject skipped.
//!
//! A subject that does something else than decrypt (the API answers an HTTP event) brings its
//! own `event` and `expected`. The event's string values are expanded too, because some of
//! what it carries only exists once `bench/run` has set up (a bearer token for a fresh
//! database); the expected answer is taken literally.

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
    /// The event every invocation receives, unless its subject brings its own.
    pub event: Value,
    /// The exact JSON every invocation must answer (unless its subject brings its own);
    /// anything else fails the run.
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
    /// Gates against other subjects of the same run: subject id → the largest allowed
    /// median cold start ÷ that subject's (e.g. ours against `decryptor-minimal`). A named
    /// subject that did not run fails the gate.
    #[serde(default)]
    pub max_ratio_to: BTreeMap<String, f64>,
    /// A `--meta` key holding milliseconds of the cold start that are not ours (moto's own
    /// `GetSecretValue` reply): the report subtracts it to show our share ÷ the floor.
    #[serde(default)]
    pub not_ours_ms_meta: Option<String>,
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
    /// This subject's event instead of the top-level one; `${VAR}` in its string values.
    #[serde(default)]
    pub event: Option<Value>,
    /// This subject's exact answer instead of the top-level one.
    #[serde(default)]
    pub expected: Option<Value>,
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
    /// The event as sent: serialized once, variables expanded.
    pub event: Vec<u8>,
    /// The exact JSON every invocation must answer.
    pub expected: Value,
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
    /// `event` and `expected` are the top-level ones, used unless the subject has its own.
    pub fn resolve(
        &self,
        event: &Value,
        expected: &Value,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Subject, String> {
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
        let event = expand_json(self.event.as_ref().unwrap_or(event), lookup)
            .map_err(|var| skip(format!("${var} unset")))?;
        let event = serde_json::to_vec(&event).map_err(|err| format!("event: {err}"))?;
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
            event,
            expected: self.expected.as_ref().unwrap_or(expected).clone(),
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

/// [`expand`] applied to every string value (not the keys) of a JSON document.
pub fn expand_json(
    value: &Value,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Value, String> {
    Ok(match value {
        Value::String(text) => Value::String(expand(text, lookup)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| expand_json(item, lookup))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, item)| Ok((key.clone(), expand_json(item, lookup)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
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
    use serde_json::json;

    fn vars(name: &str) -> Option<String> {
        match name {
            "A" => Some("alpha".into()),
            "TOKEN" => Some("t0k3n".into()),
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
        spec_with(command, json!({}))
    }

    /// A spec for `command` with the fields of `extra` added.
    fn spec_with(command: &str, extra: Value) -> SubjectSpec {
        let mut fields = json!({
            "id": "x", "label": "X", "command": [command], "missing": "not built"
        });
        if let (Some(fields), Value::Object(extra)) = (fields.as_object_mut(), extra) {
            fields.extend(extra);
        }
        serde_json::from_value(fields).expect("spec")
    }

    fn default_event() -> Value {
        json!({"cipherText": "abc"})
    }

    fn default_expected() -> Value {
        json!({"statusCode": 200})
    }

    fn resolve(spec: &SubjectSpec) -> Result<Subject, String> {
        spec.resolve(&default_event(), &default_expected(), &vars)
    }

    fn sent(subject: &Subject) -> Value {
        serde_json::from_slice(&subject.event).expect("event is JSON")
    }

    #[test]
    fn missing_binary_is_a_skip_reason() {
        let reason = resolve(&spec("/nonexistent/bench-x")).expect_err("skip");
        assert_eq!(reason, "not built (no /nonexistent/bench-x)");
        let reason = resolve(&spec("${NOPE}/bin")).expect_err("skip");
        assert_eq!(reason, "not built ($NOPE unset)");
    }

    #[test]
    fn bare_names_are_found_on_path() {
        let subject = resolve(&spec("sh")).expect("sh on PATH");
        assert!(subject.program.ends_with("sh"));
        assert_eq!(subject.handler, "bootstrap");
    }

    #[test]
    fn without_overrides_a_subject_gets_the_top_level_event_and_answer() {
        let subject = resolve(&spec("sh")).expect("resolves");
        assert_eq!(sent(&subject), default_event());
        assert_eq!(subject.expected, default_expected());
    }

    #[test]
    fn a_subject_may_bring_its_own_event_and_answer() {
        let own = spec_with(
            "sh",
            json!({"event": {"rawPath": "/x"}, "expected": {"statusCode": 204}}),
        );
        let subject = resolve(&own).expect("resolves");
        assert_eq!(sent(&subject), json!({"rawPath": "/x"}));
        assert_eq!(subject.expected, json!({"statusCode": 204}));
        // Either one alone falls back to the top level for the other.
        let answer_only = spec_with("sh", json!({"expected": {"statusCode": 201}}));
        let subject = resolve(&answer_only).expect("resolves");
        assert_eq!(sent(&subject), default_event());
        assert_eq!(subject.expected, json!({"statusCode": 201}));
    }

    #[test]
    fn event_strings_are_expanded_at_any_depth_but_keys_and_answers_are_not() {
        let own = spec_with(
            "sh",
            json!({
                "event": {
                    "headers": {"authorization": "Bearer ${TOKEN}", "${A}": "literal key"},
                    "list": ["${A}", 7, null, {"deep": "${A}-${TOKEN}"}],
                    "isBase64Encoded": false
                },
                "expected": {"body": "${A}"}
            }),
        );
        let subject = resolve(&own).expect("resolves");
        assert_eq!(
            sent(&subject),
            json!({
                "headers": {"authorization": "Bearer t0k3n", "${A}": "literal key"},
                "list": ["alpha", 7, null, {"deep": "alpha-t0k3n"}],
                "isBase64Encoded": false
            })
        );
        assert_eq!(subject.expected, json!({"body": "${A}"}));
    }

    #[test]
    fn an_unset_variable_in_the_event_is_a_skip_reason() {
        let own = spec_with(
            "sh",
            json!({"event": {"headers": {"authorization": "Bearer ${BENCH_API_TOKEN}"}}}),
        );
        let reason = resolve(&own).expect_err("skip");
        assert_eq!(reason, "not built ($BENCH_API_TOKEN unset)");
    }

    #[test]
    fn expand_json_leaves_non_strings_alone() {
        let doc = json!({"n": 1.5, "b": true, "z": null, "a": [1, "x"]});
        assert_eq!(expand_json(&doc, &vars), Ok(doc.clone()));
    }

    #[test]
    fn the_shipped_config_loads_and_the_api_answer_is_consistent() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("subjects.json");
        let config = Config::load(&path).expect("bench/subjects.json");
        let api = config
            .subjects
            .iter()
            .find(|s| s.id == "api-sqlite")
            .expect("api-sqlite subject");
        let event = api.event.as_ref().expect("own event");
        assert_eq!(
            event["headers"]["authorization"],
            "Bearer ${BENCH_API_TOKEN}"
        );
        // A hand-edited answer must still be one the function can give: the length header
        // is the body's, and the body is the 200 list of the one deposit set up.
        let expected = api.expected.as_ref().expect("own answer");
        let body = expected["body"].as_str().expect("body");
        assert_eq!(
            expected["headers"]["content-length"],
            body.len().to_string()
        );
        let list: Value = serde_json::from_str(body).expect("body is JSON");
        assert_eq!(expected["statusCode"], 200);
        assert_eq!(list["count"], 1);
        assert_eq!(
            list["results"][0]["bankAccount"]["accountNumber"],
            "*****6789"
        );
    }
}
