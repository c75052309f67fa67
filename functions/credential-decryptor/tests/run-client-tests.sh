#!/usr/bin/env bash
# Client tests of the credential decryptor with REAL clients, through cargo lambda's emulator:
#
#   1. Node AWS SDK v3 (tests/node, `node --test`) invoking exactly like the legacy callers;
#   2. boto3 (tests/python, pytest) the same way;
#   3. our own Invoke client (dd-delivery's LambdaDecryptor, tests/lambda_decryptor_watch.rs)
#      with AWS_ENDPOINT_URL at a DD_KEY_JSON emulator: plaintexts, refusals, unknown function;
#   4. the key in moto's Secrets Manager (SecretString and SecretBinary; the endpoint is set by
#      AWS_ENDPOINT_URL only), plus a function whose secret is missing;
#   5. a scan of everything the functions logged at debug level for secret material.
#
# One `cargo lambda watch` per key secret of the compat vectors and per key source (an emulator
# runs one function with one environment). Ports are picked free; every process started here
# is stopped on exit. Honours the caller's CARGO_TARGET_DIR (cargo lambda watch does too).
# DD_CLIENT_TESTS_KEEP=1 keeps the work directory (logs, manifest) after a passing run.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
FN_DIR="$(cd "$HERE/.." && pwd)"
ROOT="$(cd "$FN_DIR/../.." && pwd)"
VECTORS="$ROOT/crates/crypto/tests/data/decrypt-lambda-compat.json"
HARNESS="$HERE/python/harness.py"
NODE_DIR="$HERE/node"
FUNCTION=credential-decryptor

# Bounded waits (seconds). The first invoke may compile the debug build.
BUILD_TIMEOUT="${DD_CLIENT_TESTS_BUILD_TIMEOUT:-1200}"
WARM_TIMEOUT="${DD_CLIENT_TESTS_WARM_TIMEOUT:-600}"
START_TIMEOUT=60
SUITE_TIMEOUT=600
STOP_TIMEOUT=15

WORK="$(mktemp -d "${TMPDIR:-/tmp}/dd-client-tests.XXXXXX")"
TARGETS="$WORK/targets.tsv"
: >"$TARGETS"
GROUPS_STARTED=()   # process-group ids of everything started here (each via setsid)
EMULATOR_GROUPS=()
FAILED=()
PASSED=()
KEEP_WORK="${DD_CLIENT_TESTS_KEEP:-0}"
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in the work tree

log() { printf '== client-tests: %s\n' "$*"; }

alive() { # pgid: is the group (or its leader, before its setsid ran) still there?
  kill -0 -- "-$1" 2>/dev/null || kill -0 "$1" 2>/dev/null
}

stop_groups() { # pgid...: TERM each whole group, wait (bounded) for all, then KILL what is left
  local pgid i left
  for pgid in "$@"; do
    kill -TERM -- "-$pgid" 2>/dev/null || kill -TERM "$pgid" 2>/dev/null || true
  done
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    left=0
    for pgid in "$@"; do alive "$pgid" && left=1 && break; done
    [[ $left == 0 ]] && return 0
    sleep 0.1
  done
  for pgid in "$@"; do
    kill -KILL -- "-$pgid" 2>/dev/null || kill -KILL "$pgid" 2>/dev/null || true
  done
}

# Long steps run as background jobs and are waited for, so INT/TERM interrupt the wait at once
# (bash defers traps while a foreground command runs). FOREGROUND is the job to end on exit.
FOREGROUND=""
run() {
  "$@" &
  FOREGROUND=$!
  local status=0
  wait "$FOREGROUND" 2>/dev/null || status=$?
  FOREGROUND=""
  return "$status"
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n "$FOREGROUND" ]]; then kill -TERM "$FOREGROUND" 2>/dev/null || true; fi
  stop_groups "${GROUPS_STARTED[@]}"
  wait 2>/dev/null || true
  if [[ $status -ne 0 || "$KEEP_WORK" == 1 ]]; then
    log "logs and manifest kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts "$@" in its own session/process group with output to $1's log; prints the pgid (the
# leader's pid: setsid execs in place, as a background job is never a group leader).
start_group() {
  local logfile="$1"
  shift
  setsid "$@" </dev/null >"$logfile" 2>&1 &
  echo $!
}

wait_for_port() { # port timeout name logfile
  local port="$1" timeout="$2" name="$3" logfile="$4" pgid="$5" i
  for ((i = 0; i < timeout * 4; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    if ! alive "$pgid"; then
      log "$name exited before listening on $port; its output:"
      tail -n 40 "$logfile" >&2
      return 1
    fi
    sleep 0.25
  done
  log "$name is not listening on $port after ${timeout}s; its output:"
  tail -n 40 "$logfile" >&2
  return 1
}

free_port() { python3 "$HARNESS" free-port; }

for tool in cargo python3 node npm setsid; do
  command -v "$tool" >/dev/null || { log "missing tool: $tool (run scripts/setup)"; exit 1; }
done
cargo lambda --version >/dev/null 2>&1 || { log "cargo lambda missing (run scripts/setup)"; exit 1; }
command -v moto_server >/dev/null || { log "moto_server missing (run scripts/setup)"; exit 1; }
python3 -c 'import boto3, pytest' 2>/dev/null || { log "boto3/pytest missing (run scripts/setup)"; exit 1; }
if [[ ! -d "$NODE_DIR/node_modules/@aws-sdk/client-lambda" ]]; then
  log "installing the Node test dependencies (npm ci)"
  npm ci --prefix "$NODE_DIR" --no-audit --no-fund
fi

# The emulator builds lazily on the first invoke; build first so a compile error shows here
# and the warm-ups below only start processes. Same profile and features as cargo lambda watch.
log "building $FUNCTION (debug; CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-<cargo default>})"
run timeout "$BUILD_TIMEOUT" cargo build --manifest-path "$FN_DIR/Cargo.toml" --bin "$FUNCTION"
# Our own Invoke client's suite (dd-delivery's LambdaDecryptor), built now so no cargo of ours
# runs beside the emulators; its binary is run directly below.
log "building dd-delivery's lambda_decryptor_watch test"
if ! run timeout "$BUILD_TIMEOUT" cargo test -p dd-delivery --features lambda-decryptor \
  --test lambda_decryptor_watch --no-run >"$WORK/rust-build.log" 2>&1; then
  cat "$WORK/rust-build.log" >&2
  exit 1
fi
RUST_TEST_BIN="$(sed -n 's/.*Executable tests\/lambda_decryptor_watch.rs (\(.*\))$/\1/p' \
  "$WORK/rust-build.log" | tail -n 1)"
[[ -x "$RUST_TEST_BIN" ]] || { log "lambda_decryptor_watch test binary not found"; exit 1; }

# --- services -------------------------------------------------------------------------------
MOTO_PORT="$(free_port)"
MOTO="http://127.0.0.1:$MOTO_PORT"
log "starting moto on $MOTO"
pgid="$(start_group "$WORK/moto.log" moto_server -H 127.0.0.1 -p "$MOTO_PORT")"
GROUPS_STARTED+=("$pgid")
wait_for_port "$MOTO_PORT" "$START_TIMEOUT" moto "$WORK/moto.log" "$pgid"
run python3 "$HARNESS" seed-moto "$MOTO" "$VECTORS"

# Nothing of the caller's environment may change what the function sees.
CLEAN_ENV=(-u DD_KEY_JSON -u DD_KEY_FILE -u DD_KEY_SECRET_ID -u DD_KEY_TTL_SECS -u DD_OPERATION
  -u AWS_ENDPOINT_URL -u AWS_SESSION_TOKEN -u AWS_PROFILE -u AWS_DEFAULT_REGION
  -u AWS_LAMBDA_LOG_LEVEL -u RUST_LOG
  AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing)

# start_emulator KIND NAME SECRET_INDEX SOURCE VAR=VALUE...: one cargo lambda watch whose
# function gets the given variables, RUST_LOG=debug, and nothing else of ours.
start_emulator() {
  local kind="$1" name="$2" index="$3" source="$4"
  shift 4
  local port logfile pgid
  port="$(free_port)"
  logfile="$WORK/$name.log"
  # The key variables reach the function through the emulator's environment (a JSON secret
  # holds commas, which --env-var would split); RUST_LOG only through --env-var, so the
  # emulator itself stays at its own level and only the function logs at debug.
  pgid="$(start_group "$logfile" env "${CLEAN_ENV[@]}" "$@" \
    cargo lambda watch --ignore-changes --invoke-address 127.0.0.1 --invoke-port "$port" \
    --manifest-path "$FN_DIR/Cargo.toml" --bin "$FUNCTION" --env-var RUST_LOG=debug)"
  GROUPS_STARTED+=("$pgid")
  EMULATOR_GROUPS+=("$pgid")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$name" "$index" "http://127.0.0.1:$port" \
    "$logfile" "$source" "$pgid" >>"$TARGETS"
}

log "starting the emulators"
mapfile -t SECRETS < <(python3 "$HARNESS" secrets "$VECTORS")
for i in "${!SECRETS[@]}"; do
  start_emulator decrypt "json-$i" "$i" DD_KEY_JSON "DD_KEY_JSON=${SECRETS[$i]}"
  start_emulator decrypt "sm-string-$i" "$i" SecretString \
    "DD_KEY_SECRET_ID=dd-client-tests/string/$i" "AWS_ENDPOINT_URL=$MOTO"
  start_emulator decrypt "sm-binary-$i" "$i" SecretBinary \
    "DD_KEY_SECRET_ID=dd-client-tests/binary/$i" "AWS_ENDPOINT_URL=$MOTO"
done
# TRACE, the most verbose level Lambda's log controls offer (AWS_LAMBDA_LOG_LEVEL wins over
# RUST_LOG): secrets must stay out of the log there too. lambda_runtime logs raw events at
# TRACE, i.e. the cipherText, and for the encrypt function the plainText.
start_emulator decrypt sm-string-trace-0 0 SecretString "AWS_LAMBDA_LOG_LEVEL=TRACE" \
  "DD_KEY_SECRET_ID=dd-client-tests/string/0" "AWS_ENDPOINT_URL=$MOTO"
start_emulator encrypt encrypt-json-0 0 DD_KEY_JSON "AWS_LAMBDA_LOG_LEVEL=TRACE" \
  "DD_OPERATION=encrypt" "DD_KEY_JSON=${SECRETS[0]}"
start_emulator missing sm-missing - SecretString \
  "DD_KEY_SECRET_ID=dd-client-tests/missing" "AWS_ENDPOINT_URL=$MOTO"

# Warm each one: wait for its port, then one invocation (starts the function; compiles if the
# build above is somehow stale). Sequential, so at most one cargo build runs at a time.
while IFS=$'\t' read -r -u 9 kind name index endpoint logfile source pgid; do
  port="${endpoint##*:}"
  wait_for_port "$port" "$START_TIMEOUT" "emulator $name" "$logfile" "$pgid"
  if ! run timeout "$((WARM_TIMEOUT + 10))" python3 "$HARNESS" invoke \
    "$endpoint/2015-03-31/functions/$FUNCTION/invocations" '"warmup"' "$WARM_TIMEOUT" \
    "$logfile" >/dev/null; then
    log "emulator $name did not answer; its output:"
    tail -n 40 "$logfile" >&2
    exit 1
  fi
done 9<"$TARGETS"
log "${#EMULATOR_GROUPS[@]} emulators warm"

cut -f1-6 "$TARGETS" >"$WORK/targets-manifest.tsv"
python3 "$HARNESS" manifest "$WORK/targets-manifest.tsv" "$VECTORS" >"$WORK/manifest.json"
export DD_CLIENT_TESTS_MANIFEST="$WORK/manifest.json"
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL

# run_suite NAME CMD...: runs a suite, records pass/fail, never stops the script.
run_suite() {
  local name="$1"
  shift
  log "suite: $name"
  if run timeout "$SUITE_TIMEOUT" "$@"; then
    PASSED+=("$name")
  else
    log "suite FAILED: $name (exit $?)"
    FAILED+=("$name")
  fi
}

export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
run_suite "node (@aws-sdk/client-lambda)" bash -c 'cd "$1" && node --test \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$2"' _ "$NODE_DIR" "$WORK/node.tap"
run_suite "python (boto3)" python3 -m pytest -p no:cacheprovider -q -rfE \
  --junitxml="$WORK/boto3.xml" "$HERE/python/test_boto3_invoke.py"
# AWS_ENDPOINT_URL is the first DD_KEY_JSON emulator; the test finds its key in the manifest.
JSON_ENDPOINT="$(awk -F'\t' '$2 == "json-0" { print $4 }' "$TARGETS")"
run_suite "rust (dd-delivery LambdaDecryptor)" env AWS_ENDPOINT_URL="$JSON_ENDPOINT" \
  "$RUST_TEST_BIN" --ignored --nocapture

# Stop the emulators so their logs are complete, then scan them.
log "stopping the emulators"
stop_groups "${EMULATOR_GROUPS[@]}"
run_suite "log scan (RUST_LOG=debug)" python3 -m pytest -p no:cacheprovider -q -rfE \
  --junitxml="$WORK/logs.xml" "$HERE/python/test_logs.py"

for name in "${PASSED[@]}"; do log "passed: $name"; done
for name in "${FAILED[@]}"; do log "FAILED: $name"; done
read -r passed failed < <(python3 "$HARNESS" counts "$WORK/node.tap" "$WORK/boto3.xml" "$WORK/logs.xml")
echo "client-tests: $passed passed, $failed failed"
[[ ${#FAILED[@]} -eq 0 && $failed -eq 0 ]]
