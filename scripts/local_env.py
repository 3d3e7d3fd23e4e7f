"""Write this installation's secrets once, for `make run` (DEBUG off needs them):

    python scripts/local_env.py var/local.env

SECRET_KEY is random. FIELD_ENCRYPTION_KEYS (ID numbers and mobiles are encrypted with it) is
random on a fresh install; when var/db.sqlite3 already exists, made by an earlier `make run`
that ran with DEBUG on, the key that install derived from the development SECRET_KEY is kept,
so its stored personal data still decrypts. BLIND_INDEX_KEY (the keyed hash that finds a person
without decrypting) is the one the install has used so far: derived from its first field key.
A value in an existing file is never changed; a file written before BLIND_INDEX_KEY was its own
setting gets the line it lacks. ciic/settings.py reads the file; a variable set in the
environment wins over it.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _values(target: Path) -> dict[str, str]:
    lines = target.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.lstrip().startswith("#"))


def main(target: Path) -> None:
    from ciic.settings import DEV_SECRET_KEY, derived_blind_index_key, derived_field_key

    if target.exists():
        values = _values(target)
        if "BLIND_INDEX_KEY" not in values and values.get("FIELD_ENCRYPTION_KEYS"):
            first = values["FIELD_ENCRYPTION_KEYS"].split(",")[0].strip()
            with target.open("a", encoding="utf-8") as fh:
                fh.write(f"BLIND_INDEX_KEY={derived_blind_index_key(first)}\n")
        return

    existing_db = not os.environ.get("DATABASE_URL") and (target.parent / "db.sqlite3").exists()
    field_key = derived_field_key(DEV_SECRET_KEY) if existing_db else derived_field_key(secrets.token_hex(32))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        "# This installation's secrets, written once by scripts/local_env.py. Keep them: the\n"
        "# personal data in the database can only be read with FIELD_ENCRYPTION_KEYS.\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"FIELD_ENCRYPTION_KEYS={field_key}\n"
        f"BLIND_INDEX_KEY={derived_blind_index_key(field_key)}\n",
        encoding="utf-8")
    target.chmod(0o600)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
