"""The excellent-organizer ranking (优秀组织奖, R-A2, R-O1, R-O2): the platform's records of each
unit read into `ciic.engines.organizing`, which applies the spec's published weights.

An entry is valid when its team is registered (not withdrawn or disqualified), its project is
active and has a submitted version. Duplicate keys: the same organization entering the same
project name (spaces and case folded), and the same submitted content (its SHA-256)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ciic.contests.models import Contest
from ciic.engines.organizing import Entry, Score, UnitRecord, rank_units
from ciic.entrants.enums import TeamStatus
from ciic.projects.enums import ProjectStatus
from ciic.projects.models import Submission

from .config import organizing_config
from .models import OrganizingUnit, Recommendation
from .selectors import finalist_project_ids, winner_project_ids

FIGURE_LABELS = {
    "entries": "有效推荐项目",
    "stations": "覆盖赛站",
    "directions": "覆盖赛题方向",
    "finalists": "晋级全国总决赛",
    "winners": "获奖项目",
    "receipt_on_time": "按时报送联系人回执",
    "report_on_time": "按时报送组织情况",
}


@dataclass(frozen=True)
class RankedUnit:
    unit: OrganizingUnit
    score: Score


def _fold(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).lower().split())


def unit_records(contest: Contest) -> list[UnitRecord]:
    units = list(OrganizingUnit.objects.filter(contest=contest).select_related("receipt", "report").order_by("id"))
    finalists, winners = finalist_project_ids(contest), winner_project_ids(contest)
    latest: dict[int, str] = {}
    for project_id, sha in (Submission.objects.filter(project__contest=contest)
                            .order_by("project_id", "number").values_list("project_id", "content_sha256")):
        latest[project_id] = sha
    by_unit: dict[int, list[Entry]] = {u.pk: [] for u in units}
    for rec in (Recommendation.objects.filter(unit__contest=contest)
                .select_related("team__project", "team__organization")):
        team = rec.team
        project = getattr(team, "project", None)
        valid = (team.status == TeamStatus.REGISTERED and project is not None
                 and project.status == ProjectStatus.ACTIVE and project.pk in latest)
        keys = ()
        if project is not None:
            keys = (("name", team.organization_id, _fold(project.name)),)
            if project.pk in latest:
                keys += (("content", latest[project.pk]),)
        by_unit[rec.unit_id].append(Entry(
            id=team.pk, valid=valid, station=team.station_id, direction=team.direction_id,
            finalist=bool(project and project.pk in finalists), winner=bool(project and project.pk in winners),
            keys=keys))
    return [UnitRecord(unit=u.pk, entries=by_unit[u.pk],
                       receipt_on_time=hasattr(u, "receipt") and not u.receipt.is_late,
                       report_on_time=hasattr(u, "report") and not u.report.is_late)
            for u in units]


def ranking(contest: Contest) -> list[RankedUnit]:
    """Every unit with its score, best first (ranks shared by equal scores)."""
    config = organizing_config(contest)
    if config is None:
        return []
    units = {u.pk: u for u in OrganizingUnit.objects.filter(contest=contest)}
    return [RankedUnit(units[s.unit], s) for s in rank_units(unit_records(contest), config.weights)]
