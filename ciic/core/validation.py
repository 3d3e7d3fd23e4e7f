"""Collecting validation errors per field, each carrying the rule ID it enforces."""

from __future__ import annotations

from django.core.exceptions import ValidationError


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
