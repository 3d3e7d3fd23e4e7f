"""The originality check (R-J2, R-J3), for the secretariat: runs and their progress, start a
run, the pairs a run reports, a verdict on a pair, and disqualifying one of a pair's projects.
Every write calls `ciic.projects.originality_runs` (as the web pages do). Anyone but the
secretariat gets 403."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from ciic.projects.models import OriginalityPair, OriginalityRun
from ciic.projects.originality_runs import (
    MANUAL,
    judge_pair,
    pair_rule,
    run_pairs,
    start_run,
)
from ciic.projects.selectors import projects_for_user
from ciic.projects.services import disqualify_from_pair

from .auth import ANY_AUTH
from .contests import get_contest
from .errors import DetailOut, ErrorsOut

router = Router(tags=["originality"], auth=ANY_AUTH)
REFUSALS = {401: DetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut}


class RunOut(Schema):
    id: int
    status: str = Field(description="queued / running / done / failed")
    trigger: str = Field(description="manual（秘书处发起）/ new_version（新版本提交后自动）")
    threshold: float = Field(description="相似度阈值 / Jaccard similarity reported from (R-J2, R-J3)")
    requested_by_id: int | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    total: int = Field(description="待比对文档数 / Documents to compare")
    done: int = Field(description="已比对文档数 / Documents compared so far")
    percent: int
    pairs_found: int
    error: str


class SideOut(Schema):
    project_id: int
    project_name: str
    project_status: str
    team_name: str
    station: str
    version: int = Field(description="比对的版本号 / The version compared (the one that counts, R-J4)")
    stage: str


class PastWinnerDetailOut(Schema):
    id: int
    edition: int
    project_name: str
    organization: str
    prize: str


class PairOut(Schema):
    id: int
    run_id: int
    rule: str = Field(description="R-J2 two applications / R-J3 an application and an earlier prize winner")
    similarity: float = Field(description="相同 5 字片段占比 / Jaccard similarity of 5-character shingles")
    left: SideOut
    right: SideOut | None
    past_winner: PastWinnerDetailOut | None
    shared_passages: list[str]
    verdict: str = Field(description="pending / cleared / acted")
    verdict_note: str
    judged_at: dt.datetime | None

    @staticmethod
    def resolve_rule(obj) -> str:
        return pair_rule(obj)

    @staticmethod
    def resolve_left(obj) -> dict:
        return _side(obj.left)

    @staticmethod
    def resolve_right(obj) -> dict | None:
        return _side(obj.right) if obj.right_id else None


class VerdictIn(Schema):
    verdict: str = Field(description="cleared（无问题）/ acted（已处理，须写明）")
    note: str = ""


class DisqualifyIn(Schema):
    project_id: int = Field(description="该组中的一个项目 / One of the pair's projects")
    rule: str = Field(description="R-P6 / R-J2 / R-J3")
    reason: str


def _side(submission) -> dict:
    project = submission.project
    return {"project_id": project.pk, "project_name": project.name, "project_status": project.status,
            "team_name": project.team.name, "station": project.team.station.code,
            "version": submission.number, "stage": submission.stage.code}


def _require(request: HttpRequest) -> None:
    if not request.auth.has_perm("projects.run_originality"):
        raise PermissionDenied(_("无权执行此操作"))


def _pair(request: HttpRequest, pair_id: int) -> OriginalityPair:
    _require(request)
    qs = OriginalityPair.objects.select_related("run", "left__project__team__station", "left__stage",
                                                "right__project__team__station", "right__stage", "past_winner")
    return get_object_or_404(qs, run__contest=get_contest(), pk=pair_id)


@router.get("/originality/runs", response={200: list[RunOut], **REFUSALS},
            summary="原创性检查记录 / Originality runs, newest first, with progress")
def list_runs(request: HttpRequest):
    _require(request)
    return list(OriginalityRun.objects.filter(contest=get_contest())[:100])


@router.post("/originality/runs", response={201: RunOut, **REFUSALS},
             summary="运行原创性检查 / Queue an originality check (R-J2, R-J3)")
def create_run(request: HttpRequest):
    _require(request)
    run = start_run(contest=get_contest(), actor=request.auth, trigger=MANUAL)
    run.refresh_from_db()  # the immediate backend may already have run it
    return Status(201, run)


@router.get("/originality/runs/{run_id}", response={200: RunOut, **REFUSALS},
            summary="一次检查及其进度 / One run and its progress")
def get_run(request: HttpRequest, run_id: int):
    _require(request)
    return get_object_or_404(OriginalityRun, contest=get_contest(), pk=run_id)


@router.get("/originality/runs/{run_id}/pairs", response={200: list[PairOut], **REFUSALS},
            summary="相似项目 / The pairs a run reports, most similar first")
def list_pairs(request: HttpRequest, run_id: int):
    _require(request)
    run = get_object_or_404(OriginalityRun, contest=get_contest(), pk=run_id)
    return list(run_pairs(run))


@router.post("/originality/pairs/{pair_id}/verdict", response={200: PairOut, **REFUSALS},
             summary="核查结论 / The secretariat's verdict on a pair")
def post_verdict(request: HttpRequest, pair_id: int, payload: VerdictIn):
    pair = _pair(request, pair_id)
    judge_pair(pair=pair, actor=request.auth, verdict=payload.verdict, note=payload.note)
    return _pair(request, pair_id)


@router.post("/originality/pairs/{pair_id}/disqualify", response={200: PairOut, **REFUSALS},
             summary="取消该组中一个项目的参赛资格 / Disqualify one of the pair's projects (R-P6, R-J2, R-J3)")
def post_disqualify(request: HttpRequest, pair_id: int, payload: DisqualifyIn):
    pair = _pair(request, pair_id)
    project = get_object_or_404(projects_for_user(request.auth, get_contest()), pk=payload.project_id)
    disqualify_from_pair(pair=pair, project=project, actor=request.auth, rule=payload.rule, reason=payload.reason)
    return _pair(request, pair_id)
