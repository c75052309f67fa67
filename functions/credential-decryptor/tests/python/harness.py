#!/usr/bin/env python3
"""Helpers for run-client-tests.sh (standard library plus boto3 only).

Subcommands:
  free-port                       print a free TCP port on 127.0.0.1
  secrets VECTORS                 print each distinct key secret of the compat vectors, one
                                  compact JSON object a line, in first-seen order
  seed-moto ENDPOINT VECTORS      create the key secrets in moto's Secrets Manager, once as
                                  SecretString (dd-client-tests/string/<i>) and once as
                                  SecretBinary (dd-client-tests/binary/<i>)
  invoke URL PAYLOAD TIMEOUT [LOG] POST one invocation, retrying until the emulator answers
                                  HTTP 200 or TIMEOUT seconds pass (warm-up; compiles lazily);
                                  gives up at once if LOG shows the function failed to start
  manifest TARGETS VECTORS        turn the script's tab-separated target list into the JSON
                                  manifest the Node and Python suites read
  counts REPORT...                add up passed/failed tests of node TAP and pytest JUnit
                                  reports (a missing report counts as one failure)
"""

import json
import re
import socket
import sys
import time
import urllib.error
import urllib.request

FUNCTION_NAME = "credential-decryptor"
REGION = "us-east-1"
# Static test credentials: moto accepts anything, the emulator ignores them.
ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"
SECRET_PREFIX = "dd-client-tests"
MISSING_SECRET_ID = f"{SECRET_PREFIX}/missing"


def secret_key(secret):
    """Identity of a key secret, independent of property order."""
    return (secret["salt"], secret["keyPhrase"])


def distinct_secrets(vectors_path):
    with open(vectors_path, encoding="utf-8") as f:
        vectors = json.load(f)["vectors"]
    seen = []
    for vector in vectors:
        if secret_key(vector["secret"]) not in [secret_key(s) for s in seen]:
            seen.append(vector["secret"])
    return seen


def secret_json(secret):
    """The secret as a deployment stores it: compact UTF-8 JSON, non-ASCII unescaped."""
    return json.dumps(
        {"salt": secret["salt"], "keyPhrase": secret["keyPhrase"]},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def cmd_free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def cmd_secrets(vectors_path):
    for secret in distinct_secrets(vectors_path):
        print(secret_json(secret))


def cmd_seed_moto(endpoint, vectors_path):
    import boto3

    client = boto3.client(
        "secretsmanager",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )
    for i, secret in enumerate(distinct_secrets(vectors_path)):
        text = secret_json(secret)
        client.create_secret(Name=f"{SECRET_PREFIX}/string/{i}", SecretString=text)
        client.create_secret(
            Name=f"{SECRET_PREFIX}/binary/{i}", SecretBinary=text.encode("utf-8")
        )
    # The "missing" target relies on this id not existing.
    try:
        client.describe_secret(SecretId=MISSING_SECRET_ID)
    except client.exceptions.ResourceNotFoundException:
        return
    sys.exit(f"{MISSING_SECRET_ID} unexpectedly exists in moto")


# What cargo lambda watch prints when the function's `cargo run` fails: the pending invoke would
# then wait forever, so the warm-up gives up at once.
EMULATOR_FAILURES = ("ERROR command exited", "ERROR command killed")


def cmd_invoke(url, payload, timeout, logfile=None):
    import threading

    deadline = time.monotonic() + float(timeout)
    result = {}

    def attempt():
        request = urllib.request.Request(
            url, data=payload.encode("utf-8"), method="POST",
            headers={"content-type": "application/json"},
        )
        try:
            remaining = max(1.0, deadline - time.monotonic())
            with urllib.request.urlopen(request, timeout=remaining) as response:
                result["status"] = response.status
                result["body"] = response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            result["error"] = f"HTTP {err.code}: {err.read()[:200]!r}"
        except (urllib.error.URLError, OSError) as err:
            result["error"] = f"{type(err).__name__}: {err}"

    def emulator_failure():
        if not logfile:
            return None
        with open(logfile, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lstrip().startswith(EMULATOR_FAILURES):
                    return line.strip()
        return None

    last = "no attempt"
    while time.monotonic() < deadline:
        result.clear()
        thread = threading.Thread(target=attempt, daemon=True)
        thread.start()
        while thread.is_alive():
            thread.join(0.5)
            failure = emulator_failure()
            if failure:
                sys.exit(f"the emulator failed to start the function: {failure}")
        if result.get("status") == 200:
            print(result["body"])
            return
        last = result.get("error") or f"HTTP {result.get('status')}: {result.get('body', '')[:200]}"
        time.sleep(1)
    sys.exit(f"no HTTP 200 from {url} within {timeout}s (last: {last})")


def cmd_manifest(targets_path, vectors_path):
    """TARGETS lines: kind, name, secret index (or -), endpoint, log file, source label."""
    secrets = distinct_secrets(vectors_path)
    manifest = {
        "vectors": vectors_path,
        "functionName": FUNCTION_NAME,
        "region": REGION,
        "accessKeyId": ACCESS_KEY_ID,
        "secretAccessKey": SECRET_ACCESS_KEY,
        "decrypt": [],
        "encrypt": [],
        "missing": [],
    }
    with open(targets_path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            kind, name, index, endpoint, log, source = line.rstrip("\n").split("\t")
            target = {"name": name, "endpoint": endpoint, "log": log, "source": source}
            if index != "-":
                target["secret"] = secrets[int(index)]
            manifest[kind].append(target)
    json.dump(manifest, sys.stdout, ensure_ascii=False, indent=1)
    print()


def cmd_counts(*reports):
    import os
    import xml.etree.ElementTree as ET

    passed = failed = 0
    for path in reports:
        if not os.path.exists(path) or os.path.getsize(path) == 0:
            failed += 1
            continue
        if path.endswith(".xml"):
            for suite in ET.parse(path).getroot().iter("testsuite"):
                total = int(suite.get("tests", 0))
                bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
                passed += total - bad - int(suite.get("skipped", 0))
                failed += bad
        else:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            passed += sum(int(n) for n in re.findall(r"^# pass (\d+)$", text, re.M))
            failed += sum(
                int(n) for n in re.findall(r"^# (?:fail|cancelled) (\d+)$", text, re.M)
            )
    print(f"{passed} {failed}")


def main(argv):
    commands = {
        "free-port": (cmd_free_port, 0),
        "secrets": (cmd_secrets, 1),
        "seed-moto": (cmd_seed_moto, 2),
        "invoke": (cmd_invoke, None),
        "manifest": (cmd_manifest, 2),
        "counts": (cmd_counts, None),
    }
    if len(argv) < 2 or argv[1] not in commands or commands[argv[1]][1] not in (None, len(argv) - 2):
        sys.exit(__doc__)
    command, _ = commands[argv[1]]
    command(*argv[2:])


if __name__ == "__main__":
    main(sys.argv)
