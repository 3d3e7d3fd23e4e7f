"""How the API knows who is calling.

Two ways in, tried in this order:

- a bearer token (`Authorization: Bearer ciic_...`) for scripts, checked by the same
  `token_for_api_key` the rest of the platform uses: live (not revoked nor expired), and a
  read-only token only reads. No cookies are involved, so no CSRF
  check is needed. A header that is present but wrong is refused outright rather than
  falling back to the session, so a script never silently acts as whoever is logged in.
- the Django session for the browser, CSRF-protected. Staff roles must have passed their
  second factor on this session (the 2FA middleware lets /api/ through, so the check is here).

Neither logs the header: a token in a log line is a token anyone reading logs can use.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from ciic.accounts.services import token_for_api_key

# What a read-only token may do.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class BearerToken(AuthBase):
    openapi_type = "http"
    openapi_scheme = "bearer"
    openapi_bearerFormat = "ciic_..."

    def __call__(self, request: HttpRequest) -> Any | None:
        header = request.headers.get("Authorization")
        if not header:
            return None
        scheme, _sep, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise AuthenticationError(message=_("无效的 Authorization 请求头：应为 Bearer 令牌"))
        token = token_for_api_key(key.strip())
        if token is None:
            raise AuthenticationError(message=_("API 令牌无效、已撤销或已过期"))
        if token.scope == token.Scope.READ and request.method not in SAFE_METHODS:
            raise HttpError(403, _("该令牌只读：不能用于写操作"))
        return token.user


class Session(AuthBase):
    """Django session auth; CSRF is checked only once there is a logged-in user to protect,
    so an anonymous call gets 401 (log in) rather than a confusing CSRF 403."""

    openapi_type = "apiKey"
    openapi_in = "cookie"
    openapi_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, _("CSRF 校验失败"))
        if user.needs_two_factor and not user.is_verified():
            raise AuthenticationError(message=_("该账号须先完成两步验证"))
        return user


bearer = BearerToken()
session = Session()

# Every authenticated endpoint accepts either; issuing a token takes a (verified) session.
ANY_AUTH = [bearer, session]
SESSION_ONLY = [session]
