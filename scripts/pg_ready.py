"""Exit 0 when PostgreSQL answers at the given URL, 1 otherwise (used by `make test`)."""

import sys

import psycopg

url = sys.argv[1] if len(sys.argv) > 1 else "postgres://postgres@127.0.0.1:5432/postgres"
try:
    psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not ready: {exc.__class__.__name__}", file=sys.stderr)
    sys.exit(1)
sys.exit(0)
