"""Telling people things: an in-platform notification for each recipient, and an email to
those who signed up with one (mobile-only accounts see it when they next log in; no SMS
gateway is configured). The email goes out after the transaction commits, so a rolled-back
action tells nobody."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from .kinds import KINDS, render
from .models import Notification

log = logging.getLogger(__name__)


def notify(users, kind: str, params: dict, *, url: str = "") -> list[Notification]:
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    recipients = {u.pk: u for u in users if u is not None}.values()
    made = Notification.objects.bulk_create(
        [Notification(user=u, kind=kind, params=params, url=url) for u in recipients])
    emails = [u.email for u in recipients if getattr(u, "email", "")]
    if emails:
        transaction.on_commit(lambda: _email(emails, kind, params, url))
    return made


def _email(emails: list[str], kind: str, params: dict, url: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = render(kind, params)
    link = f"\n\n{settings.SITE_URL.rstrip('/')}{url}" if url else ""
    for address in emails:
        try:
            send_mail(f"[CIIC] {subject}", body + link, None, [address])
        except Exception:  # a mail outage must not undo the action; the in-platform note stands
            log.exception("notification email failed (kind=%s)", kind)


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user, pk: int | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if pk is not None:
        qs = qs.filter(pk=pk)
    return qs.update(read_at=timezone.now())
