from __future__ import annotations

import re

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _

_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalize_mobile(value: str) -> str | None:
    """A mainland mobile number as 11 digits, or None. Accepts +86, spaces and dashes."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits if _MOBILE.match(digits) else None


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's own, with the message in the platform's catalog: Django 5.2 changed that
    message's wording, and its Simplified Chinese catalog has no translation of the new one,
    so the Chinese interface showed it in English."""

    def get_error_message(self) -> str:
        return _("密码太短：至少需要 %(min_length)d 个字符") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要 %(min_length)d 个字符") % {"min_length": self.min_length}
