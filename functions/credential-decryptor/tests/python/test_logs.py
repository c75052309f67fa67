"""Scans what the functions logged (cargo lambda watch prints the function's stdout/stderr; the
script captured each emulator's output to a file, with RUST_LOG=debug for the function, and
stopped the emulators first so the files are complete).

- No plaintext, keyPhrase, salt or ciphertext of any vector appears anywhere in the logs.
- Every function logged `invocation` lines with an `outcome` and a request id.
- Debug lines were captured, and none at TRACE (functions run with AWS_LAMBDA_LOG_LEVEL=TRACE
  are capped at DEBUG).
- The function whose Secrets Manager secret is missing logged `decrypt key not loaded` with a
  stable `kind`.
"""

import json
import re

import pytest

from conftest import MANIFEST, VECTORS

# Values shorter than this ("a", "y", "abcd" in the vectors) would match innocent text, so they
# are checked as whole JSON string values and quoted strings instead of as substrings.
MIN_SUBSTRING_LEN = 6
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
FAILURE_KINDS = {
    "missing_cipher_text",
    "missing_plain_text",
    "key_unavailable",
    "key_invalid",
}


def _targets():
    if MANIFEST is None:
        return []
    return MANIFEST["decrypt"] + MANIFEST["encrypt"] + MANIFEST["missing"]


def _read(target):
    with open(target["log"], encoding="utf-8", errors="replace") as f:
        return f.read()


def _json_lines(text):
    """Every JSON object the function logged (a line may carry a prefix from the emulator)."""
    records = []
    for line in text.splitlines():
        start = line.find("{")
        if start < 0:
            continue
        try:
            record = json.loads(line[start:])
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _sensitive_values():
    values = {}
    for i, vector in enumerate(VECTORS):
        secret = vector["secret"]
        values[secret["keyPhrase"]] = f"keyPhrase of vector {i}"
        values[secret["salt"]] = f"salt of vector {i}"
        for name, value in vector["event"].items():
            if name.lower() == "ciphertext" and value:
                values[value] = f"cipherText of vector {i}"
        if vector["expect"]["statusCode"] == 200:
            values[vector["expect"]["body"]] = f"plaintext body of vector {i}"
    return values


def _forms(value):
    """The value as it could appear in a log: raw, JSON-escaped (ASCII or not)."""
    return {
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
    }


def _invocations(records):
    return [r for r in records if r.get("fields", {}).get("message") == "invocation"]


@pytest.mark.parametrize("target", _targets(), ids=lambda t: t["name"])
def test_no_secret_material_in_the_log(target):
    text = _read(target)
    records = _json_lines(text)
    string_values = set()
    for record in records:
        string_values.update(_strings(record))
    leaks = []
    for value, what in _sensitive_values().items():
        if len(value) >= MIN_SUBSTRING_LEN:
            if any(form in text for form in _forms(value)):
                leaks.append(what)
        else:
            quoted = [f'"{v}"' for v in _forms(value)] + [f'\\"{v}\\"' for v in _forms(value)]
            if value in string_values or any(q in text for q in quoted):
                leaks.append(what)
    assert not leaks, f"{target['log']} contains: {sorted(set(leaks))}"


@pytest.mark.parametrize("target", _targets(), ids=lambda t: t["name"])
def test_invocation_lines_have_outcome_and_request_id(target):
    invocations = _invocations(_json_lines(_read(target)))
    assert invocations, f"no `invocation` line in {target['log']}"
    for record in invocations:
        fields = record["fields"]
        assert isinstance(fields.get("outcome"), str) and fields["outcome"], record
        assert UUID.match(str(fields.get("request_id", ""))), record
        assert record.get("level") == "INFO", record


def test_outcomes_cover_success_and_failures():
    outcomes = {}
    for target in _targets():
        for record in _invocations(_json_lines(_read(target))):
            outcomes.setdefault(record["fields"]["outcome"], 0)
            outcomes[record["fields"]["outcome"]] += 1
    assert outcomes.get("ok", 0) > 0, outcomes
    assert FAILURE_KINDS & set(outcomes), outcomes
    assert len(outcomes) >= 4, outcomes  # ok plus several distinct failure kinds


def test_debug_logging_was_on_and_trace_is_capped():
    """The scan means something only if debug lines were captured. Functions configured with
    AWS_LAMBDA_LOG_LEVEL=TRACE log at DEBUG at most (lambda_runtime logs raw events at TRACE)."""
    levels = set()
    for target in _targets():
        levels.update(r.get("level") for r in _json_lines(_read(target)))
    assert "DEBUG" in levels, levels
    assert "TRACE" not in levels, levels


@pytest.mark.parametrize(
    "target", MANIFEST["missing"] if MANIFEST else [], ids=lambda t: t["name"]
)
def test_missing_secret_is_logged_with_a_kind(target):
    records = _json_lines(_read(target))
    lines = [r for r in records if r.get("fields", {}).get("message") == "decrypt key not loaded"]
    assert lines, f"no `decrypt key not loaded` line in {target['log']}"
    for record in lines:
        assert record.get("level") == "ERROR", record
        assert record["fields"].get("kind") == "key_unavailable", record
    outcomes = {r["fields"]["outcome"] for r in _invocations(records)}
    assert "ok" not in outcomes, outcomes
    assert "key_unavailable" in outcomes, outcomes
