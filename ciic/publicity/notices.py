"""The publicity notice (公示, R-X1, R-T5).

- **Publishing** (`publish_notice`): once the finals award list is confirmed, the secretariat
  publishes the notice: the first, second and third prize projects (project, organization,
  direction, group, tier), from now for `publicity_days`, frozen as a snapshot with its
  SHA-256. Irreversible, once per contest, audited.
- **Amending** (`amend_notice`): a correction after publishing is an amendment shown on the
  page with its time, never an edit of what was published. Audited.
- **The end of the period** (`conclude`): the period ends by itself at `ends_at`; the first
  read or the daily command after it makes each prize still pending publicity, with no case
  open against it, payable (R-X3), once. A prize with a case still open waits for the case.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ciic.audit.services import record
from ciic.awards import prizes
from ciic.awards.enums import AwardKind, AwardListStatus, AwardScope, PrizeStatus
from ciic.awards.models import AwardList, Prize
from ciic.contests.models import Contest, PrizeTier
from ciic.core.validation import Errors, clean_text
from ciic.review.finalists.services import snapshot_sha256

from .enums import OPEN_STATES
from .models import Amendment, Case, Notice

AMENDMENT_LIMIT = 2000


def notice_of(contest: Contest) -> Notice | None:
    return Notice.objects.filter(contest=contest).select_related("contest").first()


def finals_list(contest: Contest) -> AwardList | None:
    return AwardList.objects.filter(contest=contest, scope=AwardScope.FINALS, station__isnull=True).first()


def _entries(award_list: AwardList) -> list[dict]:
    tiers = {t.code: t for t in PrizeTier.objects.filter(contest=award_list.contest)}
    rows = []
    awards = (award_list.awards.filter(kind=AwardKind.TIER)
              .select_related("project__team__organization__group", "project__team__direction")
              .order_by("rank", "id"))
    for award in awards:
        team = award.project.team
        tier = tiers.get(award.code)
        group = team.organization.group
        rows.append({
            "award_id": award.pk, "project_id": award.project_id, "project": award.project.name,
            "organization": team.organization.name, "direction": team.direction.name,
            "direction_en": team.direction.name_en, "group": group.name if group else "",
            "group_en": group.name_en if group else "", "tier": award.code,
            "tier_name": tier.name if tier else award.name, "tier_name_en": tier.name_en if tier else "",
            "tier_rank": tier.rank if tier else 0,
        })
    return rows


def publish_notice(*, contest: Contest, actor, now: dt.datetime | None = None) -> Notice:
    """Publish the notice of the confirmed finals award list (R-X1) for the spec's
    `publicity_days` (R-T5) from `now`. Refused: no confirmed finals list, published already."""
    now = now or timezone.now()
    errors = Errors()
    award_list = finals_list(contest)
    if award_list is None or award_list.status != AwardListStatus.CONFIRMED:
        errors.add("__all__", _("总决赛获奖名单尚未确认，不能公示"), "R-X1")
    if Notice.objects.filter(contest=contest).exists():
        errors.add("__all__", _("获奖公示已发布"), "R-X1")
    errors.raise_if_any()
    entries = _entries(award_list)
    starts, ends = now, now + dt.timedelta(days=contest.publicity_days)
    snapshot = {"contest": contest.slug, "award_list_id": award_list.pk,
                "award_list_sha256": award_list.snapshot_sha256, "starts_at": starts.isoformat(),
                "ends_at": ends.isoformat(), "entries": entries}
    digest = snapshot_sha256(snapshot)
    try:
        with transaction.atomic():
            notice = Notice.objects.create(contest=contest, award_list=award_list, starts_at=starts, ends_at=ends,
                                           entries=entries, snapshot_sha256=digest, published_by=actor,
                                           published_at=now)
            record(actor=actor, action="publicity.publish", target=notice, after={
                "starts_at": starts.isoformat(), "ends_at": ends.isoformat(), "entries": len(entries),
                "snapshot_sha256": digest})
    except IntegrityError as exc:  # published by someone else at the same moment
        raise ValidationError({"__all__": ValidationError(_("获奖公示已发布"), code="R-X1")}) from exc
    return notice


def verify_notice(notice: Notice) -> bool:
    snapshot = {"contest": notice.contest.slug, "award_list_id": notice.award_list_id,
                "award_list_sha256": notice.award_list.snapshot_sha256, "starts_at": notice.starts_at.isoformat(),
                "ends_at": notice.ends_at.isoformat(), "entries": notice.entries}
    return snapshot_sha256(snapshot) == notice.snapshot_sha256


def amend_notice(*, notice: Notice, text: str, text_en: str = "", actor) -> Amendment:
    """Add a correction to the published notice, shown with its time. Audited."""
    errors = Errors()
    text = clean_text(errors, "text", text, label=_("更正内容"), limit=AMENDMENT_LIMIT, rule="R-X1", multiline=True)
    text_en = clean_text(errors, "text_en", text_en, label=_("更正内容（英文）"), limit=AMENDMENT_LIMIT, rule="R-X1",
                         required=False, multiline=True)
    errors.raise_if_any()
    with transaction.atomic():
        amendment = Amendment.objects.create(notice=notice, text=text, text_en=text_en, made_by=actor)
        record(actor=actor, action="publicity.amend", target=notice, after={"amendment": amendment.pk, "text": text})
    return amendment


def _anything_to_conclude(notice: Notice) -> bool:
    award_ids = [e["award_id"] for e in notice.entries]
    waiting = set(Case.objects.filter(notice=notice, state__in=OPEN_STATES).values_list("project_id", flat=True))
    pending = Prize.objects.filter(award_id__in=award_ids, status=PrizeStatus.PENDING_PUBLICITY)
    return not waiting or pending.exclude(award__project_id__in=waiting).exists()


def conclude(notice: Notice, *, now: dt.datetime | None = None) -> list[Prize]:
    """After the period: every prize of the notice still pending publicity, with no open case
    against its project, becomes payable (R-X3); returns those moved. Safe to call on every read
    and from the daily command: it acts once per prize (the ledger refuses a second move), and
    marks the notice concluded once nothing is left waiting."""
    now = now or timezone.now()
    if now < notice.ends_at or notice.concluded_at is not None:
        return []
    if not _anything_to_conclude(notice):  # a public read takes no lock while cases are still open
        return []
    moved = []
    with transaction.atomic():
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        if locked.concluded_at is not None:
            return []
        award_ids = [e["award_id"] for e in locked.entries]
        waiting = set(Case.objects.filter(notice=locked, state__in=OPEN_STATES).values_list("project_id", flat=True))
        for prize in Prize.objects.filter(award_id__in=award_ids, status=PrizeStatus.PENDING_PUBLICITY).select_related(
                "award").order_by("pk"):
            if prize.award.project_id in waiting:
                continue
            moved.append(prizes.transition(prize=prize, to=PrizeStatus.PAYABLE, actor=None, now=now,
                                           reason=_("公示期满，未有成立的举报")))
        if not waiting:
            locked.concluded_at = now
            locked.save(update_fields=["concluded_at"])
            record(actor=None, action="publicity.conclude", target=locked, after={"payable": [p.pk for p in moved]})
    return moved
