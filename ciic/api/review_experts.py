"""The expert pool and conflicts of interest in the JSON API (R-V5, R-P8).

Staff list, add, change, deactivate and invite experts; list the contest's conflicts (detected
and declared, each with its reason) and record one. The expert declares a conflict; the team
lead names an organization or person to avoid. Staff dismiss a possible (name-only) match they
checked as a namesake, and withdraw that. Every write calls the same services as the web
pages (`ciic.review.experts.services`, `ciic.review.conflicts`); experts and projects outside the
caller's scope are 404.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from ciic.accounts.enums import Role
from ciic.accounts.models import User
from ciic.projects.selectors import projects_for_user
from ciic.review.conflicts import (
    conflicts_of_contest,
    declare_avoidance,
    declare_conflict,
    dismiss_possible_conflict,
    record_conflict,
    restore_possible_conflict,
)
from ciic.review.experts.services import (
    ExpertInput,
    add_expert,
    invite_expert,
    set_expert_active,
    update_expert,
)
from ciic.review.models import ConflictDismissal, Expert, TeamAvoidance
from ciic.review.selectors import (
    conflict_projects_for_user,
    declarable_projects,
    experts_for_user,
    filter_experts,
)

from .auth import ANY_AUTH
from .contests import get_contest
from .errors import DetailOut, ErrorsOut

router = Router(tags=["review"], auth=ANY_AUTH)
REFUSALS = {401: DetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut}
LIST_LIMIT = 500


class ExpertIn(Schema):
    name: str
    employer: str = Field(description="工作单位 / Employer (for conflicts, R-P8)")
    kind: str = Field(description="research / investment / industry_body / enterprise (R-V5)")
    email: str = ""
    employer_credit_code: str = ""
    directions: list[str] = Field(default_factory=list, description="方向代码 / Direction codes")
    keywords: str = ""
    profile: str = ""
    station: str = Field("", description="赛站代码（秘书处）/ Station code (secretariat only)")


class ExpertOut(Schema):
    id: int
    name: str
    email: str
    employer: str
    employer_credit_code: str
    kind: str
    directions: list[str]
    keywords: str
    profile: str
    station: str | None
    active: bool
    has_account: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_directions(obj) -> list[str]:
        return [d.code for d in sorted(obj.directions.all(), key=lambda d: d.number)]

    @staticmethod
    def resolve_station(obj) -> str | None:
        return obj.station.code if obj.station else None

    @staticmethod
    def resolve_has_account(obj) -> bool:
        return obj.user_id is not None


class ExpertFilters(Schema):
    station: str = ""
    direction: str = ""
    kind: str = ""
    active: str = Field("", description="1 / 0")
    q: str = ""


class ActiveIn(Schema):
    active: bool


class InviteOut(Schema):
    expert_id: int
    account_created: bool = Field(description="新开通的账号会收到设置密码的邮件 / New accounts get a set-password email")


class ConflictItem(Schema):
    source: str
    reason: str
    possible: bool = Field(False, description="仅按姓名匹配，可能同名 / Matched by name only: maybe a namesake")
    avoidance_id: int | None = Field(None, description="团队申报的回避 / The team's avoidance behind it")


class ConflictOut(Schema):
    expert_id: int
    expert: str
    project_id: int
    project: str
    organization: str
    conflicts: list[ConflictItem]


class RecordIn(Schema):
    expert_id: int
    project_id: int
    reason: str


class DeclareIn(Schema):
    project_id: int
    reason: str


class AvoidanceIn(Schema):
    kind: str = Field(description="organization / person")
    name: str = Field(description="单位全称或专家姓名 / An organization's or a person's name")
    reason: str


class DismissalIn(Schema):
    avoidance_id: int
    expert_id: int
    reason: str


class DismissalOut(Schema):
    id: int
    avoidance_id: int
    expert_id: int
    project_id: int
    reason: str
    dismissed_by: str
    dismissed_at: dt.datetime

    @staticmethod
    def resolve_project_id(obj) -> int:
        return obj.avoidance.project_id

    @staticmethod
    def resolve_dismissed_by(obj) -> str:
        return str(obj.dismissed_by)


class AvoidanceOut(Schema):
    id: int
    kind: str
    name: str
    reason: str
    declared_at: dt.datetime


def _require(user, perm: str, obj=None) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(_("无权执行此操作"))


def _expert(request: HttpRequest, expert_id: int) -> Expert:
    qs = experts_for_user(request.auth, get_contest()).prefetch_related("directions")
    return get_object_or_404(qs, pk=expert_id)


def _input(contest, payload: ExpertIn) -> ExpertInput:
    codes = set(payload.directions)
    found = dict(contest.directions.filter(code__in=codes).values_list("code", "pk"))
    station_id = contest.stations.filter(code=payload.station).values_list("pk", flat=True).first() \
        if payload.station else None
    # Unknown codes become an id that matches nothing, so the service reports them (R-V5).
    ids = [found.get(code, 0) for code in codes]
    return ExpertInput(name=payload.name, employer=payload.employer, kind=payload.kind, email=payload.email,
                       employer_credit_code=payload.employer_credit_code, directions=ids,
                       keywords=payload.keywords, profile=payload.profile,
                       station_id=station_id if station_id or not payload.station else -1)


@router.get("/experts", response={200: list[ExpertOut], **REFUSALS},
            summary="专家库 / The expert pool (R-V5), filtered")
def list_experts(request: HttpRequest, filters: Query[ExpertFilters]):
    _require(request.auth, "review.manage_experts")
    qs = filter_experts(experts_for_user(request.auth, get_contest()), **filters.dict())
    return list(qs.prefetch_related("directions")[:LIST_LIMIT])


@router.post("/experts", response={201: ExpertOut, **REFUSALS}, summary="添加专家 / Add an expert (R-V5)")
def post_expert(request: HttpRequest, payload: ExpertIn):
    contest = get_contest()
    _require(request.auth, "review.manage_experts")
    expert = add_expert(contest=contest, actor=request.auth, data=_input(contest, payload))
    return Status(201, _expert(request, expert.pk))


@router.get("/experts/{expert_id}", response={200: ExpertOut, **REFUSALS}, summary="专家 / An expert")
def get_expert(request: HttpRequest, expert_id: int):
    return _expert(request, expert_id)


@router.put("/experts/{expert_id}", response={200: ExpertOut, **REFUSALS},
            summary="修改专家 / Change an expert (R-V5)")
def put_expert(request: HttpRequest, expert_id: int, payload: ExpertIn):
    expert = _expert(request, expert_id)
    update_expert(expert=expert, actor=request.auth, data=_input(expert.contest, payload))
    return _expert(request, expert_id)


@router.post("/experts/{expert_id}/active", response={200: ExpertOut, **REFUSALS},
             summary="停用或启用专家 / Deactivate or reactivate an expert")
def post_expert_active(request: HttpRequest, expert_id: int, payload: ActiveIn):
    expert = _expert(request, expert_id)
    set_expert_active(expert=expert, actor=request.auth, active=payload.active)
    return _expert(request, expert_id)


@router.post("/experts/{expert_id}/invite", response={200: InviteOut, **REFUSALS},
             summary="邀请专家开通账号 / Invite the expert to an account with two-factor login")
def post_expert_invite(request: HttpRequest, expert_id: int):
    expert = _expert(request, expert_id)
    had_account = expert.user_id is not None or (
        bool(expert.email) and User.objects.filter(email__iexact=expert.email).exists())
    invite_expert(expert=expert, actor=request.auth)
    return {"expert_id": expert.pk, "account_created": not had_account}


def _conflict_rows(found, experts, projects) -> list[dict]:
    by_expert = {e.pk: e for e in experts}
    by_project = {p.pk: p for p in projects}
    return [{"expert_id": eid, "expert": by_expert[eid].name, "project_id": pid, "project": by_project[pid].name,
             "organization": by_project[pid].team.organization.name,
             "conflicts": [{"source": c.source, "reason": c.reason, "possible": c.possible,
                            "avoidance_id": c.avoidance_id} for c in items]}
            for (eid, pid), items in sorted(found.items())]


@router.get("/experts/{expert_id}/conflicts", response={200: list[ConflictOut], **REFUSALS},
            summary="专家的利益冲突 / An expert's conflicts, with reasons (R-P8)")
def get_expert_conflicts(request: HttpRequest, expert_id: int):
    expert = _expert(request, expert_id)
    projects = list(conflict_projects_for_user(request.auth, expert.contest))
    found = conflicts_of_contest(expert.contest, experts=[expert],
                                 projects=conflict_projects_for_user(request.auth, expert.contest))
    return _conflict_rows(found, [expert], projects)


@router.get("/conflicts", response={200: list[ConflictOut], **REFUSALS},
            summary="利益冲突 / The contest's conflicts, detected and declared, with reasons (R-P8)")
def list_conflicts(request: HttpRequest, station: str = "", direction: str = ""):
    contest = get_contest()
    _require(request.auth, "review.view_conflicts")
    projects_qs = conflict_projects_for_user(request.auth, contest, station=station, direction=direction)
    experts = list(experts_for_user(request.auth, contest))
    found = conflicts_of_contest(contest, experts=experts, projects=projects_qs)
    return _conflict_rows(found, experts, list(projects_qs))


@router.post("/conflicts", response={201: ConflictOut, **REFUSALS},
             summary="记录利益冲突 / Staff record a conflict (R-P8)")
def post_conflict(request: HttpRequest, payload: RecordIn):
    contest = get_contest()
    _require(request.auth, "review.record_conflict")
    expert = get_object_or_404(experts_for_user(request.auth, contest), pk=payload.expert_id)
    project = get_object_or_404(conflict_projects_for_user(request.auth, contest), pk=payload.project_id)
    record_conflict(expert=expert, project=project, reason=payload.reason, actor=request.auth)
    found = conflicts_of_contest(contest, experts=[expert], projects=conflict_projects_for_user(
        request.auth, contest).filter(pk=project.pk))
    return Status(201, _conflict_rows(found, [expert], [project])[0])


@router.post("/conflicts/dismissals", response={201: DismissalOut, **REFUSALS},
             summary="排除同名匹配 / Staff dismiss a possible (name-only) match as a namesake (R-P8)")
def post_dismissal(request: HttpRequest, payload: DismissalIn):
    contest = get_contest()
    _require(request.auth, "review.view_conflicts")
    avoidance = get_object_or_404(TeamAvoidance.objects.select_related("project__team"), pk=payload.avoidance_id,
                                  project__in=conflict_projects_for_user(request.auth, contest))
    expert = get_object_or_404(experts_for_user(request.auth, contest), pk=payload.expert_id)
    item = dismiss_possible_conflict(avoidance=avoidance, expert=expert, reason=payload.reason, actor=request.auth)
    return Status(201, item)


@router.delete("/conflicts/dismissals/{dismissal_id}", response={204: None, **REFUSALS},
               summary="撤销排除 / Withdraw a dismissal: the possible match is a conflict again (R-P8)")
def delete_dismissal(request: HttpRequest, dismissal_id: int):
    contest = get_contest()
    _require(request.auth, "review.view_conflicts")
    dismissal = get_object_or_404(
        ConflictDismissal.objects.select_related("avoidance__project__team", "expert"), pk=dismissal_id,
        avoidance__project__in=conflict_projects_for_user(request.auth, contest),
        expert__in=experts_for_user(request.auth, contest))
    restore_possible_conflict(dismissal=dismissal, actor=request.auth)
    return Status(204, None)


@router.post("/conflicts/declare", response={201: DeclareIn, **REFUSALS},
             summary="专家申报利益冲突 / The expert declares a conflict (R-P8)")
def post_declare(request: HttpRequest, payload: DeclareIn):
    contest = get_contest()
    if request.auth.role != Role.EXPERT:
        raise PermissionDenied(_("仅评审专家可申报"))
    expert = Expert.objects.filter(user=request.auth, contest=contest).first()
    if expert is None:
        raise Http404
    project = get_object_or_404(declarable_projects(contest), pk=payload.project_id)
    declare_conflict(expert=expert, project=project, reason=payload.reason, actor=request.auth)
    return Status(201, {"project_id": project.pk, "reason": payload.reason.strip()})


@router.get("/projects/{project_id}/avoidances", response={200: list[AvoidanceOut], **REFUSALS},
            summary="团队申请的回避 / Whom the team asked to avoid (R-P8)")
def list_avoidances(request: HttpRequest, project_id: int):
    project = get_object_or_404(projects_for_user(request.auth, get_contest()), pk=project_id)
    return list(project.avoidances.all())


@router.post("/projects/{project_id}/avoidances", response={201: AvoidanceOut, **REFUSALS},
             summary="申请回避 / The team names an organization or person to avoid (R-P8)")
def post_avoidance(request: HttpRequest, project_id: int, payload: AvoidanceIn):
    project = get_object_or_404(projects_for_user(request.auth, get_contest()), pk=project_id)
    _require(request.auth, "review.declare_team_avoidance", project)
    item = declare_avoidance(project=project, kind=payload.kind, name=payload.name, reason=payload.reason,
                             actor=request.auth)
    return Status(201, item)
