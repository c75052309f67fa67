#!/usr/bin/env python3
"""Schemathesis against a real `ddctl serve`, with docs/openapi.yaml as the contract.

Every phase (examples, coverage, fuzzing, stateful) and every check runs as three callers:
an employee (Alice, on her own path), an HR admin (on Alice's path) and a user of another
tenant (Carol of Globex, on Acme's paths: everything must be 401). Each on SQLite and on
PostgreSQL. Each run gets a fresh server: a fresh data directory and, for PostgreSQL, a fresh
database, so no run sees another's deposits. The stateful phase gets its own fresh server:
the earlier phases fill the employee up to the per-employee maximum, after which no create
succeeds and the links (create -> get / patch / delete / approve / reject / reveal) could not
be followed.

OPTIONS (the CORS preflight, 204 on every path whatever its values) is left out: it is no
operation on a resource, and tests/http_cors.rs and tests/openapi cover it.

Usage: run.py [--ddctl PATH] [--backends sqlite,postgres] [--max-examples N]
Prints one line per run and closes with `schemathesis: N passed, N failed`; exit 1 on any
failure. Needs `ddctl` built (default: $CARGO_TARGET_DIR/debug/ddctl) and, for PostgreSQL,
the server of DD_TEST_POSTGRES_URL (createdb / dropdb on it).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
SPEC = ROOT / "docs" / "openapi.yaml"
ACME = "00000000-0000-4000-8000-000000000001"
GLOBEX = "00000000-0000-4000-8000-000000000002"
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

# name -> (token: tenant, employee, role), pinned path (tenant, company, employee)
IDENTITIES = {
    "employee": ((ACME, "1", "employee"), (ACME, "1", "1")),
    "hr-admin": ((ACME, "3", "admin"), (ACME, "1", "1")),
    "other-tenant": ((GLOBEX, "1", "employee"), (ACME, "1", "1")),
}
PHASE_GROUPS = ["examples,coverage,fuzzing", "stateful"]


def default_ddctl() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "debug" / "ddctl"


class Postgres:
    """createdb / dropdb on the server of DD_TEST_POSTGRES_URL."""

    def __init__(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        self.url = url
        self.args = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
                     "-U", parts.username or "postgres"]

    def create(self, name: str) -> str:
        subprocess.run(["createdb", *self.args, name], check=True)
        parts = urllib.parse.urlsplit(self.url)
        return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))

    def drop(self, name: str) -> None:
        subprocess.run(["dropdb", *self.args, "--if-exists", "--force", name], check=False)


class Server:
    """`ddctl serve --port 0` on a fresh data directory; the URL is read from its banner."""

    def __init__(self, ddctl: Path, data_dir: Path, database_url: str | None, log: Path) -> None:
        self.ddctl, self.data_dir, self.database_url = ddctl, data_dir, database_url
        command = [str(ddctl), "serve", "--port", "0", "--data-dir", str(data_dir)]
        if database_url:
            command += ["--database-url", database_url]
        env = {**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")}
        self.log = open(log, "ab")
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.log, env=env)
        self.url = self._read_url()
        threading.Thread(target=self._drain, daemon=True).start()

    def _read_url(self) -> str:
        deadline = time.monotonic() + 120
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline().decode(errors="replace")
            if not line:
                break
            match = re.search(r"listening on (http://\S+)", line)
            if match:
                return match.group(1)
        self.stop()
        raise RuntimeError(f"ddctl serve did not start (log: {self.log.name})")

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for _ in self.process.stdout:
            pass

    def token(self, tenant: str, employee: str, role: str) -> str:
        command = [str(self.ddctl), "token", "--data-dir", str(self.data_dir), "--tenant", tenant,
                   "--employee", employee, "--role", role]
        if self.database_url:
            command += ["--database-url", self.database_url]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def pinned_spec(pinned: tuple[str, str, str], out: Path) -> Path:
    """docs/openapi.yaml with the tenant, company and employee written into the paths.

    Pinning them through Schemathesis' `[parameters]` would still let its coverage phase
    count a mutated (then overridden) value as the invalid part of a request, and flag the
    server for accepting it. Written into the paths, they are simply not parameters."""
    import yaml

    tenant, company, employee = pinned
    values = {"tenantId": tenant, "companyId": company, "employeeId": employee}
    spec = yaml.safe_load(SPEC.read_text())
    paths = {}
    for template, item in spec["paths"].items():
        for name, value in values.items():
            template = template.replace("{" + name + "}", value)
        item["parameters"] = [
            p for p in item.get("parameters", [])
            if p.get("$ref", "").rsplit("/", 1)[-1] not in values
        ]
        paths[template] = item
    spec["paths"] = paths
    out.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))
    return out


def run_st(url: str, token: str, pinned: tuple[str, str, str], phases: str, max_examples: int,
           seed: int, log: Path) -> tuple[bool, str]:
    spec = pinned_spec(pinned, log.with_suffix(".openapi.yaml"))
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "hooks",
           "PYTHONPATH": f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    command = ["st", "--config-file", str(HERE / "schemathesis.toml"), "--no-color", "run", str(spec),
               "--url", url, "--checks", "all", "--phases", phases, "--max-examples", str(max_examples),
               "--seed", str(seed), "--workers", "1", "--exclude-method", "OPTIONS", "--generation-database", "none",
               "-H", f"Authorization: Bearer {token}"]
    # Run in the log directory: Schemathesis keeps a crash cache (.schemathesis/) in its
    # working directory, which must not land in the repository.
    done = subprocess.run(command, env=env, cwd=log.parent, capture_output=True, text=True)
    output = done.stdout + done.stderr
    log.write_text(output)
    summary = [line.strip() for line in output.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    return done.returncode == 0, summary[-1] if summary else f"exit {done.returncode}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ddctl", type=Path, default=default_ddctl())
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--identities", default=",".join(IDENTITIES))
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("DD_ST_MAX_EXAMPLES", "20")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("DD_ST_SEED", "20261127")))
    parser.add_argument("--logs", type=Path, default=None,
                        help="directory for logs (default: a fresh temporary one)")
    args = parser.parse_args()
    if not args.ddctl.exists():
        print(f"schemathesis: {args.ddctl} not found; build it with `cargo build -p dd-cli`", file=sys.stderr)
        return 2
    # A fresh directory by default: Schemathesis' crash cache there must not carry over.
    args.logs = args.logs or Path(tempfile.mkdtemp(prefix="dd-schemathesis-"))
    args.logs.mkdir(parents=True, exist_ok=True)
    postgres = Postgres(os.environ.get("DD_TEST_POSTGRES_URL", PG_DEFAULT))
    passed = failed = 0
    for backend in args.backends.split(","):
        for name in args.identities.split(","):
            (tenant, employee, role), pinned = IDENTITIES[name]
            for phases in PHASE_GROUPS:
                label = f"{backend}/{name}/{phases}"
                slug = re.sub(r"[^a-z0-9]+", "-", label)
                database = f"dd_st_{os.getpid()}_{slug.replace('-', '_')}"
                started = time.monotonic()
                with tempfile.TemporaryDirectory(prefix="dd-st-") as data_dir:
                    database_url = postgres.create(database) if backend == "postgres" else None
                    server = Server(args.ddctl, Path(data_dir) / "data", database_url,
                                    args.logs / f"{slug}.server.log")
                    try:
                        token = server.token(tenant, employee, role)
                        ok, summary = run_st(server.url, token, pinned, phases, args.max_examples,
                                             args.seed, args.logs / f"{slug}.st.log")
                    finally:
                        server.stop()
                        if database_url:
                            postgres.drop(database)
                seconds = time.monotonic() - started
                passed += ok
                failed += not ok
                verdict = "ok" if ok else f"FAILED (see {args.logs / (slug + '.st.log')})"
                print(f"{label}: {verdict} [{summary}] {seconds:.0f}s", flush=True)
    print(f"schemathesis: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
