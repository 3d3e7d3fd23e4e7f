"""Special awards (R-A2) and the stations' local awards (R-A3).

**Special awards** come from the spec (`awards.special`): each names its `basis`, its `count`
and whether a team holding a tier prize may hold it (`with_tier`).

- `criterion:<code>`: the finalists with the best mean of that criterion over their finals
  ballots (on the criterion's own scale, 4 decimals);
- `popularity`: the most counted votes of the published tally (`ciic.votes`, after its audit);
- `organizing_units` and `committee`: the secretariat names the winner (a project, or for
  优秀组织奖 an organizing unit) with a recorded reason (`name_winner`).

`propose_special_awards` fills the computed ones into the special list (keeping the named
ones); a tie across the count is reported, settled by a recorded decision as for the tier
prizes (`prizes.decide_tie`, key ``special:<code>``), and `confirm_special_awards` freezes the
list once every award has its winners and no tie is open.

**Local awards** are each station's own (R-A3): the station defines its categories (name,
count, amount: `set_local_category`), and `propose_local_awards` hands them out in order along
the station's last local round's results (best score first); ties at a category's boundary
need a decision (key ``local:<station>:<code>``); `confirm_local_awards` freezes the list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ciic.audit.services import record
from ciic.contests.models import Contest, Station
from ciic.core.text import hidden_characters_error
from ciic.core.validation import Errors
from ciic.engines.prizes import BoundaryTie, take_best
from ciic.projects.models import Project
from ciic.review.finalists.services import last_local_round
from ciic.review.models import Review
from ciic.votes.services import final_tally

from . import notices
from .enums import AwardKind, AwardListStatus, AwardScope
from .models import Award, AwardList, AwardTieDecision, LocalAwardCategory
from .prizes import finals_round, record_tie_decision, snapshot_sha256

REASON_LIMIT = 2000
# Values this close are equal (scores are means of floats; the prizes engine uses the same).
TOLERANCE = 1e-9
NAME_LIMIT = 100
COMPUTED = ("criterion", "popularity")


def tally_provider(contest: Contest) -> dict[int, int] | None:
    """The popularity vote's published tally (project id -> counted votes), None until the
    secretariat publishes it after the audit (`ciic.votes`)."""
    return final_tally(contest)


@dataclass
class SpecialAwardSpec:
    code: str
    name: str
    name_en: str
    recipient: str
    basis: str
    count: int
    with_tier: bool

    @property
    def display_name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name

    @property
    def computed(self) -> bool:
        return self.basis.split(":", 1)[0] in COMPUTED


def special_specs(contest: Contest) -> list[SpecialAwardSpec]:
    rows = ((contest.spec or {}).get("awards") or {}).get("special") or []
    return [SpecialAwardSpec(r["code"], r["name"], r.get("name_en", ""), r.get("recipient", "team"),
                             r.get("basis", "committee"), int(r.get("count", 1)), bool(r.get("with_tier", True)))
            for r in rows]


def _list(contest: Contest, scope: str, station: Station | None = None) -> AwardList | None:
    return AwardList.objects.filter(contest=contest, scope=scope, station=station).first()


def _open_list(contest: Contest, scope: str, actor, station: Station | None = None) -> AwardList:
    """The proposed list of this scope, created if missing; refused once confirmed."""
    award_list = AwardList.objects.select_for_update(of=("self",)).filter(
        contest=contest, scope=scope, station=station).first()
    if award_list is not None and award_list.status == AwardListStatus.CONFIRMED:
        raise ValidationError({"__all__": ValidationError(_("获奖名单已确认，不能再更改"), code="R-A2")})
    if award_list is None:
        review_round = finals_round(contest) if station is None else last_local_round(station)
        if review_round is None:
            raise ValidationError({"__all__": ValidationError(_("尚无可依据的评审轮次"), code="R-A2")})
        try:
            with transaction.atomic():
                award_list = AwardList.objects.create(contest=contest, scope=scope, station=station,
                                                      review_round=review_round, method=scope, proposed_by=actor)
        except IntegrityError as exc:  # another request created it meanwhile
            raise ValidationError({"__all__": ValidationError(_("请重试"), code="R-A2")}) from exc
    return award_list


@dataclass
class Outcome:
    """What a proposal left open: ties (key, projects, seats) and awards still waiting."""

    ties: list[dict] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)

    @property
    def final(self) -> bool:
        return not self.ties and not self.waiting


def _take(ranked: list[tuple[int, float]], n: int, key: str, decided: dict, outcome: Outcome) -> list[int]:
    """The best `n` of (project, value) sorted best first; a tie across the line is settled
    by `decided[key]` or reported (and left unfilled): the prizes engine's rule."""
    ties: list[BoundaryTie] = []
    chosen = take_best([p for p, _v in ranked], n, dict(ranked), TOLERANCE, key, decided, ties, fill_ties=False)
    outcome.ties += [{"key": t.key, "projects": list(t.projects), "seats": t.seats} for t in ties]
    return chosen


def _criterion_means(contest: Contest, code: str) -> dict[int, float]:
    review_round = finals_round(contest)
    if review_round is None:
        return {}
    sums: dict[int, list[float]] = {}
    for project_id, sheet in Review.objects.filter(
            assignment__review_round=review_round, submitted_at__isnull=False).values_list(
            "assignment__project_id", "scores"):
        value = (sheet or {}).get(code)
        if isinstance(value, int | float):
            sums.setdefault(project_id, []).append(float(value))
    return {pid: round(sum(v) / len(v), 4) for pid, v in sums.items() if v}


def _tier_holders(contest: Contest) -> set[int]:
    finals = _list(contest, AwardScope.FINALS)
    return set(finals.awards.values_list("project_id", flat=True)) if finals else set()


def special_outcome(contest: Contest) -> Outcome:
    """What proposing now would leave open (writes nothing): ties and awards still waiting."""
    _computed, outcome = _compute_special(contest)
    award_list = _list(contest, AwardScope.SPECIAL)
    named = {}
    for code in (award_list.awards.values_list("code", flat=True) if award_list else []):
        named[code] = named.get(code, 0) + 1
    outcome.waiting += [s.code for s in special_specs(contest) if not s.computed and named.get(s.code, 0) < s.count]
    return outcome


def _compute_special(contest: Contest):
    decided = {d.key: d.chosen for d in AwardTieDecision.objects.filter(contest=contest).order_by("decided_at", "id")}
    holders = _tier_holders(contest)
    outcome = Outcome()
    computed: list[tuple[SpecialAwardSpec, list[int], dict[int, float]]] = []
    for spec in special_specs(contest):
        if not spec.computed:
            continue
        if spec.basis == "popularity":
            tally = tally_provider(contest)
            if tally is None:
                outcome.waiting.append(spec.code)
                continue
            values = {pid: float(n) for pid, n in tally.items()}
        else:
            values = _criterion_means(contest, spec.basis.split(":", 1)[1])
        if not spec.with_tier:
            values = {pid: v for pid, v in values.items() if pid not in holders}
        ranked = sorted(values.items(), key=lambda item: (-item[1], item[0]))
        computed.append((spec, _take(ranked, spec.count, f"special:{spec.code}", decided, outcome), values))
    return computed, outcome


def propose_special_awards(*, contest: Contest, actor) -> tuple[AwardList, Outcome]:
    """Fill the computed special awards (criteria, popularity) into the special list, keeping
    the ones the secretariat named; report ties and awards still waiting. Audited."""
    computed, outcome = _compute_special(contest)
    with transaction.atomic():
        award_list = _open_list(contest, AwardScope.SPECIAL, actor)
        codes = [spec.code for spec, _w, _v in computed]
        award_list.awards.filter(code__in=codes).delete()
        for spec, winners, values in computed:
            for pid in winners:
                basis = (_("总决赛“%(criterion)s”平均分 %(value)s") % {"criterion": spec.basis.split(":", 1)[1],
                                                                     "value": values[pid]}
                         if spec.basis.startswith("criterion:") else _("人气投票 %(n)s 票") % {"n": int(values[pid])})
                Award.objects.create(award_list=award_list, kind=AwardKind.SPECIAL, code=spec.code, name=spec.name,
                                     project_id=pid, score=values[pid], reason=basis)
        for spec in special_specs(contest):
            if not spec.computed and award_list.awards.filter(code=spec.code).count() < spec.count:
                outcome.waiting.append(spec.code)
        award_list.proposed_by, award_list.proposed_at = actor, timezone.now()
        award_list.save(update_fields=["proposed_by", "proposed_at"])
        record(actor=actor, action="awards.special.propose", target=award_list, after={
            "awards": {spec.code: winners for spec, winners, _v in computed}, "ties": outcome.ties,
            "waiting": outcome.waiting})
    return award_list, outcome


def name_winner(*, contest: Contest, code: str, actor, reason: str, project: Project | None = None,
                recipient_name: str = "") -> Award:
    """The secretariat names a committee or organizing-unit award's winner, with a reason
    (R-A2): a finalist project, or for an organizing unit's award the unit's name. Refused:
    an unknown or computed award, a full award, the wrong kind of recipient, a team holding
    a tier prize when the award excludes it, no reason, a confirmed list. Audited."""
    spec = next((s for s in special_specs(contest) if s.code == code), None)
    errors = Errors()
    text = (reason or "").strip()
    name = (recipient_name or "").strip()
    if spec is None:
        errors.add("code", _("没有该单项奖"), "R-A2")
    elif spec.computed:
        errors.add("code", _("该奖项按评分或投票自动评定，不能指定"), "R-A2")
    elif spec.recipient == "organizing_unit":
        if not name:
            errors.add("recipient_name", _("请填写获奖的组织单位"), "R-A2")
        elif len(name) > 200:
            errors.add("recipient_name", _("单位名称不能超过 200 个字符"), "R-A2")
        elif hidden := hidden_characters_error(name, label=_("单位名称")):
            errors.add("recipient_name", hidden, "R-A2")
        project = None
    elif project is None or project.contest_id != contest.pk:
        errors.add("project", _("请选择获奖项目"), "R-A2")
    elif not spec.with_tier and project.pk in _tier_holders(contest):
        errors.add("project", _("该项目已获等级奖，本奖项不与等级奖兼得"), "R-A2")
    if not text:
        errors.add("reason", _("请填写评定理由"), "R-A2")
    elif len(text) > REASON_LIMIT:
        errors.add("reason", _("理由不能超过 %(limit)s 字") % {"limit": REASON_LIMIT}, "R-A2")
    errors.raise_if_any()
    with transaction.atomic():
        award_list = _open_list(contest, AwardScope.SPECIAL, actor)
        if award_list.awards.filter(code=code).count() >= spec.count:
            raise ValidationError({"code": ValidationError(
                _("该奖项已评定 %(n)s 名") % {"n": spec.count}, code="R-A2")})
        if project is not None and award_list.awards.filter(code=code, project=project).exists():
            raise ValidationError({"project": ValidationError(_("该项目已获此奖项"), code="R-A2")})
        award = Award.objects.create(award_list=award_list, kind=AwardKind.SPECIAL, code=code, name=spec.name,
                                     project=project, recipient_name="" if project else name, reason=text)
        record(actor=actor, action="awards.special.name", target=award_list, after={
            "code": code, "project": project.pk if project else None, "recipient": name, "reason": text})
    return award


def remove_winner(*, award: Award, actor) -> None:
    """Take back a named winner while the list is proposed. Audited."""
    with transaction.atomic():
        award_list = AwardList.objects.select_for_update(of=("self",)).get(pk=award.award_list_id)
        if award_list.status == AwardListStatus.CONFIRMED:
            raise ValidationError({"__all__": ValidationError(_("获奖名单已确认，不能再更改"), code="R-A2")})
        record(actor=actor, action="awards.special.remove", target=award_list,
               before={"code": award.code, "project": award.project_id, "recipient": award.recipient_name})
        award.delete()


def _freeze(award_list: AwardList, actor, *, rule: str) -> AwardList:
    now = timezone.now()
    awards = list(award_list.awards.select_related("project__team__organization").order_by("code", "rank", "id"))
    snapshot = {
        "contest": award_list.contest.slug, "scope": award_list.scope,
        "station": award_list.station.code if award_list.station_id else None,
        "confirmed_at": now.isoformat(), "confirmed_by": actor.pk,
        "awards": [{"kind": a.kind, "code": a.code, "name": a.name, "project_id": a.project_id,
                    "project": a.project.name if a.project_id else None, "recipient": a.recipient,
                    "reason": a.reason, "score": a.score, "amount": str(a.amount) if a.amount is not None else None}
                   for a in awards],
    }
    digest = snapshot_sha256(snapshot)
    award_list.status, award_list.confirmed_by, award_list.confirmed_at = AwardListStatus.CONFIRMED, actor, now
    award_list.snapshot, award_list.snapshot_sha256 = snapshot, digest
    award_list.save(update_fields=["status", "confirmed_by", "confirmed_at", "snapshot", "snapshot_sha256"])
    record(actor=actor, action=f"awards.{award_list.scope}.confirm", target=award_list,
           after={"snapshot_sha256": digest, "awards": len(awards), "rule": rule})
    notices.awards_confirmed(award_list.contest, awards)
    return award_list


def confirm_special_awards(*, contest: Contest, actor) -> AwardList:
    """Freeze the special awards once every award has its winners and no tie is open."""
    with transaction.atomic():
        award_list = AwardList.objects.select_for_update(of=("self",)).filter(
            contest=contest, scope=AwardScope.SPECIAL, station__isnull=True).first()
        errors = Errors()
        if award_list is None:
            errors.add("__all__", _("请先生成单项奖建议"), "R-A2")
        elif award_list.status == AwardListStatus.CONFIRMED:
            errors.add("__all__", _("获奖名单已确认"), "R-A2")
        else:
            counts = {}
            for code in award_list.awards.values_list("code", flat=True):
                counts[code] = counts.get(code, 0) + 1
            missing = [s.name for s in special_specs(contest) if counts.get(s.code, 0) < s.count]
            if missing:
                errors.add("__all__", _("以下奖项尚未评定完毕：%(names)s") % {"names": "、".join(missing)}, "R-A2")
        errors.raise_if_any()
        return _freeze(award_list, actor, rule="R-A2")


# --- local awards (R-A3) ---------------------------------------------------------------------


def set_local_category(*, station: Station, actor, code: str, name: str, count, amount=None,
                       category: LocalAwardCategory | None = None) -> LocalAwardCategory:
    """A station's award category (R-A3): code, name, how many and the amount (万元, may be
    empty). Refused once the station's local awards are confirmed. Audited."""
    errors = Errors()
    code = (code or "").strip().lower()
    name = (name or "").strip()
    if not code or not code.replace("_", "").replace("-", "").isalnum() or not code.isascii() or len(code) > 40:
        errors.add("code", _("代码只能包含小写字母、数字、下划线和连字符（最多 40 个）"), "R-A3")
    if not name:
        errors.add("name", _("请填写奖项名称"), "R-A3")
    elif len(name) > NAME_LIMIT:
        errors.add("name", _("名称不能超过 %(limit)s 个字符") % {"limit": NAME_LIMIT}, "R-A3")
    elif hidden := hidden_characters_error(name, label=_("奖项名称")):
        errors.add("name", hidden, "R-A3")
    try:
        count = int(str(count).strip())
        if not 1 <= count <= 1000:
            raise ValueError
    except (TypeError, ValueError):
        errors.add("count", _("名额应为 1 到 1000 的整数"), "R-A3")
    money = None
    if amount not in (None, ""):
        try:
            money = Decimal(str(amount).strip())
            if not money.is_finite() or money < 0 or money > Decimal("1000000") or money.as_tuple().exponent < -2:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors.add("amount", _("奖金应为不小于 0 的金额（万元，最多两位小数）"), "R-A3")
    if _list(station.contest, AwardScope.LOCAL, station) and _list(
            station.contest, AwardScope.LOCAL, station).status == AwardListStatus.CONFIRMED:
        errors.add("__all__", _("本赛站的地方赛奖项已确认，不能再更改"), "R-A3")
    errors.raise_if_any()
    with transaction.atomic():
        target = category or LocalAwardCategory(contest=station.contest, station=station)
        before = {"code": target.code, "name": target.name, "count": target.count} if category else None
        target.code, target.name, target.count, target.amount = code, name, count, money
        if category is None:
            target.order = LocalAwardCategory.objects.filter(station=station).count()
        try:
            with transaction.atomic():
                target.save()
        except IntegrityError as exc:
            raise ValidationError({"code": ValidationError(_("该代码已使用"), code="R-A3")}) from exc
        record(actor=actor, action="awards.local.category", target=target, before=before,
               after={"code": code, "name": name, "count": count, "amount": str(money) if money is not None else None})
    return target


def delete_local_category(*, category: LocalAwardCategory, actor) -> None:
    local = _list(category.station.contest, AwardScope.LOCAL, category.station)
    if local is not None and local.status == AwardListStatus.CONFIRMED:
        raise ValidationError({"__all__": ValidationError(_("本赛站的地方赛奖项已确认，不能再更改"), code="R-A3")})
    with transaction.atomic():
        record(actor=actor, action="awards.local.category_delete", target=category,
               before={"code": category.code, "name": category.name, "count": category.count})
        category.delete()


def local_ranking(station: Station) -> list[tuple[Project, float]]:
    """The station's last local round's results, best score first."""
    review_round = last_local_round(station)
    if review_round is None:
        return []
    rows = (review_round.results.filter(score__isnull=False).select_related("project__team")
            .order_by("-score", "project_id"))
    return [(r.project, round(r.score, 4)) for r in rows]


def propose_local_awards(*, station: Station, actor) -> tuple[AwardList, Outcome]:
    """Hand the station's categories out in order along its local results (R-A3). Refused:
    no category, no results, more awards than ranked projects, a confirmed list. Audited."""
    contest = station.contest
    categories = list(LocalAwardCategory.objects.filter(station=station).order_by("order", "id"))
    ranking = local_ranking(station)
    errors = Errors()
    if not categories:
        errors.add("__all__", _("请先设置本赛站的奖项"), "R-A3")
    if not ranking:
        errors.add("__all__", _("本赛站的地方赛尚无评审结果"), "R-A3")
    elif sum(c.count for c in categories) > len(ranking):
        errors.add("__all__", _("奖项名额合计 %(n)s 个，多于有成绩的项目 %(m)s 个") % {
            "n": sum(c.count for c in categories), "m": len(ranking)}, "R-A3")
    errors.raise_if_any()
    decided = {d.key: d.chosen for d in AwardTieDecision.objects.filter(contest=contest).order_by("decided_at", "id")}
    outcome = Outcome()
    scores = {p.pk: s for p, s in ranking}
    rest = [(p.pk, s) for p, s in ranking]
    given: list[tuple[LocalAwardCategory, int]] = []
    for category in categories:
        winners = _take(rest, category.count, f"local:{station.code}:{category.code}", decided, outcome)
        given += [(category, pid) for pid in winners]
        if len(winners) < category.count:
            break  # an open tie: the categories below wait for its decision
        rest = [(p, s) for p, s in rest if p not in set(winners)]
    with transaction.atomic():
        award_list = _open_list(contest, AwardScope.LOCAL, actor, station)
        award_list.awards.all().delete()
        Award.objects.bulk_create(Award(award_list=award_list, kind=AwardKind.LOCAL, code=c.code, name=c.name,
                                        project_id=pid, score=scores[pid], amount=c.amount) for c, pid in given)
        award_list.proposed_by, award_list.proposed_at = actor, timezone.now()
        award_list.save(update_fields=["proposed_by", "proposed_at"])
        record(actor=actor, action="awards.local.propose", target=award_list, after={
            "station": station.code, "awards": [[c.code, pid] for c, pid in given], "ties": outcome.ties})
    return award_list, outcome


def local_outcome(station: Station) -> Outcome:
    """What the station's current proposal leaves open (recomputed, writes nothing)."""
    contest = station.contest
    categories = list(LocalAwardCategory.objects.filter(station=station).order_by("order", "id"))
    decided = {d.key: d.chosen for d in AwardTieDecision.objects.filter(contest=contest)}
    outcome = Outcome()
    rest = [(p.pk, s) for p, s in local_ranking(station)]
    for category in categories:
        winners = _take(rest, category.count, f"local:{station.code}:{category.code}", decided, outcome)
        if len(winners) < category.count:
            break
        rest = [(p, s) for p, s in rest if p not in set(winners)]
    return outcome


def confirm_local_awards(*, station: Station, actor) -> AwardList:
    """Freeze the station's local awards (R-A3) once no tie is open and the proposal matches
    its categories. Audited."""
    contest = station.contest
    with transaction.atomic():
        award_list = AwardList.objects.select_for_update(of=("self",)).filter(
            contest=contest, scope=AwardScope.LOCAL, station=station).first()
        errors = Errors()
        if award_list is None:
            errors.add("__all__", _("请先生成本赛站的获奖建议"), "R-A3")
        elif award_list.status == AwardListStatus.CONFIRMED:
            errors.add("__all__", _("获奖名单已确认"), "R-A3")
        else:
            if local_outcome(station).ties:
                errors.add("__all__", _("尚有并列未处理：请先记录处理决定"), "R-A3")
            wanted = sum(c.count for c in LocalAwardCategory.objects.filter(station=station))
            if award_list.awards.count() != wanted:
                errors.add("__all__", _("获奖建议与奖项设置不一致：请重新生成建议"), "R-A3")
        errors.raise_if_any()
        return _freeze(award_list, actor, rule="R-A3")


def decide(*, contest: Contest, key: str, chosen: Sequence[int], reason: str, actor,
           tie: dict) -> AwardTieDecision:
    """Record a tie decision for a special or local award (`prizes.record_tie_decision`)."""
    return record_tie_decision(contest=contest, key=key, tied=list(tie["projects"]), seats=tie["seats"],
                               chosen=chosen, reason=reason, actor=actor, rule="R-A2")
