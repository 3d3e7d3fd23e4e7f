"""Template context every page gets from the contest app."""

from __future__ import annotations

from .selectors import current_contest


def platform(request):
    """The current contest (the newest edition loaded), for the header and the footer."""
    return {"contest": current_contest()}
