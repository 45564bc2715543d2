"""The production-like stack the benchmark measures: a database, Redis, gunicorn and Varnish on 127.0.0.1.

Everything runs as `config.settings.prod` configures it from the environment (README, Deploying), with
what a benchmark on one machine needs: no TLS redirect (nothing terminates TLS in front), no API rate
limit (one client makes every request), no bans sent on publish (the benchmark publishes nothing while
it measures). Varnish runs the shipped configuration (`deploy/varnish/baimo.vcl`) in front of the one
gunicorn, as `scripts/stack` runs it in front of two. Nothing here imports Django: each step is a
`manage.py` or `bench/*.py` process with that environment.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
VCL = ROOT / "deploy" / "varnish" / "baimo.vcl"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def scale_database_url(url: str) -> str:
    """The scale data's database beside `url`: `…/baimo_bench` → `…/baimo_bench_scale`, SQLite likewise."""
    parts = urlsplit(url)
    path = Path(parts.path)
    if parts.scheme.startswith("sqlite"):
        return urlunsplit(parts._replace(path=str(path.with_name(f"{path.stem}_scale{path.suffix}"))))
    return urlunsplit(parts._replace(path=f"{parts.path}_scale"))


def is_sqlite(url: str) -> bool:
    return urlsplit(url).scheme.startswith("sqlite")


def _postgres_admin(url: str, statement: str) -> None:
    """Run one statement on the server of `url`, connected to its `postgres` database."""
    import psycopg  # a dependency of the project; only PostgreSQL runs need it

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(statement)


def _postgres_exists(url: str) -> bool:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def ensure_database(url: str, *, fresh: bool = False) -> None:
    """Create the database when it is missing; with `fresh`, drop it first."""
    if is_sqlite(url):
        path = Path(urlsplit(url).path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if fresh and path.exists():
            path.unlink()
        return
    name = urlsplit(url).path.lstrip("/")
    if fresh:
        _postgres_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if not _postgres_exists(url):
        _postgres_admin(url, f'CREATE DATABASE "{name}"')


def vacuum_analyze(url: str) -> None:
    """Bring a PostgreSQL database to the state autovacuum keeps production in: statistics, visibility map.

    The benchmark may run where autovacuum is off; plans and index-only scans then differ from production.
    """
    if is_sqlite(url):
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


@dataclass
class Stack:
    """The environment of the app and the processes started for it, stopped by `stop`."""

    workdir: Path
    database_url: str
    redis_url: str | None = None
    redis_port: int = 8801
    port: int = 8800
    workers: int = 2
    varnish_port: int = 8802
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, **extra: str) -> dict[str, str]:
        secret = self.workdir / "secret"
        if not secret.exists():
            secret.write_text(secrets.token_urlsafe(50))
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            "DJANGO_SECRET_KEY": secret.read_text().strip(),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url or f"redis://127.0.0.1:{self.redis_port}/0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "API_RATE_LIMIT": "",
            "FRONT_CACHE_URLS": "",
            **extra,
        }

    def manage(self, *args: str, long: bool = False, capture: bool = False) -> str:
        """Run a `manage.py` command (or a `bench/` script given as a path) with the stack's environment.

        `long` lifts the statement timeout, as the README says a long maintenance command may need.
        """
        command = [str(PYTHON), *(args if args[0].endswith(".py") else ("manage.py", *args))]
        env = self.env(**({"DB_STATEMENT_TIMEOUT": "0"} if long else {}))
        done = subprocess.run(
            command, cwd=ROOT, env=env, check=True, text=True, stdout=subprocess.PIPE if capture else None
        )
        return done.stdout or ""

    def start_redis(self) -> None:
        if self.redis_url:
            return
        if not shutil.which("redis-server"):
            raise SystemExit("redis-server is missing: install Debian's redis-server or pass --redis-url.")
        self.processes["redis"] = subprocess.Popen(
            [
                "redis-server",
                "--bind", "127.0.0.1",
                "--port", str(self.redis_port),
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.workdir),
            ],
            stdout=(self.workdir / "redis.log").open("w"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        _wait(
            lambda: _redis_answers(self.redis_port),
            "Redis",
            self.processes["redis"],
            self.workdir / "redis.log",
        )

    def start_gunicorn(self) -> None:
        logfile = self.workdir / "gunicorn.log"
        logfile.unlink(missing_ok=True)  # gunicorn appends: keep this run's alone
        self.processes["gunicorn"] = subprocess.Popen(
            [
                str(GUNICORN), "config.wsgi",
                "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(self.workers),
                "--worker-class", "sync",
                "--timeout", "30",
                "--error-logfile", str(logfile),
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        _wait(lambda: _http_ok(f"{self.url}/healthz"), "gunicorn", self.processes["gunicorn"], logfile)

    @property
    def varnish_url(self) -> str:
        return f"http://127.0.0.1:{self.varnish_port}"

    def write_backends(self) -> Path:
        """Write the backends.vcl that baimo.vcl includes: the director `app` over this stack's gunicorn."""
        path = self.workdir / "backends.vcl"
        path.write_text(
            "backend app1 {\n"
            '    .host = "127.0.0.1";\n'
            f'    .port = "{self.port}";\n'
            "}\n"
            "sub vcl_init {\n    new app = directors.round_robin();\n    app.add_backend(app1);\n}\n"
        )
        return path

    def varnish_command(self, *extra: str) -> list[str]:
        return [
            "varnishd",
            "-n", str((self.workdir / "varnish").resolve()),
            "-p", f"vcl_path={self.workdir.resolve()}:{VCL.parent}",
            "-f", str(VCL),
            *extra,
        ]  # fmt: skip

    def start_varnish(self) -> None:
        """Start varnishd with the shipped VCL in front of this stack's gunicorn, as scripts/stack does."""
        if not shutil.which("varnishd"):
            raise SystemExit("varnishd is missing: install Debian's varnish (scripts/install-bench-deps).")
        self.write_backends()
        logfile = self.workdir / "varnish.log"
        self.processes["varnish"] = subprocess.Popen(
            self.varnish_command(
                "-F", "-a", f"127.0.0.1:{self.varnish_port}", "-T", "127.0.0.1:0", "-s", "malloc,256m"
            ),
            stdout=logfile.open("w"),
            stderr=subprocess.STDOUT,
        )
        _wait(lambda: _http_ok(f"{self.varnish_url}/healthz"), "Varnish", self.processes["varnish"], logfile)

    def gunicorn_pid(self) -> int | None:
        process = self.processes.get("gunicorn")
        return process.pid if process else None

    def stop(self) -> None:
        for name in ("varnish", "gunicorn", "redis"):
            process = self.processes.pop(name, None)
            if process is None or process.poll() is not None:
                continue
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _redis_answers(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _wait(ready, what: str, process: subprocess.Popen, logfile: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        if process.poll() is not None:
            tail = "\n".join(logfile.read_text(errors="replace").splitlines()[-15:])
            raise SystemExit(f"{what} exited while starting ({logfile}):\n{tail}")
        time.sleep(0.1)
    raise SystemExit(f"{what} did not start within {seconds:.0f} s; see {logfile}")


# --- Memory ---------------------------------------------------------------------------------------------


def worker_pids(master: int) -> list[int]:
    """The gunicorn master's worker processes (its children), from /proc."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    return sorted(int(pid) for pid in children)


def rss_mb(pid: int) -> float | None:
    """The resident set size of a process in MB (VmRSS), or None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def workers_memory(master: int | None) -> dict[str, float | None]:
    if master is None:
        return {}
    return {str(pid): rss_mb(pid) for pid in worker_pids(master)}
