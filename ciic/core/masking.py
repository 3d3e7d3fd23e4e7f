"""Masking of personal data for every page, export and log line that does not need it."""

from __future__ import annotations

from typing import Any


def mask_id_number(value: str | None) -> str:
    """`110105199001011234` -> `110105********1234`: region kept, birth date hidden."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_mobile(value: str | None) -> str:
    """`13812345678` -> `138****5678`."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_value(field: str, value: Any) -> Any:
    if value in (None, ""):
        return value
    if field == "id_number":
        return mask_id_number(str(value))
    if field in {"mobile", "phone"}:
        return mask_mobile(str(value))
    return "[redacted]"
