"""Reading cases, filtered to who is asking (rules.py says who sees what)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from ciic.awards.models import AwardRevocation
from ciic.contests.models import Contest

from .enums import CaseState, EvidenceParty
from .models import Case, Evidence


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


def revoked_awards(notice) -> dict[int, str]:
    """{award id: the basis (case number)} for the notice's prizes taken back since (R-X3)."""
    if notice is None:
        return {}
    return dict(AwardRevocation.objects.filter(award_id__in=[e["award_id"] for e in notice.entries])
                .values_list("award_id", "basis"))


def visible_evidence(user, case: Case | None, pk) -> Evidence:
    """An evidence file of `case` that `user` may download: the case's handlers any, the
    complainant their own; a 404 otherwise, whether it exists or not. The page and the API ask here."""
    item = Evidence.objects.exclude(file="").filter(case=case, pk=pk).first() if case is not None else None
    if item is None:
        raise Http404
    own = case.complainant_id == user.pk and item.party == EvidenceParty.COMPLAINANT
    if not (own or user.has_perm("publicity.view_case", case)):
        raise Http404
    return item
