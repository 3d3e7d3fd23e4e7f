"""How often one account or one address may do a thing: sign up, ask for a code, preview a
group, add a representative, write through the API. A fixed window counted in Django's cache
(local memory by default, so with several server processes each counts apart: the limits are
per process; a shared cache such as Redis makes them exact). Rates are settings, "N/period"
with period s, m, h or d, as django-ninja's throttles read them."""

from __future__ import annotations

import functools
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """"5/m" -> (5, 60)."""
    count, _slash, period = rate.partition("/")
    return int(count), PERIODS[period.strip()[0]]


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(scope: str, ident: str, rate: str) -> bool:
    """Count one more `scope` action by `ident` (an account id or an address, hashed: the
    cache holds no address) and say whether it is within `rate`."""
    limit, seconds = parse_rate(rate)
    window = int(time.time() // seconds)
    key = f"rl:{scope}:{hashlib.sha256(ident.encode()).hexdigest()[:32]}:{window}"
    cache.add(key, 0, timeout=seconds + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=seconds + 5)
        count = 1
    return count <= limit


def rate_limited(scope: str):
    """A view decorator: POSTs beyond RATE_LIMITS[scope] per address (and per account when
    logged in) get a 429 page saying to wait, and the view does not run."""
    def decorate(view):
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "POST":
                rate = settings.RATE_LIMITS[scope]
                idents = [f"ip:{client_address(request)}"]
                if request.user.is_authenticated:
                    idents.append(f"user:{request.user.pk}")
                if not all([allow(scope, ident, rate) for ident in idents]):
                    response = render(request, "400.html", {"message": _(
                        "操作过于频繁，请稍后再试。")}, status=429)
                    response["Retry-After"] = str(parse_rate(rate)[1])
                    return response
            return view(request, *args, **kwargs)
        return wrapped
    return decorate
