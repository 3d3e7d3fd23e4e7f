"""Staff pages for a round's results (R-V2, R-V3, R-G1): the aggregation choice (until scores
are seen), the results per direction × group with the disagreement flags, stability and the
advancement marks, tie blocks with their decision form, the advancement rules, each expert's
score distribution (an inline SVG box plot drawn here), the Excel export and the archive.

Who may see what is in `ciic/review/rules.py` (`review.manage_results`); anyone else gets a
404. Writes go through `services.py` and `archive.py`.
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

from ciic.contests.models import Direction, Group
from ciic.core.responses import flash_errors, parse_number, xlsx_response
from ciic.entrants.exports import write_sheet
from ciic.projects.models import Project

from ..access import staff_contest
from ..enums import Aggregation
from ..models import ReviewRound, RoundArchive
from ..selectors import result_rounds_for_user
from .archive import build_archive, verify_archive
from .services import (
    ExpertFigures,
    aggregation_locked,
    compute_results,
    conflicted_rounds,
    counting_reviews,
    decide_tie,
    decisions_final,
    expert_figures,
    group_cuts,
    lock_aggregation,
    needs_extra_review,
    review_graph_parts,
    set_advancement_rule,
    set_aggregation,
    shown_score,
)


def _round(request: HttpRequest, pk: int) -> ReviewRound:
    review_round = get_object_or_404(result_rounds_for_user(request.user, staff_contest(request)), pk=pk)
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
    contest = staff_contest(request)
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
        "graph_parts": parts if parts > 1 else None, "rules_final": decisions_final(review_round),
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
