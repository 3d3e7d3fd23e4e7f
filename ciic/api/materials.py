"""Materials and further material on request, in the JSON API.

Draft materials (R-J7): list them, upload a file (multipart; large files go through the tus
endpoint at /projects/tus/, see the README) or set a link. Frozen materials of a version.
Further material on request (R-J5): staff ask, the team supplies files or links and answers,
staff cancel. Every write calls the same services as the web pages (`ciic.projects.materials`,
`ciic.projects.further`); projects and requests outside `projects_for_user` are 404.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from ciic.contests.models import MaterialType
from ciic.projects.downloads import stored_file_response, visible_file
from ciic.projects.further import (
    answer_request,
    cancel_request,
    request_material,
    supply_file,
    supply_link,
)
from ciic.projects.materials import attach_file, attach_link
from ciic.projects.models import MaterialRequest, Project
from ciic.projects.selectors import projects_for_user

from .auth import ANY_AUTH
from .contests import get_contest
from .errors import DetailOut, ErrorsOut

router = Router(tags=["materials"], auth=ANY_AUTH)
REFUSALS = {401: DetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut}


class FileOut(Schema):
    id: int
    name: str = Field(alias="original_name")
    size: int
    kind: str
    sha256: str
    download_url: str

    @staticmethod
    def resolve_download_url(obj) -> str:
        # Under /api/v1, so the same token that listed the file downloads it.
        return f"/api/v1/files/{obj.pk}"


class MaterialOut(Schema):
    type: str
    file: FileOut | None = None
    link: str
    attested_own_entity: bool
    note: str

    @staticmethod
    def resolve_type(obj) -> str:
        return obj.material_type.code


class DraftMaterialOut(MaterialOut):
    updated_at: dt.datetime


class LinkIn(Schema):
    link: str = Field(description="https 链接 / An https link (R-J7.5)")
    note: str = ""


class RequestIn(Schema):
    message: str = Field(description="需要补充的材料 / What is asked for (R-J5)")
    due_at: dt.datetime = Field(description="截止时间，带时区 / Due time with its offset")


class RequestItemOut(Schema):
    id: int
    file: FileOut | None = None
    link: str
    note: str
    uploaded_at: dt.datetime


class RequestOut(Schema):
    id: int
    project_id: int
    stage: str
    message: str
    due_at: dt.datetime
    requested_at: dt.datetime
    status: str
    answer_note: str
    answered_at: dt.datetime | None
    cancel_reason: str
    items: list[RequestItemOut]

    @staticmethod
    def resolve_stage(obj) -> str:
        return obj.stage.code

    @staticmethod
    def resolve_items(obj) -> list:
        return list(obj.items.select_related("file"))


class AnswerIn(Schema):
    note: str = ""


class CancelIn(Schema):
    reason: str


def _require(user, perm: str, obj=None) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(_("无权执行此操作"))


def _project(request: HttpRequest, project_id: int) -> Project:
    return get_object_or_404(projects_for_user(request.auth, get_contest()), pk=project_id)


def _type(project: Project, code: str) -> MaterialType:
    return get_object_or_404(MaterialType, contest=project.contest, code=code)


def _request(request: HttpRequest, request_id: int) -> MaterialRequest:
    visible = projects_for_user(request.auth, get_contest())
    return get_object_or_404(MaterialRequest.objects.select_related("project", "stage")
                             .filter(project__in=visible), pk=request_id)


@router.get("/projects/{project_id}/materials", response={200: list[DraftMaterialOut], **REFUSALS},
            summary="当前材料 / The project's current materials (R-J7)")
def list_materials(request: HttpRequest, project_id: int):
    project = _project(request, project_id)
    return list(project.materials.select_related("material_type", "file"))


@router.post("/projects/{project_id}/materials/{type_code}/file", response={200: DraftMaterialOut, **REFUSALS},
             summary="上传材料文件 / Upload a material file (R-J7; large files: tus)")
def post_material_file(request: HttpRequest, project_id: int, type_code: str, file: File[UploadedFile],
                       attested_own_entity: Form[bool] = False, note: Form[str] = ""):
    project = _project(request, project_id)
    _require(request.auth, "projects.upload_material", project)
    return attach_file(project=project, material_type=_type(project, type_code), stream=file, filename=file.name,
                       actor=request.auth, attested=attested_own_entity, note=note)


@router.put("/projects/{project_id}/materials/{type_code}/link", response={200: DraftMaterialOut, **REFUSALS},
            summary="设置材料链接 / Set a material's link (R-J7.5)")
def put_material_link(request: HttpRequest, project_id: int, type_code: str, payload: LinkIn):
    project = _project(request, project_id)
    _require(request.auth, "projects.upload_material", project)
    return attach_link(project=project, material_type=_type(project, type_code), url=payload.link,
                       actor=request.auth, note=payload.note)


@router.get("/projects/{project_id}/submissions/{number}/materials", response={200: list[MaterialOut], **REFUSALS},
            summary="版本的材料 / Materials frozen in a version (R-J6)")
def list_version_materials(request: HttpRequest, project_id: int, number: int):
    project = _project(request, project_id)
    submission = get_object_or_404(project.submissions, number=number)
    return list(submission.materials.select_related("material_type", "file"))


@router.get("/projects/{project_id}/requests", response={200: list[RequestOut], **REFUSALS},
            summary="补充材料要求 / Further-material requests (R-J5)")
def list_requests(request: HttpRequest, project_id: int):
    project = _project(request, project_id)
    return list(project.material_requests.select_related("stage"))


@router.post("/projects/{project_id}/requests", response={201: RequestOut, **REFUSALS},
             summary="要求补充材料 / Ask for further material (R-J5)")
def post_request(request: HttpRequest, project_id: int, payload: RequestIn):
    project = _project(request, project_id)
    _require(request.auth, "projects.request_material", project)
    item = request_material(project=project, actor=request.auth, message=payload.message, due_at=payload.due_at)
    return Status(201, _request(request, item.pk))


@router.get("/requests/{request_id}", response={200: RequestOut, **REFUSALS},
            summary="补充材料要求 / A further-material request (R-J5)")
def get_request(request: HttpRequest, request_id: int):
    return _request(request, request_id)


@router.post("/requests/{request_id}/files", response={201: RequestOut, **REFUSALS},
             summary="补充文件 / Supply a file (R-J5, R-J7)")
def post_request_file(request: HttpRequest, request_id: int, file: File[UploadedFile], note: Form[str] = ""):
    item = _request(request, request_id)
    _require(request.auth, "projects.supply_material", item.project)
    supply_file(request=item, actor=request.auth, stream=file, filename=file.name, note=note)
    return Status(201, _request(request, request_id))


@router.post("/requests/{request_id}/links", response={201: RequestOut, **REFUSALS},
             summary="补充链接 / Supply a link (R-J5)")
def post_request_link(request: HttpRequest, request_id: int, payload: LinkIn):
    item = _request(request, request_id)
    _require(request.auth, "projects.supply_material", item.project)
    supply_link(request=item, actor=request.auth, url=payload.link, note=payload.note)
    return Status(201, _request(request, request_id))


@router.post("/requests/{request_id}/answer", response={200: RequestOut, **REFUSALS},
             summary="确认已补充 / Answer the request (R-J5)")
def post_answer(request: HttpRequest, request_id: int, payload: AnswerIn):
    item = _request(request, request_id)
    _require(request.auth, "projects.supply_material", item.project)
    answer_request(request=item, actor=request.auth, note=payload.note)
    return _request(request, request_id)


@router.post("/requests/{request_id}/cancel", response={200: RequestOut, **REFUSALS},
             summary="撤销要求 / Cancel the request (R-J5)")
def post_cancel(request: HttpRequest, request_id: int, payload: CancelIn):
    item = _request(request, request_id)
    _require(request.auth, "projects.request_material", item.project)
    cancel_request(request=item, actor=request.auth, reason=payload.reason)
    return _request(request, request_id)


@router.get("/files/{file_id}", response={401: DetailOut, 404: DetailOut},
            summary="下载材料文件 / Download a material file",
            description="以附件返回，按上传时的安全文件名；无权查看时为 404 / The file as an attachment, "
                        "under its safe upload name; 404 to anyone who may not read it (R-J7).",
            openapi_extra={"responses": {200: {"description": "The file", "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}})
def download_file(request: HttpRequest, file_id: int) -> HttpResponse:
    return stored_file_response(visible_file(request.auth, file_id))
