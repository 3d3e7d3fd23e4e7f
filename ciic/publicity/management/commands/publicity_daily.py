"""The publicity's daily run, for cron (R-X1, R-X2, R-X3, R-T5). Safe to run twice.

1. **The end of the period**: for each contest's published notice, `notices.conclude`: after
   `ends_at`, each prize still pending publicity with no open case against it becomes payable;
   the ledger refuses a second move, so a second run moves nothing.
2. **The overdue digest**: the cases past their step's time limit (`cases.overdue`), as one
   in-platform notification (and its e-mail) per person and contest: the complaint committee
   (active secretariat accounts in `rules.COMMITTEE_GROUP`) hears of every overdue case, each
   other officer of the ones assigned to them. By case number only, never who complained.
   A person already told of the same cases today (Beijing time) is not told again.

Prints one line: notices checked, prizes made payable, overdue cases, people notified.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ciic.accounts.enums import Role
from ciic.contests.models import Contest
from ciic.notifications.models import Notification
from ciic.notifications.services import notify
from ciic.publicity import cases, notices
from ciic.publicity.models import Case, Notice
from ciic.publicity.rules import COMMITTEE_GROUP

KIND = "complaints_overdue"
BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass
class Summary:
    notices: int = 0
    payable: int = 0
    overdue: int = 0
    notified: int = 0

    def line(self) -> str:
        return (f"publicity_daily: {self.notices} notice(s) checked, {self.payable} prize(s) made payable, "
                f"{self.overdue} overdue case(s), {self.notified} person(s) notified")


def _start_of_day(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(BEIJING)
    return dt.datetime.combine(local.date(), dt.time.min, tzinfo=BEIJING)


def _told_today(user, params: dict, since: dt.datetime) -> bool:
    return any(p == params for p in Notification.objects.filter(user=user, kind=KIND, created_at__gte=since)
               .values_list("params", flat=True))


def _digest(contest: Contest, now: dt.datetime) -> tuple[int, int]:
    """(overdue cases, people notified) for one contest."""
    overdue = list(cases.overdue(contest, now).select_related("officer").order_by("number"))
    if not overdue:
        return 0, 0
    committee = list(get_user_model().objects.filter(groups__name=COMMITTEE_GROUP, is_active=True,
                                                     role=Role.SECRETARIAT).distinct().order_by("pk"))
    recipients: dict[int, tuple[object, list[str]]] = {u.pk: (u, [c.number for c in overdue]) for u in committee}
    for case in overdue:
        officer = case.officer
        if officer is not None and officer.is_active and officer.pk not in {u.pk for u in committee}:
            recipients.setdefault(officer.pk, (officer, []))[1].append(case.number)
    url = reverse("publicity:case_list") + "?overdue=1"
    since = _start_of_day(now)
    told = 0
    for user, numbers in recipients.values():
        params = {"n": len(numbers), "numbers": "、".join(numbers)}
        if _told_today(user, params, since):
            continue
        with transaction.atomic():
            notify([user], KIND, params, url=url)
        told += 1
    return len(overdue), told


def run_daily(now: dt.datetime | None = None) -> Summary:
    now = now or timezone.now()
    summary = Summary()
    for notice in Notice.objects.select_related("contest").order_by("pk"):
        summary.notices += 1
        summary.payable += len(notices.conclude(notice, now=now))
    for contest in Contest.objects.filter(pk__in=Case.objects.values("contest_id")).order_by("pk"):
        overdue, told = _digest(contest, now)
        summary.overdue += overdue
        summary.notified += told
    return summary


class Command(BaseCommand):
    help = ("The publicity's daily run: conclude notices whose period ended (unchallenged prizes become "
            "payable) and send the overdue-case digest to the complaint committee and the officers.")

    def handle(self, *args, **options):
        self.stdout.write(run_daily().line())
