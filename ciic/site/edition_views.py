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
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from stdnum.cn import uscc

from ciic.contests.enums import PolicyKind
from ciic.contests.models import PolicyDocument
from ciic.contests.selectors import current_contest
from ciic.contests.services import edit_spec_section
from ciic.contests.spec import SpecError
from ciic.entrants.enums import TeamStatus
from ciic.entrants.models import Team
from ciic.entrants.services import barred_local_unit
from ciic.projects.materials import FORMAT_KINDS

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
                edit_spec_section(contest=contest, actor=request.user, section="schedule", value=items,
                                  expected_sha256=request.POST.get("fingerprint", ""))
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
                edit_spec_section(contest=contest, actor=request.user, section="quotas", value=quota_list,
                                  expected_sha256=request.POST.get("fingerprint", ""))
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
            edit_spec_section(contest=contest, actor=request.user, section="stations", value=value,
                              expected_sha256=request.POST.get("fingerprint", ""))
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


_FORMAT_SPLIT = re.compile(r"[\s,，、;；/]+")


def _formats(raw: str) -> tuple[list[str], list[str]]:
    """"pdf, .JPG png" -> (["pdf", "jpg", "png"], errors): extensions the upload check knows."""
    formats: list[str] = []
    for part in _FORMAT_SPLIT.split(raw.strip().lower()):
        part = part.lstrip(".")
        if part and part not in formats:
            formats.append(part)
    unknown = [f for f in formats if f not in FORMAT_KINDS]
    if unknown:
        return formats, [_("不支持的格式：%(unknown)s（可选：%(known)s）") % {
            "unknown": ", ".join(unknown[:5])[:60], "known": ", ".join(FORMAT_KINDS)}]
    if not formats:
        return formats, [_("至少填写一种格式")]
    return formats, []


@login_required
@require_http_methods(["GET", "POST"])
def material_limits(request: HttpRequest) -> HttpResponse:
    """R-J7: each material type's formats, size limit, and whether it is required (and, for a
    hosted service, a link). Files already uploaded stay; a new limit applies to new uploads."""
    contest = _contest(request)
    items = [dict(item) for item in contest.spec.get("material_types", [])]
    display = {m.code: m.display_name for m in contest.material_types.all()}
    posted = request.method == "POST"
    errors: dict[tuple[int, str], list[str]] = {}
    other: list[str] = []
    rows = []
    for i, item in enumerate(items):
        if posted:
            formats_raw = request.POST.get(f"formats-{i}") or ""
            size_raw = (request.POST.get(f"size-{i}") or "").strip()
            formats, found = _formats(formats_raw)
            if found:
                errors[(i, "formats")] = found
            else:
                item["formats"] = formats
            if size_raw.isdigit() and 0 < len(size_raw) <= 10 and int(size_raw) > 0:
                item["max_size_mb"] = int(size_raw)
            else:
                errors[(i, "max_size_mb")] = [_("大小上限须为正整数（MB）")]
            for flag in ("required", "link_required"):
                if request.POST.get(f"{flag}-{i}") == "on":
                    item[flag] = True
                else:
                    item.pop(flag, None)
        else:
            formats_raw, size_raw = ", ".join(item["formats"]), str(item["max_size_mb"])
        rows.append({"index": i, "item": item, "name": display.get(item["code"], item["name"]),
                     "formats": formats_raw, "size": size_raw})
    if posted and not errors:
        try:
            edit_spec_section(contest=contest, actor=request.user, section="material_types", value=items,
                              expected_sha256=request.POST.get("fingerprint", ""))
        except SpecError as exc:
            errors, other = _by_row(exc.errors, "material_types")
        else:
            messages.success(request, _("材料要求已保存。"))
            return redirect("site:edition_materials")
    for row in rows:
        row["format_errors"] = errors.get((row["index"], "formats"), [])
        row["size_errors"] = errors.get((row["index"], "max_size_mb"), []) + errors.get((row["index"], ""), [])
    return render(request, "site/edition_materials.html", {"rows": rows, "other_errors": other,
                                                           "known_formats": ", ".join(FORMAT_KINDS)},
                  status=422 if errors or other else 200)


POLICY_TEXT_LIMIT = 50_000
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _policy_errors(data: dict[str, str], versions: set[str], current: dict | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not data["version"]:
        errors["version"] = [_("请填写版本号")]
    elif len(data["version"]) > 20 or _CONTROL.search(data["version"]):
        errors["version"] = [_("版本号不超过 20 个字符，且不能包含控制字符")]
    elif data["version"] in versions:
        errors["version"] = [_("版本 %(version)s 已发布过；已发布的版本不能修改，请使用新的版本号") % {"version": data["version"]}]
    if not data["title"]:
        errors["title"] = [_("请填写标题")]
    elif len(data["title"]) > 200 or _CONTROL.search(data["title"]):
        errors["title"] = [_("标题不超过 200 个字符，且不能包含控制字符")]
    if not data["text"].strip():
        errors["text"] = [_("请填写正文")]
    elif len(data["text"]) > POLICY_TEXT_LIMIT or _CONTROL_TEXT.search(data["text"]):
        errors["text"] = [_("正文不超过 %(limit)s 个字符，且不能包含控制字符") % {"limit": POLICY_TEXT_LIMIT}]
    elif current and data["text"] == current["text"] and data["title"] == current["title"]:
        errors["text"] = [_("标题和正文与现行版本相同，无需发布新版本")]
    if data["confirm"] != "on":
        errors["confirm"] = [_("请确认发布：发布后新报名的团队须同意新版本，已发布的版本不能再修改")]
    return errors


@login_required
@require_http_methods(["GET", "POST"])
def policies(request: HttpRequest) -> HttpResponse:
    """R-P5: the service rules and the pledge. A published version is never edited (teams
    accepted its exact text); a change is a new version, which becomes the current one that
    registration asks to accept. The earlier versions stay, with who accepted them."""
    contest = _contest(request)
    items = [dict(item) for item in contest.spec.get("policies", [])]
    accepted = dict(PolicyDocument.objects.filter(contest=contest).annotate(n=Count("acceptances"))
                    .values_list("pk", "n"))
    documents = {(d.kind, d.version): d for d in contest.policies.all()}
    posted_kind = request.POST.get("kind") if request.method == "POST" else None
    errors: dict[str, list[str]] = {}
    other: list[str] = []
    if posted_kind is not None and posted_kind not in PolicyKind.values:
        posted_kind = None
        other.append(_("未知的文件类型：只能发布服务规则或参赛承诺书的新版本"))
    data: dict[str, str] = {}
    if posted_kind:
        data = {"version": " ".join((request.POST.get("version") or "").split()),
                "title": " ".join((request.POST.get("title") or "").split()),
                "text": (request.POST.get("text") or "").replace("\r\n", "\n").strip() + "\n",
                "confirm": request.POST.get("confirm") or ""}
        mine = [p for p in items if p["kind"] == posted_kind]
        current = next((p for p in mine if p.get("is_current")), None)
        errors = _policy_errors(data, {p["version"] for p in mine}, current)
        if not errors:
            zone = ZoneInfo(contest.time_zone)
            value = [{**p, "is_current": False} if p["kind"] == posted_kind else p for p in items]
            value.append({"kind": posted_kind, "version": data["version"], "title": data["title"],
                          "text": data["text"], "is_current": True,
                          "published_at": timezone.now().astimezone(zone).replace(microsecond=0).isoformat()})
            try:
                edit_spec_section(contest=contest, actor=request.user, section="policies", value=value,
                                  expected_sha256=request.POST.get("fingerprint", ""))
            except SpecError as exc:
                other = exc.errors
            else:
                messages.success(request, _("已发布%(title)s（版本 %(version)s）。") % data)
                return redirect("site:edition_policies")
    kinds = []
    for kind, label in PolicyKind.choices:
        versions = sorted((p for p in items if p["kind"] == kind), key=lambda p: p.get("published_at") or "",
                          reverse=True)
        versions.sort(key=lambda p: not p.get("is_current"))  # the current one first, then newest
        current = next((p for p in versions if p.get("is_current")), None)
        mine = posted_kind == kind
        kinds.append({
            "kind": kind, "label": label,
            "versions": [{**p, "accepted": accepted.get(getattr(documents.get((kind, p["version"])), "pk", None), 0)}
                         for p in versions],
            "form": data if mine else {"version": "", "title": current["title"] if current else "",
                                       "text": current["text"] if current else ""},
            "errors": errors if mine else {},
        })
    return render(request, "site/edition_policies.html", {"kinds": kinds, "other_errors": other,
                                                          "text_limit": POLICY_TEXT_LIMIT},
                  status=422 if errors or other else 200)
