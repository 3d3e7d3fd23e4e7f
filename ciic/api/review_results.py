"""A round's results and what follows in the JSON API (R-V2, R-V3, R-G1, R-P9): the
aggregation, computing and reading the results per direction × group, advancement rules, tie
decisions, the archive, the station's finalists and due diligence.

The same services as the staff pages (`ciic.review.results.services`, `finalists`, `archive`): a round
the user does not manage is a 404; an action the user may not take is a 403; a refusal by a
service is a 422 naming the rule.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from ciic.contests.models import Direction, Group, Station
from ciic.projects.models import Project
from ciic.review.finalists.services import (
    confirm_finalists,
    current_entries,
    due_diligence_of,
    propose_finalists,
    record_due_diligence,
    replace_finalist,
    verify_snapshot,
)
from ciic.review.models import FinalistEntry, ReviewRound, RoundArchive
from ciic.review.results.archive import build_archive, verify_archive
from ciic.review.results.services import (
    aggregation_locked,
    compute_results,
    conflicted_rounds,
    decide_tie,
    group_cuts,
    lock_aggregation,
    set_advancement_rule,
    set_aggregation,
)
from ciic.review.selectors import finalist_lists_for_user, result_rounds_for_user

from .auth import ANY_AUTH
from .contests import get_contest
from .errors import DetailOut, ErrorsOut

router = Router(tags=["review results"], auth=ANY_AUTH)
REFUSALS = {401: DetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut}


class ResultOut(Schema):
    project_id: int
    project: str
    team: str
    rank: int | None
    raw_score: float | None = Field(description="加权平均分 / Raw weighted mean")
    score: float | None = Field(description="按本轮计分方式的得分 / Score by the round's aggregation")
    reviews: int
    spread: float | None
    disagreement: bool = Field(description="分歧较大，需增加评审 / Experts disagree beyond the round's spread")
    stability: float | None = Field(description="晋级概率（自助法）/ Bootstrap probability of being above the cut")
    tied_at_cut: bool
    advanced: bool


class TieOut(Schema):
    tied: list[int]
    seats: int
    decided: bool
    advancing: list[int]
    reason: str


class ResultGroupOut(Schema):
    direction: str
    group: str | None
    seats: int | None
    count: int | None
    proportion: float | None
    results: list[ResultOut]
    tie: TieOut | None


class RoundResultsOut(Schema):
    round_id: int
    status: str
    aggregation: str
    aggregation_locked: bool
    groups: list[ResultGroupOut]


class AggregationIn(Schema):
    aggregation: str = Field(description="raw / zscore / least_squares")


class RuleIn(Schema):
    direction: str = Field(description="方向代码 / Direction code")
    group: str = Field(description="组别代码 / Group code")
    count: int | None = None
    proportion: float | None = Field(None, description="0–1")


class TieIn(Schema):
    direction: str
    group: str
    advancing: list[int]
    reason: str


class ArchiveOut(Schema):
    id: int
    sha256: str
    created_at: dt.datetime
    files: list[dict]
    problems: list[str] = Field(description="校验发现的问题，空即通过 / Empty when every hash verifies")


class EntryOut(Schema):
    id: int
    position: int
    project_id: int
    project: str
    replaces_id: int | None
    due_diligence: bool | None


class FinalistListOut(Schema):
    id: int
    station: str
    group: str
    status: str
    entries: list[EntryOut]
    snapshot: dict | None
    snapshot_sha256: str
    snapshot_verified: bool | None


class ProposeIn(Schema):
    station: str
    group: str
    project_ids: list[int] = Field(description="按名次排列 / In order")


class DiligenceIn(Schema):
    checks: dict[str, dict] = Field(default_factory=dict, description='{"finance": {"ok": true, "note": ""}}')
    findings: str = ""
    passed: bool | None = None


class DiligenceOut(Schema):
    project_id: int
    checklist: list[dict]
    findings: str
    passed: bool | None
    decided_at: dt.datetime | None


class ReplaceIn(Schema):
    project_id: int
    reason: str


def _round(request: HttpRequest, round_id: int) -> ReviewRound:
    review_round = get_object_or_404(result_rounds_for_user(request.auth, get_contest()), pk=round_id)
    if not request.auth.has_perm("review.manage_results", review_round):
        raise Http404
    if conflicted_rounds(request.auth, [review_round]):  # staff who are also a conflicted expert
        raise Http404
    return review_round


def _results(review_round: ReviewRound) -> dict:
    groups = []
    for cut in group_cuts(review_round):
        rows = [{"project_id": r.project_id, "project": r.project.name, "team": r.project.team.name, "rank": r.rank,
                 "raw_score": r.raw_score, "score": r.score, "reviews": r.reviews, "spread": r.spread,
                 "disagreement": r.disagreement, "stability": r.stability, "tied_at_cut": r.project_id in cut.tied,
                 "advanced": r.advanced} for r in cut.results + cut.unranked]
        tie = None
        if cut.tied:
            tie = {"tied": list(cut.tied), "seats": cut.seats_for_tied, "decided": cut.decision is not None,
                   "advancing": [p.pk for p in cut.decision.advancing.all()] if cut.decision else [],
                   "reason": cut.decision.reason if cut.decision else ""}
        groups.append({"direction": cut.direction.code, "group": cut.group.code if cut.group else None,
                       "seats": cut.seats, "count": cut.rule.count if cut.rule else None,
                       "proportion": cut.rule.proportion if cut.rule else None, "results": rows, "tie": tie})
    return {"round_id": review_round.pk, "status": review_round.status, "aggregation": review_round.aggregation,
            "aggregation_locked": aggregation_locked(review_round), "groups": groups}


def _direction_group(review_round: ReviewRound, direction: str, group: str) -> tuple[Direction, Group]:
    return (get_object_or_404(Direction, contest=review_round.contest, code=direction),
            get_object_or_404(Group, contest=review_round.contest, code=group))


@router.get("/review/rounds/{round_id}/results", response={200: RoundResultsOut, **REFUSALS},
            summary="评审结果 / A round's results per direction × group (locks the aggregation)")
def get_results(request: HttpRequest, round_id: int):
    review_round = _round(request, round_id)
    if review_round.results.exists():
        lock_aggregation(review_round=review_round, actor=request.auth)
    return _results(review_round)


@router.post("/review/rounds/{round_id}/results", response={200: RoundResultsOut, **REFUSALS},
             summary="计算评审结果 / Compute (or, while open, recompute) the results")
def post_results(request: HttpRequest, round_id: int):
    review_round = _round(request, round_id)
    compute_results(review_round=review_round, actor=request.auth)
    return _results(review_round)


@router.put("/review/rounds/{round_id}/aggregation", response={200: RoundResultsOut, **REFUSALS},
            summary="计分方式 / Choose the aggregation before scores are seen (R-V2)")
def put_aggregation(request: HttpRequest, round_id: int, payload: AggregationIn):
    review_round = _round(request, round_id)
    set_aggregation(review_round=review_round, aggregation=payload.aggregation, actor=request.auth)
    return _results(review_round)


@router.put("/review/rounds/{round_id}/advancement-rules", response={200: RoundResultsOut, **REFUSALS},
            summary="晋级规则 / Set a direction × group's count or proportion (R-V2, R-G1)")
def put_rule(request: HttpRequest, round_id: int, payload: RuleIn):
    review_round = _round(request, round_id)
    direction, group = _direction_group(review_round, payload.direction, payload.group)
    set_advancement_rule(review_round=review_round, direction=direction, group=group, actor=request.auth,
                         count=payload.count, proportion=payload.proportion)
    return _results(review_round)


@router.post("/review/rounds/{round_id}/tie-decisions", response={201: RoundResultsOut, **REFUSALS},
             summary="并列决定 / Settle the tie at a cut, with a reason (R-V2)")
def post_tie(request: HttpRequest, round_id: int, payload: TieIn):
    review_round = _round(request, round_id)
    direction, group = _direction_group(review_round, payload.direction, payload.group)
    decide_tie(review_round=review_round, direction=direction, group=group, reason=payload.reason,
               advancing=list(Project.objects.filter(contest=review_round.contest, pk__in=payload.advancing)),
               actor=request.auth)
    return Status(201, _results(review_round))


def _archive_out(archive: RoundArchive) -> dict:
    return {"id": archive.pk, "sha256": archive.sha256, "created_at": archive.created_at,
            "files": archive.manifest.get("files", []), "problems": verify_archive(archive)}


@router.post("/review/rounds/{round_id}/archive", response={201: ArchiveOut, **REFUSALS},
             summary="归档 / Archive a closed round (R-V3)")
def post_archive(request: HttpRequest, round_id: int):
    archive = build_archive(review_round=_round(request, round_id), actor=request.auth)
    return Status(201, _archive_out(archive))


@router.get("/review/rounds/{round_id}/archive", response={200: ArchiveOut, **REFUSALS},
            summary="归档及其校验 / The round's archive, its hashes verified")
def get_archive(request: HttpRequest, round_id: int):
    return _archive_out(get_object_or_404(RoundArchive, review_round=_round(request, round_id)))


# --- finalists ---------------------------------------------------------------------------------


def _list_out(finalist_list) -> dict:
    entries = [{"id": e.pk, "position": e.position, "project_id": e.project_id, "project": e.project.name,
                "replaces_id": e.replaces_id, "due_diligence": due_diligence_of(e.project).passed}
               for e in current_entries(finalist_list)]
    return {"id": finalist_list.pk, "station": finalist_list.station.code, "group": finalist_list.group.code,
            "status": finalist_list.status, "entries": entries, "snapshot": finalist_list.snapshot,
            "snapshot_sha256": finalist_list.snapshot_sha256,
            "snapshot_verified": verify_snapshot(finalist_list) if finalist_list.snapshot else None}


def _require(request: HttpRequest, perm: str, obj=None) -> None:
    if not request.auth.has_perm(perm, obj):
        raise PermissionDenied(_("无权执行此操作"))


@router.get("/review/finalists", response={200: list[FinalistListOut], **REFUSALS},
            summary="晋级名单 / The finalist lists of the stations the user sees (R-V2)")
def list_finalists(request: HttpRequest):
    _require(request, "review.view_finalists")
    return [_list_out(fl) for fl in finalist_lists_for_user(request.auth, get_contest()).order_by("station__order",
                                                                                                   "group__order")]


@router.post("/review/finalists", response={201: FinalistListOut, **REFUSALS},
             summary="推荐晋级名单 / The station officer proposes a group's finalists within the quota (R-V2)")
def post_finalists(request: HttpRequest, payload: ProposeIn):
    contest = get_contest()
    station = get_object_or_404(Station, contest=contest, code=payload.station)
    _require(request, "review.propose_finalists", station)
    group = get_object_or_404(Group, contest=contest, code=payload.group)
    found = {p.pk: p for p in Project.objects.filter(contest=contest, pk__in=payload.project_ids)}
    projects = [found[i] for i in payload.project_ids if i in found]
    if len(projects) != len(payload.project_ids):
        raise Http404
    return Status(201, _list_out(propose_finalists(station=station, group=group, projects=projects,
                                                   actor=request.auth)))


@router.post("/review/finalists/{list_id}/confirm", response={200: FinalistListOut, **REFUSALS},
             summary="确认晋级名单 / The secretariat confirms: the list is frozen as a snapshot (R-V2)")
def post_confirm(request: HttpRequest, list_id: int):
    _require(request, "review.confirm_finalists")
    finalist_list = get_object_or_404(finalist_lists_for_user(request.auth, get_contest()), pk=list_id)
    return _list_out(confirm_finalists(finalist_list=finalist_list, actor=request.auth))


def _entry(request: HttpRequest, entry_id: int) -> FinalistEntry:
    _require(request, "review.due_diligence")
    return get_object_or_404(FinalistEntry.objects.select_related("finalist_list", "project"),
                             finalist_list__contest=get_contest(), pk=entry_id)


@router.put("/review/finalists/entries/{entry_id}/due-diligence", response={200: DiligenceOut, **REFUSALS},
            summary="尽职调查 / Record the checks, findings and verdict on a finalist (R-P9)")
def put_diligence(request: HttpRequest, entry_id: int, payload: DiligenceIn):
    entry = _entry(request, entry_id)
    dd = record_due_diligence(project=entry.project, actor=request.auth, checks=payload.checks,
                              findings=payload.findings, passed=payload.passed)
    return {"project_id": dd.project_id, "checklist": dd.checklist, "findings": dd.findings, "passed": dd.passed,
            "decided_at": dd.decided_at}


@router.post("/review/finalists/entries/{entry_id}/replace", response={201: FinalistListOut, **REFUSALS},
             summary="递补 / Give a failed finalist's place to the next in line, by recorded decision (R-P9)")
def post_replace(request: HttpRequest, entry_id: int, payload: ReplaceIn):
    entry = _entry(request, entry_id)
    project = get_object_or_404(Project, contest=get_contest(), pk=payload.project_id)
    replace_finalist(entry=entry, project=project, reason=payload.reason, actor=request.auth)
    return Status(201, _list_out(entry.finalist_list))
