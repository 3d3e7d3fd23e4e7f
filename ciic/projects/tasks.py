"""Background work for projects: removing abandoned resumable uploads."""

from __future__ import annotations

from django_tasks import task

from .tus import remove_expired_uploads


@task()
def cleanup_uploads() -> int:
    """Discard unfinished tus uploads past their expiry, with their partial files."""
    return remove_expired_uploads()
