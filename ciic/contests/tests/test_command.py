"""`manage.py load_contest`: a summary on success; on a bad spec every error, exit non-zero."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from ciic.audit.models import AuditEntry
from ciic.contests.models import Contest
from ciic.contests.selectors import registration_open

from .helpers import SPEC_PATH, spec_2023

ROOT = Path(__file__).resolve().parents[3]


def _bad_spec_file(tmp_path: Path) -> Path:
    spec = spec_2023()
    spec["awards"]["tiers"][0]["amount"] = 110
    spec["directions"][2]["station"] = "hangzhou"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.usefixtures("empty_database")
def test_load_contest_prints_a_summary():
    out = StringIO()
    call_command("load_contest", str(SPEC_PATH), stdout=out)
    assert out.getvalue().startswith("ciic-2023 (第五届中国工业互联网大赛): created")
    assert Contest.objects.filter(slug="ciic-2023").exists()


@pytest.mark.django_db
def test_load_contest_shift_to_now_opens_registration():
    call_command("load_contest", str(SPEC_PATH), "--shift-to-now", stdout=StringIO())
    assert registration_open(Contest.objects.get(slug="ciic-2023"))


@pytest.mark.usefixtures("empty_database")
def test_load_contest_refuses_a_bad_spec_listing_every_error(tmp_path):
    err = StringIO()
    with pytest.raises(CommandError, match="3 error"):
        call_command("load_contest", str(_bad_spec_file(tmp_path)), stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert "awards.tiers[2].amount: prize tiers add up to 520万元 but pool is 500万元" in lines
    assert "directions[2].station: unknown station 'hangzhou'" in lines
    assert any(line.startswith("stations[2]: station 'ningbo' organizes 0 directions") for line in lines)
    assert len(lines) == 3
    assert Contest.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_load_contest_exits_non_zero_on_a_bad_file(tmp_path):
    """The real process: exit status 1, errors on stderr one per line, path first."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}
    proc = subprocess.run(
        [sys.executable, "manage.py", "load_contest", str(_bad_spec_file(tmp_path))],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 1
    assert "awards.tiers[2].amount: prize tiers add up to 520万元 but pool is 500万元" in proc.stderr
    assert "directions[2].station: unknown station 'hangzhou'" in proc.stderr
    assert proc.stdout == ""


@pytest.mark.django_db
def test_load_contest_reports_an_unreadable_file(tmp_path):
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("load_contest", str(tmp_path / "missing.yaml"), stderr=err)
    assert err.getvalue().startswith(str(tmp_path / "missing.yaml") + ": cannot read the file")
