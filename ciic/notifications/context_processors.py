from __future__ import annotations

from django.utils.functional import SimpleLazyObject


def notifications(request):
    """The unread count for the header, computed only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from .services import unread_count

    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
