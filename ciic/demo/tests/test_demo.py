"""Demo data: every role gets an account and the entrants obey the rules real data obeys."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from ciic.accounts.enums import Role
from ciic.accounts.models import User
from ciic.audit.services import verify_chain
from ciic.entrants.models import Organization, Team

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_accounts_for_every_role_and_teams(contest):
    call_command("seed_demo", "--teams", "8")
    assert Team.objects.filter(contest=contest).count() == 8
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    for team in Team.objects.select_related("direction", "organization"):
        assert team.direction.station_id == team.station_id  # R-D2
        assert 1 <= team.representatives.count() <= contest.max_representatives  # R-P3
        assert team.organization.group is not None  # R-G2
    assert verify_chain()[2] == ""


def test_seed_demo_twice_adds_nothing(contest):
    call_command("seed_demo", "--teams", "5")
    orgs = Organization.objects.count()
    call_command("seed_demo", "--teams", "5")
    assert Team.objects.count() == 5 and Organization.objects.count() == orgs


def test_demo_setup_loads_contest_once_and_keeps_data(db, capsys):
    call_command("demo_setup", "--teams", "3")
    out = capsys.readouterr().out
    assert "office@demo.ciic.cn" in out and "Ciic-demo-2023!" in out
    call_command("demo_setup", "--teams", "3")
    assert "already loaded" in capsys.readouterr().out
    assert Team.objects.count() == 3


def test_demo_staff_can_get_a_current_second_factor_code(contest, capsys):
    call_command("seed_demo", "--teams", "0")
    call_command("demo_otp")
    lines = [line for line in capsys.readouterr().out.splitlines() if "@" in line]
    assert any(line.startswith("office@demo.ciic.cn") and line.split()[-1].isdigit() for line in lines)


def test_seed_demo_gives_teams_submitted_projects(contest):
    from ciic.projects.models import Project, Submission

    call_command("seed_demo", "--teams", "4", "--projects", "2")
    assert Project.objects.count() == 2
    assert Submission.objects.count() == 2
    for project in Project.objects.all():
        assert project.materials.exists() and project.name_locked_at is not None
    call_command("seed_demo", "--teams", "4", "--projects", "2")
    assert Project.objects.count() == 2


def test_demo_pdf_materials_have_pages_to_read(contest):
    """An expert opening a demo material got a PDF with no pages."""
    import io

    from pypdf import PdfReader

    from ciic.projects.models import DraftMaterial

    call_command("seed_demo", "--teams", "2", "--projects", "1")
    pdfs = DraftMaterial.objects.filter(file__kind="pdf").select_related("file", "material_type")
    assert pdfs.exists()
    for material in pdfs:
        with material.file.file.open("rb") as fh:
            reader = PdfReader(io.BytesIO(fh.read()))
        assert len(reader.pages) >= 1
        assert material.material_type.name in reader.pages[0].extract_text().replace("\x00", "")
