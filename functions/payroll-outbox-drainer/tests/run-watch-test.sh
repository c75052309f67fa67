#!/usr/bin/env bash
# The drainer Lambda under `cargo lambda watch`, invoked with a scheduled event over a SQLite
# database holding a pending job, with `ddctl payroll-sim` as payroll: the job is delivered.
# The test is dd-cli's `outbox_faults` lambda_watch (ignored in a plain `cargo test`).
#
# The function is built first (as the emulator builds it: debug, its own features), so a
# compile error shows here and the emulator's lazy build on the first invoke is a no-op.
# The test binary is then run directly, not through `cargo test`, so no cargo process holds
# the build directory while the emulator's cargo needs it. Honours CARGO_TARGET_DIR.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$ROOT"

cargo lambda --version >/dev/null 2>&1 || { echo "cargo lambda missing (run scripts/setup)" >&2; exit 1; }

echo "== drainer-watch: building payroll-outbox-drainer (debug)"
cargo build -p payroll-outbox-drainer --bin payroll-outbox-drainer

echo "== drainer-watch: building the test (workspace features, as cargo test --workspace)"
BUILD_LOG="$(mktemp "${TMPDIR:-/tmp}/dd-drainer-watch.XXXXXX")"
trap 'rm -f "$BUILD_LOG"' EXIT
cargo test --workspace --test outbox_faults --no-run 2>&1 | tee "$BUILD_LOG"
TEST_BIN="$(sed -n 's/.*Executable tests\/outbox_faults\/main.rs (\(.*\))$/\1/p' "$BUILD_LOG" | tail -n 1)"
[[ -x "$TEST_BIN" ]] || { echo "test binary not found in the build output" >&2; exit 1; }

echo "== drainer-watch: running"
"$TEST_BIN" --ignored --exact lambda_watch::scheduled_drainer_lambda_delivers_a_pending_job --nocapture
