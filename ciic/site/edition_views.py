"""The secretariat's pages for what changes while an edition runs: the schedule's dates and
the finalist quotas per station and group. Each page edits one section of the contest's spec
through `contests.services.edit_spec_section`, so the same schema and checks apply as to a
loaded spec and every change is audited; a refused change names the row and field and
changes nothing."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ciic.contests.selectors import current_contest
from ciic.contests.services import edit_spec_section
from ciic.contests.spec import SpecError

# "schedule[3].ends_at: …" -> row 3, field ends_at
_PATH = re.compile(r"^(?P<section>\w+)\[(?P<row>\d+)\](?:\.(?P<field>\w+))?:\s*(?P<message>.*)$")


def _contest(request: HttpRequest):
    contest = current_contest()
    if contest is None or not request.user.has_perm("contests.edit_spec"):
        raise Http404
    return contest


def _by_row(errors: list[str], section: str) -> tuple[dict[tuple[int, str], list[str]], list[str]]:
    """A refused spec's errors: those of a row's field, and the rest."""
    rows: dict[tuple[int, str], list[str]] = {}
    other: list[str] = []
    for error in errors:
        match = _PATH.match(error)
        if match and match["section"] == section:
            rows.setdefault((int(match["row"]), match["field"] or ""), []).append(match["message"])
        else:
            other.append(error)
    return rows, other


def _local(value: str | None, zone: ZoneInfo) -> str:
    """An ISO time with its offset, as a datetime-local value in the contest's zone."""
    if not value:
        return ""
    return dt.datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def _iso(value: str, zone: ZoneInfo, *, end: bool) -> str | None:
    """A datetime-local value read in the contest's zone, back to ISO with its offset; an end
    at a whole minute keeps the notice's habit of ending at :59 seconds."""
    parsed = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M").replace(tzinfo=zone)
    if end and parsed.second == 0 and parsed.minute == 59:
        parsed = parsed.replace(second=59)
    return parsed.isoformat()


@login_required
@require_http_methods(["GET", "POST"])
def schedule(request: HttpRequest) -> HttpResponse:
    contest = _contest(request)
    zone = ZoneInfo(contest.time_zone)
    items = [dict(item) for item in contest.spec.get("schedule", [])]
    errors: dict[tuple[int, str], list[str]] = {}
    other: list[str] = []
    posted = request.method == "POST"
    if posted:
        for i, item in enumerate(items):
            for field in ("starts_at", "ends_at"):
                raw = (request.POST.get(f"{field}-{i}") or "").strip()
                if not raw:
                    if field == "ends_at":
                        errors.setdefault((i, field), []).append(_("请填写截止时间"))
                    item.pop(field, None)
                    continue
                try:
                    item[field] = _iso(raw, zone, end=field == "ends_at")
                except ValueError:
                    errors.setdefault((i, field), []).append(_("时间格式应为 年-月-日 时:分"))
            item["placeholder"] = request.POST.get(f"placeholder-{i}") == "on"
            if not item["placeholder"]:
                item.pop("placeholder")
        if not errors:
            try:
                edit_spec_section(contest=contest, actor=request.user, section="schedule", value=items)
            except SpecError as exc:
                errors, other = _by_row(exc.errors, "schedule")
            else:
                messages.success(request, _("日程已保存。"))
                return redirect("site:edition_schedule")
    rows = [{"index": i, "item": item,
             "starts": request.POST.get(f"starts_at-{i}") if posted else _local(item.get("starts_at"), zone),
             "ends": request.POST.get(f"ends_at-{i}") if posted else _local(item.get("ends_at"), zone),
             "start_errors": errors.get((i, "starts_at"), []),
             "end_errors": errors.get((i, "ends_at"), []) + errors.get((i, ""), [])}
            for i, item in enumerate(items)]
    return render(request, "site/edition_schedule.html", {"rows": rows, "other_errors": other},
                  status=422 if errors or other else 200)


@login_required
@require_http_methods(["GET", "POST"])
def quotas(request: HttpRequest) -> HttpResponse:
    """R-V2: how many finalists each station recommends per group (blank: not set yet)."""
    contest = _contest(request)
    stations = list(contest.stations.order_by("order", "pk"))
    groups = list(contest.groups.order_by("order", "pk"))
    current = {(q["station"], q["group"]): q.get("finalists") for q in contest.spec.get("quotas", [])}
    errors: dict[tuple[str, str], list[str]] = {}
    other: list[str] = []
    values = {}
    for s in stations:
        for g in groups:
            key = (s.code, g.code)
            values[key] = (request.POST.get(f"q-{s.code}-{g.code}", "").strip() if request.method == "POST"
                           else ("" if current.get(key) is None else str(current[key])))
    if request.method == "POST":
        quota_list = []
        for (station, group), raw in values.items():
            number = None
            if raw:
                if not raw.isdigit():
                    errors.setdefault((station, group), []).append(_("名额须为非负整数"))
                    continue
                number = int(raw)
            quota_list.append({"station": station, "group": group, "finalists": number})
        if not errors:
            try:
                edit_spec_section(contest=contest, actor=request.user, section="quotas", value=quota_list)
            except SpecError as exc:
                rows, other = _by_row(exc.errors, "quotas")
                for (i, _field), messages_ in rows.items():
                    q = quota_list[i]
                    errors.setdefault((q["station"], q["group"]), []).extend(messages_)
            else:
                messages.success(request, _("晋级名额已保存。"))
                return redirect("site:edition_quotas")
    table = [{"station": s, "cells": [{"group": g, "name": f"q-{s.code}-{g.code}", "value": values[(s.code, g.code)],
                                       "errors": errors.get((s.code, g.code), [])} for g in groups]}
             for s in stations]
    return render(request, "site/edition_quotas.html", {"table": table, "groups": groups, "other_errors": other},
                  status=422 if errors or other else 200)
