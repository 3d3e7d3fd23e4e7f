"""The API's writes are throttled per account and per address (RATE_LIMITS "api_write" and
"api_write_address"); reads are not. Over the limit: 429 in the API's error shape with
Retry-After. The rates are read on each call, so a changed setting applies at once."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle

from .auth import SAFE_METHODS


class _Writes(SimpleRateThrottle):
    setting = ""

    def __init__(self) -> None:
        super().__init__(rate=settings.RATE_LIMITS[self.setting])

    def allow_request(self, request: HttpRequest) -> bool:
        if request.method in SAFE_METHODS:
            return True
        self.rate = settings.RATE_LIMITS[self.setting]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


class AccountWrites(_Writes):
    scope = setting = "api_write"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "auth", None)
        return None if user is None else self.cache_format % {"scope": self.scope, "ident": user.pk}


class AddressWrites(_Writes):
    scope = setting = "api_write_address"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


WRITE_THROTTLES = [AccountWrites(), AddressWrites()]
