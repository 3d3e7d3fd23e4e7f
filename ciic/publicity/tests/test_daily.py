"""The daily command: after the period, unchallenged prizes become payable; the overdue cases go
to the complaint committee and to their officers, by number only; a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from ciic.accounts.enums import Role
from ciic.awards.enums import PrizeStatus
from ciic.awards.models import Prize
from ciic.notifications.kinds import render
from ciic.notifications.models import Notification
from ciic.publicity.models import Case, Notice
from ciic.testing.personas import make_user

from .conftest import ID_NUMBER, MOBILE
from .test_archive import file_case, notice, verify_case  # noqa: F401 - `notice` is a fixture

pytestmark = pytest.mark.django_db


def run() -> str:
    out = io.StringIO()
    call_command("publicity_daily", stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def officer(db):
    """A secretariat officer outside the committee: hears of their own cases only."""
    return make_user("officer@example.com", role=Role.SECRETARIAT, full_name="核查员")


def test_nothing_to_do_before_the_period_ends(notice, proved, contest):  # noqa: F811
    file_case(notice, proved.user, contest)
    assert run() == ("publicity_daily: 1 notice(s) checked, 0 prize(s) made payable, 0 overdue case(s), "
                     "0 person(s) notified")
    assert not Prize.objects.filter(status=PrizeStatus.PAYABLE).exists()
    assert not Notification.objects.filter(kind="complaints_overdue").exists()


def test_the_period_ends_and_the_overdue_go_to_committee_and_officer_once(notice, proved, contest, secretariat,  # noqa: F811
                                                                         officer, team_lead):
    mine = verify_case(file_case(notice, proved.user, contest, entry=0), officer)  # the officer's, under verification
    theirs = file_case(notice, proved.user, contest, entry=1)  # nobody's yet, still received
    past = timezone.now() - dt.timedelta(days=1)
    Case.objects.filter(pk__in=[mine.pk, theirs.pk]).update(due_at=past)
    Notice.objects.filter(pk=notice.pk).update(starts_at=past - dt.timedelta(days=30), ends_at=past)

    line = run()
    assert line == ("publicity_daily: 1 notice(s) checked, 1 prize(s) made payable, 2 overdue case(s), "
                    "2 person(s) notified")
    # The third prize had no complaint: payable; the two complained of wait for their cases.
    statuses = {p.award_id: p.status for p in Prize.objects.all()}
    assert [statuses[e["award_id"]] for e in notice.entries] == [
        PrizeStatus.PENDING_PUBLICITY, PrizeStatus.PENDING_PUBLICITY, PrizeStatus.PAYABLE]

    committee = Notification.objects.get(user=secretariat, kind="complaints_overdue")
    assert committee.params == {"n": 2, "numbers": f"{mine.number}、{theirs.number}"}
    assert committee.url == "/publicity/cases/?overdue=1"
    assert Notification.objects.get(user=officer, kind="complaints_overdue").params == {"n": 1, "numbers": mine.number}
    assert not Notification.objects.filter(kind="complaints_overdue").exclude(user__in=[secretariat, officer]).exists()
    title, body = render("complaints_overdue", committee.params)
    assert title == "2 件举报案件已超过办理时限" and f"{mine.number}、{theirs.number}" in body
    for note in Notification.objects.filter(kind="complaints_overdue"):
        shown = str(note.params) + "".join(render(note.kind, note.params))
        for secret in (ID_NUMBER, MOBILE, proved.identity.name, proved.user.full_name, proved.user.email):
            assert secret not in shown

    assert run() == ("publicity_daily: 1 notice(s) checked, 0 prize(s) made payable, 2 overdue case(s), "
                     "0 person(s) notified")
    assert Notification.objects.filter(kind="complaints_overdue").count() == 2
    assert Prize.objects.filter(status=PrizeStatus.PAYABLE).count() == 1


def test_a_new_overdue_case_the_same_day_is_told_again(notice, proved, contest, secretariat):  # noqa: F811
    first = file_case(notice, proved.user, contest, entry=0)
    past = timezone.now() - dt.timedelta(hours=2)
    Case.objects.filter(pk=first.pk).update(due_at=past)
    run()
    second = file_case(notice, proved.user, contest, entry=1)
    Case.objects.filter(pk=second.pk).update(due_at=past)
    assert run().endswith("2 overdue case(s), 1 person(s) notified")
    assert [n.params["n"] for n in Notification.objects.filter(user=secretariat, kind="complaints_overdue")
            .order_by("pk")] == [1, 2]
