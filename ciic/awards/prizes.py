"""The finals prizes (R-A1): standings, the proposed awards, tie decisions, confirmation and
the prize ledger.

- **Standings** (`standings`): every finalist with ballots in the finals' round, ranked by the
  spec's published tie-break keys (`finals.tie_break`: the round's score, then for example the
  technology criterion's mean, then the median ballot; `engines.finals.rank_with_tiebreaks`).
  Projects equal on every key share a rank.
- **Proposal** (`propose_awards`): the spec's allocation (`awards.allocation`, the engine
  `engines.prizes.allocate`) gives each winner a tier; a tie across a boundary (equal on every
  key) is shown and must be settled by a recorded decision (`decide_tie`) before confirming.
  Proposing again replaces the proposal until it is confirmed.
- **Confirmation** (`confirm_awards`): only once the finals' round is closed and no tie is
  open; the list is frozen as a snapshot (SHA-256 in the audit chain; database triggers refuse
  any change), and each tier award gets its **prize** in the ledger, the payee being the
  team's organization. The sum of committed prizes never exceeds the spec's pool, checked
  under the contest row's lock.
- **The ledger** (`transition`): pending_publicity → payable → paid, and revoked (from any of
  them) → reclaim_due (an amount and a date) → reclaimed (the date)
  (`enums.PRIZE_TRANSITIONS`), one function, audited with a reason.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ciic.audit.services import record
from ciic.contests.models import Contest, PrizeTier
from ciic.core.text import hidden_characters_error
from ciic.core.validation import Errors, parse_local_date
from ciic.engines import scoring
from ciic.engines.finals import rank_with_tiebreaks
from ciic.engines.prizes import Allocation, Tier, Unfillable, allocate
from ciic.projects.models import Project
from ciic.review.enums import RoundStatus
from ciic.review.finalists.services import snapshot_sha256
from ciic.review.models import Review, ReviewRound

from . import notices
from .enums import COMMITTED, PRIZE_TRANSITIONS, AwardKind, AwardListStatus, AwardScope, PrizeStatus
from .finals import round_score
from .models import Award, AwardList, AwardRevocation, AwardTieDecision, Prize

REASON_LIMIT = 2000


def finals_round(contest: Contest) -> ReviewRound | None:
    return (ReviewRound.objects.filter(contest=contest, station__isnull=True, round__kind="roadshow_defense")
            .select_related("round").first())


@dataclass
class Standing:
    project: Project
    cell: tuple[str, str]
    score: float
    keys: tuple[float, ...]
    rank: int = 0
    tied_with: tuple[int, ...] = ()
    margin: float | None = None
    decided_by: int | None = None


def tie_keys(contest: Contest) -> list[str]:
    return list(((contest.spec or {}).get("finals") or {}).get("tie_break") or ["score"])


def standings(review_round: ReviewRound) -> list[Standing]:
    """The finalists ranked by the published keys, best first (module docstring)."""
    contest = review_round.contest
    ballots = list(Review.objects.filter(assignment__review_round=review_round, submitted_at__isnull=False,
                                         total__isnull=False)
                   .values_list("assignment__project_id", "assignment__expert_id", "total", "scores"))
    if not ballots:
        return []
    table = scoring.ReviewTotals.from_arrays([b[0] for b in ballots], [b[1] for b in ballots],
                                             [b[2] for b in ballots])
    method = review_round.aggregation
    scores = scoring.project_scores(table, method=method)
    per_project: dict[int, list[tuple[float, dict]]] = {}
    for project_id, _expert, total, sheet in ballots:
        per_project.setdefault(project_id, []).append((total, sheet or {}))
    names = tie_keys(contest)
    projects = {p.pk: p for p in Project.objects.filter(pk__in=per_project).select_related(
        "team__direction", "team__organization__group")}
    rows: dict[int, Standing] = {}
    for project_id, given in per_project.items():
        score = round_score(scores[project_id], review_round.score_decimals)
        keys = []
        for name in names:
            if name == "score":
                keys.append(score)
            elif name == "median":
                keys.append(round(statistics.median(t for t, _s in given), 4))
            else:
                code = name.split(":", 1)[1]
                values = [float(s[code]) for _t, s in given if isinstance(s.get(code), int | float)]
                keys.append(round(sum(values) / len(values), 4) if values else 0.0)
        project = projects[project_id]
        group = project.team.organization.group
        rows[project_id] = Standing(project, (project.team.direction.code, group.code if group else ""), score,
                                    tuple(keys))
    ranking = rank_with_tiebreaks({pid: row.keys for pid, row in rows.items()})
    ordered = []
    for i, entry in enumerate(ranking):
        row = rows[entry.project_id]
        row.rank, row.tied_with, row.decided_by = entry.rank, entry.tied_with, entry.decided_by
        if i + 1 < len(ranking):
            row.margin = round(row.score - rows[ranking[i + 1].project_id].score, 4)
        ordered.append(row)
    return ordered


def _tiers(contest: Contest) -> list[PrizeTier]:
    return list(PrizeTier.objects.filter(contest=contest).order_by("rank"))


def _allocation_settings(contest: Contest) -> dict:
    return ((contest.spec or {}).get("awards") or {}).get("allocation") or {"method": "overall"}


def allocation_for(contest: Contest, rows: Sequence[Standing]) -> Allocation:
    """The engine on the standings: a project's place is its rank (fully tied projects share
    one), so the engine's ties are exactly the ties on every published key."""
    settings = _allocation_settings(contest)
    tiers = _tiers(contest)
    table: dict = {}
    for cell in settings.get("table") or []:
        table.setdefault((cell["direction"], cell["group"]), {})[cell["tier"]] = cell["count"]
    decided = {d.key: d.chosen for d in AwardTieDecision.objects.filter(contest=contest).order_by("decided_at", "id")}
    return allocate({r.project.pk: -float(r.rank) for r in rows}, {r.project.pk: r.cell for r in rows},
                    [Tier(t.code, t.count) for t in tiers], method=settings["method"],
                    minimum=settings.get("minimum_per_cell", 0), table=table, decided=decided, tolerance=0.5)


def propose_awards(*, contest: Contest, actor) -> tuple[AwardList, Allocation]:
    """Propose (again) the tier awards from the standings (R-A1). Refused: no finals round or
    no ballots, a confirmed list, an allocation that cannot be filled (with the reason).
    Audited ("awards.propose"), with the ties left open."""
    errors = Errors()
    review_round = finals_round(contest)
    rows = standings(review_round) if review_round else []
    if review_round is None or not rows:
        errors.add("__all__", _("总决赛尚无评分，不能提出获奖建议"), "R-A1")
    existing = AwardList.objects.filter(contest=contest, scope=AwardScope.FINALS).first()
    if existing is not None and existing.status == AwardListStatus.CONFIRMED:
        errors.add("__all__", _("获奖名单已确认，不能再更改"), "R-A1")
    errors.raise_if_any()
    try:
        allocation = allocation_for(contest, rows)
    except Unfillable as exc:
        raise ValidationError({"__all__": ValidationError(
            _("奖项分配方案无法执行：%(reason)s") % {"reason": "；".join(exc.reasons)}, code="R-A1")}) from exc
    tiers = {t.code: t for t in _tiers(contest)}
    by_project = {r.project.pk: r for r in rows}
    with transaction.atomic():
        Contest.objects.select_for_update(of=("self",)).filter(pk=contest.pk).order_by("pk").first()
        award_list = AwardList.objects.filter(contest=contest, scope=AwardScope.FINALS).first()
        if award_list is not None and award_list.status == AwardListStatus.CONFIRMED:
            raise ValidationError({"__all__": ValidationError(_("获奖名单已确认，不能再更改"), code="R-A1")})
        if award_list is None:
            award_list = AwardList.objects.create(contest=contest, scope=AwardScope.FINALS, review_round=review_round,
                                                  method=allocation.method, proposed_by=actor)
        else:
            award_list.awards.all().delete()
            award_list.method, award_list.proposed_by, award_list.proposed_at = (
                allocation.method, actor, timezone.now())
            award_list.save(update_fields=["method", "proposed_by", "proposed_at"])
        Award.objects.bulk_create(
            Award(award_list=award_list, kind=AwardKind.TIER, code=code, name=tiers[code].name, project_id=pid,
                  rank=by_project[pid].rank, score=by_project[pid].score, margin=by_project[pid].margin,
                  amount=tiers[code].amount)
            for pid, code in sorted(allocation.awards.items(), key=lambda item: by_project[item[0]].rank))
        record(actor=actor, action="awards.propose", target=award_list, after={
            "method": allocation.method, "awards": {str(k): v for k, v in allocation.awards.items()},
            "ties": [{"key": t.key, "projects": list(t.projects), "seats": t.seats} for t in allocation.ties]})
    return award_list, allocation


def current_allocation(contest: Contest) -> Allocation | None:
    review_round = finals_round(contest)
    rows = standings(review_round) if review_round else []
    if not rows:
        return None
    try:
        return allocation_for(contest, rows)
    except Unfillable:
        return None


def decide_tie(*, contest: Contest, key: str, chosen: Sequence[int], reason: str, actor) -> AwardTieDecision:
    """Record which of the tied projects take the seats above a boundary (R-A1), with a reason.
    Refused: no such open tie, the wrong number of projects or one outside the tie, no reason,
    a confirmed list. Audited."""
    errors = Errors()
    if AwardList.objects.filter(contest=contest, scope=AwardScope.FINALS, status=AwardListStatus.CONFIRMED).exists():
        errors.add("__all__", _("获奖名单已确认，不能再更改"), "R-A1")
    allocation = current_allocation(contest)
    tie = next((t for t in (allocation.ties if allocation else []) if t.key == key), None)
    if tie is None:
        errors.add("key", _("没有需要处理的该项并列"), "R-A1")
    return record_tie_decision(contest=contest, key=key, tied=list(tie.projects) if tie else [],
                               seats=tie.seats if tie else 0, chosen=chosen, reason=reason, actor=actor,
                               rule="R-A1", errors=errors)


def record_tie_decision(*, contest: Contest, key: str, tied: Sequence[int], seats: int, chosen: Sequence[int],
                        reason: str, actor, rule: str, errors: Errors | None = None) -> AwardTieDecision:
    """The decision itself, for every kind of award boundary (tier prizes, special and local
    awards): `seats` of the `tied` projects chosen, with a reason (`rule` names the award's
    rule in refusals). Write-once and audited ("awards.tie_decision")."""
    errors = errors or Errors()
    text = (reason or "").strip()
    if not text:
        errors.add("reason", _("请填写理由"), rule)
    elif len(text) > REASON_LIMIT:
        errors.add("reason", _("理由不能超过 %(limit)s 字") % {"limit": REASON_LIMIT}, rule)
    elif hidden := hidden_characters_error(text, label=_("理由"), multiline=True):
        errors.add("reason", hidden, rule)
    chosen = [int(c) for c in chosen]
    if tied and (len(chosen) != seats or len(set(chosen)) != len(chosen) or not set(chosen) <= set(tied)):
        errors.add("chosen", _("请在并列项目中选出 %(n)s 个") % {"n": seats}, rule)
    errors.raise_if_any()
    with transaction.atomic():
        decision = AwardTieDecision.objects.create(contest=contest, key=key, tied=list(tied), chosen=chosen,
                                                   reason=text, decided_by=actor)
        record(actor=actor, action="awards.tie_decision", target=decision,
               after={"key": key, "tied": list(tied), "chosen": chosen, "reason": text})
    return decision


def verify_snapshot(award_list: AwardList) -> bool:
    return bool(award_list.snapshot_sha256) and snapshot_sha256(award_list.snapshot) == award_list.snapshot_sha256


def committed_total(contest: Contest) -> Decimal:
    return sum((p.amount for p in Prize.objects.filter(contest=contest, status__in=COMMITTED)), Decimal(0))


def confirm_awards(*, award_list: AwardList, actor) -> AwardList:
    """The secretariat confirms the proposal (R-A1): frozen as a snapshot, each tier award
    with its prize in the ledger (pending the publicity period). Refused: confirmed already,
    the finals' round not closed, a tie without a decision, a proposal that no longer matches
    the standings (propose again), more than the pool. Audited."""
    contest = award_list.contest
    errors = Errors()
    with transaction.atomic():
        Contest.objects.select_for_update(of=("self",)).filter(pk=contest.pk).order_by("pk").first()
        locked = AwardList.objects.select_for_update(of=("self",)).get(pk=award_list.pk)
        if locked.status == AwardListStatus.CONFIRMED:
            errors.add("__all__", _("获奖名单已确认"), "R-A1")
        if locked.review_round.status != RoundStatus.CLOSED:
            errors.add("__all__", _("总决赛评审轮次尚未结束：评分可能仍会变化"), "R-A1")
        allocation = current_allocation(contest)
        if allocation is None or allocation.ties:
            errors.add("__all__", _("尚有并列未处理：请先记录处理决定"), "R-A1")
        awards = list(locked.awards.select_related("project__team__organization").order_by("rank", "id"))
        if allocation is not None and {a.project_id: a.code for a in awards} != allocation.awards:
            errors.add("__all__", _("获奖建议与当前评分或并列决定不一致：请重新生成建议"), "R-A1")
        total = sum((a.amount or Decimal(0) for a in awards), Decimal(0))
        if committed_total(contest) + total > contest.prize_pool:
            errors.add("__all__", _("奖金合计 %(total)s 万元超过奖金池 %(pool)s 万元") % {
                "total": committed_total(contest) + total, "pool": contest.prize_pool}, "R-A1")
        errors.raise_if_any()
        now = timezone.now()
        snapshot = {
            "contest": contest.slug, "round_id": locked.review_round_id, "method": locked.method,
            "confirmed_at": now.isoformat(), "confirmed_by": actor.pk,
            "awards": [{"kind": a.kind, "code": a.code, "name": a.name, "project_id": a.project_id,
                        "project": a.project.name, "team": a.project.team.name,
                        "organization": a.project.team.organization.name, "rank": a.rank, "score": a.score,
                        "amount": str(a.amount) if a.amount is not None else None} for a in awards],
            "tie_decisions": [{"key": d.key, "chosen": d.chosen, "reason": d.reason}
                              for d in AwardTieDecision.objects.filter(contest=contest).order_by("decided_at", "id")],
        }
        digest = snapshot_sha256(snapshot)
        Prize.objects.bulk_create(Prize(award=a, contest=contest, payee=a.project.team.organization, amount=a.amount)
                                  for a in awards if a.kind == AwardKind.TIER and a.amount is not None)
        locked.status, locked.confirmed_by, locked.confirmed_at = AwardListStatus.CONFIRMED, actor, now
        locked.snapshot, locked.snapshot_sha256 = snapshot, digest
        locked.save(update_fields=["status", "confirmed_by", "confirmed_at", "snapshot", "snapshot_sha256"])
        record(actor=actor, action="awards.confirm", target=locked, after={
            "snapshot_sha256": digest, "awards": len(awards), "total": str(total)})
        notices.awards_confirmed(contest, awards)
    return locked


def transition(*, prize: Prize, to: str, actor, reason: str, now=None, amount=None,
               on: dt.date | str | None = None) -> Prize:
    """Move a prize along the ledger (`enums.PRIZE_TRANSITIONS`), with a reason. Going to
    reclaim_due needs the `amount` owed back (more than 0, at most the prize) and the date `on`
    which it is due; going to reclaimed needs the date `on` which it came back (R-X3); a form's
    text date is read here, so every refusal shows at once. Audited."""
    now = now or timezone.now()
    text = (reason or "").strip()
    errors = Errors()
    if not text:
        errors.add("reason", _("请填写理由"), "R-A1")
    elif len(text) > REASON_LIMIT:
        errors.add("reason", _("理由不能超过 %(limit)s 字") % {"limit": REASON_LIMIT}, "R-A1")
    if to not in PrizeStatus.values:
        errors.add("status", _("请选择状态"), "R-A1")
    reclaim = None
    if to == PrizeStatus.RECLAIM_DUE:
        try:
            reclaim = Decimal(str(amount)) if amount not in (None, "") else None
        except (InvalidOperation, ValueError):
            reclaim = None
        if reclaim is None or not reclaim.is_finite() or reclaim <= 0 or reclaim > prize.amount \
                or reclaim != reclaim.quantize(Decimal("0.01")):
            errors.add("amount", _("追回金额应大于 0、不超过奖金 %(amount)s 万元，最多两位小数") % {
                "amount": prize.amount}, "R-X3")
    if isinstance(on, str):  # a form's date field
        try:
            on = parse_local_date(on, field="on", rule="R-X3")
        except ValidationError as exc:
            errors.add("on", exc.error_dict["on"][0].message, "R-X3")
            on = False
    if to in (PrizeStatus.RECLAIM_DUE, PrizeStatus.RECLAIMED) and on is None:
        errors.add("on", _("请填写日期"), "R-X3")
    errors.raise_if_any()
    with transaction.atomic():
        locked = Prize.objects.select_for_update(of=("self",)).get(pk=prize.pk)
        if to not in PRIZE_TRANSITIONS[PrizeStatus(locked.status)]:
            raise ValidationError({"status": ValidationError(
                _("奖金状态不能从“%(from)s”改为“%(to)s”") % {
                    "from": locked.get_status_display(), "to": PrizeStatus(to).label}, code="R-A1")})
        before = locked.status
        locked.status, locked.updated_at = to, now
        fields = ["status", "updated_at"]
        after = {"status": to, "reason": text}
        if to == PrizeStatus.RECLAIM_DUE:
            locked.reclaim_amount, locked.reclaim_due_on = reclaim, on
            fields += ["reclaim_amount", "reclaim_due_on"]
            after |= {"reclaim_amount": str(reclaim), "reclaim_due_on": on.isoformat()}
        elif to == PrizeStatus.RECLAIMED:
            locked.reclaimed_on = on
            fields.append("reclaimed_on")
            after["reclaimed_on"] = on.isoformat()
        locked.save(update_fields=fields)
        record(actor=actor, action="awards.prize.transition", target=locked, before={"status": before}, after=after)
    return locked


def revoke_award(*, award: Award, reason: str, basis: str, actor) -> AwardRevocation:
    """Take back an award on a confirmed list (R-X3): recorded once, with the reason and its
    basis (a complaint case's number); its prize, if any and not yet revoked, moves to revoked
    through `transition`. The team is told. Refused: a proposed list, an award already revoked,
    no reason. The certificate is the certificates app's to revoke
    (`certificates.services.revoke_award_certificate`). Audited."""
    text = (reason or "").strip()
    errors = Errors()
    if not text:
        errors.add("reason", _("请填写理由"), "R-X3")
    elif len(text) > REASON_LIMIT:
        errors.add("reason", _("理由不能超过 %(limit)s 字") % {"limit": REASON_LIMIT}, "R-X3")
    if not AwardList.objects.filter(pk=award.award_list_id, status=AwardListStatus.CONFIRMED).exists():
        errors.add("__all__", _("获奖名单尚未确认，无需撤销"), "R-X3")
    if AwardRevocation.objects.filter(award=award).exists():
        errors.add("__all__", _("该奖项已撤销"), "R-X3")
    errors.raise_if_any()
    with transaction.atomic():
        Award.objects.select_for_update(of=("self",)).filter(pk=award.pk).order_by("pk").first()
        try:
            with transaction.atomic():
                revocation = AwardRevocation.objects.create(award=award, reason=text, basis=(basis or "")[:100],
                                                            revoked_by=actor)
        except IntegrityError as exc:  # a second revocation at the same moment
            raise ValidationError({"__all__": ValidationError(_("该奖项已撤销"), code="R-X3")}) from exc
        prize = Prize.objects.filter(award=award).first()
        if prize is not None and PrizeStatus.REVOKED in PRIZE_TRANSITIONS[PrizeStatus(prize.status)]:
            transition(prize=prize, to=PrizeStatus.REVOKED, actor=actor, reason=text)
        record(actor=actor, action="awards.revoke", target=award, after={
            "reason": text, "basis": revocation.basis, "prize": prize.pk if prize else None})
        notices.award_revoked(award, basis=revocation.basis)
    return revocation
