"""Staff roles must pass a second factor (TOTP) before they reach anything but the 2FA pages;
sessions are kept alive without a database write on every page view."""

from __future__ import annotations

import time

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

_ALLOWED_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/static/", "/i18n/", "/api/")


class RequireTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "needs_two_factor", False)
            and not user.is_verified()
            and not request.path.startswith(_ALLOWED_PREFIXES)
        ):
            return redirect(f"{reverse('accounts:two_factor')}?next={request.get_full_path()}")
        return self.get_response(request)


class SessionRefreshMiddleware:
    """A session expires after SESSION_COOKIE_AGE without activity. Saving it on every request
    (SESSION_SAVE_EVERY_REQUEST) made every page view a database write, which on SQLite queued
    page views behind each other and behind real writes. The expiry is pushed back instead at
    most once every SESSION_REFRESH_SECONDS. Sits inside SessionMiddleware, which saves a
    session marked modified."""

    KEY = "_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response
        now = int(time.time())
        # A session being saved anyway (a login, a message) is stamped for free.
        if session.modified or now - session.get(self.KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
            session[self.KEY] = now
        return response
