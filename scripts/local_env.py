"""Write this installation's secrets once, for `make run` (DEBUG off needs them):

    python scripts/local_env.py var/local.env

SECRET_KEY is random. FIELD_ENCRYPTION_KEYS (ID numbers and mobiles are encrypted with it) is
random on a fresh install; when var/db.sqlite3 already exists, made by an earlier `make run`
that ran with DEBUG on, the key that install derived from the development SECRET_KEY is kept,
so its stored personal data still decrypts. An existing file is never changed. ciic/settings.py
reads the file; a variable set in the environment wins over it.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(target: Path) -> None:
    if target.exists():
        return
    from ciic.settings import DEV_SECRET_KEY, derived_field_key

    existing_db = not os.environ.get("DATABASE_URL") and (target.parent / "db.sqlite3").exists()
    field_key = derived_field_key(DEV_SECRET_KEY) if existing_db else derived_field_key(secrets.token_hex(32))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        "# This installation's secrets, written once by scripts/local_env.py. Keep them: the\n"
        "# personal data in the database can only be read with FIELD_ENCRYPTION_KEYS.\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"FIELD_ENCRYPTION_KEYS={field_key}\n",
        encoding="utf-8")
    target.chmod(0o600)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
