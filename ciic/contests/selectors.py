"""Reads of the contest spec."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from .models import Contest, ScheduleItem

REGISTRATION_KEY = "registration"


def current_contest() -> Contest | None:
    """The contest the platform serves: CIIC_DEFAULT_CONTEST if loaded, else the newest."""
    contest = Contest.objects.filter(slug=settings.CIIC_DEFAULT_CONTEST).first()
    return contest or Contest.objects.order_by("-year", "-id").first()


def registration_deadline(contest: Contest) -> dt.datetime | None:
    """R-T1: when registration and project submission close (aware datetime)."""
    item = ScheduleItem.objects.filter(contest=contest, key=REGISTRATION_KEY).first()
    return item.ends_at if item else None


def registration_open(contest: Contest, *, now: dt.datetime | None = None) -> bool:
    """Registration is open until its deadline, on the server's clock (R-T1, R-G4, R-P3)."""
    item = ScheduleItem.objects.filter(contest=contest, key=REGISTRATION_KEY).first()
    if item is None:
        return False
    now = now or timezone.now()
    if item.starts_at and now < item.starts_at:
        return False
    return now <= item.ends_at


def max_representatives(contest: Contest) -> int:
    """R-P3: the most representatives one team may have: the spec's
    `participation.max_representatives`, stored on the contest by the loader."""
    return contest.max_representatives


def deadline_text(contest: Contest) -> str:
    """The registration deadline in the contest's time zone (Beijing time), for messages (R-T1)."""
    deadline = registration_deadline(contest)
    if deadline is None:
        return "—"
    return timezone.localtime(deadline, ZoneInfo(contest.time_zone)).strftime("%Y-%m-%d %H:%M")
