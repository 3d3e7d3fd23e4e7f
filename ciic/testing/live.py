"""The platform as `make run` serves it, for tests that need real HTTP and real concurrency:
gunicorn with gunicorn.conf.py and DEBUG off, in its own process, on a database of its own
with the CIIC 2023 contest and the demo data loaded by the real commands.

The database follows the suite's pass: a SQLite file (the embedded default) in the SQLite
pass, a fresh PostgreSQL database on the suite's server in the PostgreSQL pass (dropped
afterwards). The suite's own test database is never touched.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "ciic" / "contests" / "specs" / "ciic-2023.yaml"


@dataclass
class LivePlatform:
    url: str
    env: dict[str, str]
    log: Path

    def manage(self, *args: str, timeout: int = 300) -> str:
        """Run a management command against the served database; its standard output."""
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def query(self, code: str) -> object:
        """Run `code` in `manage.py shell`; it must print one JSON value, which is returned."""
        return json.loads(self.manage("shell", "-c", code).strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _database(tmp: Path) -> Iterator[str]:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        yield f"sqlite:///{tmp / 'db.sqlite3'}"
        return
    import psycopg

    name = f"ciic_live_{uuid.uuid4().hex[:12]}"
    params = {"host": db.get("HOST") or None, "port": db.get("PORT") or None,
              "user": db.get("USER") or None, "password": db.get("PASSWORD") or None,
              "dbname": db.get("NAME") or "postgres"}
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    auth = db.get("USER") or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    try:
        yield f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"
    finally:
        with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def live_platform(tmp: Path, *, teams: int, projects: int, workers: int = 2,
                  threads: int = 4) -> Iterator[LivePlatform]:
    """Migrate, load the contest and the demo data, start the server; stop it afterwards."""
    with _database(tmp) as database_url:
        port = _free_port()
        env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "false", "SECURE_COOKIES": "false",
               "SECRET_KEY": "live-test-" + uuid.uuid4().hex,
               "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
               "BLIND_INDEX_KEY": "live-test-" + uuid.uuid4().hex,
               "MEDIA_ROOT": str(tmp / "media"), "PORT": str(port), "WEB_WORKERS": str(workers),
               "WEB_THREADS": str(threads), "LOG_LEVEL": "WARNING"}
        platform = LivePlatform(url=f"http://127.0.0.1:{port}", env=env, log=tmp / "server.log")
        platform.manage("migrate", "--noinput")
        platform.manage("load_contest", str(SPEC), "--shift-to-now")
        platform.manage("seed_demo", "--teams", str(teams), "--projects", str(projects))
        with platform.log.open("w") as log:
            server = subprocess.Popen([sys.executable, "-m", "gunicorn"], cwd=ROOT, env=env,
                                      stdout=log, stderr=subprocess.STDOUT)
            try:
                _wait_until_serving(port, server)
                yield platform
            finally:
                server.terminate()
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()


def _wait_until_serving(port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError("the server did not start listening in time")
