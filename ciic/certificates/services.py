"""Issuing and revoking award certificates (issue 12 §5; R-A1 "each with trophy/certificate",
R-A2, R-A3; R-X3 a prize lost in publicity).

- **Numbers** (`certificate_series`): the contest's code from its slug and year, the award
  list's scope (F finals tier prizes, S special awards, L a station's local awards, with the
  station's code), then a sequence within that series: `CIIC2023-F-001`,
  `CIIC2023-S-004`, `CIIC2023-L-BEIJING-012`. Within a list the awards are numbered by
  finals rank, then in the order they were recorded. A number is never reused nor changed:
  certificates issued later continue the series.
- **Issuing** (`issue_certificates`) is idempotent: it creates the certificate of each award on
  a *confirmed* list that has none yet, and nothing for a proposed list.
- **Revoking** (`revoke_certificate`) is final: the public page shows "revoked" with the date
  and the general category; the reason stays with the secretariat and in the audit trail.
"""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ciic.audit.services import record
from ciic.awards.enums import AwardKind, AwardListStatus, AwardScope
from ciic.awards.models import Award, AwardList
from ciic.contests.models import Contest, PrizeTier, SpecialAward
from ciic.core.text import hidden_characters_error
from ciic.core.validation import Errors
from ciic.notifications.services import notify
from ciic.projects.services import team_accounts

from .models import Certificate, RevokeCategory

REASON_LIMIT = 2000
SCOPE_LETTERS = {AwardScope.FINALS: "F", AwardScope.SPECIAL: "S", AwardScope.LOCAL: "L"}
TOKEN_BYTES = 18  # 144 random bits, 24 URL-safe characters


def _code(value: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", value.upper())


def contest_code(contest: Contest) -> str:
    """The contest's slug in capitals without separators, with its year if the slug lacks it:
    ciic-2023 -> CIIC2023."""
    code = _code(contest.slug)
    return code if str(contest.year) in code else f"{code}{contest.year}"


def certificate_series(award_list: AwardList) -> str:
    """The prefix of the numbers of a list's certificates (module docstring)."""
    parts = [contest_code(award_list.contest), SCOPE_LETTERS.get(award_list.scope, _code(award_list.scope))]
    if award_list.station_id:
        parts.append(_code(award_list.station.code))
    return "-".join(parts)


def format_number(series: str, sequence: int) -> str:
    return f"{series}-{sequence:03d}"


def verification_path(certificate: Certificate) -> str:
    return reverse("certificates:verify", kwargs={"token": certificate.token})


def verification_url(certificate: Certificate) -> str:
    """The public page the certificate's QR code points to."""
    return settings.SITE_URL.rstrip("/") + verification_path(certificate)


def _english_award_names(contest: Contest) -> dict[tuple[str, str], str]:
    names = {(AwardKind.TIER, t.code): t.name_en for t in PrizeTier.objects.filter(contest=contest)}
    names.update({(AwardKind.SPECIAL, s.code): s.name_en for s in SpecialAward.objects.filter(contest=contest)})
    return names


def missing_awards(contest: Contest):
    """The awards on the contest's confirmed lists that have no certificate yet, in numbering
    order."""
    return (Award.objects.filter(award_list__contest=contest, award_list__status=AwardListStatus.CONFIRMED,
                                 certificate__isnull=True)
            .select_related("award_list__contest", "award_list__station", "project__team__organization")
            .order_by("award_list_id", F("rank").asc(nulls_last=True), "id"))


def issue_certificates(*, contest: Contest, actor) -> list[Certificate]:
    """Issue the missing certificates of every confirmed award list (R-A1, R-A2, R-A3), and
    return the new ones. Idempotent: an award that has a certificate keeps it and its number;
    awards on a proposed list get none. Each new certificate is audited
    ("certificates.issue"). Serialized on the contest row, so two callers never number twice."""
    with transaction.atomic():
        Contest.objects.select_for_update(of=("self",)).filter(pk=contest.pk).order_by("pk").first()
        awards = list(missing_awards(contest))
        if not awards:
            return []
        english = _english_award_names(contest)
        last = dict(Certificate.objects.filter(contest=contest).values("series")
                    .annotate(last=Max("sequence")).values_list("series", "last"))
        now = timezone.now()
        created = []
        for award in awards:
            award_list = award.award_list
            series = certificate_series(award_list)
            sequence = last.get(series, 0) + 1
            last[series] = sequence
            station = award_list.station
            certificate = Certificate.objects.create(
                award=award, contest=contest, series=series, sequence=sequence,
                number=format_number(series, sequence), token=secrets.token_urlsafe(TOKEN_BYTES),
                scope=award_list.scope, contest_name=contest.name, contest_name_en=contest.name_en,
                award_name=award.name, award_name_en=english.get((award.kind, award.code), ""),
                station_name=station.name if station else "", station_name_en=station.name_en if station else "",
                project_name=award.project.name if award.project_id else "", recipient=award.recipient,
                issued_at=now, issued_by=actor)
            record(actor=actor, action="certificates.issue", target=certificate, after={
                "number": certificate.number, "award_id": award.pk, "award_list_id": award_list.pk,
                "scope": award_list.scope, "award": award.name, "recipient": certificate.recipient})
            created.append(certificate)
            if award.project_id:
                notify(team_accounts(award.project), "certificate_issued", {
                    "project": award.project.name, "award": award.name, "number": certificate.number},
                    url=reverse("certificates:mine"))
    return created


def revoke_certificate(*, certificate: Certificate, reason: str, actor,
                       category: str = RevokeCategory.AWARD_REVOKED, now=None) -> Certificate:
    """Revoke a certificate, for good (R-X3: a team that fails publicity loses its prize; or a
    certificate issued in error). The public verification page then shows it revoked, with
    the date and the category; the reason is for the record. Refused: no reason, a reason too
    long or with hidden characters, an unknown category, a certificate already revoked.
    Audited ("certificates.revoke") with the status before and after."""
    text = (reason or "").strip()
    errors = Errors()
    if not text:
        errors.add("reason", _("请填写撤销理由"), "R-X3")
    elif len(text) > REASON_LIMIT:
        errors.add("reason", _("理由不能超过 %(limit)s 字") % {"limit": REASON_LIMIT}, "R-X3")
    elif hidden := hidden_characters_error(text, label=_("撤销理由"), multiline=True):
        errors.add("reason", hidden, "R-X3")
    if category not in RevokeCategory.values:
        errors.add("category", _("请选择撤销类别"), "R-X3")
    errors.raise_if_any()
    with transaction.atomic():
        locked = Certificate.objects.select_for_update(of=("self",)).get(pk=certificate.pk)
        if locked.revoked_at is not None:
            raise ValidationError({"__all__": ValidationError(
                _("证书 %(number)s 已于 %(date)s 撤销") % {
                    "number": locked.number, "date": timezone.localtime(locked.revoked_at).strftime("%Y-%m-%d")},
                code="R-X3")})
        locked.revoked_at = now or timezone.now()
        locked.revoke_category, locked.revoke_reason, locked.revoked_by = category, text, actor
        locked.save(update_fields=["revoked_at", "revoke_category", "revoke_reason", "revoked_by"])
        record(actor=actor, action="certificates.revoke", target=locked, before={"status": "valid"},
               after={"status": "revoked", "number": locked.number, "category": category, "reason": text})
    return locked


def revoke_award_certificate(*, award: Award, reason: str, actor,
                             category: str = RevokeCategory.AWARD_REVOKED) -> Certificate | None:
    """Revoke the certificate of an award that was taken back (R-X3), if it has a valid one:
    for the publicity and complaints process, which revokes the prize itself through
    `awards.prizes.transition`. Returns the revoked certificate, or None when there was
    nothing to revoke (never issued, or revoked already)."""
    certificate = Certificate.objects.filter(award=award, revoked_at__isnull=True).first()
    if certificate is None:
        return None
    return revoke_certificate(certificate=certificate, reason=reason, actor=actor, category=category)
