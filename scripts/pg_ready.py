"""Exit 0 when the PostgreSQL server at the given URL answers, 1 otherwise (used by `make test`).

It connects to the server's `postgres` database: the URL's own database need not exist,
since the test runner creates its own `test_<name>` database."""

import sys

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

url = sys.argv[1] if len(sys.argv) > 1 else "postgres://postgres@127.0.0.1:5432/postgres"
try:
    params = conninfo_to_dict(url.replace("postgres://", "postgresql://", 1))
    params["dbname"] = "postgres"
    psycopg.connect(make_conninfo(**params), connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not ready: {exc.__class__.__name__}", file=sys.stderr)
    sys.exit(1)
sys.exit(0)
