"""Staff pages for review rounds and assignment (R-V1, R-V5): the rounds per stage and station,
creating a round, a round's page (projects, panel, k and loads, pinned and forbidden pairs,
the solve with its progress polled by HTMX and the solver's figures), the assignment table
with each expert's progress and manual edits, the Excel export, opening and closing.

The secretariat manages every round, a station officer their station's (`review.manage_round`);
everyone else gets a 404. Writes go through `services.py` and `assigning.py`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from ciic.contests.models import Contest, Round, Station
from ciic.core.responses import flash_errors, parse_number, template_errors, xlsx_response
from ciic.engines.assignment import FAIR, MAX_TOTAL
from ciic.entrants.exports import beijing_time, write_sheet
from ciic.projects.models import Project

from ..access import staff_contest
from ..conflicts import conflicted_assignments
from ..enums import PairRule, RoundStatus
from ..models import Assignment, AssignmentRun, Expert, PairConstraint, ReviewRound
from ..selectors import (
    round_assignment_rows,
    round_expert_figures,
    round_project_figures,
    rounds_for_staff,
)
from .assigning import ACTIVE, cancel_solve, start_solve
from .services import (
    add_assignment,
    close_round,
    create_round,
    eligible_experts,
    is_contest_wide,
    open_round,
    pending_reviews,
    remove_assignment,
    remove_pair_rule,
    set_pair_rule,
    set_panel,
    short_projects,
    update_round,
)

MODES = [(MAX_TOTAL, gettext_lazy("总匹配度最大")), (FAIR, gettext_lazy("公平优先（先提高匹配度最低的项目）"))]


def _round(request: HttpRequest, pk: int) -> ReviewRound:
    """The round if the user manages it, else 404."""
    review_round = get_object_or_404(rounds_for_staff(request.user, staff_contest(request)), pk=pk)
    if not request.user.has_perm("review.manage_round", review_round):
        raise Http404
    return review_round


_refused = flash_errors


_int = parse_number
_errors = template_errors


# --- the list and creating a round ---------------------------------------------------------


def _not_whole_numbers(posted, fields) -> dict:
    """Errors for the fields filled with something that is not a whole number of at least 1."""
    errors: dict = {}
    for field in fields:
        raw = (posted.get(field) or "").strip()
        value = _int(raw)
        if raw and (value is None or value < 1):
            label = ReviewRound._meta.get_field(field).verbose_name
            errors[field] = [{"message": _("%(field)s须为不小于 1 的整数") % {"field": label}, "rule": "R-V1"}]
    return errors


def _stations(request: HttpRequest, contest: Contest):
    stations = Station.objects.filter(contest=contest).order_by("order", "pk")
    return stations.filter(pk=request.user.station_id) if request.user.is_station_officer else stations


@login_required
@require_GET
def round_list(request: HttpRequest) -> HttpResponse:
    """The rounds the user manages, by stage and station, with their state and sizes."""
    contest = staff_contest(request)
    from django.db.models import Count

    rounds = (rounds_for_staff(request.user, contest)
              .annotate(projects=Count("entries", distinct=True), experts=Count("panel", distinct=True))
              .order_by("round__stage__order", "round__order", "station__order", "pk"))
    return render(request, "review/round_list.html", {"contest": contest, "rounds": rounds})


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request: HttpRequest) -> HttpResponse:
    """GET: choose the spec round, the station (the finals: none), k and the load; POST: create."""
    contest = staff_contest(request)
    spec_rounds = list(Round.objects.filter(stage__contest=contest).select_related("stage")
                       .order_by("stage__order", "order"))
    for spec_round in spec_rounds:
        spec_round.contest_wide = is_contest_wide(spec_round.stage)
    stations = list(_stations(request, contest))
    errors: dict = {}
    posted = request.POST
    if request.method == "POST":
        spec_round = next((r for r in spec_rounds if str(r.pk) == posted.get("round")), None)
        station = next((s for s in stations if str(s.pk) == posted.get("station")), None)
        probe = ReviewRound(contest=contest, station=station)
        if spec_round is None:
            errors = {"round": [{"message": _("请选择评审轮次"), "rule": "R-V1"}]}
        elif not request.user.has_perm("review.manage_round", probe):
            errors = {"station": [{"message": _("只能为本赛站创建评审轮"), "rule": "R-V1"}]}
        elif bad := _not_whole_numbers(posted, ("experts_per_project", "max_load")):
            errors = bad  # not the defaults in their place, silently
        else:
            try:
                review_round = create_round(
                    spec_round=spec_round, station=station, actor=request.user,
                    experts_per_project=_int(posted.get("experts_per_project")),
                    max_load=_int(posted.get("max_load")))
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(request, _("已创建评审轮“%(round)s”，共 %(n)s 个项目。") % {
                    "round": review_round, "n": review_round.entries.count()})
                return redirect("review:round_detail", pk=review_round.pk)
    return render(request, "review/round_form.html", {
        "contest": contest, "spec_rounds": spec_rounds, "stations": stations, "errors": errors, "posted": posted,
        "defaults": {f: ReviewRound._meta.get_field(f).default for f in ("experts_per_project", "max_load")}})


# --- one round -----------------------------------------------------------------------------


@login_required
@require_GET
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review_round = _round(request, pk)
    runs = list(AssignmentRun.objects.filter(review_round=review_round).select_related("requested_by")[:10])
    latest = runs[0] if runs else None
    shown = next((r for r in runs if r.status == "done"), None)
    conflicted = conflicted_assignments(review_round)  # once for both tables
    members = round_expert_figures(review_round, conflicted=conflicted)
    projects = round_project_figures(review_round, conflicted=conflicted)
    return render(request, "review/round_detail.html", {
        "review_round": review_round, "projects": projects, "members": members,
        "conflicted": sum(e.conflicted for e in projects),
        "pair_rules": PairConstraint.objects.filter(review_round=review_round).select_related("expert", "project")
        .order_by("rule", "project_id", "expert_id"),
        "runs": runs, "latest": latest, "shown": shown,
        "active": latest if latest and latest.status in ACTIVE else None,
        "short": [e for e in projects if e.short], "modes": MODES,
        "editable": review_round.status != RoundStatus.CLOSED,
        "round_projects": review_round.entries.select_related("project").order_by("project_id"),
        "pair_choices": PairRule.choices,
    })


@login_required
@require_POST
def round_settings(request: HttpRequest, pk: int) -> HttpResponse:
    review_round = _round(request, pk)
    try:
        update_round(review_round=review_round, actor=request.user,
                     experts_per_project=_int(request.POST.get("experts_per_project")),
                     max_load=_int(request.POST.get("max_load")),
                     opens_at=review_round.opens_at, closes_at=review_round.closes_at,
                     blind_until_submitted=request.POST.get("blind_until_submitted") == "on")
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("评审轮设置已保存。"))
    return redirect("review:round_detail", pk=review_round.pk)


@login_required
@require_http_methods(["GET", "POST"])
def round_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the eligible experts with the panel ticked; POST: the new panel, and loads."""
    review_round = _round(request, pk)
    current = {m.expert_id: m for m in review_round.panel.all()}
    eligible = list(eligible_experts(review_round).select_related("station").prefetch_related("directions"))
    # Members no longer eligible (deactivated since joining) are listed too: saving the page
    # must not take them off the panel, with their assignments, without staff seeing it.
    shown = {e.pk for e in eligible}
    eligible += list(Expert.objects.filter(pk__in=[pk for pk in current if pk not in shown])
                     .select_related("station").prefetch_related("directions").order_by("pk"))
    errors: dict = {}
    if request.method == "POST":
        chosen = {int(x) for x in request.POST.getlist("experts") if x.isdigit()}
        loads, errors = _panel_loads(request, [e for e in eligible if e.pk in chosen])
        if not errors:
            try:
                set_panel(review_round=review_round, experts=[e for e in eligible if e.pk in chosen],
                          actor=request.user, loads=loads)
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(request, _("专家组已保存。"))
                return redirect("review:round_detail", pk=review_round.pk)
    for expert in eligible:
        member = current.get(expert.pk)
        expert.on_panel, expert.own_load = member is not None, member.max_load if member else None
    return render(request, "review/round_panel.html", {"review_round": review_round, "experts": eligible,
                                                       "errors": errors})


def _panel_loads(request: HttpRequest, experts: list[Expert]) -> tuple[dict[int, int | None], dict]:
    """Each chosen expert's own load from the form (empty: the round's). A value that is not a
    whole number is an error naming the expert, not a silent reset to the round's load."""
    loads: dict[int, int | None] = {}
    errors: dict = {}
    for expert in experts:
        raw = (request.POST.get(f"load-{expert.pk}") or "").strip()
        loads[expert.pk] = _int(raw)
        if raw and (loads[expert.pk] is None or loads[expert.pk] < 0):
            errors.setdefault("max_load", []).append({
                "message": _("%(name)s的个人上限须为不小于 0 的整数") % {"name": expert.name}, "rule": "R-V1"})
    return loads, errors


@login_required
@require_POST
def round_pair_rule(request: HttpRequest, pk: int) -> HttpResponse:
    review_round = _round(request, pk)
    expert = get_object_or_404(Expert, pk=_int(request.POST.get("expert")) or 0, round_memberships__review_round=review_round)
    project = get_object_or_404(Project, pk=_int(request.POST.get("project")) or 0,
                                round_entries__review_round=review_round)
    try:
        set_pair_rule(review_round=review_round, expert=expert, project=project, rule=request.POST.get("rule", ""),
                      reason=request.POST.get("reason", ""), actor=request.user)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("已保存。"))
    return redirect(f"{_detail_url(review_round)}#pairs")


@login_required
@require_POST
def round_pair_rule_remove(request: HttpRequest, pk: int, rule_pk: int) -> HttpResponse:
    review_round = _round(request, pk)
    rule = get_object_or_404(PairConstraint, review_round=review_round, pk=rule_pk)
    try:
        remove_pair_rule(pair_rule=rule, actor=request.user)
    except ValidationError as exc:
        _refused(request, exc)
    return redirect(f"{_detail_url(review_round)}#pairs")


def _detail_url(review_round: ReviewRound) -> str:
    from django.urls import reverse

    return reverse("review:round_detail", args=[review_round.pk])


# --- solving -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def round_solve(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what a solve does, in which mode, and a confirmation; POST: queue it."""
    review_round = _round(request, pk)
    mode = request.POST.get("mode") or request.GET.get("mode") or MAX_TOTAL
    if request.method == "POST":
        try:
            start_solve(review_round=review_round, mode=mode, actor=request.user)
        except ValidationError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("分配计算已开始。"))
        return redirect("review:round_detail", pk=review_round.pk)
    return render(request, "review/assignment_solve.html", {
        "review_round": review_round, "mode": mode, "modes": MODES,
        "projects": review_round.entries.count(), "experts": review_round.panel.count(),
        "kept": Assignment.objects.filter(review_round=review_round, review__isnull=False).count(),
        "manual": Assignment.objects.filter(review_round=review_round, source="manual").count(),
        "pins": PairConstraint.objects.filter(review_round=review_round, rule=PairRule.PIN).count()})


@login_required
@require_GET
def round_run_progress(request: HttpRequest, pk: int, run_pk: int) -> HttpResponse:
    """The progress bar of one solve, polled every 2 s by HTMX while it is queued or running;
    once finished, HTMX reloads the page (HX-Refresh) to show the figures."""
    review_round = _round(request, pk)
    run = get_object_or_404(AssignmentRun, review_round=review_round, pk=run_pk)
    response = render(request, "review/assignment_progress.html", {"run": run, "review_round": review_round})
    if run.status not in ACTIVE and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def round_run_cancel(request: HttpRequest, pk: int, run_pk: int) -> HttpResponse:
    review_round = _round(request, pk)
    run = get_object_or_404(AssignmentRun, review_round=review_round, pk=run_pk)
    try:
        cancel_solve(run=run, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("分配计算已取消，原有分配不变。"))
    return redirect("review:round_detail", pk=review_round.pk)


# --- the assignment table --------------------------------------------------------------------


@login_required
@require_GET
def round_assignments(request: HttpRequest, pk: int) -> HttpResponse:
    """Every assignment, by project, and each expert's progress (assigned / submitted)."""
    review_round = _round(request, pk)
    conflicted = conflicted_assignments(review_round)  # once for both tables
    return render(request, "review/assignment_list.html", {
        "review_round": review_round, "assignments": round_assignment_rows(review_round, conflicted=conflicted),
        "members": round_expert_figures(review_round, conflicted=conflicted),
        "editable": review_round.status != RoundStatus.CLOSED,
        "round_projects": review_round.entries.select_related("project").order_by("project_id")})


@login_required
@require_POST
def round_assignment_add(request: HttpRequest, pk: int) -> HttpResponse:
    review_round = _round(request, pk)
    expert = get_object_or_404(Expert, pk=_int(request.POST.get("expert")) or 0, round_memberships__review_round=review_round)
    project = get_object_or_404(Project, pk=_int(request.POST.get("project")) or 0,
                                round_entries__review_round=review_round)
    try:
        add_assignment(review_round=review_round, expert=expert, project=project, actor=request.user,
                       reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("已将“%(project)s”分配给%(expert)s。") % {"project": project.name, "expert": expert.name})
    return redirect("review:round_assignments", pk=review_round.pk)


@login_required
@require_POST
def round_assignment_remove(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    review_round = _round(request, pk)
    assignment = get_object_or_404(Assignment, review_round=review_round, pk=assignment_pk)
    try:
        remove_assignment(assignment=assignment, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("已取消该分配。"))
    return redirect("review:round_assignments", pk=review_round.pk)


@login_required
@require_GET
def round_assignments_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The assignments as an Excel sheet, and each expert's load and progress on a second."""
    review_round = _round(request, pk)
    return xlsx_response(assignments_workbook(review_round), f"assignments-{review_round.pk}.xlsx")


def assignments_workbook(review_round: ReviewRound) -> Workbook:
    wb = Workbook()
    conflicted = conflicted_assignments(review_round)  # once for both sheets
    columns = [(_("项目编号"), 10), (_("项目"), 30), (_("团队"), 20), (_("方向"), 16), (_("专家"), 12),
               (_("工作单位"), 24), (_("来源"), 10), (_("匹配度"), 10), (_("评分状态"), 10), (_("分配时间"), 18)]

    def state(assignment: Assignment) -> str:
        if assignment.conflicted:
            return _("利益冲突，需替换")
        review = getattr(assignment, "review", None)
        if review is None:
            return _("未开始")
        return _("已提交") if review.submitted_at else _("填写中")

    rows = ([a.project_id, a.project.name, a.project.team.name, a.project.team.direction.name, a.expert.name,
             a.expert.employer, a.get_source_display(), round(a.affinity, 4), state(a), beijing_time(a.created_at)]
            for a in round_assignment_rows(review_round, conflicted=conflicted))
    write_sheet(wb.active, _("评审分配"), columns, rows)
    experts = wb.create_sheet()
    write_sheet(experts, _("专家进度"), [(_("专家"), 12), (_("工作单位"), 24), (_("上限"), 8), (_("已分配"), 8),
                                     (_("已提交"), 8), (_("匹配度合计"), 12)],
                ([m.expert.name, m.expert.employer, m.load, m.assigned, m.submitted, round(m.affinity or 0, 4)]
                 for m in round_expert_figures(review_round, conflicted=conflicted)))
    return wb


# --- opening and closing -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def round_open(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what opening fixes, and a confirmation; POST: open (k is fixed from then on and the
    experts see their projects)."""
    review_round = _round(request, pk)
    if request.method == "GET" and review_round.status != RoundStatus.DRAFT:
        return redirect("review:round_detail", pk=review_round.pk)  # opened already: nothing to confirm
    errors: dict = {}
    if request.method == "POST":
        try:
            open_round(review_round=review_round, actor=request.user)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("评审已开始，专家可以看到分配给自己的项目。"))
            return redirect("review:round_detail", pk=review_round.pk)
    assignments = Assignment.objects.filter(review_round=review_round)
    return render(request, "review/round_open.html", {
        "review_round": review_round, "errors": errors,
        "projects": review_round.entries.count(), "short": len(short_projects(review_round)),
        "experts": assignments.values("expert_id").distinct().count(), "assignments": assignments.count(),
        "solving": AssignmentRun.objects.filter(review_round=review_round, status__in=ACTIVE).exists()})


@login_required
@require_http_methods(["GET", "POST"])
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the unsubmitted reviews and a confirmation (forcing needs a reason); POST: close."""
    review_round = _round(request, pk)
    errors: dict = {}
    if request.method == "POST":
        try:
            close_round(review_round=review_round, actor=request.user, force=request.POST.get("force") == "on",
                        reason=request.POST.get("reason", ""))
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("本轮评审已结束。"))
            return redirect("review:round_detail", pk=review_round.pk)
    pending = len(pending_reviews(review_round))
    return render(request, "review/round_close.html", {"review_round": review_round, "pending": pending,
                                                       "errors": errors, "posted": request.POST})
