"""Projects and versions (R-P2, R-J1, R-J3, R-J4, R-J6, R-J7.1, R-T1, R-P6)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ciic.audit.models import AuditEntry
from ciic.contests.models import PastWinner, ScheduleItem
from ciic.demo.samples import attach_required_materials
from ciic.projects.enums import ProjectStatus
from ciic.projects.models import Project, Submission
from ciic.projects.selectors import counting_submission, open_stage, projects_for_user
from ciic.projects.services import (
    disqualify_project,
    rename_project,
    save_draft,
    start_project,
    submit_project,
    withdraw_project,
)

pytestmark = pytest.mark.django_db


def full_sections(contest, marker: str = "") -> dict[str, str]:
    return {s.code: f"{s.name}的内容{marker}" for s in contest.form_sections.all()}


@pytest.fixture
def project(project, complete_materials):
    """The started project with every required material attached, ready to submit."""
    complete_materials()
    return project


def rules_of(exc):
    return {field: {e.code for e in errs} for field, errs in exc.value.error_dict.items()}


def test_team_has_exactly_one_project(project, team, team_lead):
    """R-P2: each team submits exactly one project."""
    with pytest.raises(ValidationError) as exc:
        start_project(team=team, name="第二个项目", actor=team_lead)
    assert "R-P2" in rules_of(exc)["__all__"]
    assert Project.objects.filter(team=team).count() == 1


def test_submission_freezes_a_numbered_version(project, team_lead):
    v1 = submit_project(project=project, actor=team_lead)
    save_draft(project=project, actor=team_lead, sections={"overview": "改进后的项目概述"})
    v2 = submit_project(project=project, actor=team_lead)
    assert (v1.number, v2.number) == (1, 2)
    v1.refresh_from_db()
    assert v1.sections["overview"] != "改进后的项目概述" and v2.sections["overview"] == "改进后的项目概述"
    assert v1.content_sha256 != v2.content_sha256


def test_last_version_before_the_deadline_counts(project, team_lead):
    """R-J4: the last submission of the stage is the one judged."""
    stage = open_stage(project.contest)
    submit_project(project=project, actor=team_lead)
    save_draft(project=project, actor=team_lead, sections={"overview": "第二版"})
    v2 = submit_project(project=project, actor=team_lead)
    assert counting_submission(project, stage) == v2


def test_no_submission_after_the_stage_deadline(project, team_lead):
    """R-J4/R-T1: deadlines are checked on the server's clock; nothing is written after them."""
    submit_project(project=project, actor=team_lead)
    ScheduleItem.objects.filter(contest=project.contest, key="local_submission").update(
        ends_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationError) as exc:
        submit_project(project=project, actor=team_lead)
    assert "R-J4" in rules_of(exc)["__all__"]
    assert Submission.objects.filter(project=project).count() == 1


def test_first_submission_after_registration_deadline_is_refused(project, team_lead):
    """R-T1: registration and project submission close together; later versions may follow."""
    ScheduleItem.objects.filter(contest=project.contest, key="registration").update(
        ends_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationError) as exc:
        submit_project(project=project, actor=team_lead)
    assert "R-T1" in rules_of(exc)["__all__"]
    assert not Submission.objects.exists()


def test_no_rename_after_first_submission(project, team_lead, secretariat):
    """R-J4: the name is fixed once submitted; the secretariat may allow a rename, audited."""
    save_draft(project=project, actor=team_lead, name="改名前可以改")
    submit_project(project=project, actor=team_lead)
    with pytest.raises(ValidationError) as exc:
        save_draft(project=project, actor=team_lead, name="提交后改名")
    assert "R-J4" in rules_of(exc)["name"]
    project.refresh_from_db()
    assert project.name == "改名前可以改"


def test_project_name_with_a_direction_override_is_refused(project, team_lead, secretariat):
    """R-J1: a project's name must show what it holds (`正常\u202egnp.exe` reads as 正常exe.png),
    whether named in a draft or renamed by the secretariat."""
    with pytest.raises(ValidationError) as exc:
        save_draft(project=project, actor=team_lead, name="正常\u202egnp.exe")
    assert rules_of(exc) == {"name": {"R-J1"}}
    assert "项目名称不能包含不可见字符或文字方向控制字符" in exc.value.error_dict["name"][0].message
    with pytest.raises(ValidationError) as exc:
        rename_project(project=project, actor=secretariat, name="质量\u200b追溯", reason="更正")
    assert rules_of(exc) == {"name": {"R-J1"}}
    project.refresh_from_db()
    assert project.name == "基于工业互联网平台的质量追溯系统"
    rename_project(project=project, actor=secretariat, name="秘书处批准的新名称", reason="与申报书一致")
    entry = AuditEntry.objects.filter(action="project.rename").get()
    assert entry.after["reason"] == "与申报书一致" and entry.actor_id == secretariat.pk


def test_submitted_versions_are_immutable(project, team_lead):
    """R-J6: submitted material is never changed or deleted."""
    v1 = submit_project(project=project, actor=team_lead)
    v1.name = "篡改"
    with pytest.raises(RuntimeError):
        v1.save()
    with pytest.raises(RuntimeError):
        v1.delete()


def test_section_length_limit_from_spec(project, team_lead):
    """R-J7.1: per-section length limits come from the contest spec."""
    section = project.contest.form_sections.first()
    with pytest.raises(ValidationError) as exc:
        save_draft(project=project, actor=team_lead, sections={section.code: "字" * (section.max_chars + 1)})
    assert f"sections.{section.code}" in exc.value.error_dict


def test_every_section_must_be_filled_to_submit(team, team_lead):
    project = start_project(team=team, name="空白项目", actor=team_lead)
    with pytest.raises(ValidationError) as exc:
        submit_project(project=project, actor=team_lead)
    assert len([f for f in exc.value.error_dict if f.startswith("sections.")]) == project.contest.form_sections.count()


def test_name_matching_earlier_prize_winner_is_flagged(team, team_lead):
    """R-J3: earlier first/second/third prize projects cannot enter: flagged for the secretariat."""
    winner = PastWinner.objects.filter(contest=team.contest).first()
    project = start_project(team=team, name=winner.project_name.replace("", " ").strip(), actor=team_lead)
    save_draft(project=project, actor=team_lead, sections=full_sections(team.contest))
    attach_required_materials(project, team_lead)
    submit_project(project=project, actor=team_lead)
    project.refresh_from_db()
    assert project.past_winner_match == winner.project_name


def test_withdrawal_keeps_versions(project, team_lead):
    submit_project(project=project, actor=team_lead)
    withdraw_project(project=project, actor=team_lead, reason="团队调整")
    assert project.status == ProjectStatus.WITHDRAWN
    assert Submission.objects.filter(project=project).count() == 1
    with pytest.raises(ValidationError):
        submit_project(project=project, actor=team_lead)


def test_disqualification_needs_a_reason_and_is_audited(project, secretariat):
    """R-P6/R-J2: the secretariat disqualifies with a reason; the decision is on record."""
    with pytest.raises(ValidationError):
        disqualify_project(project=project, actor=secretariat, reason="")
    disqualify_project(project=project, actor=secretariat, reason="申报材料与往届项目雷同")
    assert AuditEntry.objects.filter(action="project.disqualify", object_id=str(project.pk)).exists()
    with pytest.raises(ValidationError):
        withdraw_project(project=project, actor=secretariat, reason="x")


def test_projects_visible_by_role(project, team_lead, other_lead, secretariat, station_officer, expert):
    contest = project.contest
    assert list(projects_for_user(team_lead, contest)) == [project]
    assert list(projects_for_user(other_lead, contest)) == []
    assert list(projects_for_user(secretariat, contest)) == [project]
    assert list(projects_for_user(station_officer, contest)) == [project]
    assert list(projects_for_user(expert, contest)) == []
