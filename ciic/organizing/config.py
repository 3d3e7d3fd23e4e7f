"""The organizing block of the contest spec (`organizing`, validated by
ciic/contests/spec_schema.py): kinds of unit, the receipt's and the report's deadlines (schedule
items named by key), the report's attachments, the excellent-organizer ranking's weights, the
kinds of matchmaking meeting, the slot length, the limit of open requests and the R-A4
benefits. No number or name of it is written in code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import get_language

from ciic.contests.models import Contest, ScheduleItem
from ciic.engines.organizing import Weights


@dataclass(frozen=True)
class Named:
    code: str
    name: str
    name_en: str = ""
    receipt: bool = False

    @property
    def display_name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name


@dataclass(frozen=True)
class ReportRule:
    max_chars: int = 10000
    max_files: int = 10
    formats: tuple[str, ...] = ("pdf", "docx", "xlsx", "jpg", "png")
    max_size_mb: int = 20


@dataclass(frozen=True)
class OrganizingConfig:
    receipt_schedule_key: str
    report_schedule_key: str
    unit_kinds: tuple[Named, ...]
    report: ReportRule
    weights: Weights
    award_code: str
    meeting_kinds: tuple[Named, ...]
    slot_minutes: int
    max_open_requests: int
    benefits: tuple[Named, ...] = field(default=())

    def kind(self, code: str) -> Named | None:
        return next((k for k in self.unit_kinds if k.code == code), None)

    def meeting_kind(self, code: str) -> Named | None:
        return next((k for k in self.meeting_kinds if k.code == code), None)

    def benefit(self, code: str) -> Named | None:
        return next((k for k in self.benefits if k.code == code), None)


def _named(rows) -> tuple[Named, ...]:
    return tuple(Named(r["code"], r["name"], r.get("name_en", ""), bool(r.get("receipt", False)))
                 for r in rows or [])


def organizing_config(contest: Contest) -> OrganizingConfig | None:
    """The contest's organizing rules, or None when its spec has no `organizing` block."""
    block = (contest.spec or {}).get("organizing")
    if not block:
        return None
    report = block.get("report") or {}
    ranking = block["ranking"]
    meetings = block["meetings"]
    return OrganizingConfig(
        receipt_schedule_key=block["receipt_schedule_key"],
        report_schedule_key=block["report_schedule_key"],
        unit_kinds=_named(block["unit_kinds"]),
        report=ReportRule(
            max_chars=report.get("max_chars", ReportRule.max_chars),
            max_files=report.get("max_files", ReportRule.max_files),
            formats=tuple(report.get("formats", ReportRule.formats)),
            max_size_mb=report.get("max_size_mb", ReportRule.max_size_mb),
        ),
        weights=Weights(entries=float(ranking["entries"]["weight"]), transform=ranking["entries"]["transform"],
                        **{k: float(v) for k, v in ranking["weights"].items()}),
        award_code=ranking.get("award_code", ""),
        meeting_kinds=_named(meetings["kinds"]),
        slot_minutes=int(meetings["slot_minutes"]),
        max_open_requests=int(meetings["max_open_requests"]),
        benefits=_named(block.get("benefits")),
    )


def deadline(contest: Contest, key: str) -> dt.datetime | None:
    """The end of the schedule item `key` (Beijing time, aware), None without one."""
    item = ScheduleItem.objects.filter(contest=contest, key=key).first()
    return item.ends_at if item else None
