"""Reading cases, filtered to who is asking (rules.py says who sees what)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ciic.contests.models import Contest

from .enums import CaseState
from .models import Case


def cases_for_staff(contest: Contest, *, state: str = "", overdue_at=None, q: str = "",
                    scope: str = "") -> QuerySet[Case]:
    qs = Case.objects.filter(contest=contest).select_related("project", "officer").order_by("-received_at", "-id")
    if state in CaseState.values:
        qs = qs.filter(state=state)
    if scope:
        qs = qs.filter(scope=scope)
    if overdue_at is not None:
        qs = qs.filter(due_at__lt=overdue_at).exclude(state=CaseState.CLOSED)
    q = (q or "").strip()[:100]
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(project__name__icontains=q))
    return qs


def cases_of_complainant(user, contest: Contest) -> QuerySet[Case]:
    if not user.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(contest=contest, complainant=user).select_related("project").order_by("-received_at")


def dashboard_counts(contest: Contest, now) -> dict[str, int]:
    """Open, overdue and upheld cases, for the secretariat's dashboard."""
    base = Case.objects.filter(contest=contest)
    return {
        "open": base.exclude(state__in=[CaseState.CLOSED, CaseState.NOT_ACCEPTED]).count(),
        "overdue": base.filter(due_at__lt=now).exclude(state=CaseState.CLOSED).count(),
        "upheld": base.filter(revokes_award=True).count(),
    }


def published_rulings(notice) -> list[Case]:
    """The rulings shown on the notice once their case closed: number, project, outcome and the
    ruling's text (the pages and the API print nothing of the complainant)."""
    if notice is None:
        return []
    return list(Case.objects.filter(notice=notice, state=CaseState.CLOSED).exclude(ruling="")
                .select_related("project").order_by("closed_at", "id"))
