"""Projects: start, autosave the draft, submit versions, list versions; secretariat renames
and disqualifications. Every write calls `ciic.projects.services`, as the web pages will, so
R-P2, R-J1, R-J3, R-J4, R-J6, R-J7.1 and R-T1 are enforced in one place. Projects come from
`projects_for_user`: anything else is 404."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from ciic.entrants.selectors import teams_for_user
from ciic.projects.models import Project, Submission
from ciic.projects.selectors import counting_submission, projects_for_user
from ciic.projects.services import (
    disqualify_project,
    rename_project,
    save_draft,
    start_project,
    submit_project,
    withdraw_project,
)

from .auth import ANY_AUTH
from .contests import get_contest
from .errors import DetailOut, ErrorsOut
from .pagination import PAGE_SIZE, Pages

router = Router(tags=["projects"], auth=ANY_AUTH)
REFUSALS = {401: DetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut}


class ProjectIn(Schema):
    name: str = Field(description="项目名称，应体现解决方案主要特征 / Project name (R-J1)")


class DraftIn(Schema):
    name: str | None = Field(None, description="首次提交前可改 / Changeable until the first submission (R-J4)")
    sections: dict[str, str] = Field(default_factory=dict,
                                     description="申报书各部分，按代码 / Form sections by code (R-J7.1)")


class ReasonIn(Schema):
    reason: str


class RenameIn(Schema):
    name: str
    reason: str


class SubmissionOut(Schema):
    number: int
    stage: str
    name: str
    submitted_at: dt.datetime
    content_sha256: str
    counts: bool = Field(description="是否为本赛段计入评审的版本 / The version judged in its stage (R-J4)")

    @staticmethod
    def resolve_stage(obj) -> str:
        return obj.stage.code

    @staticmethod
    def resolve_counts(obj) -> bool:
        return counting_submission(obj.project, obj.stage) == obj


class SubmissionDetailOut(SubmissionOut):
    sections: dict[str, str]


class ProjectOut(Schema):
    id: int
    team_id: int
    name: str
    status: str
    name_locked: bool
    past_winner_match: str
    draft: dict[str, str]
    draft_saved_at: dt.datetime | None

    @staticmethod
    def resolve_name_locked(obj) -> bool:
        return obj.name_locked_at is not None

    @staticmethod
    def resolve_draft(obj) -> dict[str, str]:
        return obj.draft.sections

    @staticmethod
    def resolve_draft_saved_at(obj) -> dt.datetime | None:
        return obj.draft.updated_at


def _require(user, perm: str, obj=None) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(_("无权执行此操作"))


def _project(request: HttpRequest, project_id: int) -> Project:
    qs = projects_for_user(request.auth, get_contest()).select_related("draft")
    return get_object_or_404(qs, pk=project_id)


@router.get("/projects", response=list[ProjectOut], summary="项目列表 / Projects visible to me")
@paginate(Pages, page_size=PAGE_SIZE)
def list_projects(request: HttpRequest):
    return projects_for_user(request.auth, get_contest()).select_related("draft").order_by("pk")


@router.post("/teams/{team_id}/project", response={201: ProjectOut, **REFUSALS},
             summary="创建团队的参赛项目 / Start the team's one project (R-P2)")
def create_project(request: HttpRequest, team_id: int, payload: ProjectIn):
    team = get_object_or_404(teams_for_user(request.auth, get_contest()), pk=team_id)
    _require(request.auth, "projects.start_project", team)
    project = start_project(team=team, name=payload.name, actor=request.auth)
    return Status(201, _project(request, project.pk))


@router.get("/projects/{project_id}", response={200: ProjectOut, **REFUSALS}, summary="项目 / A project")
def get_project(request: HttpRequest, project_id: int):
    return _project(request, project_id)


@router.put("/projects/{project_id}/draft", response={200: ProjectOut, **REFUSALS},
            summary="保存申报书草稿 / Save the draft (autosave)")
def put_draft(request: HttpRequest, project_id: int, payload: DraftIn):
    project = _project(request, project_id)
    _require(request.auth, "projects.edit_project", project)
    save_draft(project=project, actor=request.auth, sections=payload.sections, name=payload.name)
    return _project(request, project_id)


@router.post("/projects/{project_id}/submissions", response={201: SubmissionDetailOut, **REFUSALS},
             summary="提交新版本 / Submit: freeze the draft as a new version (R-J4)",
             description=("可带请求头 Idempotency-Key：同一键的重试返回第一次提交的版本，不会再生成新版本。"
                          " / Send an `Idempotency-Key` header: a retry with the same key gets the version the"
                          " first request made, never a second one."))
def create_submission(request: HttpRequest, project_id: int):
    project = _project(request, project_id)
    _require(request.auth, "projects.edit_project", project)
    submission = submit_project(project=project, actor=request.auth,
                                idempotency_key=request.headers.get("Idempotency-Key", ""))
    return Status(201, submission)


@router.get("/projects/{project_id}/submissions", response={200: list[SubmissionOut], **REFUSALS},
            summary="已提交的版本 / Submitted versions, and which one counts")
def list_submissions(request: HttpRequest, project_id: int):
    project = _project(request, project_id)
    return list(project.submissions.select_related("stage", "project").order_by("number"))


@router.get("/projects/{project_id}/submissions/{number}", response={200: SubmissionDetailOut, **REFUSALS},
            summary="一个版本 / One submitted version")
def get_submission(request: HttpRequest, project_id: int, number: int):
    project = _project(request, project_id)
    return get_object_or_404(Submission.objects.select_related("stage", "project"), project=project, number=number)


@router.post("/projects/{project_id}/rename", response={200: ProjectOut, **REFUSALS},
             summary="秘书处准许更名 / The secretariat allows a rename (R-J4)")
def post_rename(request: HttpRequest, project_id: int, payload: RenameIn):
    project = _project(request, project_id)
    _require(request.auth, "projects.rename_project", project)
    rename_project(project=project, actor=request.auth, name=payload.name, reason=payload.reason)
    return _project(request, project_id)


@router.post("/projects/{project_id}/withdraw", response={200: ProjectOut, **REFUSALS},
             summary="退赛（已提交版本保留）/ Withdraw; versions are kept (R-J6)")
def post_withdraw(request: HttpRequest, project_id: int, payload: ReasonIn):
    project = _project(request, project_id)
    _require(request.auth, "projects.edit_project", project)
    withdraw_project(project=project, actor=request.auth, reason=payload.reason)
    return _project(request, project_id)


@router.post("/projects/{project_id}/disqualify", response={200: ProjectOut, **REFUSALS},
             summary="取消参赛资格 / Disqualify (R-P6, R-J2)")
def post_disqualify(request: HttpRequest, project_id: int, payload: ReasonIn):
    project = _project(request, project_id)
    _require(request.auth, "projects.disqualify_project", project)
    disqualify_project(project=project, actor=request.auth, reason=payload.reason)
    return _project(request, project_id)
