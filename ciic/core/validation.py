"""Collecting validation errors per field, each carrying the rule ID it enforces."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .text import hidden_characters_error


class Errors:
    """Collects errors per field so a form can show all of them at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[ValidationError]] = {}

    def add(self, field: str, message: str, rule: str) -> None:
        self.by_field.setdefault(field, []).append(ValidationError(message, code=rule))

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def parse_local_datetime(value: str, time_zone: str, *, field: str, rule: str) -> dt.datetime | None:
    """A `datetime-local` form value read in the contest's time zone (Beijing time); empty is
    None; a malformed one is refused naming `field` and `rule`. A NUL byte or an absurd length
    is malformed too (fromisoformat refuses it)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        naive = dt.datetime.fromisoformat(value[:40])
    except ValueError as exc:
        raise ValidationError({field: ValidationError(_("时间格式不正确（如 2023-11-20 14:00，北京时间）"),
                                                      code=rule)}) from exc
    return naive.replace(tzinfo=ZoneInfo(time_zone)) if naive.tzinfo is None else naive


def parse_local_date(value: str, *, field: str, rule: str) -> dt.date | None:
    """A `date` form value (YYYY-MM-DD); empty is None; a malformed one is refused naming
    `field` and `rule`."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:20])
    except ValueError as exc:
        raise ValidationError({field: ValidationError(_("日期格式不正确（如 2024-03-01）"), code=rule)}) from exc


def clean_text(errors: Errors, field: str, value, *, label: str, limit: int, rule: str, required: bool = True,
               multiline: bool = False) -> str:
    """A text field, stripped: refused (into `errors`, naming `field` and `rule`) when required
    and empty, longer than `limit`, or holding control, invisible or direction-control
    characters; a `multiline` text may hold line breaks and tabs. Returns the stripped text, or
    "" when it was refused (so no query ever sees a NUL byte or a hidden character)."""
    text = str(value or "").strip()
    if not text:
        if required:
            errors.add(field, _("请填写%(label)s") % {"label": label}, rule)
        return ""
    if len(text) > limit:
        errors.add(field, _("%(label)s不能超过 %(limit)s 个字符") % {"label": label, "limit": limit}, rule)
        return ""
    if hidden := hidden_characters_error(text, label=label, multiline=multiline):
        errors.add(field, hidden, rule)
        return ""
    return text
