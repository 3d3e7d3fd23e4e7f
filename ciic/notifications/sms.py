"""Text messages (SMS), through one backend chosen by the SMS_BACKEND setting, as Django does
for email: the console by default (the message is printed, the number masked), a list in
memory for tests, a provider's gateway by configuration. A provider's backend is a class with
`send(to, text)`; nothing else in the platform knows which one is in use.

Used for one-time codes: verifying a mobile number, resetting a password (and, later, the
popularity vote and real-name complaints).
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from ciic.core.masking import mask_mobile


@dataclass(frozen=True)
class Message:
    to: str
    text: str


class ConsoleSmsBackend:
    """Prints each message, for a developer's machine; the number is masked."""

    def send(self, to: str, text: str) -> None:
        sys.stdout.write(f"[SMS to {mask_mobile(to)}] {text}\n")
        sys.stdout.flush()


# What the in-memory backend has sent, oldest first (tests read and clear it).
outbox: list[Message] = []


class LocmemSmsBackend:
    """Keeps each message in `outbox`, for tests."""

    def send(self, to: str, text: str) -> None:
        outbox.append(Message(to, text))


_suppressed: ContextVar[bool] = ContextVar("ciic_sms_suppressed", default=False)


@contextmanager
def suppressed():
    """Messages sent inside are dropped: for demo data, whose people and numbers are made up."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def send_sms(to: str, text: str) -> None:
    """Send `text` to the mainland mobile number `to` through the configured backend."""
    if _suppressed.get():
        return
    import_string(settings.SMS_BACKEND)().send(to, text)
