from __future__ import annotations

from ciic.core.crypto import blind_index


def hashed_username(request, credentials) -> str:
    """The login identifier as django-axes stores it: a keyed hash (phones are personal data)."""
    raw = ""
    if credentials:
        raw = credentials.get("username", "") or ""
    if not raw and request is not None:
        raw = request.POST.get("username", "") if hasattr(request, "POST") else ""
    return "h:" + blind_index(raw.strip().lower(), purpose="login")[:32]
