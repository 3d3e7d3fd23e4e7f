"""Sessions: a plain page view writes nothing to the database; activity still keeps a session
alive, pushed back at most every SESSION_REFRESH_SECONDS (accounts.middleware)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]


def test_a_plain_page_view_writes_nothing(client, team, team_lead):
    client.force_login(team_lead)
    client.get(reverse("site:dashboard"))  # the first view after login stamps the session
    with CaptureQueriesContext(connection) as queries:
        for name, args in (("site:dashboard", []), ("entrants:team_detail", [team.pk]), ("site:home", [])):
            assert client.get(reverse(name, args=args)).status_code == 200
    assert writes(queries) == []


def test_activity_pushes_the_session_back_after_the_refresh_interval(client, team_lead, settings):
    import datetime as dt

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(team_lead)
    key = client.session.session_key
    soon = timezone.now() + dt.timedelta(minutes=1)
    Session.objects.filter(session_key=key).update(expire_date=soon)
    settings.SESSION_REFRESH_SECONDS = 0
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("site:home"))
    assert any("django_session" in sql for sql in writes(queries))
    pushed = Session.objects.get(session_key=key).expire_date
    assert pushed - soon > dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 120)


def test_links_in_emails_use_the_port_the_platform_is_served_on():
    """`make run` on PORT=8802 mailed links to port 8000."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"} | {"PORT": "8802"}
    out = subprocess.run([sys.executable, "-c", "from django.conf import settings; print(settings.SITE_URL)"],
                         env=env | {"DJANGO_SETTINGS_MODULE": "ciic.settings"}, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "http://127.0.0.1:8802"
