"""Staff pages for a round's results and what follows them (R-V2, R-V3, R-G1, R-P9): the
aggregation choice (until scores are seen), the results per direction × group with the
disagreement flags, stability and the advancement marks, tie blocks with their decision form,
the advancement rules, each expert's score distribution (an inline SVG box plot drawn here),
the Excel export, the archive; then the station's finalists (proposed by the station officer,
confirmed by the secretariat, each after a confirmation step) and due diligence.

Who may see what is in `rules.py` (`review.manage_results`, `review.view_finalists`,
`review.propose_finalists`, `review.confirm_finalists`, `review.due_diligence`); anyone else
gets a 404. Writes go through `results`, `finalists` and `archive`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from ciic.contests.models import Contest, Direction, Group
from ciic.contests.selectors import current_contest
from ciic.core.responses import flash_errors, parse_number, xlsx_response
from ciic.entrants.exports import write_sheet
from ciic.projects.models import Project
from ciic.projects.views import _errors

from .archive import build_archive, verify_archive
from .enums import Aggregation, FinalistStatus
from .finalists import (
    amendments,
    candidates,
    checklist_items,
    confirm_finalists,
    current_entries,
    due_diligence_of,
    last_local_round,
    next_in_line,
    propose_finalists,
    quota_of,
    record_due_diligence,
    replace_finalist,
    verify_snapshot,
)
from .models import FinalistEntry, FinalistList, ReviewRound, RoundArchive
from .results import (
    ExpertFigures,
    aggregation_locked,
    compute_results,
    conflicted_rounds,
    counting_reviews,
    decide_tie,
    expert_figures,
    group_cuts,
    lock_aggregation,
    needs_extra_review,
    review_graph_parts,
    set_advancement_rule,
    set_aggregation,
    shown_score,
)
from .selectors import finalist_lists_for_user, finalist_stations_for_user, result_rounds_for_user


def _contest(request: HttpRequest, perm: str = "review.manage_rounds") -> Contest:
    contest = current_contest()
    if contest is None or not request.user.has_perm(perm):
        raise Http404
    return contest


def _round(request: HttpRequest, pk: int) -> ReviewRound:
    review_round = get_object_or_404(result_rounds_for_user(request.user, _contest(request)), pk=pk)
    if not request.user.has_perm("review.manage_results", review_round):
        raise Http404
    if conflicted_rounds(request.user, [review_round]):  # staff who are also a conflicted expert
        raise Http404
    return review_round


_refused = flash_errors


_number = parse_number


# --- the score distribution per expert (server-side SVG) ----------------------------------------

PLOT_WIDTH, ROW, LEFT = 520, 22, 120


def _quantile(values: list[float], q: float) -> float:
    pos = (len(values) - 1) * q
    low = int(pos)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (pos - low)


def box_plot(figures: list[ExpertFigures]) -> SafeString:
    """One horizontal box plot per expert on a 0–100 axis (min, quartiles, median, max, mean dot),
    as inline SVG: no script, no style, only numbers and escaped names."""
    if not figures:
        return mark_safe("")
    scale = (PLOT_WIDTH - LEFT - 10) / 100
    height = ROW * len(figures) + 24

    def x(v: float) -> str:
        return f"{LEFT + v * scale:.1f}"

    rows = []
    for i, f in enumerate(figures):
        y = ROW * i + 6
        mid = y + ROW / 2 - 3
        lo, q1, med, q3, hi = (_quantile(f.totals, q) for q in (0, 0.25, 0.5, 0.75, 1))
        rows.append(format_html(
            '<text x="{}" y="{}" font-size="11" text-anchor="end">{} ({})</text>'
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#666"/>'
            '<rect x="{}" y="{}" width="{}" height="{}" fill="#cfe0f5" stroke="#3a6ea5"/>'
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#1d3d63" stroke-width="2"/>'
            '<circle cx="{}" cy="{}" r="2.5" fill="#b3261e"/>',
            LEFT - 6, mid + 4, f.name, f.n, x(lo), x(hi), mid, mid, x(q1), y + 2, f"{max((q3 - q1) * scale, 1):.1f}",
            ROW - 10, x(med), x(med), y + 2, y + ROW - 8, x(f.mean), mid))
    axis = format_html_join("", '<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>',
                            ((x(v), height - 4, v) for v in range(0, 101, 20)))
    return format_html('<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img" '
                       'aria-label="{}">{}{}</svg>', PLOT_WIDTH, height, _("各专家评分分布"),
                       mark_safe("".join(rows)), axis)


# --- the results pages -------------------------------------------------------------------------


@login_required
@require_GET
def results_list(request: HttpRequest) -> HttpResponse:
    contest = _contest(request)
    rounds = [r for r in result_rounds_for_user(request.user, contest)
              if request.user.has_perm("review.manage_results", r)]
    hidden = conflicted_rounds(request.user, rounds)
    rounds = [r for r in rounds if r.pk not in hidden]
    return render(request, "review/results_list.html", {"contest": contest, "rounds": rounds})


@login_required
@require_GET
def round_results(request: HttpRequest, pk: int) -> HttpResponse:
    """The results per direction × group. Seeing stored scores locks the aggregation."""
    review_round = _round(request, pk)
    has_results = review_round.results.exists()
    if has_results:
        lock_aggregation(review_round=review_round, actor=request.user)
    cuts = group_cuts(review_round) if has_results else []
    data = counting_reviews(review_round) if has_results else None
    figures = expert_figures(review_round, data) if data else []
    # Least squares compares experts only through projects they share: say so when the
    # reviews split into parts that share none (the scores across parts are not comparable).
    parts = review_graph_parts(data) if data and review_round.aggregation == Aggregation.LEAST_SQUARES else 0
    groups = list(Group.objects.filter(contest=review_round.contest).order_by("order"))
    directions = Direction.objects.filter(contest=review_round.contest).order_by("number")
    if review_round.station_id:
        directions = directions.filter(station_id=review_round.station_id)
    rules = {(r.direction_id, r.group_id): r for r in review_round.advancement_rules.all()}
    rule_rows = [(d, g, rules.get((d.pk, g.pk))) for d in directions for g in groups]
    archive = RoundArchive.objects.filter(review_round=review_round).first()
    return render(request, "review/results_round.html", {
        "review_round": review_round, "cuts": cuts, "has_results": has_results,
        "aggregations": Aggregation.choices, "locked": aggregation_locked(review_round),
        "extra_review": needs_extra_review(review_round) if has_results else [],
        "figures": figures, "plot": box_plot(figures), "rule_rows": rule_rows, "archive": archive,
        "graph_parts": parts if parts > 1 else None,
        "archive_ok": not verify_archive(archive) if archive else None,
    })


@login_required
@require_POST
def round_aggregation(request: HttpRequest, pk: int) -> HttpResponse:
    review_round = _round(request, pk)
    try:
        set_aggregation(review_round=review_round, aggregation=request.POST.get("aggregation", ""), actor=request.user)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("计分方式已保存。"))
    return redirect("review:round_results", pk=pk)


@login_required
@require_POST
def round_compute(request: HttpRequest, pk: int) -> HttpResponse:
    review_round = _round(request, pk)
    try:
        compute_results(review_round=review_round, actor=request.user)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("评审结果已计算。"))
    return redirect("review:round_results", pk=pk)


@login_required
@require_POST
def round_rule(request: HttpRequest, pk: int) -> HttpResponse:
    review_round = _round(request, pk)
    direction = get_object_or_404(Direction, contest=review_round.contest, pk=_number(request.POST.get("direction")))
    group = get_object_or_404(Group, contest=review_round.contest, pk=_number(request.POST.get("group")))
    count = _number(request.POST.get("count"))
    percent = _number(request.POST.get("percent"), float)
    try:
        set_advancement_rule(review_round=review_round, direction=direction, group=group, actor=request.user,
                             count=count, proportion=percent / 100 if percent is not None else None)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("晋级规则已保存。"))
    return redirect("review:round_results", pk=pk)


@login_required
@require_POST
def round_tie(request: HttpRequest, pk: int) -> HttpResponse:
    review_round = _round(request, pk)
    direction = get_object_or_404(Direction, contest=review_round.contest, pk=_number(request.POST.get("direction")))
    group = get_object_or_404(Group, contest=review_round.contest, pk=_number(request.POST.get("group")))
    ids = [i for i in (_number(v) for v in request.POST.getlist("advancing")) if i is not None]
    try:
        decide_tie(review_round=review_round, direction=direction, group=group, actor=request.user,
                   advancing=list(Project.objects.filter(pk__in=ids)), reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("并列决定已记录。"))
    return redirect("review:round_results", pk=pk)


@login_required
@require_GET
def round_results_export(request: HttpRequest, pk: int) -> HttpResponse:
    review_round = _round(request, pk)
    if review_round.results.exists():
        lock_aggregation(review_round=review_round, actor=request.user)
    return xlsx_response(results_workbook(review_round), f"results-{review_round.pk}.xlsx")


def results_workbook(review_round: ReviewRound) -> Workbook:
    wb = Workbook()
    decimals = review_round.score_decimals
    columns = [(_("方向"), 24), (_("组别"), 10), (_("名次"), 8), (_("项目"), 36), (_("团队"), 20), (_("参赛单位"), 30),
               (_("加权平均分"), 12), (_("计分"), 12), (_("评分数"), 8), (_("极差"), 10), (_("分歧较大"), 10),
               (_("晋级稳定性"), 12), (_("晋级线并列"), 10), (_("晋级"), 8)]
    rows = ([c.direction.display_name, c.group.display_name if c.group else "", r.rank, r.project.name,
             r.project.team.name, r.project.team.organization.name,
             shown_score(r.raw_score, decimals) if r.raw_score is not None else None,
             shown_score(r.score, decimals) if r.score is not None else None, r.reviews,
             round(r.spread, 2) if r.spread is not None else None, _("是") if r.disagreement else "",
             round(r.stability, 3) if r.stability is not None else None,
             _("是") if r.project_id in c.tied else "", _("是") if r.advanced else ""]
            for c in group_cuts(review_round) for r in c.results + c.unranked)
    write_sheet(wb.active, _("评审结果"), columns, rows)
    for cell in wb.active["L"][1:]:
        cell.number_format = "0.0%"
    return wb


@login_required
@require_http_methods(["GET", "POST"])
def round_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what the archive holds, and a confirmation; POST: build it."""
    review_round = _round(request, pk)
    if request.method == "POST":
        try:
            build_archive(review_round=review_round, actor=request.user)
        except ValidationError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("本轮评审材料已归档。"))
        return redirect("review:round_results", pk=pk)
    return render(request, "review/results_archive.html", {
        "review_round": review_round, "archive": RoundArchive.objects.filter(review_round=review_round).first()})


@login_required
@require_GET
def round_archive_download(request: HttpRequest, pk: int) -> FileResponse:
    review_round = _round(request, pk)
    archive = get_object_or_404(RoundArchive, review_round=review_round)
    handle = archive.file.storage.open(archive.file.name, "rb")
    return FileResponse(handle, as_attachment=True, filename=f"round-{review_round.pk}-archive.zip",
                        content_type="application/zip")


# --- finalists --------------------------------------------------------------------------------


@login_required
@require_GET
def finalist_index(request: HttpRequest) -> HttpResponse:
    """Per station and group: the quota, the list's state, links to propose, confirm and check."""
    contest = _contest(request, "review.view_finalists")
    lists = {(fl.station_id, fl.group_id): fl for fl in finalist_lists_for_user(request.user, contest)}
    groups = list(Group.objects.filter(contest=contest).order_by("order"))
    rows = []
    for station in finalist_stations_for_user(request.user, contest):
        for group in groups:
            fl = lists.get((station.pk, group.pk))
            rows.append({"station": station, "group": group, "quota": quota_of(station, group), "list": fl,
                         "entries": current_entries(fl) if fl else [],
                         "can_propose": request.user.has_perm("review.propose_finalists", station)})
    return render(request, "review/finalist_index.html", {"contest": contest, "rows": rows})


def _station_group(request: HttpRequest, station_code: str, group_code: str):
    contest = _contest(request, "review.view_finalists")
    station = get_object_or_404(finalist_stations_for_user(request.user, contest), code=station_code)
    if not request.user.has_perm("review.propose_finalists", station):
        raise Http404
    return station, get_object_or_404(Group, contest=contest, code=group_code)


@login_required
@require_http_methods(["GET", "POST"])
def finalist_propose(request: HttpRequest, station_code: str, group_code: str) -> HttpResponse:
    """GET: the candidates (the last local round's advancing projects) to choose and order;
    POST without `confirm`: the chosen list for confirmation; POST with it: propose (R-V2)."""
    station, group = _station_group(request, station_code, group_code)
    rows = candidates(station, group)
    by_id = {r.project_id: r for r in rows}
    if request.POST.getlist("ordered"):  # the confirmation step sends the order it showed
        ordered = [i for i in (_number(v) for v in request.POST.getlist("ordered")) if i in by_id]
    else:  # the choice: ticked candidates by the position typed, else by score
        ticked = {_number(v) for v in request.POST.getlist("projects")}
        ordered = [r.project_id for r in sorted(
            (r for r in rows if r.project_id in ticked),
            key=lambda r: (_number(request.POST.get(f"position-{r.project_id}")) or 10_000, -(r.score or 0)))]
    context = {"station": station, "group": group, "candidates": rows, "quota": quota_of(station, group),
               "round": last_local_round(station), "existing": FinalistList.objects.filter(
                   station=station, group=group).first()}
    if request.method == "POST":
        if request.POST.get("confirm") == "1":
            try:
                propose_finalists(station=station, group=group, actor=request.user,
                                  projects=[by_id[i].project for i in ordered])
            except ValidationError as exc:
                _refused(request, exc)
                return redirect("review:finalist_propose", station_code=station.code, group_code=group.code)
            messages.success(request, _("推荐名单已提交，等待秘书处确认。"))
            return redirect("review:finalist_index")
        context["preview"] = [by_id[i] for i in ordered]
    return render(request, "review/finalist_propose.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def finalist_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the proposed list and a confirmation (or the frozen snapshot); POST: confirm."""
    contest = _contest(request, "review.view_finalists")
    finalist_list = get_object_or_404(finalist_lists_for_user(request.user, contest), pk=pk)
    can_confirm = request.user.has_perm("review.confirm_finalists")
    if request.method == "POST":
        if not can_confirm:
            raise Http404
        try:
            confirm_finalists(finalist_list=finalist_list, actor=request.user)
        except ValidationError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("名单已确认并冻结。"))
        return redirect("review:finalist_confirm", pk=pk)
    confirmed = finalist_list.status == FinalistStatus.CONFIRMED
    return render(request, "review/finalist_confirm.html", {
        "list": finalist_list, "entries": current_entries(finalist_list), "amendments": amendments(finalist_list),
        "proposed": finalist_list.entries.filter(replaces__isnull=True).select_related("project__team")
        .order_by("position"), "can_confirm": can_confirm and not confirmed, "confirmed": confirmed,
        "snapshot_ok": verify_snapshot(finalist_list) if confirmed else None,
        "offered": next_in_line(finalist_list) if confirmed else None,
        "can_check": request.user.has_perm("review.due_diligence")})


@login_required
@require_http_methods(["GET", "POST"])
def diligence(request: HttpRequest, entry_pk: int) -> HttpResponse:
    """Due diligence on one finalist (R-P9): the checklist, findings and verdict; after a fail,
    the next in line and the replacement decision."""
    contest = _contest(request, "review.due_diligence")
    entry = get_object_or_404(FinalistEntry.objects.select_related("finalist_list", "project__team__organization"),
                              finalist_list__contest=contest, pk=entry_pk)
    project = entry.project
    errors: dict = {}
    if request.method == "POST":
        verdict = request.POST.get("passed", "")
        checks = {code: {"ok": {"1": True, "0": False}.get(request.POST.get(f"ok-{code}", "")),
                         "note": request.POST.get(f"note-{code}", "")}
                  for code, _name in checklist_items(contest)}
        try:
            if verdict not in ("", "pass", "fail"):
                raise ValidationError({"passed": ValidationError(_("结论只能是通过、不通过或暂存"), code="R-P9")})
            record_due_diligence(project=project, actor=request.user, checks=checks,
                                 findings=request.POST.get("findings", ""),
                                 passed={"pass": True, "fail": False}.get(verdict))
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("尽职调查记录已保存。"))
            return redirect("review:diligence", entry_pk=entry.pk)
    dd = due_diligence_of(project)
    offered = next_in_line(entry.finalist_list) if dd.passed is False else None
    replaced = FinalistEntry.objects.filter(replaces=entry).select_related("project").first()
    return render(request, "review/diligence_form.html", {
        "entry": entry, "project": project, "dd": dd, "errors": errors, "offered": offered, "replaced": replaced,
        "list": entry.finalist_list})


@login_required
@require_POST
def finalist_replace(request: HttpRequest, entry_pk: int) -> HttpResponse:
    contest = _contest(request, "review.due_diligence")
    entry = get_object_or_404(FinalistEntry.objects.select_related("finalist_list"), finalist_list__contest=contest,
                              pk=entry_pk)
    project = get_object_or_404(Project, contest=contest, pk=_number(request.POST.get("project")))
    try:
        replace_finalist(entry=entry, project=project, reason=request.POST.get("reason", ""), actor=request.user)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("递补决定已记录。"))
    return redirect("review:diligence", entry_pk=entry.pk)
