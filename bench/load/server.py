"""A `ddctl serve` under load: started on a free port, its log written to a file (the smoke
scans all of it), its memory read from /proc and its database connections from
pg_stat_activity."""

import os
import signal
import subprocess
import time
import urllib.parse


def _with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def _psql(url: str, sql: str) -> str:
    done = subprocess.run(["psql", url, "-XtAqc", sql], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"psql failed: {done.stderr.strip()}")
    return done.stdout.strip()


def postgres_database(pg_url: str, name: str) -> str:
    """A fresh database `name` on the server of `pg_url`; returns its URL."""
    admin = _with_database(pg_url, "postgres")
    _psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _psql(admin, f'CREATE DATABASE "{name}"')
    return _with_database(pg_url, name)


class Server:
    def __init__(self, ddctl, data_dir, database_url, log_path, rust_log):
        cmd = [ddctl, "serve", "--port", "0", "--data-dir", data_dir]
        if database_url:
            cmd += ["--database-url", database_url]
        self.database_url = database_url
        self.log_path = log_path
        self.exit_code = None
        env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
        env["RUST_LOG"] = rust_log
        self._log = open(log_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._log, text=True,
                                     env=env)
        banner = []
        deadline = time.monotonic() + 120
        for line in self.proc.stdout:
            banner.append(line)
            if line.strip() == "Ready.":
                break
            if time.monotonic() > deadline:
                break
        self.banner = "".join(banner)
        if not self.banner.rstrip().endswith("Ready."):
            self.stop()
            raise RuntimeError(f"ddctl serve did not start:\n{self.banner}\n{self.read_log()}")
        self.url = self.banner.split("listening on ", 1)[1].split()[0]
        # The demo users' tokens printed in the banner count as used in the run.
        self.tokens = [l.strip()[len("TOKEN="):] for l in banner if l.strip().startswith("TOKEN=")]

    def _status(self, field: str) -> int | None:
        try:
            with open(f"/proc/{self.proc.pid}/status", encoding="utf-8") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    def rss_kb(self) -> int | None:
        return self._status("VmRSS")

    def hwm_kb(self) -> int | None:
        """Peak resident memory so far (kB)."""
        return self._status("VmHWM")

    def db_connections(self) -> int | None:
        if not self.database_url:
            return None
        name = urllib.parse.urlsplit(self.database_url).path.lstrip("/")
        admin = _with_database(self.database_url, "postgres")
        return int(_psql(admin, "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                f"'{name}' AND pid <> pg_backend_pid()"))

    def read_log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self) -> str:
        """SIGTERM, wait for the exit (its code in `exit_code`); returns the whole log."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.exit_code = self.proc.returncode
        self._log.close()
        return self.read_log()

    def drop_database(self) -> None:
        if self.database_url:
            name = urllib.parse.urlsplit(self.database_url).path.lstrip("/")
            _psql(_with_database(self.database_url, "postgres"),
                  f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
