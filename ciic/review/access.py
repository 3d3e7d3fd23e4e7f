"""What the staff pages of review share: the contest a staff member works in.

Anyone without the permission gets a 404, not a 403: the pages do not reveal themselves.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from ciic.contests.models import Contest
from ciic.contests.selectors import current_contest


def staff_contest(request: HttpRequest, perm: str = "review.manage_rounds") -> Contest:
    """The current contest if the user holds `perm` (a rounds, results or finalists page)."""
    contest = current_contest()
    if contest is None or not request.user.has_perm(perm):
        raise Http404
    return contest
