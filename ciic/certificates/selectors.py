"""Reading certificates, filtered to who is asking."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ciic.contests.models import Contest

from .models import Certificate, CertificateBatch

VALID = "valid"
REVOKED = "revoked"


def certificates_for_user(user, contest: Contest) -> QuerySet[Certificate]:
    """Every certificate for the secretariat; a station officer their station's local awards
    (valid and revoked); an awarded team's lead their team's valid ones; anyone else none
    (their pages answer 404)."""
    qs = (Certificate.objects.filter(contest=contest)
          .select_related("award__project__team", "award__award_list").order_by("series", "sequence"))
    if user.has_perm("certificates.manage_certificates"):
        return qs
    if not user.is_authenticated:
        return qs.none()
    if user.has_perm("certificates.view_register"):
        return qs.filter(award__award_list__station_id=user.station_id)
    return qs.filter(award__project__team__lead=user, revoked_at__isnull=True)


def filter_register(qs: QuerySet[Certificate], *, status: str = "", scope: str = "", q: str = "") -> QuerySet:
    """The register as the list page filters it: by status (valid / revoked), by the award
    list's scope, and by a piece of the number, award, project or recipient."""
    if status == VALID:
        qs = qs.filter(revoked_at__isnull=True)
    elif status == REVOKED:
        qs = qs.filter(revoked_at__isnull=False)
    if scope:
        qs = qs.filter(scope=scope)
    q = (q or "").strip()[:100]
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(award_name__icontains=q) | Q(project_name__icontains=q)
                       | Q(recipient__icontains=q))
    return qs


def latest_batch(contest: Contest) -> CertificateBatch | None:
    return CertificateBatch.objects.filter(contest=contest).select_related("requested_by").first()


def latest_zip(contest: Contest) -> CertificateBatch | None:
    """The newest finished batch with its zip: the one the secretariat downloads."""
    return (CertificateBatch.objects.filter(contest=contest, status=CertificateBatch.Status.DONE)
            .exclude(file="").order_by("-finished_at", "-pk").first())
