"""The log scan of the load smoke: no account number, token or password used in the run may
appear anywhere in the server's log (its whole stderr, at debug level in the smoke)."""

import json
import os
import re

# Account numbers the wrk workload creates: Q7R<run>T<thread>C<n> (bench/load/workload.lua).
CREATED_ACCOUNT = re.compile(r"Q7R\d+T\d+C\d+")


def data_dir_secrets(data_dir: str) -> list[str]:
    """The payroll simulator's clear passwords and secret, the legacy key phrase and the
    token signing secret."""
    found = []
    for name in ("payroll-sim.json", "decrypt-key.json"):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                found += list(_strings_named(json.load(f), {"password", "apiSecret", "keyPhrase"}))
    secret = os.path.join(data_dir, "jwt-secret")
    if os.path.exists(secret):
        with open(secret, encoding="utf-8", errors="replace") as f:
            value = f.read().strip()
        if value:
            found.append(value)
    return found


def _strings_named(value, names):
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in names and isinstance(inner, str) and inner:
                yield inner
            else:
                yield from _strings_named(inner, names)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings_named(inner, names)


def scan(log: str, accounts: list[str], tokens: list[str], passwords: list[str]) -> list[str]:
    """What leaked, described without repeating the secret itself."""
    leaks = []
    for kind, values in (("account number", accounts), ("token", tokens),
                         ("password or secret", passwords)):
        hits = sum(1 for v in set(values) if v and v in log)
        if hits:
            leaks.append(f"{hits} distinct {kind}(s) of the run appear in the server log")
        # A token's signature alone is as good as the token.
        if kind == "token":
            sigs = sum(1 for v in set(values) if v.count(".") == 2
                       and len(v.rsplit(".", 1)[1]) >= 16 and v.rsplit(".", 1)[1] in log)
            if sigs:
                leaks.append(f"{sigs} token signature(s) appear in the server log")
    created = len(set(CREATED_ACCOUNT.findall(log)))
    if created:
        leaks.append(f"{created} account number(s) created by the load appear in the server log")
    return leaks
