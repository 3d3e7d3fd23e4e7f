"""The blind-index key is its own setting: rotating the encryption keys (as the README tells)
keeps every lookup by a keyed hash working: one person, one team (R-P3), an account by its
mobile. Production refuses to start without it."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import pytest
from django.conf import settings

from ciic.core.crypto import blind_index

pytestmark = pytest.mark.django_db


def _new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def test_rotating_the_encryption_keys_keeps_lookups_working(team, team_lead, other_lead, settings, rep_input):
    from ciic.accounts.models import User, mobile_index
    from ciic.entrants.models import Representative
    from ciic.entrants.services import RepresentativeInput, add_representative

    rep = team.representatives.get()
    hash_before = rep.id_hash
    team_lead.set_mobile("13800138000")
    team_lead.save()
    settings.FIELD_ENCRYPTION_KEYS = [_new_key(), *settings.FIELD_ENCRYPTION_KEYS]  # rotate: a new key first
    assert blind_index(rep.id_number, purpose="ric") == hash_before
    stored = Representative.objects.get(pk=rep.pk)
    assert stored.id_number == rep.id_number  # the old key still decrypts
    # The same person is still recognized by the keyed hash of the stored row (R-P3).
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        add_representative(team=team, actor=team_lead, data=RepresentativeInput(**vars(rep_input(1))))
    assert "重复登记" in str(refused.value)
    # An account is still found by its mobile.
    assert User.objects.filter(mobile_hash=mobile_index("13800138000")).first() == team_lead


def test_production_refuses_to_start_without_a_blind_index_key():
    env = {**os.environ, "DEBUG": "false", "SECRET_KEY": "x" * 50, "FIELD_ENCRYPTION_KEYS": _new_key(),
           "BLIND_INDEX_KEY": "", "DJANGO_SETTINGS_MODULE": "ciic.settings"}
    env.pop("DATABASE_URL", None)
    run = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env, cwd=settings.BASE_DIR,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode != 0 and "BLIND_INDEX_KEY must be set when DEBUG is off" in run.stderr
    env["BLIND_INDEX_KEY"] = "a-long-random-string"
    ok = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env, cwd=settings.BASE_DIR,
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr[-500:]


def test_an_install_from_before_keeps_the_blind_index_key_it_used(tmp_path):
    """`make run` on an install whose var/local.env predates the setting: the file gets the
    key that install derived so far, so its stored hashes still match; nothing else changes."""
    from ciic.settings import derived_blind_index_key
    from scripts.local_env import main

    key = _new_key()
    env_file = tmp_path / "local.env"
    env_file.write_text(f"SECRET_KEY=s\nFIELD_ENCRYPTION_KEYS={key},{_new_key()}\n", encoding="utf-8")
    main(env_file)
    text = env_file.read_text(encoding="utf-8")
    assert text.startswith(f"SECRET_KEY=s\nFIELD_ENCRYPTION_KEYS={key},")
    assert text.endswith(f"BLIND_INDEX_KEY={derived_blind_index_key(key)}\n")
    main(env_file)
    assert env_file.read_text(encoding="utf-8") == text
    fresh = tmp_path / "fresh.env"
    main(fresh)
    assert "BLIND_INDEX_KEY=" in fresh.read_text(encoding="utf-8")
