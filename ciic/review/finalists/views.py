"""Staff pages for a station's finalists (R-V2, R-P9): proposed by the station officer,
confirmed by the secretariat, each after a confirmation step, then due diligence and
replacing a finalist who failed it.

Who may see what is in `ciic/review/rules.py` (`review.view_finalists`,
`review.propose_finalists`, `review.confirm_finalists`, `review.due_diligence`); anyone else
gets a 404. Writes go through `services.py`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ciic.contests.models import Group
from ciic.core.responses import flash_errors, parse_number, template_errors
from ciic.projects.models import Project

from ..access import staff_contest
from ..enums import FinalistStatus
from ..models import FinalistEntry, FinalistList
from ..selectors import finalist_lists_for_user, finalist_stations_for_user
from .services import (
    amendments,
    candidates,
    checklist_items,
    checklist_labels,
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


@login_required
@require_GET
def finalist_index(request: HttpRequest) -> HttpResponse:
    """Per station and group: the quota, the list's state, links to propose, confirm and check."""
    contest = staff_contest(request, "review.view_finalists")
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
    contest = staff_contest(request, "review.view_finalists")
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
        ordered = [i for i in (parse_number(v) for v in request.POST.getlist("ordered")) if i in by_id]
    else:  # the choice: ticked candidates by the position typed, else by score
        ticked = {parse_number(v) for v in request.POST.getlist("projects")}
        ordered = [r.project_id for r in sorted(
            (r for r in rows if r.project_id in ticked),
            key=lambda r: (parse_number(request.POST.get(f"position-{r.project_id}")) or 10_000, -(r.score or 0)))]
    context = {"station": station, "group": group, "candidates": rows, "quota": quota_of(station, group),
               "round": last_local_round(station), "existing": FinalistList.objects.filter(
                   station=station, group=group).first()}
    if request.method == "POST":
        if request.POST.get("confirm") == "1":
            try:
                propose_finalists(station=station, group=group, actor=request.user,
                                  projects=[by_id[i].project for i in ordered])
            except ValidationError as exc:
                flash_errors(request, exc)
                return redirect("review:finalist_propose", station_code=station.code, group_code=group.code)
            messages.success(request, _("推荐名单已提交，等待秘书处确认。"))
            return redirect("review:finalist_index")
        context["preview"] = [by_id[i] for i in ordered]
    return render(request, "review/finalist_propose.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def finalist_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the proposed list and a confirmation (or the frozen snapshot); POST: confirm."""
    contest = staff_contest(request, "review.view_finalists")
    finalist_list = get_object_or_404(finalist_lists_for_user(request.user, contest), pk=pk)
    can_confirm = request.user.has_perm("review.confirm_finalists")
    if request.method == "POST":
        if not can_confirm:
            raise Http404
        try:
            confirm_finalists(finalist_list=finalist_list, actor=request.user)
        except ValidationError as exc:
            flash_errors(request, exc)
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
    contest = staff_contest(request, "review.due_diligence")
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
            errors = template_errors(exc)
        else:
            messages.success(request, _("尽职调查记录已保存。"))
            return redirect("review:diligence", entry_pk=entry.pk)
    dd = due_diligence_of(project)
    offered = next_in_line(entry.finalist_list) if dd.passed is False else None
    replaced = FinalistEntry.objects.filter(replaces=entry).select_related("project").first()
    labels = checklist_labels(contest)
    items = [{**item, "label": labels.get(item["code"], item["name"])} for item in dd.checklist]
    return render(request, "review/diligence_form.html", {
        "entry": entry, "project": project, "dd": dd, "items": items, "errors": errors, "offered": offered,
        "replaced": replaced, "list": entry.finalist_list})


@login_required
@require_POST
def finalist_replace(request: HttpRequest, entry_pk: int) -> HttpResponse:
    contest = staff_contest(request, "review.due_diligence")
    entry = get_object_or_404(FinalistEntry.objects.select_related("finalist_list"), finalist_list__contest=contest,
                              pk=entry_pk)
    project = get_object_or_404(Project, contest=contest, pk=parse_number(request.POST.get("project")))
    try:
        replace_finalist(entry=entry, project=project, reason=request.POST.get("reason", ""), actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("递补决定已记录。"))
    return redirect("review:diligence", entry_pk=entry.pk)
