"""The publicity's rules as the contest spec states them (`publicity` and `publicity_days`,
validated by ciic/contests/spec_schema.py): the committee's contact, the grounds, the reasons
for not accepting, the time limits in working days and the calendar they count on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.translation import get_language

from ciic.contests.models import Contest
from ciic.engines.workdays import add_working_days


@dataclass(frozen=True)
class Ground:
    code: str
    name: str
    name_en: str
    rule: str
    complaint: bool
    help: str
    help_en: str

    @property
    def display_name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name

    @property
    def display_help(self) -> str:
        return self.help_en if (get_language() or "").startswith("en") and self.help_en else self.help


@dataclass(frozen=True)
class Reason:
    code: str
    name: str
    name_en: str

    @property
    def display_name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name


@dataclass(frozen=True)
class PublicityConfig:
    days: int
    contact: dict
    time_limits: dict[str, int]
    holidays: frozenset[dt.date]
    extra_working_days: frozenset[dt.date]
    grounds: tuple[Ground, ...]
    not_accepted_reasons: tuple[Reason, ...]
    promote_next: bool
    max_files: int
    max_links: int
    max_mb: int
    time_zone: ZoneInfo

    def ground(self, code: str) -> Ground | None:
        return next((g for g in self.grounds if g.code == code), None)

    def reason(self, code: str) -> Reason | None:
        return next((r for r in self.not_accepted_reasons if r.code == code), None)

    def deadline(self, start: dt.datetime, step: str) -> dt.datetime:
        """The end (23:59:59 Beijing time) of the working day `time_limits[step]` working days
        after `start`'s day."""
        local = start.astimezone(self.time_zone).date()
        day = add_working_days(local, self.time_limits[step], self.holidays, self.extra_working_days)
        return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=self.time_zone)


def publicity_config(contest: Contest) -> PublicityConfig | None:
    """The contest's complaint rules, or None when its spec has no `publicity` block."""
    block = (contest.spec or {}).get("publicity")
    if not block:
        return None
    evidence = block.get("evidence") or {}
    return PublicityConfig(
        days=contest.publicity_days,
        contact=dict(block["contact"]),
        time_limits=dict(block["time_limits"]),
        holidays=frozenset(dt.date.fromisoformat(d) for d in block.get("holidays") or []),
        extra_working_days=frozenset(dt.date.fromisoformat(d) for d in block.get("extra_working_days") or []),
        grounds=tuple(Ground(g["code"], g["name"], g["name_en"], g["rule"], g.get("complaint", True),
                             g.get("help", ""), g.get("help_en", "")) for g in block["grounds"]),
        not_accepted_reasons=tuple(Reason(r["code"], r["name"], r["name_en"]) for r in block["not_accepted_reasons"]),
        promote_next=bool(block.get("promote_next", False)),
        max_files=int(evidence.get("max_files", 10)),
        max_links=int(evidence.get("max_links", 10)),
        max_mb=int(evidence.get("max_mb", 50)),
        time_zone=ZoneInfo(contest.time_zone),
    )
