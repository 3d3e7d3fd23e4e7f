"""The secretariat's originality pages (R-J2, R-J3): the runs and the pairs of one run with the
passages they share, a verdict form per pair, the Excel export, starting a run after a
confirmation, its progress (polled with HTMX while it runs), and disqualifying a project
(R-P6, R-J2, R-J3).

Only the secretariat (`projects.run_originality`) knows these pages: everyone else gets a 404.
Writes go through `originality_runs` and `services`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from ciic.contests.models import Contest
from ciic.contests.selectors import current_contest
from ciic.core.responses import xlsx_response
from ciic.entrants.exports import beijing_time, write_sheet

from .enums import ProjectStatus
from .models import OriginalityPair, OriginalityRun
from .originality_runs import (
    MANUAL,
    NEW_VERSION,
    judge_pair,
    pair_rule,
    run_pairs,
    start_run,
)
from .selectors import projects_for_user
from .services import DISQUALIFY_RULES, disqualify_from_pair, disqualify_project
from .views import _errors

TRIGGERS = {MANUAL: gettext_lazy("秘书处发起"), NEW_VERSION: gettext_lazy("新版本提交后自动")}
ACTIVE = (OriginalityRun.Status.QUEUED, OriginalityRun.Status.RUNNING)


def _contest(request: HttpRequest) -> Contest:
    if not request.user.has_perm("projects.run_originality"):
        raise Http404
    contest = current_contest()
    if contest is None:
        raise Http404
    return contest


def _shown_run(request: HttpRequest, contest: Contest) -> OriginalityRun | None:
    """The run whose pairs are listed: `?run=`, else the latest finished one."""
    wanted = request.GET.get("run", "")
    if wanted.isdigit():
        return get_object_or_404(OriginalityRun, contest=contest, pk=int(wanted))
    return (OriginalityRun.objects.filter(contest=contest, status=OriginalityRun.Status.DONE)
            .order_by("-finished_at", "-pk").first())


def _page(request: HttpRequest, contest: Contest, *, shown: OriginalityRun | None = None,
          refused: OriginalityPair | None = None, errors: dict | None = None) -> HttpResponse:
    """The page; after a refused verdict on `refused`, its form shows `errors` and what was sent."""
    runs = list(OriginalityRun.objects.filter(contest=contest).select_related("requested_by")[:20])
    for run in runs:
        run.trigger_label = TRIGGERS.get(run.trigger, run.trigger)
    shown = shown or _shown_run(request, contest)
    pairs = Paginator(run_pairs(shown), 50).get_page(request.GET.get("page")) if shown else None
    for pair in pairs or []:
        # Each pair's form has its own error ids; the refused one keeps what was typed.
        pair.prefix, pair.errors = f"pair{pair.pk}-", {}
        pair.form_verdict, pair.form_note = pair.verdict, pair.verdict_note
        if refused is not None and pair.pk == refused.pk:
            pair.errors = errors or {}
            pair.form_verdict, pair.form_note = request.POST.get("verdict", ""), request.POST.get("note", "")
    latest = runs[0] if runs else None
    return render(request, "projects/originality_list.html", {
        "contest": contest, "runs": runs, "latest": latest, "shown": shown, "pairs": pairs,
        "active": latest if latest and latest.status in ACTIVE else None,
        "queued": any(r.status == OriginalityRun.Status.QUEUED for r in runs),
        "threshold_percent": round(contest.originality_threshold * 100),
        "verdicts": [(v, label) for v, label in OriginalityPair.Verdict.choices if v != OriginalityPair.Verdict.PENDING],
        "errors": errors or {}, "disqualifiable": ProjectStatus.ACTIVE,
    })


@login_required
@require_GET
def originality(request: HttpRequest) -> HttpResponse:
    """The runs, the progress of one under way, and the pairs of the latest finished run."""
    return _page(request, _contest(request))


@login_required
@require_http_methods(["GET", "POST"])
def originality_run(request: HttpRequest) -> HttpResponse:
    """GET: what a run does, and a confirmation; POST: queue it."""
    contest = _contest(request)
    if request.method == "POST":
        try:
            start_run(contest=contest, actor=request.user, trigger=MANUAL)
        except ValidationError as exc:
            for field_errors in _errors(exc).values():
                for error in field_errors:
                    messages.error(request, error["message"])
        else:
            messages.success(request, _("原创性检查已开始。"))
        return redirect("projects:originality")
    return render(request, "projects/originality_run.html", {
        "contest": contest, "threshold_percent": round(contest.originality_threshold * 100),
        "winners_with_text": contest.past_winners.exclude(text="").count()})


@login_required
@require_GET
def originality_progress(request: HttpRequest, run_pk: int) -> HttpResponse:
    """The progress bar of one run, polled every 2 s by HTMX while the run is queued or
    running; once it has finished, HTMX reloads the page (HX-Refresh) to show the pairs."""
    contest = _contest(request)
    run = get_object_or_404(OriginalityRun, contest=contest, pk=run_pk)
    response = render(request, "projects/originality_progress.html", {"run": run})
    if run.status not in ACTIVE and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def originality_judge(request: HttpRequest, pair_pk: int) -> HttpResponse:
    contest = _contest(request)
    pair = get_object_or_404(OriginalityPair.objects.select_related("run"), run__contest=contest, pk=pair_pk)
    try:
        judge_pair(pair=pair, actor=request.user, verdict=request.POST.get("verdict", ""),
                   note=request.POST.get("note", ""))
    except ValidationError as exc:
        return _page(request, contest, shown=pair.run, refused=pair, errors=_errors(exc))
    messages.success(request, _("核查结论已保存。"))
    return redirect(f"{reverse('projects:originality')}?run={pair.run_id}#pair-{pair.pk}")


@login_required
@require_GET
def originality_export(request: HttpRequest) -> HttpResponse:
    """The listed run's pairs as an Excel sheet."""
    contest = _contest(request)
    shown = _shown_run(request, contest)
    name = f"originality-{shown.pk}.xlsx" if shown else "originality.xlsx"
    return xlsx_response(pairs_workbook(run_pairs(shown) if shown else OriginalityPair.objects.none()), name)


def _side(submission) -> list:
    if submission is None:
        return ["", "", "", ""]
    team = submission.project.team
    return [submission.project.name, team.name, team.station.display_name, submission.number]


def pairs_workbook(pairs: QuerySet[OriginalityPair]) -> Workbook:
    """One row per pair, most similar first: both sides (or the earlier prize winner), the
    shared passages and the verdict."""
    wb = Workbook()
    columns = [(_("相似度"), 9), (_("规则"), 8), (_("项目A"), 30), (_("团队A"), 20), (_("赛站A"), 10), (_("版本A"), 8),
               (_("项目B / 往届获奖项目"), 30), (_("团队B / 获奖单位"), 20), (_("赛站B / 届次奖项"), 14), (_("版本B"), 8),
               (_("相同段落"), 60), (_("核查结论"), 10), (_("核查说明"), 30), (_("核查人"), 12), (_("核查时间"), 18)]

    def row(pair: OriginalityPair) -> list:
        if pair.past_winner_id:
            winner = pair.past_winner
            other = [winner.project_name, winner.organization,
                     _("第%(edition)s届 %(prize)s") % {"edition": winner.edition, "prize": winner.prize}, ""]
        else:
            other = _side(pair.right)
        return [round(pair.similarity, 4), pair_rule(pair), *_side(pair.left), *other,
                "\n".join(pair.shared_passages), pair.get_verdict_display(), pair.verdict_note,
                str(pair.judged_by) if pair.judged_by else "", beijing_time(pair.judged_at)]

    write_sheet(wb.active, _("相似项目"), columns, (row(p) for p in pairs))
    for cell in wb.active["A"][1:]:
        cell.number_format = "0%"
    return wb


# --- disqualification ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def disqualify(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the project and a confirmation with the rule and the reason; POST: disqualify
    (R-P6, R-J2, R-J3). From a pair (`?pair=`), the pair is marked dealt with as well."""
    project = get_object_or_404(projects_for_user(request.user, current_contest()), pk=pk)
    if not request.user.has_perm("projects.disqualify_project", project):
        raise PermissionDenied
    pair = None
    pair_pk = request.GET.get("pair", "")
    if pair_pk.isdigit():
        pair = get_object_or_404(OriginalityPair.objects.select_related("left", "right", "run"),
                                 run__contest=project.contest, pk=int(pair_pk))
    errors: dict = {}
    rule, reason = request.POST.get("rule", ""), request.POST.get("reason", "")
    if request.method == "POST":
        try:
            if pair is not None:
                disqualify_from_pair(pair=pair, project=project, actor=request.user, rule=rule, reason=reason)
            else:
                disqualify_project(project=project, actor=request.user, rule=rule, reason=reason)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("已取消“%(project)s”的参赛资格，团队已收到通知。") % {"project": project.name})
            if pair is not None:
                return redirect(f"{reverse('projects:originality')}?run={pair.run_id}#pair-{pair.pk}")
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/disqualify.html", {
        "project": project, "team": project.team, "pair": pair, "rules": DISQUALIFY_RULES.items(),
        "rule": rule or (pair_rule(pair) if pair else ""), "reason": reason, "errors": errors,
        "latest": project.submissions.order_by("-number").first()})
