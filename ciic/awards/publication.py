"""The official site's results (R-C3): the confirmed finalist lists per station and group, the
finals' running orders, and the award announcement (tier prizes, special awards, local
awards). Nothing is public until the secretariat releases that kind of result (`release`),
and only confirmed (frozen) lists and drawn orders are ever shown. Public pages show names
of projects, teams and organizations only: no person, no score.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ciic.audit.services import record
from ciic.contests.models import Contest, PrizeTier
from ciic.review.enums import FinalistStatus
from ciic.review.finalists.services import current_entries
from ciic.review.models import FinalistList

from .enums import AwardListStatus, AwardScope, PublicationKind
from .models import AwardList, FinalsSession, Publication
from .special import special_specs


def is_released(contest: Contest, kind: str) -> bool:
    return Publication.objects.filter(contest=contest, kind=kind, released_at__isnull=False).exists()


def released_kinds(contest: Contest) -> set[str]:
    return set(Publication.objects.filter(contest=contest, released_at__isnull=False).values_list("kind", flat=True))


def _has_content(contest: Contest, kind: str) -> bool:
    if kind == PublicationKind.FINALISTS:
        return FinalistList.objects.filter(contest=contest, status=FinalistStatus.CONFIRMED).exists()
    if kind == PublicationKind.RUNNING_ORDER:
        return FinalsSession.objects.filter(contest=contest, drawn_at__isnull=False).exists()
    return AwardList.objects.filter(contest=contest, status=AwardListStatus.CONFIRMED).exists()


def release(*, contest: Contest, kind: str, actor, publish: bool) -> Publication:
    """Publish (or withdraw) one kind of result. Refused: an unknown kind, or publishing
    while nothing of that kind is confirmed. Audited."""
    if kind not in PublicationKind.values:
        raise ValidationError({"kind": ValidationError(_("请选择发布内容"), code="R-C3")})
    if publish and not _has_content(contest, kind):
        raise ValidationError({"kind": ValidationError(
            _("“%(kind)s”尚无已确认的内容，不能发布") % {"kind": PublicationKind(kind).label}, code="R-C3")})
    with transaction.atomic():
        publication, _created = Publication.objects.select_for_update(of=("self",)).get_or_create(
            contest=contest, kind=kind)
        before = publication.released_at is not None
        publication.released_at, publication.released_by = (timezone.now(), actor) if publish else (None, None)
        publication.save(update_fields=["released_at", "released_by"])
        record(actor=actor, action="awards.publication", target=publication,
               before={"released": before}, after={"released": publish, "kind": kind})
    return publication


# --- what the pages show ---------------------------------------------------------------------


@dataclass
class FinalistGroup:
    station: object
    group: object
    entries: list = field(default_factory=list)


def finalist_groups(contest: Contest) -> list[FinalistGroup]:
    """Each confirmed list as it stands (replacements after due diligence applied), by station
    and group order."""
    lists = (FinalistList.objects.filter(contest=contest, status=FinalistStatus.CONFIRMED)
             .select_related("station", "group").order_by("station__order", "group__order"))
    return [FinalistGroup(fl.station, fl.group, [e for e in current_entries(fl)
                                                 if getattr(e.project, "due_diligence", None) is None
                                                 or e.project.due_diligence.passed is not False])
            for fl in lists]


def running_orders(contest: Contest) -> list[FinalsSession]:
    sessions = list(FinalsSession.objects.filter(contest=contest, drawn_at__isnull=False)
                    .select_related("direction", "group"))
    for session in sessions:
        session.order = list(session.entries.filter(position__isnull=False)
                             .select_related("project__team__organization").order_by("position"))
    return sessions


@dataclass
class AwardSection:
    title: str
    awards: list = field(default_factory=list)


def award_sections(contest: Contest) -> list[AwardSection]:
    """The confirmed awards: tier prizes by rank, the special awards in the spec's order, then
    each station's local awards."""
    sections: list[AwardSection] = []
    lists = {(a.scope, a.station_id): a for a in AwardList.objects.filter(
        contest=contest, status=AwardListStatus.CONFIRMED).select_related("station")}
    finals = lists.get((AwardScope.FINALS, None))
    if finals is not None:
        awards = list(finals.awards.select_related("project__team__organization", "revocation"))
        for tier in PrizeTier.objects.filter(contest=contest).order_by("rank"):
            given = sorted((a for a in awards if a.code == tier.code), key=lambda a: (a.rank or 0, a.pk))
            if given:
                sections.append(AwardSection(tier.display_name, given))
    special = lists.get((AwardScope.SPECIAL, None))
    if special is not None:
        awards = list(special.awards.select_related("project__team__organization", "revocation"))
        for spec in special_specs(contest):
            given = [a for a in awards if a.code == spec.code]
            if given:
                sections.append(AwardSection(spec.display_name, given))
    for (scope, _station), award_list in sorted(lists.items(), key=lambda item: (
            item[1].station.order if item[1].station_id else 0)):
        if scope != AwardScope.LOCAL:
            continue
        awards = list(award_list.awards.select_related("project__team__organization", "revocation").order_by("id"))
        sections.append(AwardSection(_("%(station)s地方赛奖项") % {"station": award_list.station.display_name}, awards))
    return sections
