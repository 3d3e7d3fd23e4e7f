"""The secretariat's pages for what changes while an edition runs: the schedule's dates, the
finalist quotas per station and group, the stations' local organizing units, the material
limits and the policy texts. Each page edits one section of the contest's spec
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
from stdnum.cn import uscc

from ciic.contests.selectors import current_contest
from ciic.contests.services import edit_spec_section
from ciic.contests.spec import SpecError
from ciic.entrants.enums import TeamStatus
from ciic.entrants.models import Team
from ciic.entrants.services import barred_local_unit

# "stations[2].local_units[1].credit_code: …" -> ["stations", 2, "local_units", 1, "credit_code"]
_PATH = re.compile(r"^(?P<path>\w+(?:\[\d+\]|\.\w+)*):\s*(?P<message>.*)$", re.S)
_PART = re.compile(r"\w+|\[\d+\]")
# How many rows one station's list of units may post (a form, not a bulk import).
MAX_UNIT_ROWS = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _contest(request: HttpRequest):
    contest = current_contest()
    if contest is None or not request.user.has_perm("contests.edit_spec"):
        raise Http404
    return contest


def _error_path(error: str) -> tuple[list[str | int], str]:
    """A spec error's path as parts, and its message; no path: ([], the error)."""
    match = _PATH.match(error)
    if not match:
        return [], error
    parts: list[str | int] = [int(p[1:-1]) if p.startswith("[") else p for p in _PART.findall(match["path"])]
    return parts, match["message"]


def _by_row(errors: list[str], section: str) -> tuple[dict[tuple[int, str], list[str]], list[str]]:
    """A refused spec's errors: those of a row's field (`section[row].field`), and the rest."""
    rows: dict[tuple[int, str], list[str]] = {}
    other: list[str] = []
    for error in errors:
        parts, message = _error_path(error)
        if len(parts) in (2, 3) and parts[0] == section and isinstance(parts[1], int):
            field = parts[2] if len(parts) == 3 else ""
            rows.setdefault((parts[1], str(field)), []).append(message)
        else:
            other.append(error)
    return rows, other


def _bounded(raw: str | None, limit: int) -> int:
    """A posted row count, read as at most `limit`; a count that is not one reads every row
    up to the limit, so a mangled form drops no row it posted."""
    return min(int(raw), limit) if raw and raw.isdigit() and len(raw) < 6 else limit


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


def _unit_rows(request: HttpRequest, i: int) -> list[dict]:
    count = _bounded(request.POST.get(f"rows-{i}"), MAX_UNIT_ROWS)
    return [{"name": " ".join((request.POST.get(f"unit-{i}-{j}-name") or "").split()),
             "credit_code": uscc.compact(request.POST.get(f"unit-{i}-{j}-credit_code") or "").upper()}
            for j in range(count)]


def _check_unit(row: dict) -> dict[str, list[str]]:
    """One posted unit: its name, and its credit code when given (the spec checks both again)."""
    errors: dict[str, list[str]] = {}
    if row["credit_code"] and not row["name"]:
        errors["name"] = [_("请填写单位名称")]
    if _CONTROL.search(row["name"]) or _CONTROL.search(row["credit_code"]):
        errors.setdefault("name", []).append(_("不能包含控制字符"))
    elif len(row["name"]) > 200:
        errors["name"] = [_("单位名称不能超过 200 个字符")]
    if row["credit_code"] and not uscc.is_valid(row["credit_code"]):
        errors["credit_code"] = [_("统一社会信用代码无效（应为 18 位，校验位须正确）")]
    return errors


def _newly_barred(contest, station_codes: set[str]) -> list[Team]:
    """R-P8: registered teams of these stations whose organization, or one of its family, is
    now among the station's local organizing units: the secretariat has them checked."""
    teams = (Team.objects.filter(contest=contest, station__code__in=station_codes, status=TeamStatus.REGISTERED)
             .select_related("organization", "station").order_by("station__order", "name"))
    return [team for team in teams if barred_local_unit(team.organization, team.station) is not None]


@login_required
@require_http_methods(["GET", "POST"])
def local_units(request: HttpRequest) -> HttpResponse:
    """R-D3: each station's local organizing units, announced separately; R-P8 bars them and
    their parents, subsidiaries and branches from that station. An emptied row is removed."""
    contest = _contest(request)
    spec_stations = [dict(s) for s in contest.spec.get("stations", [])]
    display = {s.code: s.display_name for s in contest.stations.all()}
    posted = request.method == "POST"
    errors: dict[tuple[int, int, str], list[str]] = {}
    other: list[str] = []
    forms = []
    for i, station in enumerate(spec_stations):
        if posted:
            rows = _unit_rows(request, i)
            for j, row in enumerate(rows):
                for field, found in _check_unit(row).items():
                    errors[(i, j, field)] = found
        else:
            rows = [{"name": u["name"], "credit_code": u.get("credit_code", "")} for u in station.get("local_units", [])]
        forms.append(rows)
    if posted and not errors:
        # Blank rows are dropped; `kept[i][k]` is the form row of the spec's unit k.
        kept: list[list[int]] = []
        value = []
        for i, station in enumerate(spec_stations):
            keep = [j for j, row in enumerate(forms[i]) if row["name"]]
            kept.append(keep)
            units = [{"name": forms[i][j]["name"], **({"credit_code": forms[i][j]["credit_code"]}
                                                      if forms[i][j]["credit_code"] else {})} for j in keep]
            value.append({**station, "local_units": units})
        changed = {s["code"] for s, new in zip(spec_stations, value, strict=True)
                   if s.get("local_units", []) != new["local_units"]}
        try:
            edit_spec_section(contest=contest, actor=request.user, section="stations", value=value)
        except SpecError as exc:
            for error in exc.errors:
                parts, message = _error_path(error)
                if (len(parts) >= 4 and parts[0] == "stations" and parts[2] == "local_units"
                        and isinstance(parts[1], int) and isinstance(parts[3], int)
                        and parts[1] < len(kept) and parts[3] < len(kept[parts[1]])):
                    field = str(parts[4]) if len(parts) > 4 else "name"
                    errors.setdefault((parts[1], kept[parts[1]][parts[3]], field), []).append(message)
                else:
                    other.append(error)
        else:
            messages.success(request, _("地方赛组织单位已保存。"))
            barred = _newly_barred(contest, changed) if changed else []
            if barred:
                messages.warning(request, _("以下已报名团队的参赛单位（或其母公司、子公司、分公司、控股公司）是所报赛站的地方赛组织单位，"
                                            "按规则不得在本赛站参赛，请核查：%(teams)s") % {
                    "teams": "；".join(f"{t.name}（{t.organization.name}，{t.station.display_name}）" for t in barred)})
            return redirect("site:edition_local_units")
    blocks = []
    for i, station in enumerate(spec_stations):
        rows = forms[i] + ([] if posted else [{"name": "", "credit_code": ""}] * 2)
        blocks.append({"index": i, "name": display.get(station["code"], station["name"]), "count": len(rows),
                       "rows": [{"index": j, **row, "name_errors": errors.get((i, j, "name"), []),
                                 "code_errors": errors.get((i, j, "credit_code"), [])}
                                for j, row in enumerate(rows)]})
    return render(request, "site/edition_local_units.html", {"blocks": blocks, "other_errors": other},
                  status=422 if errors or other else 200)
