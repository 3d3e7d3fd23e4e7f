"""The finals take only confirmed finalists (R-V2) that did not fail due diligence (R-P9)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ciic.contests.models import ScheduleItem
from ciic.projects.services import submit_project
from ciic.review.enums import FinalistStatus
from ciic.review.models import DueDiligence, FinalistEntry, FinalistList

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_finals(project, complete_materials, team_lead, contest):
    """Version 1 in the local stage, then the finals' submission window open."""
    complete_materials()
    submit_project(project=project, actor=team_lead)
    now = timezone.now()
    ScheduleItem.objects.filter(contest=contest, key="local_submission").update(ends_at=now - dt.timedelta(days=1))
    ScheduleItem.objects.filter(contest=contest, key="finals_submission").update(
        starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(days=1))
    return project


def _finalist(project, officer, secretariat, *, status=FinalistStatus.CONFIRMED):
    finalists = FinalistList.objects.create(contest=project.contest, station=project.team.station,
                                            group=project.team.organization.group, status=status,
                                            proposed_by=officer, confirmed_by=secretariat,
                                            confirmed_at=timezone.now())
    FinalistEntry.objects.create(finalist_list=finalists, project=project, position=1)
    return finalists


def test_a_project_not_on_a_confirmed_list_cannot_submit_in_the_finals(in_finals, team_lead):
    with pytest.raises(ValidationError) as caught:
        submit_project(project=in_finals, actor=team_lead)
    assert [e.code for e in caught.value.error_dict["__all__"]] == ["R-V2"]
    assert in_finals.submissions.count() == 1


def test_a_proposed_but_unconfirmed_list_is_not_enough(in_finals, team_lead, station_officer, secretariat):
    _finalist(in_finals, station_officer, secretariat, status=FinalistStatus.PROPOSED)
    with pytest.raises(ValidationError):
        submit_project(project=in_finals, actor=team_lead)


def test_a_confirmed_finalist_submits_in_the_finals(in_finals, team_lead, station_officer, secretariat):
    _finalist(in_finals, station_officer, secretariat)
    version = submit_project(project=in_finals, actor=team_lead)
    assert version.number == 2 and version.stage.code == "finals"


def test_failing_due_diligence_loses_the_place(in_finals, team_lead, station_officer, secretariat):
    _finalist(in_finals, station_officer, secretariat)
    DueDiligence.objects.create(project=in_finals, passed=False, findings="财务数据不实", decided_by=secretariat,
                                decided_at=timezone.now())
    with pytest.raises(ValidationError) as caught:
        submit_project(project=in_finals, actor=team_lead)
    assert [e.code for e in caught.value.error_dict["__all__"]] == ["R-V2"]
