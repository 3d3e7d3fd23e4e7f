"""Notifications: rendered in the reader's language, counted in the header, opened and marked
read by their owner only, emailed after commit and never when the action rolls back."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from ciic.notifications.models import Notification
from ciic.notifications.services import notify, unread_count

pytestmark = pytest.mark.django_db


def _note(user, url="/projects/1/"):
    return notify([user], "project_disqualified", {"project": "质量追溯系统", "reason": "抄袭"}, url=url)[0]


def test_text_follows_the_readers_language(team_lead):
    note = _note(team_lead)
    assert "质量追溯系统" in note.title and "抄袭" in note.body
    with translation.override("en"):
        assert note.title.startswith("Project disqualified")


def test_unknown_kind_is_refused(team_lead):
    with pytest.raises(ValueError):
        notify([team_lead], "nope", {})


def test_header_counts_unread_and_opening_marks_read(client, team_lead):
    note = _note(team_lead)
    client.force_login(team_lead)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "badge-count" in page and "质量追溯系统" in page
    response = client.post(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 302 and response.url == "/projects/1/"
    assert unread_count(team_lead) == 0


def test_external_links_are_not_followed(client, team_lead):
    note = _note(team_lead, url="https://evil.example.com/")
    client.force_login(team_lead)
    assert client.post(reverse("notifications:open", args=[note.pk])).url == reverse("notifications:list")


def test_others_notifications_are_404(client, team_lead, other_lead):
    note = _note(team_lead)
    client.force_login(other_lead)
    assert client.post(reverse("notifications:open", args=[note.pk])).status_code == 404
    assert Notification.objects.get(pk=note.pk).read_at is None


def test_read_all(client, team_lead):
    _note(team_lead), _note(team_lead)
    client.force_login(team_lead)
    client.post(reverse("notifications:read_all"))
    assert unread_count(team_lead) == 0


def test_email_only_after_commit(team_lead, django_capture_on_commit_callbacks):
    team_lead.email = "lead@example.com"
    team_lead.save()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                _note(team_lead)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert mail.outbox == [] and not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        _note(team_lead)
    assert len(mail.outbox) == 1 and "质量追溯系统" in mail.outbox[0].subject
