"""A throw-away PostgreSQL + PostGIS cluster for the store tests.

CI (``.ci/run``) starts one and exports ``MINETRACK_TEST_PG``; without it, the tests start
their own from Debian's server binaries (as the ``postgres`` user when run as root, since
the server refuses to run as root), listening on a Unix socket only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")
POSTGIS = Path("/usr/share/postgresql/15/extension/postgis.control")


def unavailable() -> str | None:
    """Why no server can be started here, or None."""
    if os.environ.get("MINETRACK_TEST_PG"):
        return None
    if not (PG_BIN / "postgres").exists():
        return f"no PostgreSQL server at {PG_BIN} (apt install postgresql-15 postgresql-15-postgis-3)"
    if not POSTGIS.exists():
        return "PostGIS is not installed (apt install postgresql-15-postgis-3)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: cannot start the server as postgres"
    return None


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def cluster():
    """The URL of a superuser connection to a running cluster (ours or CI's)."""
    if os.environ.get("MINETRACK_TEST_PG"):
        yield os.environ["MINETRACK_TEST_PG"]
        return
    home = Path(tempfile.mkdtemp(prefix="minetrack-pg-"))
    if os.geteuid() == 0:
        shutil.chown(home, "postgres")
    data = home / "data"
    run = {"check": True, "capture_output": True}
    subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust",
                                 "-U", "postgres", "--no-sync"]), **run)
    subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-l",
                                 str(home / "log"), "-o",
                                 f"-k {home} -c listen_addresses='' -c fsync=off", "start"]), **run)
    try:
        yield f"postgresql:///postgres?host={home}&user=postgres"
    finally:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                     "stop"]), capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def database_url(server: str, name: str) -> str:
    """``server``'s URL pointing at database ``name`` instead."""
    head, _, query = server.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{name}" + (f"?{query}" if query else "")


def make_template(server: str, name: str, setup=None) -> str:
    """A template database with PostGIS (and whatever ``setup(url)`` adds), so each test's
    database is a quick copy instead of a slow ``CREATE EXTENSION``. Returns its name."""
    import psycopg

    name = f"{name}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    with psycopg.connect(database_url(server, name), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
    if setup is not None:
        setup(database_url(server, name))
    return name


@contextmanager
def fresh_database(server: str, template: str = "template1"):
    """A new database on ``server``, a copy of ``template`` (dropped afterwards); yields
    its URL."""
    import psycopg

    name = "mt_" + uuid.uuid4().hex[:12]
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    try:
        yield database_url(server, name)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
