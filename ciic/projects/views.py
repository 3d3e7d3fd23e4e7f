"""The team's project pages: start the project, edit and autosave the application form,
attach materials, submit a version after a confirmation, and read every submitted version.

Thin views: reads through selectors, writes through services (`services.py`, `materials.py`),
permissions named in `rules.py`; what the user may not see is a 404.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ciic.contests.models import MaterialType
from ciic.contests.selectors import current_contest
from ciic.core.ratelimit import rate_limited
from ciic.core.responses import template_errors, xlsx_response
from ciic.entrants.selectors import teams_for_user

from .enums import ProjectStatus
from .exports import projects_workbook
from .materials import attach_file, attach_link
from .models import Project, Submission
from .selectors import (
    counting_submission,
    open_stage,
    projects_for_user,
    projects_with_stage_counts,
    submission_window,
)
from .services import save_draft, start_project, submission_checklist, submit_project

_errors = template_errors


def _require(request: HttpRequest, perm: str, obj) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


def _project(request: HttpRequest, pk: int) -> Project:
    qs = projects_for_user(request.user, current_contest()).select_related("draft", "team")
    return get_object_or_404(qs, pk=pk)


def _versions(project: Project) -> list[tuple[Submission, bool]]:
    subs = list(project.submissions.select_related("stage").order_by("-number"))
    counting = {counting_submission(project, stage) for stage in {s.stage for s in subs}}
    return [(s, s in counting) for s in subs]


def _page(request: HttpRequest, project: Project, **extra) -> HttpResponse:
    contest = project.contest
    stage = open_stage(contest)
    draft = project.draft
    sections = [
        {"section": s, "text": draft.sections.get(s.code, ""), "errors": extra.get("errors", {}).get(f"sections.{s.code}")}
        for s in contest.form_sections.all()
    ]
    current = {m.material_type_id: m for m in project.materials.select_related("file")}
    materials = [{"type": t, "current": current.get(t.pk),
                  "errors": extra.get("errors", {}).get(f"materials.{t.code}")}
                 for t in MaterialType.objects.filter(contest=contest)]
    can_edit = request.user.has_perm("projects.edit_project", project)
    context = {
        "project": project, "team": project.team, "sections": sections, "materials": materials,
        "stage": stage, "window": submission_window(stage) if stage else (None, None),
        "versions": _versions(project), "can_edit": can_edit,
        # Shown to those who may edit only: staff do not pay for it.
        "checklist": submission_checklist(project) if can_edit else [], "errors": {}, **extra,
    }
    return render(request, "projects/project_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def team_project(request: HttpRequest, team_pk: int) -> HttpResponse:
    """The team's project, or the form that starts it (R-P2: one project per team)."""
    team = get_object_or_404(teams_for_user(request.user, current_contest()), pk=team_pk)
    project = Project.objects.filter(team=team).first()
    if project is not None:
        return redirect("projects:detail", pk=project.pk)
    _require(request, "projects.start_project", team)
    errors: dict = {}
    if request.method == "POST":
        try:
            project = start_project(team=team, name=request.POST.get("name", ""), actor=request.user)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("项目已创建，请填写申报书并上传材料。"))
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/project_start.html", {"team": team, "errors": errors,
                                                           "name": request.POST.get("name", "")})


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _project(request, pk))


@login_required
@require_POST
def save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the draft; with HTMX this is the autosave and answers with a one-line status."""
    project = _project(request, pk)
    _require(request, "projects.edit_project", project)
    sections = {s.code: request.POST[f"section_{s.code}"] for s in project.contest.form_sections.all()
                if f"section_{s.code}" in request.POST}
    name = request.POST.get("name") if project.name_locked_at is None else None
    try:
        save_draft(project=project, actor=request.user, sections=sections, name=name)
    except ValidationError as exc:
        if request.htmx:
            return render(request, "projects/_autosave.html", {"errors": _errors(exc)})
        return _page(request, project, errors=_errors(exc))
    if request.htmx:
        return render(request, "projects/_autosave.html", {"saved_at": timezone.now()})
    messages.success(request, _("草稿已保存。"))
    return redirect("projects:detail", pk=project.pk)


@login_required
@require_POST
def material(request: HttpRequest, pk: int, type_code: str) -> HttpResponse:
    """Attach a file (streamed by Django's upload handlers) or a link for one material type."""
    project = _project(request, pk)
    _require(request, "projects.upload_material", project)
    material_type = get_object_or_404(MaterialType, contest=project.contest, code=type_code)
    attested = request.POST.get("attested") == "on"
    try:
        if material_type.link_required and "link" in request.POST:
            attach_link(project=project, material_type=material_type, url=request.POST.get("link", ""),
                        actor=request.user, note=request.POST.get("note", ""))
        else:
            upload = request.FILES.get("file")
            if upload is None:
                raise ValidationError({"file": ValidationError(_("请选择要上传的文件"), code="R-J7")})
            attach_file(project=project, material_type=material_type, stream=upload, filename=upload.name,
                        actor=request.user, attested=attested)
    except ValidationError as exc:
        found = _errors(exc)
        return _page(request, project, errors={f"materials.{type_code}": [e for errs in found.values() for e in errs]})
    messages.success(request, _("“%(type)s”已上传。") % {"type": material_type.display_name})
    return redirect("projects:detail", pk=project.pk)


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("submit")
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what will be frozen, and a confirmation; POST: freeze it as the next version."""
    project = _project(request, pk)
    _require(request, "projects.edit_project", project)
    if request.method == "POST":
        try:
            version = submit_project(project=project, actor=request.user,
                                     idempotency_key=request.POST.get("idempotency_key", ""))
        except ValidationError as exc:
            return _page(request, project, errors=_errors(exc))
        messages.success(request, _("已提交第 %(n)s 版。") % {"n": version.number})
        return redirect("projects:version", pk=project.pk, number=version.number)
    next_number = (project.submissions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return render(request, "projects/submit_confirm.html", {
        "project": project, "next_number": next_number, "stage": open_stage(project.contest),
        "first": next_number == 1, "idempotency_key": uuid.uuid4().hex,
        "missing": [item for item in submission_checklist(project) if not item.ready]})


@login_required
@require_GET
def version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    project = _project(request, pk)
    submission = get_object_or_404(project.submissions.select_related("stage"), number=number)
    names = {s.code: s for s in project.contest.form_sections.all()}
    return render(request, "projects/version_detail.html", {
        "project": project, "submission": submission,
        "counts": counting_submission(project, submission.stage) == submission,
        "sections": [(names.get(code), text) for code, text in submission.sections.items()],
        "materials": submission.materials.select_related("material_type", "file"),
    })


LIST_FILTERS = ("station", "direction", "group", "status", "q")


def _listed(request: HttpRequest):
    if not request.user.has_perm("projects.list_projects"):
        raise PermissionDenied
    contest = current_contest()
    filters = {k: (request.GET.get(k) or "").strip()[:100] for k in LIST_FILTERS}
    stages = list(contest.stages.order_by("order"))
    return contest, filters, stages, projects_with_stage_counts(request.user, contest, **filters)


@login_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    """Staff: every visible project with its versions per stage (R-J4), filters, export."""
    from ciic.entrants.selectors import stations_for_user

    contest, filters, stages, qs = _listed(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = [(p, [getattr(p, f"versions_{s.code}") for s in stages]) for p in page]
    return render(request, "projects/project_list.html", {
        "page": page, "rows": rows, "stages": stages, "filters": filters,
        "stations": stations_for_user(request.user, contest), "directions": contest.directions.order_by("number"),
        "groups": contest.groups.all(), "statuses": ProjectStatus.choices, "export_query": request.GET.urlencode()})


@login_required
@require_GET
def project_export(request: HttpRequest) -> HttpResponse:
    _contest, _filters, stages, qs = _listed(request)
    return xlsx_response(projects_workbook(qs, stages), "projects.xlsx")


@login_required
@require_GET
def version_pdf(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The version as one PDF; seen by whoever sees the version page, 404 for anyone else."""
    from .documents import PDF_TYPE, attachment, submission_pdf, version_pdf_names

    project = _project(request, pk)
    submission = get_object_or_404(project.submissions, number=number)
    ascii_name, name = version_pdf_names(submission)
    return attachment(submission_pdf(submission), content_type=PDF_TYPE, ascii_name=ascii_name, name=name)


@login_required
@require_GET
def form_template(request: HttpRequest) -> HttpResponse:
    """The current contest's application form as a .docx to draft in (R-J7.1)."""
    from django.http import Http404

    from .documents import DOCX_TYPE, application_template_docx, attachment, form_template_names

    contest = current_contest()
    if contest is None:
        raise Http404
    ascii_name, name = form_template_names(contest)
    return attachment(application_template_docx(contest), content_type=DOCX_TYPE, ascii_name=ascii_name,
                      name=name)
