"""Log in with an email address or a Chinese mobile number."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from .models import User, mobile_index
from .validators import normalize_mobile


def find_user(identifier: str) -> User | None:
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    if "@" in identifier:
        return User.objects.filter(email__iexact=identifier).first()
    mobile = normalize_mobile(identifier)
    if mobile is None:
        return None
    return User.objects.filter(mobile_hash=mobile_index(mobile)).first()


class EmailOrMobileBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = find_user(username or kwargs.get("email") or "")
        if user is None:
            # Run the hasher anyway so a missing account costs as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
