"""The fixed personas every test reuses (style.md habit 4)."""

from __future__ import annotations

import time

from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from ciic.accounts.enums import Role
from ciic.accounts.middleware import SessionRefreshMiddleware
from ciic.accounts.models import User

PASSWORD = "Ciic-demo-2023!"


def make_user(email: str, role: str = Role.ENTRANT, **extra) -> User:
    """A persona whose email counts as proved (as after opening the verification link)."""
    extra.setdefault("email_verified_at", timezone.now())
    return User.objects.create_user(email=email, password=PASSWORD, role=role, **extra)


def verified_client(user: User, client: Client | None = None) -> Client:
    """A client logged in as `user` with the second factor already passed."""
    client = client or Client()
    client.force_login(user)
    device, _ = StaticDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SessionRefreshMiddleware.KEY] = int(time.time())  # as the login request's save stamps it
    session.save()
    return client
