"""The popularity vote's ballot: finalists of the finals round on confirmed lists, one with a
video; one in the round that failed due diligence (R-P9) and one on no list; the voting window
open now (Beijing time)."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from ciic.contests.models import MaterialType, ScheduleItem
from ciic.projects.models import StoredFile, SubmissionMaterial
from ciic.review.enums import FinalistStatus
from ciic.review.models import DueDiligence, FinalistEntry, FinalistList, RoundProject
from ciic.review.rounds.services import create_round
from ciic.review.tests.test_rounds import make_project, spec_round
from ciic.votes import services

MOBILE = "13812345678"
VIDEO = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 8


def finalist_list(contest, station, group, projects, secretariat):
    found = FinalistList.objects.create(contest=contest, station=station, group=group,
                                        status=FinalistStatus.CONFIRMED, proposed_by=secretariat,
                                        confirmed_by=secretariat)
    for i, project in enumerate(projects, start=1):
        FinalistEntry.objects.create(finalist_list=found, project=project, position=i)


def open_window(contest, *, starts: dt.timedelta = dt.timedelta(days=-1), ends: dt.timedelta = dt.timedelta(days=1)):
    now = timezone.now()
    ScheduleItem.objects.filter(contest=contest, key="popularity_vote").update(starts_at=now + starts, ends_at=now + ends)


@pytest.fixture
def ballot(contest, secretariat):
    beijing = contest.stations.get(code="beijing")
    leader, newcomer = contest.groups.order_by("order")[:2]
    projects = [make_project(contest, 60 + i, stage="finals", text=f"第{i}号项目的概述：工业互联网平台赋能制造业。")
                for i in range(5)]
    for i, project in enumerate(projects):
        org = project.team.organization
        org.group = leader if i < 3 else newcomer
        org.save(update_fields=["group"])
    finalist_list(contest, beijing, leader, projects[:3], secretariat)
    finalist_list(contest, beijing, newcomer, projects[3:4], secretariat)
    DueDiligence.objects.create(project=projects[2], passed=False, findings="资质不实")
    review_round = create_round(spec_round=spec_round(contest, "finals", "roadshow_defense"), station=None,
                                actor=secretariat)
    entry = RoundProject.objects.get(review_round=review_round, project=projects[0])
    stored = StoredFile(project=projects[0], sha256="0" * 64, size=len(VIDEO), content_type="video/mp4", kind="mp4",
                        original_name="demo.mp4", uploaded_by=secretariat)
    stored.file.save("demo.mp4", ContentFile(VIDEO), save=False)
    stored.save()
    SubmissionMaterial.objects.create(submission=entry.submission, file=stored,
                                      material_type=MaterialType.objects.get(contest=contest, code="video"))
    open_window(contest)
    return SimpleNamespace(contest=contest, round=review_round, projects=projects,
                           finalists=[projects[0], projects[1], projects[3]], failed=projects[2],
                           outsider=projects[4], video=stored)


def code_in(outbox) -> str:
    return re.search(r"(\d{6})", outbox[-1].text).group(1)


CLIENT = services.Client(ip="203.0.113.7", user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)")


@pytest.fixture
def send(ballot, django_capture_on_commit_callbacks):
    """send(mobile, client=..., captcha=...) asks for a code; the text message goes out as on commit."""

    def request(mobile: str = MOBILE, client: services.Client = CLIENT, captcha=None):
        with django_capture_on_commit_callbacks(execute=True):
            return services.request_code(contest=ballot.contest, mobile=mobile, client=client, captcha=captcha)

    return request


@pytest.fixture
def voter(ballot, send, sms_outbox):
    """voter(mobile) -> the Voter of a number proved through the services."""

    def prove(mobile: str = MOBILE, client: services.Client = CLIENT):
        send(mobile, client)
        return services.verify_code(contest=ballot.contest, mobile=mobile, code=code_in(sms_outbox))

    return prove


@pytest.fixture
def clock(monkeypatch):
    """clock(at) moves the vote's clock (services.now) to `at`."""
    def move(at: dt.datetime) -> None:
        monkeypatch.setattr(services, "now", lambda: at)
    return move


def prove_browser(client, voter, contest) -> None:
    """The test client's browser as after proving the voter's number on the page (its cookie)."""
    from ciic.votes import views

    client.cookies[views.COOKIE] = views.cookie_value(views.proved(voter, contest))
