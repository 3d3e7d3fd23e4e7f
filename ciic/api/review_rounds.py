"""Review rounds and assignment in the JSON API (R-V1, R-V5), for staff: list, create and
change rounds, set the panel, pin or forbid pairs and remove them, start a solve, follow it and
cancel it, list assignments, add or remove one by hand, open and close. Every write calls
`ciic.review.rounds.services` or `ciic.review.rounds.assigning`, as the web pages do. The secretariat manages
every round, a station officer their station's; a round the user does not manage is a 404;
anyone else gets 403."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from ciic.contests.models import Round, Station
from ciic.projects.models import Project
from ciic.review.models import (
    Assignment,
    AssignmentRun,
    Expert,
    PairConstraint,
    ReviewRound,
)
from ciic.review.rounds.assigning import cancel_solve, start_solve
from ciic.review.rounds.services import (
    add_assignment,
    close_round,
    create_round,
    open_round,
    remove_assignment,
    remove_pair_rule,
    set_pair_rule,
    set_panel,
    update_round,
)
from ciic.review.selectors import round_assignment_rows, rounds_for_staff

from .auth import ANY_AUTH
from .contests import get_contest
from .errors import DetailOut, ErrorsOut

router = Router(tags=["review rounds"], auth=ANY_AUTH)
REFUSALS = {401: DetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut}


class RoundOut(Schema):
    id: int
    stage: str
    round: str = Field(description="评审轮次代码 / The spec round's code")
    station: str | None = Field(description="赛站代码；全国总决赛为空 / Station code, null for the finals")
    previous_id: int | None
    status: str = Field(description="draft / open / closed")
    experts_per_project: int = Field(description="k：每个项目的专家数 / Experts per project")
    max_load: int = Field(description="每位专家最多评审项目数 / Default maximum load per expert")
    form: list[dict] = Field(description="评分表 / Criteria: code, name, name_en, weight, min, max")
    recommendations: list[dict]
    project_ids: list[int]
    expert_ids: list[int]
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    blind_until_submitted: bool = Field(description="专家提交本人评分后即可查看他人评分（否则评审结束后）"
                                                    " / Experts see others' scores once they submit (else at close)")

    @staticmethod
    def resolve_stage(obj) -> str:
        return obj.round.stage.code

    @staticmethod
    def resolve_round(obj) -> str:
        return obj.round.code

    @staticmethod
    def resolve_station(obj) -> str | None:
        return obj.station.code if obj.station_id else None

    @staticmethod
    def resolve_project_ids(obj) -> list[int]:
        return sorted(e.project_id for e in obj.entries.all())

    @staticmethod
    def resolve_expert_ids(obj) -> list[int]:
        return sorted(m.expert_id for m in obj.panel.all())


class RoundIn(Schema):
    stage: str = Field(description="赛段代码 / Stage code, e.g. local")
    round: str = Field(description="评审轮次代码 / Round code, e.g. online_review")
    station: str | None = Field(None, description="赛站代码（全国总决赛不填）/ Station code (none for the finals)")
    experts_per_project: int | None = None
    max_load: int | None = None


class RoundPatch(Schema):
    """Only the fields sent change; an explicit null clears a time."""

    experts_per_project: int | None = Field(None, description="k：每个项目的专家数，评审开始后不能再改 / "
                                                              "Experts per project, fixed once the round opens")
    max_load: int | None = Field(None, description="每位专家最多评审项目数 / Default maximum load per expert")
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    blind_until_submitted: bool | None = None


class PanelMemberIn(Schema):
    expert_id: int
    max_load: int | None = Field(None, description="个人上限，空则按本轮 / Own maximum load, null: the round's")


class PanelIn(Schema):
    experts: list[PanelMemberIn]


class PairRuleIn(Schema):
    expert_id: int
    project_id: int
    rule: str = Field(description="pin（必须分配）/ forbid（禁止分配）")
    reason: str = ""


class PairRuleOut(Schema):
    id: int
    expert_id: int
    project_id: int
    rule: str
    reason: str


class SolveIn(Schema):
    mode: str = Field("max_total", description="max_total（总匹配度最大）/ fair（先提高匹配度最低的项目）")


class AssignmentRunOut(Schema):
    id: int
    round_id: int
    mode: str
    status: str = Field(description="queued / running / done / failed")
    progress: int = Field(description="0–100")
    message: str = Field(description="失败原因，如无法分配的说明 / Why it failed, e.g. why the round is infeasible")
    figures: dict = Field(description="total, bound, lp_gap (%), worst, worst_bound, ceiling, seconds, summaries")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_round_id(obj) -> int:
        return obj.review_round_id


class AssignmentOut(Schema):
    id: int
    expert_id: int
    expert: str
    project_id: int
    project: str
    source: str = Field(description="solver / pinned / manual")
    affinity: float
    review: str = Field(description="not_started / draft / submitted")

    @staticmethod
    def resolve_expert(obj) -> str:
        return obj.expert.name

    @staticmethod
    def resolve_project(obj) -> str:
        return obj.project.name

    @staticmethod
    def resolve_review(obj) -> str:
        review = getattr(obj, "review", None)
        if review is None:
            return "not_started"
        return "submitted" if review.submitted_at else "draft"


class AssignmentIn(Schema):
    expert_id: int
    project_id: int
    reason: str = ""


class CancelRunIn(Schema):
    reason: str = ""


class CloseIn(Schema):
    force: bool = False
    reason: str = ""


def _require(request: HttpRequest) -> None:
    if not request.auth.has_perm("review.manage_rounds"):
        raise PermissionDenied(_("无权执行此操作"))


def _round(request: HttpRequest, round_id: int) -> ReviewRound:
    _require(request)
    qs = rounds_for_staff(request.auth, get_contest()).prefetch_related("entries", "panel")
    review_round = get_object_or_404(qs, pk=round_id)
    if not request.auth.has_perm("review.manage_round", review_round):
        raise Http404
    return review_round


def _expert(review_round: ReviewRound, expert_id: int) -> Expert:
    return get_object_or_404(Expert, contest=review_round.contest, pk=expert_id)


def _project(review_round: ReviewRound, project_id: int) -> Project:
    return get_object_or_404(Project, round_entries__review_round=review_round, pk=project_id)


@router.get("/review/rounds", response={200: list[RoundOut], **REFUSALS},
            summary="评审轮 / The review rounds the user manages")
def list_rounds(request: HttpRequest):
    _require(request)
    return list(rounds_for_staff(request.auth, get_contest()).prefetch_related("entries", "panel"))


@router.post("/review/rounds", response={201: RoundOut, **REFUSALS},
             summary="创建评审轮 / Create a review round for a station, or the finals (R-V1, R-J4)")
def post_round(request: HttpRequest, payload: RoundIn):
    _require(request)
    contest = get_contest()
    spec_round = get_object_or_404(Round, stage__contest=contest, stage__code=payload.stage, code=payload.round)
    station = get_object_or_404(Station, contest=contest, code=payload.station) if payload.station else None
    if not request.auth.has_perm("review.manage_round", ReviewRound(contest=contest, station=station)):
        raise PermissionDenied(_("只能为本赛站创建评审轮"))
    review_round = create_round(spec_round=spec_round, station=station, actor=request.auth,
                                experts_per_project=payload.experts_per_project, max_load=payload.max_load)
    return Status(201, _round(request, review_round.pk))


@router.get("/review/rounds/{round_id}", response={200: RoundOut, **REFUSALS}, summary="评审轮 / A review round")
def get_round(request: HttpRequest, round_id: int):
    return _round(request, round_id)


@router.patch("/review/rounds/{round_id}", response={200: RoundOut, **REFUSALS},
              summary="修改评审轮设置 / Change k (before opening), the default load, the times or blindness")
def patch_round(request: HttpRequest, round_id: int, payload: RoundPatch):
    review_round = _round(request, round_id)
    sent = payload.model_fields_set
    values = {f: getattr(payload if f in sent else review_round, f)
              for f in ("experts_per_project", "max_load", "opens_at", "closes_at", "blind_until_submitted")}
    update_round(review_round=review_round, actor=request.auth, **values)
    return _round(request, round_id)


@router.put("/review/rounds/{round_id}/panel", response={200: RoundOut, **REFUSALS},
            summary="专家组 / Set the round's panel and each member's own load (R-V5)")
def put_panel(request: HttpRequest, round_id: int, payload: PanelIn):
    review_round = _round(request, round_id)
    experts = list(Expert.objects.filter(contest=review_round.contest, pk__in=[m.expert_id for m in payload.experts]))
    missing = {m.expert_id for m in payload.experts} - {e.pk for e in experts}
    if missing:
        raise Http404
    set_panel(review_round=review_round, experts=experts, actor=request.auth,
              loads={m.expert_id: m.max_load for m in payload.experts})
    return _round(request, round_id)


@router.post("/review/rounds/{round_id}/pairs", response={201: PairRuleOut, **REFUSALS},
             summary="指定或禁止分配 / Pin or forbid an expert–project pair before solving")
def post_pair_rule(request: HttpRequest, round_id: int, payload: PairRuleIn):
    review_round = _round(request, round_id)
    rule = set_pair_rule(review_round=review_round, expert=_expert(review_round, payload.expert_id),
                         project=_project(review_round, payload.project_id), rule=payload.rule,
                         reason=payload.reason, actor=request.auth)
    return Status(201, rule)


@router.get("/review/rounds/{round_id}/pairs", response={200: list[PairRuleOut], **REFUSALS},
            summary="指定与禁止 / The pinned and forbidden pairs")
def list_pair_rules(request: HttpRequest, round_id: int):
    review_round = _round(request, round_id)
    return list(PairConstraint.objects.filter(review_round=review_round).order_by("pk"))


@router.delete("/review/rounds/{round_id}/pairs/{pair_id}", response={204: None, **REFUSALS},
               summary="取消指定或禁止 / Remove a pin or a forbid (a pinned assignment stays until the next solve)")
def delete_pair_rule(request: HttpRequest, round_id: int, pair_id: int):
    review_round = _round(request, round_id)
    remove_pair_rule(pair_rule=get_object_or_404(PairConstraint, review_round=review_round, pk=pair_id),
                     actor=request.auth)
    return Status(204, None)


@router.post("/review/rounds/{round_id}/solve", response={201: AssignmentRunOut, **REFUSALS},
             summary="自动分配 / Queue a solve of the round's assignment (max_total or fair)")
def post_solve(request: HttpRequest, round_id: int, payload: SolveIn):
    review_round = _round(request, round_id)
    run = start_solve(review_round=review_round, mode=payload.mode, actor=request.auth)
    run.refresh_from_db()  # the immediate backend may already have run it
    return Status(201, run)


@router.get("/review/rounds/{round_id}/runs/{run_id}", response={200: AssignmentRunOut, **REFUSALS},
            summary="一次分配计算 / A solve: progress, figures, or why it failed")
def get_run(request: HttpRequest, round_id: int, run_id: int):
    review_round = _round(request, round_id)
    return get_object_or_404(AssignmentRun, review_round=review_round, pk=run_id)


@router.post("/review/rounds/{round_id}/runs/{run_id}/cancel", response={200: AssignmentRunOut, **REFUSALS},
             summary="取消分配计算 / Cancel a queued or running solve; the assignments stay as they were")
def post_cancel_run(request: HttpRequest, round_id: int, run_id: int, payload: CancelRunIn):
    review_round = _round(request, round_id)
    return cancel_solve(run=get_object_or_404(AssignmentRun, review_round=review_round, pk=run_id),
                        actor=request.auth, reason=payload.reason)


@router.get("/review/rounds/{round_id}/assignments", response={200: list[AssignmentOut], **REFUSALS},
            summary="分配结果 / The round's assignments with each review's state")
def list_assignments(request: HttpRequest, round_id: int):
    return round_assignment_rows(_round(request, round_id))


@router.post("/review/rounds/{round_id}/assignments", response={201: AssignmentOut, **REFUSALS},
             summary="手工添加分配 / Add an assignment by hand (conflicts and full loads refused)")
def post_assignment(request: HttpRequest, round_id: int, payload: AssignmentIn):
    review_round = _round(request, round_id)
    assignment = add_assignment(review_round=review_round, expert=_expert(review_round, payload.expert_id),
                                project=_project(review_round, payload.project_id), actor=request.auth,
                                reason=payload.reason)
    return Status(201, Assignment.objects.select_related("expert", "project").get(pk=assignment.pk))


@router.delete("/review/rounds/{round_id}/assignments/{assignment_id}", response={204: None, **REFUSALS},
               summary="取消分配 / Remove an assignment whose review has not started")
def delete_assignment(request: HttpRequest, round_id: int, assignment_id: int):
    review_round = _round(request, round_id)
    remove_assignment(assignment=get_object_or_404(Assignment, review_round=review_round, pk=assignment_id),
                      actor=request.auth)
    return Status(204, None)


@router.post("/review/rounds/{round_id}/open", response={200: RoundOut, **REFUSALS},
             summary="开始评审 / Open the round (every project needs its k experts)")
def post_open(request: HttpRequest, round_id: int):
    open_round(review_round=_round(request, round_id), actor=request.auth)
    return _round(request, round_id)


@router.post("/review/rounds/{round_id}/close", response={200: RoundOut, **REFUSALS},
             summary="结束评审 / Close the round (unsubmitted reviews: force with a reason, R-V3)")
def post_close(request: HttpRequest, round_id: int, payload: CloseIn):
    close_round(review_round=_round(request, round_id), actor=request.auth, force=payload.force,
                reason=payload.reason)
    return _round(request, round_id)
