"""Pages for the expert pool and conflicts of interest (R-V5, R-P8).

Staff: the pool list (filters, pagination, Excel export), add/edit, import from Excel, an
expert's page with their conflicts, the contest's conflicts page where staff record one and
dismiss a possible (name-only) match they checked as a namesake, or withdraw that.
The expert: choose a password from the invitation, declare a conflict. The team: name whom it
avoids (a section of the project page). Thin views over `services.py`, `imports.py` and
`ciic/review/conflicts.py`; what the user may not see is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ciic.accounts.enums import Role
from ciic.contests.models import Contest
from ciic.contests.selectors import current_contest
from ciic.core.responses import stamped, template_errors, xlsx_response
from ciic.entrants.selectors import stations_for_user
from ciic.projects.selectors import projects_for_user

from ..conflicts import (
    conflicts_of_contest,
    declare_avoidance,
    declare_conflict,
    dismiss_possible_conflict,
    dismissals_of,
    record_conflict,
    restore_possible_conflict,
)
from ..enums import ExpertKind
from ..models import ConflictDismissal, Expert, TeamAvoidance
from ..selectors import (
    conflict_projects_for_user,
    declarable_projects,
    declarations_of_expert,
    experts_for_user,
    filter_experts,
)
from . import exports, imports
from .services import ExpertInput, add_expert, invite_expert, set_expert_active, update_expert

PAGE_SIZE = 50
FILTER_KEYS = ("station", "direction", "kind", "active", "q")


_errors = template_errors


def _contest() -> Contest:
    contest = current_contest()
    if contest is None:
        raise Http404
    return contest


def _require(request: HttpRequest, perm: str, obj=None) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


def _expert(request: HttpRequest, pk: int) -> Expert:
    return get_object_or_404(experts_for_user(request.user, _contest()), pk=pk)


def _filters(request: HttpRequest) -> dict[str, str]:
    return {key: (request.GET.get(key) or "").strip()[:100] for key in FILTER_KEYS}


def _filtered(request: HttpRequest, contest: Contest):
    return filter_experts(experts_for_user(request.user, contest), **_filters(request))


def _xlsx_response(workbook, stem: str) -> HttpResponse:
    return xlsx_response(workbook, stamped(stem))


# --- the pool ------------------------------------------------------------------------


@login_required
@require_GET
def expert_list(request: HttpRequest) -> HttpResponse:
    contest = _contest()
    _require(request, "review.manage_experts")
    qs = _filtered(request, contest).prefetch_related("directions")
    return render(request, "review/expert_list.html", {
        "contest": contest, "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
        "filters": _filters(request), "stations": stations_for_user(request.user, contest),
        "directions": contest.directions.order_by("number"), "kinds": ExpertKind.choices,
        "export_query": request.GET.urlencode(),
    })


@login_required
@require_GET
def expert_export(request: HttpRequest) -> HttpResponse:
    contest = _contest()
    _require(request, "review.manage_experts")
    qs = _filtered(request, contest).prefetch_related("directions")
    return _xlsx_response(exports.experts_workbook(qs), "experts")


def _input(request: HttpRequest) -> ExpertInput:
    p = request.POST
    return ExpertInput(
        name=p.get("name", ""), employer=p.get("employer", ""), kind=p.get("kind", ""), email=p.get("email", ""),
        employer_credit_code=p.get("employer_credit_code", ""),
        directions=[d for d in p.getlist("directions") if d.isdigit()],
        keywords=p.get("keywords", ""), profile=p.get("profile", ""),
        station_id=int(p["station"]) if p.get("station", "").isdigit() else None)


def _form(request: HttpRequest, contest: Contest, expert: Expert | None, errors: dict, status: int = 200):
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in
                  ("name", "employer", "kind", "email", "employer_credit_code", "keywords", "profile", "station")}
        chosen = {int(d) for d in request.POST.getlist("directions") if d.isdigit()}
    elif expert is not None:
        values = {"name": expert.name, "employer": expert.employer, "kind": expert.kind, "email": expert.email,
                  "employer_credit_code": expert.employer_credit_code, "keywords": expert.keywords,
                  "profile": expert.profile, "station": str(expert.station_id or "")}
        chosen = set(expert.directions.values_list("pk", flat=True))
    else:
        values, chosen = {}, set()
    return render(request, "review/expert_form.html", {
        "expert": expert, "values": values, "chosen": chosen, "errors": errors, "kinds": ExpertKind.choices,
        "directions": contest.directions.order_by("number"), "stations": stations_for_user(request.user, contest),
        "can_pick_station": request.user.is_secretariat}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def expert_new(request: HttpRequest) -> HttpResponse:
    contest = _contest()
    _require(request, "review.manage_experts")
    if request.method == "POST":
        try:
            expert = add_expert(contest=contest, actor=request.user, data=_input(request))
        except ValidationError as exc:
            return _form(request, contest, None, _errors(exc), status=422)
        messages.success(request, _("专家已加入专家库。"))
        return redirect("review:expert_detail", pk=expert.pk)
    return _form(request, contest, None, {})


@login_required
@require_http_methods(["GET", "POST"])
def expert_edit(request: HttpRequest, pk: int) -> HttpResponse:
    expert = _expert(request, pk)
    _require(request, "review.change_expert", expert)
    if request.method == "POST":
        try:
            update_expert(expert=expert, actor=request.user, data=_input(request))
        except ValidationError as exc:
            return _form(request, expert.contest, expert, _errors(exc), status=422)
        messages.success(request, _("专家信息已更新。"))
        return redirect("review:expert_detail", pk=expert.pk)
    return _form(request, expert.contest, expert, {})


@login_required
@require_GET
def expert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    expert = _expert(request, pk)
    projects = conflict_projects_for_user(request.user, expert.contest)
    found = conflicts_of_contest(expert.contest, experts=[expert], projects=projects)
    by_project = {p.pk: p for p in projects.filter(pk__in=[pid for _eid, pid in found])}
    return render(request, "review/expert_detail.html", {
        "expert": expert, "directions": expert.directions.order_by("number"),
        "conflicts": [(by_project[pid], items) for (_eid, pid), items in sorted(found.items())],
        "can_change": request.user.has_perm("review.change_expert", expert),
    })


@login_required
@require_POST
def expert_invite(request: HttpRequest, pk: int) -> HttpResponse:
    expert = _expert(request, pk)
    try:
        user = invite_expert(expert=expert, actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(m for e in exc.error_dict.values() for m in e[0].messages))
        return redirect("review:expert_detail", pk=expert.pk)
    if user.has_usable_password():
        messages.success(request, _("已关联专家的现有账号并通知专家。"))
    else:
        messages.success(request, _("邀请邮件已发送：专家设置密码后，首次登录需完成两步验证。"))
    return redirect("review:expert_detail", pk=expert.pk)


@login_required
@require_POST
def expert_active(request: HttpRequest, pk: int) -> HttpResponse:
    expert = _expert(request, pk)
    active = request.POST.get("active") == "1"
    set_expert_active(expert=expert, actor=request.user, active=active)
    messages.success(request, _("专家已启用。") if active else _("专家已停用，不再参与新的评审轮次。"))
    return redirect("review:expert_detail", pk=expert.pk)


# --- Excel import --------------------------------------------------------------------


@login_required
@require_GET
def expert_import_template(request: HttpRequest) -> HttpResponse:
    contest = _contest()
    _require(request, "review.manage_experts")
    return _xlsx_response(imports.template_workbook(contest), "expert-template")


@login_required
@require_http_methods(["GET", "POST"])
def expert_import(request: HttpRequest) -> HttpResponse:
    contest = _contest()
    _require(request, "review.manage_experts")
    context: dict = {"columns": imports.COLUMNS, "row_errors": [], "errors": {}}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["errors"] = {"file": [{"message": _("请选择要导入的 Excel 文件"), "rule": "R-V5"}]}
            return render(request, "review/expert_import.html", context, status=422)
        result = imports.import_experts(contest=contest, actor=request.user, stream=upload)
        if result.errors:
            context["row_errors"] = result.errors
            return render(request, "review/expert_import.html", context, status=422)
        messages.success(request, _("导入成功：新增 %(created)s 位专家，更新 %(updated)s 位。") % {
            "created": result.created, "updated": result.updated})
        return redirect("review:expert_list")
    return render(request, "review/expert_import.html", context)


# --- conflicts -----------------------------------------------------------------------


@login_required
@require_GET
def conflict_list(request: HttpRequest) -> HttpResponse:
    _require(request, "review.view_conflicts")
    return _conflict_page(request, _contest())


def _conflict_page(request: HttpRequest, contest: Contest, errors: dict | None = None,
                   status: int = 200, dismiss_errors: dict | None = None) -> HttpResponse:
    filters = {key: (request.GET.get(key) or "").strip()[:100] for key in ("station", "direction")}
    projects = conflict_projects_for_user(request.user, contest, **filters)
    experts = list(experts_for_user(request.user, contest))
    found = conflicts_of_contest(contest, experts=experts, projects=projects)
    by_expert = {e.pk: e for e in experts}
    by_project = {p.pk: p for p in projects.filter(pk__in={pid for _eid, pid in found})}
    rows = [(by_expert[eid], by_project[pid], items) for (eid, pid), items in sorted(found.items())]
    dismissable = {p.pk for p in by_project.values() if request.user.has_perm("review.dismiss_conflict", p)}
    dismissed = list(dismissals_of(project_ids=projects.values_list("pk", flat=True),
                                   expert_ids=[e.pk for e in experts]))
    return render(request, "review/conflict_list.html", {
        "contest": contest, "rows": rows, "filters": filters,
        "stations": stations_for_user(request.user, contest), "directions": contest.directions.order_by("number"),
        "experts": [e for e in experts if e.active], "projects": projects, "errors": errors or {},
        "values": request.POST, "dismissable": dismissable, "dismissed": dismissed,
        "restorable": {d.pk for d in dismissed if request.user.has_perm("review.dismiss_conflict",
                                                                       d.avoidance.project)},
        "dismiss_errors": [e for errs in (dismiss_errors or {}).values() for e in errs],
    }, status=status)


@login_required
@require_POST
def conflict_record(request: HttpRequest) -> HttpResponse:
    contest = _contest()
    _require(request, "review.record_conflict")
    expert = get_object_or_404(experts_for_user(request.user, contest), pk=request.POST.get("expert") or 0)
    project = get_object_or_404(conflict_projects_for_user(request.user, contest), pk=request.POST.get("project") or 0)
    try:
        record_conflict(expert=expert, project=project, reason=request.POST.get("reason", ""), actor=request.user)
    except ValidationError as exc:
        return _conflict_page(request, contest, _errors(exc), status=422)
    messages.success(request, _("已记录利益冲突：%(expert)s 不会被分配评审该项目。") % {"expert": expert.name})
    return redirect("review:conflict_list")


@login_required
@require_POST
def conflict_dismiss(request: HttpRequest) -> HttpResponse:
    """Staff checked a possible (name-only) match: this expert is not the person the team meant."""
    contest = _contest()
    _require(request, "review.view_conflicts")
    avoidance = get_object_or_404(TeamAvoidance.objects.select_related("project__team"),
                                  pk=request.POST.get("avoidance") or 0,
                                  project__in=conflict_projects_for_user(request.user, contest))
    expert = get_object_or_404(experts_for_user(request.user, contest), pk=request.POST.get("expert") or 0)
    try:
        dismiss_possible_conflict(avoidance=avoidance, expert=expert, reason=request.POST.get("reason", ""),
                                  actor=request.user)
    except ValidationError as exc:
        return _conflict_page(request, contest, status=422, dismiss_errors=_errors(exc))
    messages.success(request, _("已确认 %(expert)s 不是团队申报回避的“%(name)s”，不再视为利益冲突。") % {
        "expert": expert.name, "name": avoidance.name})
    return redirect("review:conflict_list")


@login_required
@require_POST
def conflict_restore(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a dismissal: the possible match is a conflict again."""
    contest = _contest()
    _require(request, "review.view_conflicts")
    dismissal = get_object_or_404(
        ConflictDismissal.objects.select_related("avoidance__project__team", "expert"), pk=pk,
        avoidance__project__in=conflict_projects_for_user(request.user, contest),
        expert__in=experts_for_user(request.user, contest))
    restore_possible_conflict(dismissal=dismissal, actor=request.user)
    messages.success(request, _("已撤销排除：%(expert)s 重新视为可能的利益冲突。") % {"expert": dismissal.expert.name})
    return redirect("review:conflict_list")


def _own_expert(request: HttpRequest) -> Expert:
    if request.user.role != Role.EXPERT:
        raise PermissionDenied
    expert = Expert.objects.filter(user=request.user, contest=current_contest()).select_related("contest").first()
    if expert is None:
        raise Http404
    return expert


@login_required
@require_http_methods(["GET", "POST"])
def conflict_declare_expert(request: HttpRequest) -> HttpResponse:
    """The expert declares a conflict, picking a project by its name and its entrant's name:
    all an expert needs to recognize one, and all this page shows of the projects."""
    expert = _own_expert(request)
    q = (request.GET.get("q") or "").strip()[:100]
    errors: dict = {}
    if request.method == "POST":
        project = declarable_projects(expert.contest).filter(pk=request.POST.get("project") or 0).first()
        try:
            if project is None:
                raise ValidationError({"project": ValidationError(_("请选择项目"), code="R-P8")})
            declare_conflict(expert=expert, project=project, reason=request.POST.get("reason", ""),
                             actor=request.user)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("已申报利益冲突，您不会被分配评审该项目。"))
            return redirect("review:conflict_declare_expert")
    choices = (declarable_projects(expert.contest, q=q).values_list("pk", "name", "team__organization__name")[:200]
               if q else [])
    return render(request, "review/conflict_declare.html", {
        "expert": expert, "q": q, "choices": choices, "errors": errors,
        "declared": declarations_of_expert(expert).values_list("project__name", "project__team__organization__name",
                                                                "reason", "declared_at"),
        "values": request.POST}, status=422 if errors else 200)


@login_required
@require_POST
def team_avoidance(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = get_object_or_404(projects_for_user(request.user, _contest()), pk=project_pk)
    _require(request, "review.declare_team_avoidance", project)
    try:
        declare_avoidance(project=project, kind=request.POST.get("kind", ""), name=request.POST.get("name", ""),
                          reason=request.POST.get("reason", ""), actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(m for e in exc.error_dict.values() for m in e[0].messages))
    else:
        messages.success(request, _("已记录回避申请：相关专家不会被分配评审本项目。"))
    return redirect(reverse("projects:detail", args=[project.pk]) + "#avoidances")


# --- the invitation's set-password page -----------------------------------------------


class ExpertSetPasswordView(auth_views.PasswordResetConfirmView):
    """Django's password-reset confirmation, for expert accounts only; after it the expert
    logs in and enrols two-factor (RequireTwoFactorMiddleware)."""

    template_name = "review/expert_set_password.html"
    success_url = reverse_lazy("accounts:login")
    post_reset_login = False

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.role == Role.EXPERT else None

    def form_valid(self, form):
        user = form.user
        if user.email_verified_at is None:  # the invitation reached the address
            user.email_verified_at = timezone.now()
        messages.success(self.request, _("密码已设置，请登录；首次登录需设置两步验证。"))
        return super().form_valid(form)  # saves the user with the new password


expert_set_password = ExpertSetPasswordView.as_view()
