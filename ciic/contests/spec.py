"""Checking a contest spec and the pure operations on it (no database).

`validate_spec` returns every error at once, each message starting with the path of the
value it is about (`awards.tiers[2].amount: ...`), so whoever edits the YAML can fix all of
them in one pass. Schema errors come first (shape, types, formats), then the checks of one
part against another.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from stdnum.cn import uscc

from .enums import PolicyKind
from .names import name_key
from .selectors import REGISTRATION_KEY  # the schedule row registration opens and closes by
from .spec_schema import NO_CONTROL, NO_CONTROL_TEXT, SPEC_SCHEMA

ROOT = "spec"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_formats = FormatChecker(formats=())


@_formats.checks("date-time", raises=ValueError)
def _is_aware_datetime(value: object) -> bool:
    """An ISO 8601 date and time with its UTC offset: the contest runs on Beijing time, and a
    naive time would silently mean the server's zone."""
    if not isinstance(value, str):
        return True
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None or "T" not in value:
        raise ValueError("needs a date, a time and a UTC offset, e.g. 2023-10-22T23:59:59+08:00")
    return True


@_formats.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if isinstance(value, str):
        dt.date.fromisoformat(value)
    return True


@_formats.checks("uri")
def _is_web_address(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


@_formats.checks("email")
def _is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(_EMAIL.match(value))


VALIDATOR = Draft202012Validator(SPEC_SCHEMA, format_checker=_formats)


class SpecError(Exception):
    """A contest spec that cannot be loaded; `errors` lists every problem, path first."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


# --- paths -------------------------------------------------------------------------------


def format_path(parts: Any) -> str:
    """`["awards", "tiers", 1, "amount"]` -> `awards.tiers[1].amount`."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or ROOT


def _schema_messages(error: ValidationError) -> list[str]:
    path = list(error.absolute_path)
    if error.validator == "required":
        missing = [
            name for name in error.validator_value
            if isinstance(error.instance, dict) and name not in error.instance
            and error.message == f"{name!r} is a required property"
        ]
        if missing:
            return [f"{format_path([*path, missing[0]])}: is required"]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        return [f"{format_path([*path, key])}: unknown key" for key in error.instance if key not in known]
    if error.validator == "pattern" and error.validator_value in (NO_CONTROL, NO_CONTROL_TEXT):
        return [f"{format_path(path)}: contains a control character (such as a NUL byte)"]
    if error.validator == "dependentRequired":
        return [f"{format_path(path)}: {error.message}"]
    return [f"{format_path(path)}: {error.message}"]


# --- normalizing ---------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A deep copy holding only JSON types: dates and times become ISO 8601 strings (a YAML
    loader may have turned them into objects) and tuples become lists."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def canonical_json(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def spec_sha256(data: dict[str, Any]) -> str:
    """The fingerprint stored on the contest and in the audit trail."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def parse_datetime(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def as_decimal(value: Any) -> Decimal:
    return Decimal(str(value))


# --- the cross-field checks -----------------------------------------------------------------


def _entries(data: dict[str, Any], *path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, item) for each mapping in the list at `path`; skips what the schema refused."""
    node: Any = data
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, list):
        return
    for i, item in enumerate(node):
        if isinstance(item, dict):
            yield i, item


def _str(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    return value if isinstance(value, str) else None


def _unique(
    errors: list[str], prefix: str, entries: list[tuple[int, Any]], what: str
) -> None:
    """Report each repeat of a natural key, pointing at the first occurrence."""
    seen: dict[Any, int] = {}
    for i, key in entries:
        if key is None:
            continue
        if key in seen:
            errors.append(f"{prefix}[{i}]: duplicate {what} {key!r} (first at {prefix}[{seen[key]}])")
        else:
            seen[key] = i


def _check_identity(data: dict[str, Any], errors: list[str]) -> None:
    contest = data.get("contest")
    if not isinstance(contest, dict):
        return
    zone = contest.get("time_zone")
    if isinstance(zone, str) and zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(f"contest.time_zone: unknown time zone {zone!r} (an IANA name such as Asia/Shanghai)")


def _check_stations_and_directions(data: dict[str, Any], errors: list[str]) -> None:
    """R-D1: five directions, each organized by one station; each station organizes one."""
    stations = list(_entries(data, "stations"))
    directions = list(_entries(data, "directions"))
    _unique(errors, "stations", [(i, _str(s, "code")) for i, s in stations], "station code")
    _unique(errors, "directions", [(i, _str(d, "code")) for i, d in directions], "direction code")
    _unique(
        errors,
        "directions",
        [(i, d.get("number") if isinstance(d.get("number"), int) else None) for i, d in directions],
        "direction number",
    )
    codes = {_str(s, "code") for _, s in stations} - {None}
    organized: dict[str, list[str]] = {code: [] for code in codes if code}
    for i, direction in directions:
        station = _str(direction, "station")
        if station is None:
            continue
        if station not in codes:
            errors.append(f"directions[{i}].station: unknown station {station!r}")
        else:
            organized[station].append(_str(direction, "code") or f"directions[{i}]")
    for i, station in stations:
        code = _str(station, "code")
        if code is None or code not in organized:
            continue
        count = len(organized[code])
        if count != 1:
            listed = ", ".join(organized[code]) or "none"
            errors.append(
                f"stations[{i}]: station {code!r} organizes {count} directions ({listed}); "
                "each station organizes exactly one direction"
            )
        units = list(_entries(station, "local_units"))
        _unique(
            errors, f"stations[{i}].local_units", [(j, _str(u, "name")) for j, u in units], "unit name"
        )
        for j, unit in units:
            # The schema checks the shape; the check digit is what catches a mistyped code.
            code = _str(unit, "credit_code")
            if code and not uscc.is_valid(code):
                errors.append(f"stations[{i}].local_units[{j}].credit_code: {code!r} is not a valid "
                              "unified social credit code (its check digit does not match)")


def _check_groups(data: dict[str, Any], errors: list[str]) -> None:
    """R-G1..R-G3: exactly one default group (everyone else); the others say who qualifies."""
    groups = list(_entries(data, "groups"))
    _unique(errors, "groups", [(i, _str(g, "code")) for i, g in groups], "group code")
    defaults = [i for i, g in groups if g.get("is_default") is True]
    if len(defaults) != 1 and isinstance(data.get("groups"), list):
        where = ", ".join(f"groups[{i}]" for i in defaults) or "none"
        errors.append(
            f"groups: exactly one group must have is_default: true (the group for everyone "
            f"else, R-G3); found {len(defaults)}: {where}"
        )
    for i, group in groups:
        criteria = list(_entries(group, "criteria"))
        if group.get("is_default") is True and criteria:
            errors.append(f"groups[{i}].criteria: the default group takes everyone else and has no criteria")
        if group.get("is_default") is not True and not criteria and isinstance(group.get("criteria", []), list):
            errors.append(f"groups[{i}].criteria: a group that is not the default needs at least one criterion")
        for j, criterion in criteria:
            by_size = "kinds" in criterion or "any" in criterion
            by_soe = criterion.get("central_soe") is True
            if by_size == by_soe:
                errors.append(
                    f"groups[{i}].criteria[{j}]: a criterion is either kinds + any (size thresholds) "
                    "or central_soe: true, exactly one of the two"
                )


# A date written into a schedule note: a year, a month (with or without its day), an ISO date,
# or an English month name ("May" left out: it starts sentences). Notes say how a date is set,
# not what it is.
DATE_IN_TEXT = re.compile(
    r"\d{4}\s*年|\d{1,2}\s*月|\d{4}-\d{1,2}-\d{1,2}|"
    r"\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b"
)


def _check_schedule(data: dict[str, Any], errors: list[str]) -> None:
    """R-T1..R-T5: unique keys, each item ends after it starts, `registration` present."""
    items = list(_entries(data, "schedule"))
    _unique(errors, "schedule", [(i, _str(s, "key")) for i, s in items], "schedule key")
    for i, item in items:
        try:
            starts = parse_datetime(item["starts_at"]) if isinstance(item.get("starts_at"), str) else None
            ends = parse_datetime(item["ends_at"]) if isinstance(item.get("ends_at"), str) else None
        except ValueError:
            continue  # the schema reports the format
        if starts and ends and (starts.tzinfo is None or ends.tzinfo is None):
            continue
        if starts and ends and ends <= starts:
            errors.append(
                f"schedule[{i}].ends_at: {item['ends_at']} is not after starts_at {item['starts_at']}"
            )
        for field in ("note", "note_en"):
            note = item.get(field)
            if isinstance(note, str) and DATE_IN_TEXT.search(note):
                errors.append(f"schedule[{i}].{field}: {DATE_IN_TEXT.search(note).group(0)!r} is a date: "
                              "dates go in starts_at/ends_at only, so that the note stays true when they move")
    if isinstance(data.get("schedule"), list) and REGISTRATION_KEY not in {
        _str(s, "key") for _, s in items
    }:
        errors.append(
            f"schedule: no item with key {REGISTRATION_KEY!r}: registration needs its dates (R-T1)"
        )
    keys = {_str(s, "key") for _, s in items}
    for i, stage in _entries(data, "stages"):
        for field in ("schedule_key", "submission_key"):
            key = _str(stage, field)
            if key is not None and key not in keys:
                errors.append(f"stages[{i}].{field}: unknown schedule key {key!r}")


def _check_stages(data: dict[str, Any], errors: list[str]) -> None:
    stages = list(_entries(data, "stages"))
    _unique(errors, "stages", [(i, _str(s, "code")) for i, s in stages], "stage code")
    for i, stage in stages:
        rounds = list(_entries(stage, "rounds"))
        _unique(errors, f"stages[{i}].rounds", [(j, _str(r, "code")) for j, r in rounds], "round code")


def _check_form(form: Any, prefix: str, errors: list[str]) -> None:
    """A review form: codes unique, weights positive, each score range min < max."""
    if not isinstance(form, dict):
        return
    criteria = list(_entries(form, "criteria"))
    _unique(errors, f"{prefix}.criteria", [(i, _str(c, "code")) for i, c in criteria], "criterion code")
    for i, criterion in criteria:
        weight, low, high = criterion.get("weight"), criterion.get("min"), criterion.get("max")
        if _is_number(weight) and weight <= 0:
            errors.append(f"{prefix}.criteria[{i}].weight: must be greater than 0, not {weight}")
        if _is_number(low) and _is_number(high) and low >= high:
            errors.append(f"{prefix}.criteria[{i}]: min ({low}) must be less than max ({high})")
    recommendations = list(_entries(form, "recommendations"))
    _unique(errors, f"{prefix}.recommendations", [(i, _str(r, "code")) for i, r in recommendations],
            "recommendation code")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_review_forms(data: dict[str, Any], errors: list[str]) -> None:
    """The default review form and each round's own (R-V1)."""
    _check_form(data.get("review_form"), "review_form", errors)
    for i, stage in _entries(data, "stages"):
        for j, round_ in _entries(stage, "rounds"):
            _check_form(round_.get("form"), f"stages[{i}].rounds[{j}].form", errors)


def _check_quotas(data: dict[str, Any], errors: list[str]) -> None:
    """R-V2: quotas name an existing station and group, once each pair."""
    stations = {_str(s, "code") for _, s in _entries(data, "stations")}
    groups = {_str(g, "code") for _, g in _entries(data, "groups")}
    quotas = list(_entries(data, "quotas"))
    for i, quota in quotas:
        station, group = _str(quota, "station"), _str(quota, "group")
        if station is not None and station not in stations:
            errors.append(f"quotas[{i}].station: unknown station {station!r}")
        if group is not None and group not in groups:
            errors.append(f"quotas[{i}].group: unknown group {group!r}")
    _unique(
        errors, "quotas", [(i, (_str(q, "station"), _str(q, "group"))) for i, q in quotas],
        "station and group",
    )


def _amount_ok(value: Any) -> bool:
    try:
        return as_decimal(value).as_tuple().exponent >= -2  # type: ignore[operator]
    except InvalidOperation:
        return False


def _check_finals(data: dict[str, Any], errors: list[str]) -> None:
    """R-V4: a tie-break key `criterion:<code>` names a criterion of the review form."""
    finals, form = data.get("finals") or {}, data.get("review_form")
    if not isinstance(finals, dict) or not isinstance(form, dict):
        return
    codes = {c.get("code") for c in form.get("criteria", []) if isinstance(c, dict)}
    awards = data.get("awards") if isinstance(data.get("awards"), dict) else {}
    for i, award in enumerate(awards.get("special") or []):
        basis = award.get("basis") if isinstance(award, dict) else None
        if isinstance(basis, str) and basis.startswith("criterion:") and basis.split(":", 1)[1] not in codes:
            errors.append(f"awards.special[{i}].basis: no criterion {basis.split(':', 1)[1]!r} in review_form.criteria")
    for i, key in enumerate(finals.get("tie_break") or []):
        if isinstance(key, str) and key.startswith("criterion:") and key.split(":", 1)[1] not in codes:
            errors.append(f"finals.tie_break[{i}]: no criterion {key.split(':', 1)[1]!r} in review_form.criteria")


def _check_awards(data: dict[str, Any], errors: list[str]) -> None:
    """R-A1: count × amount over every tier adds up to the prize pool. When it does not, the
    error points at the LAST tier's amount: the sum is only known once every tier is counted,
    and the last tier is where whoever edits the list looks first."""
    awards = data.get("awards")
    if not isinstance(awards, dict):
        return
    tiers = list(_entries(awards, "tiers"))
    _unique(errors, "awards.tiers", [(i, _str(t, "code")) for i, t in tiers], "tier code")
    _unique(
        errors, "awards.tiers",
        [(i, t.get("rank") if isinstance(t.get("rank"), int) else None) for i, t in tiers], "rank",
    )
    special = list(_entries(awards, "special"))
    _unique(errors, "awards.special", [(i, _str(s, "code")) for i, s in special], "award code")
    numeric = (int, float)
    pool = awards.get("prize_pool")
    if isinstance(pool, numeric) and not isinstance(pool, bool) and not _amount_ok(pool):
        errors.append("awards.prize_pool: at most two decimal places (万元)")
    total = Decimal(0)
    complete = isinstance(pool, numeric) and not isinstance(pool, bool)
    for i, tier in tiers:
        count, amount = tier.get("count"), tier.get("amount")
        if isinstance(amount, numeric) and not isinstance(amount, bool) and not _amount_ok(amount):
            errors.append(f"awards.tiers[{i}].amount: at most two decimal places (万元)")
        if isinstance(count, int) and isinstance(amount, numeric) and not isinstance(amount, bool):
            total += count * as_decimal(amount)
        else:
            complete = False
    if complete and tiers and total != as_decimal(pool):
        last = tiers[-1][0]
        errors.append(
            f"awards.tiers[{last}].amount: prize tiers add up to {_wan(total)}万元 "
            f"but pool is {_wan(as_decimal(pool))}万元"
        )


def _wan(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _check_documents(data: dict[str, Any], errors: list[str]) -> None:
    """R-P5: each policy kind has exactly one current version; R-J7 codes unique."""
    policies = list(_entries(data, "policies"))
    _unique(
        errors, "policies", [(i, (_str(p, "kind"), _str(p, "version"))) for i, p in policies],
        "kind and version",
    )
    if isinstance(data.get("policies"), list):
        for kind in PolicyKind.values:
            current = [i for i, p in policies if p.get("kind") == kind and p.get("is_current") is True]
            if len(current) != 1:
                where = ", ".join(f"policies[{i}]" for i in current) or "none"
                errors.append(
                    f"policies: kind {kind!r} needs exactly one version with is_current: true, "
                    f"found {len(current)} ({where})"
                )
    sections = list(_entries(data, "application_sections"))
    _unique(errors, "application_sections", [(i, _str(s, "code")) for i, s in sections], "section code")
    materials = list(_entries(data, "material_types"))
    _unique(errors, "material_types", [(i, _str(m, "code")) for i, m in materials], "material code")


def _check_central_soes(data: dict[str, Any], errors: list[str]) -> None:
    """R-G2c: one entry per group, whichever way its name is spelled (a name or alias that
    two entries share would make the match depend on the order); valid, unique credit codes;
    a criterion's `lists` name lists that hold entries (a typo would silently count none)."""
    soes = list(_entries(data, "central_soes"))
    seen: dict[str, int] = {}
    for i, soe in soes:
        names = [_str(soe, "name")] + [a for a in soe.get("aliases") or [] if isinstance(a, str)]
        for name in dict.fromkeys(n for n in names if n):
            first = seen.setdefault(name_key(name), i)
            if first != i:
                errors.append(f"central_soes[{i}]: {name!r} names the same group as "
                              f"central_soes[{first}] (names are compared without spaces and "
                              "brackets, 有限责任公司 as 有限公司)")
    codes = [(i, _str(s, "credit_code") or None) for i, s in soes]
    _unique(errors, "central_soes", codes, "credit code")
    for i, code in codes:
        if code and not uscc.is_valid(code):
            errors.append(f"central_soes[{i}].credit_code: {code!r} is not a valid unified social "
                          "credit code (its check digit does not match)")
    held = {_str(s, "list") or "" for _, s in soes}
    for i, group in _entries(data, "groups"):
        for j, criterion in _entries(group, "criteria"):
            for name in criterion.get("lists") or []:
                if isinstance(name, str) and name not in held:
                    errors.append(f"groups[{i}].criteria[{j}].lists: no central_soes entry has "
                                  f"list: {name}")


def _check_lists(data: dict[str, Any], errors: list[str]) -> None:
    """Central SOEs (R-G2c), past winners (R-J3), uncivil words (R-P7), rules: no repeats."""
    _check_central_soes(data, errors)
    winners = list(_entries(data, "past_winners"))
    _unique(
        errors, "past_winners",
        [(i, (w.get("edition"), _str(w, "project_name"))) for i, w in winners], "edition and project",
    )
    contest = data.get("contest")
    edition = contest.get("edition") if isinstance(contest, dict) else None
    if isinstance(edition, int):
        for i, winner in winners:
            if isinstance(winner.get("edition"), int) and winner["edition"] >= edition:
                errors.append(
                    f"past_winners[{i}].edition: {winner['edition']} is not an earlier edition "
                    f"than this one ({edition})"
                )
    rules = list(_entries(data, "rules"))
    _unique(errors, "rules", [(i, _str(r, "id")) for i, r in rules], "rule id")
    words = data.get("uncivil_words")
    if isinstance(words, list):
        _unique(
            errors, "uncivil_words", [(i, w if isinstance(w, str) else None) for i, w in enumerate(words)],
            "word",
        )


def _check_organizing(data: dict[str, Any], errors: list[str]) -> None:
    """R-T2, R-O1, R-A2: the organizing block's schedule keys exist, its kinds are unique, and
    the ranking's award is a special award for organizing units."""
    block = data.get("organizing")
    if not isinstance(block, dict):
        return
    keys = {_str(s, "key") for _, s in _entries(data, "schedule")}
    for field in ("receipt_schedule_key", "report_schedule_key"):
        key = _str(block, field)
        if key is not None and key not in keys:
            errors.append(f"organizing.{field}: unknown schedule key {key!r}")
    _unique(errors, "organizing.unit_kinds",
            [(i, _str(k, "code")) for i, k in _entries(block, "unit_kinds")], "unit kind code")
    meetings = block.get("meetings")
    if isinstance(meetings, dict):
        _unique(errors, "organizing.meetings.kinds",
                [(i, _str(k, "code")) for i, k in _entries(meetings, "kinds")], "meeting kind code")
    _unique(errors, "organizing.benefits",
            [(i, _str(k, "code")) for i, k in _entries(block, "benefits")], "benefit code")
    ranking = block.get("ranking")
    code = _str(ranking, "award_code") if isinstance(ranking, dict) else None
    if code is not None:
        awards = data.get("awards")
        special = {_str(s, "code"): s for _, s in _entries(awards, "special")} if isinstance(awards, dict) else {}
        if code not in special:
            errors.append(f"organizing.ranking.award_code: no awards.special entry has code {code!r}")
        elif special[code].get("recipient") != "organizing_unit":
            errors.append(f"organizing.ranking.award_code: {code!r} is not an award for organizing units")


def _check_publicity(data: dict[str, Any], errors: list[str]) -> None:
    """R-X2: grounds and refusal reasons are told apart by their codes, and at least one ground
    is a complaint (a list of grounds that all refuse would make complaining impossible)."""
    block = data.get("publicity")
    if not isinstance(block, dict):
        return
    grounds = list(_entries(block, "grounds"))
    _unique(errors, "publicity.grounds", [(i, _str(g, "code")) for i, g in grounds], "ground code")
    _unique(errors, "publicity.not_accepted_reasons",
            [(i, _str(r, "code")) for i, r in _entries(block, "not_accepted_reasons")], "reason code")
    if grounds and not any(g.get("complaint", True) for _i, g in grounds):
        errors.append("publicity.grounds: every ground has complaint: false; at least one must be a complaint")
    overlap = set(block.get("holidays") or []) & set(block.get("extra_working_days") or [])
    for day in sorted(d for d in overlap if isinstance(d, str)):
        errors.append(f"publicity.extra_working_days: {day!r} is also a holiday")


_CHECKS = (
    _check_identity,
    _check_stations_and_directions,
    _check_groups,
    _check_schedule,
    _check_stages,
    _check_review_forms,
    _check_quotas,
    _check_awards,
    _check_finals,
    _check_documents,
    _check_lists,
    _check_organizing,
    _check_publicity,
)


def validate_spec(data: Any) -> list[str]:
    """Every error in the spec, each `path: message`; an empty list means it can be loaded."""
    data = plain(data)
    schema_errors = sorted(VALIDATOR.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    errors: list[str] = []
    for error in schema_errors:
        errors.extend(_schema_messages(error))
    if not isinstance(data, dict):
        return errors
    for check in _CHECKS:
        check(data, errors)
    return list(dict.fromkeys(errors))


# --- shifting the schedule --------------------------------------------------------------------


def shift_schedule(
    data: dict[str, Any], *, now: dt.datetime, lead: dt.timedelta = dt.timedelta(days=7)
) -> tuple[dict[str, Any], dt.timedelta]:
    """A copy of a valid spec with every schedule item moved by one offset so that
    registration is open at `now`: it started between `lead` and a day more before (or half
    its length before, if it is shorter than twice `lead`). Every gap between dates is kept.
    The offset is whole days, so every time of day stays as the notice gives it (23:59:59
    stays 23:59:59)."""
    data = copy.deepcopy(data)
    items = data["schedule"]
    registration = next(item for item in items if item["key"] == REGISTRATION_KEY)
    ends = parse_datetime(registration["ends_at"])
    if "starts_at" in registration:
        starts = parse_datetime(registration["starts_at"])
        anchor = starts + min(lead, (ends - starts) / 2)
    else:
        anchor = ends - lead
    offset = now - anchor
    offset = dt.timedelta(days=offset // dt.timedelta(days=1))
    for item in items:
        for key in ("starts_at", "ends_at"):
            if key in item:
                item[key] = (parse_datetime(item[key]) + offset).isoformat()
    return data, offset
