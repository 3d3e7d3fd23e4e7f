"""Pages for further material on request (R-J5): staff ask, the team supplies and answers,
both read the record. Thin views over `further.py`; a request the user may not see is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ciic.contests.selectors import current_contest
from ciic.core.validation import parse_local_datetime

from .further import (
    answer_request,
    cancel_request,
    further_limits,
    request_material,
    supply_file,
    supply_link,
)
from .models import MaterialRequest
from .selectors import projects_for_user
from .views import _errors, _project, _require


def _request(request: HttpRequest, rpk: int) -> MaterialRequest:
    visible = projects_for_user(request.user, current_contest())
    return get_object_or_404(
        MaterialRequest.objects.select_related("project__team", "stage", "requested_by", "answered_by")
        .filter(project__in=visible), pk=rpk)


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    _require(request, "projects.request_material", project)
    errors: dict = {}
    if request.method == "POST":
        try:
            due_at = parse_local_datetime(request.POST.get("due_at", ""), project.contest.time_zone,
                                          field="due_at", rule="R-J5")
            item = request_material(project=project, actor=request.user, message=request.POST.get("message", ""),
                                    due_at=due_at)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("已向团队发出补充材料要求并通知团队负责人。"))
            return redirect("projects:request_detail", rpk=item.pk)
    return render(request, "projects/request_new.html", {
        "project": project, "errors": errors, "message": request.POST.get("message", ""),
        "due_at": request.POST.get("due_at", "")})


def _detail(request: HttpRequest, item: MaterialRequest, errors: dict | None = None, status: int = 200) -> HttpResponse:
    project = item.project
    formats, largest = further_limits(project.contest)
    can_supply = (item.status == MaterialRequest.Status.OPEN and timezone.now() <= item.due_at
                  and request.user.has_perm("projects.supply_material", project))
    return render(request, "projects/request_detail.html", {
        "item": item, "project": project, "items": item.items.select_related("file", "uploaded_by"),
        "can_supply": can_supply, "formats": formats, "largest": largest,
        "can_cancel": item.status == MaterialRequest.Status.OPEN
        and request.user.has_perm("projects.request_material", project),
        "errors": errors or {}}, status=status)


@login_required
@require_GET
def request_detail(request: HttpRequest, rpk: int) -> HttpResponse:
    return _detail(request, _request(request, rpk))


def _team_action(request: HttpRequest, rpk: int, action) -> HttpResponse:
    item = _request(request, rpk)
    _require(request, "projects.supply_material", item.project)
    try:
        action(item)
    except ValidationError as exc:
        return _detail(request, item, _errors(exc), status=422)
    return redirect("projects:request_detail", rpk=item.pk)


@login_required
@require_POST
def request_file(request: HttpRequest, rpk: int) -> HttpResponse:
    def action(item):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": ValidationError(_("请选择要上传的文件"), code="R-J5")})
        supply_file(request=item, actor=request.user, stream=upload, filename=upload.name,
                    note=request.POST.get("note", ""))
        messages.success(request, _("文件已上传。"))
    return _team_action(request, rpk, action)


@login_required
@require_POST
def request_link(request: HttpRequest, rpk: int) -> HttpResponse:
    def action(item):
        supply_link(request=item, actor=request.user, url=request.POST.get("link", ""),
                    note=request.POST.get("note", ""))
        messages.success(request, _("链接已添加。"))
    return _team_action(request, rpk, action)


@login_required
@require_POST
def request_answer(request: HttpRequest, rpk: int) -> HttpResponse:
    def action(item):
        if request.POST.get("confirm") != "on":
            raise ValidationError({"confirm": ValidationError(_("请勾选确认：提交后不能再添加材料"), code="R-J5")})
        answer_request(request=item, actor=request.user, note=request.POST.get("note", ""))
        messages.success(request, _("补充材料已提交，已通知提出要求的工作人员。"))
    return _team_action(request, rpk, action)


@login_required
@require_POST
def request_cancel(request: HttpRequest, rpk: int) -> HttpResponse:
    item = _request(request, rpk)
    if not request.user.has_perm("projects.request_material", item.project):
        raise PermissionDenied
    try:
        cancel_request(request=item, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        return _detail(request, item, _errors(exc), status=422)
    messages.success(request, _("补充材料要求已撤销，已通知团队。"))
    return redirect("projects:request_detail", rpk=item.pk)
