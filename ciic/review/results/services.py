"""A review round's result (R-V1, R-V2, R-G1): the aggregation staff chose, each project's raw
and calibrated score, how far its experts disagree, its rank in its direction × group, how
stable its place is against the cut, and who advances.

The numbers come from `ciic.engines.scoring` (pure); this module reads the round's reviews, stores one
`RoundResult` per project and records every decision in the audit chain.

- **Aggregation** (`set_aggregation`, `lock_aggregation`): staff pick raw / z-score / least
  squares before any score is seen. The first time anyone computes or views the results the
  choice is locked (`aggregation_locked_at`), and a closed round's choice cannot change either.
- **What counts**: submitted reviews only, and never one by an expert conflicted with the
  project (a conflict declared after scoring voids the review, R-P8).
- **Results** (`compute_results`): recomputed as often as staff like while the round is open;
  once it is closed, the first computation *after closing* is the round's result and is never
  recomputed (reviews cannot change after closing, so it is the result at closing; one
  computed while the round was open may miss the last reviews, `results_frozen`). An
  archived round is never recomputed (R-V3).
- **Rankings** are per direction × group (R-G1); the key of a project is
  `(team.direction_id, team.organization.group_id)`. Projects are ranked by their score as
  shown (`SCORE_DECIMALS` decimals, half up, as the pages, the export and `floatformat` show
  it): two projects that show the same score are tied, so nobody advances over a project
  displayed with the same score without a recorded decision. A withdrawn or disqualified
  project keeps its scores (its reviews still calibrate its experts) but is not ranked and
  takes no seat.
- **Advancement** (`set_advancement_rule`, `decide_tie`): a count or a proportion per
  direction × group (R-V2). A tie block straddling the cut is shown and stays unresolved
  (nobody in it advances) until staff record a `TieDecision` naming who takes the seats left.
  Rules and decisions are final once the round is archived (R-V3).
- **Stability**: from `bootstrap_advancement`, B resamples (1000) seeded with the round's id
  so the figure is reproducible: the probability that a project belongs above its group's cut.
  The resamples draw from every counting review of the round, so a calibration sees the same
  experts' reviews as the scores shown; each resample's scores are rounded as shown.
- **Conflicts**: a staff member who is also a conflicted expert of one of the round's projects
  never sees its results (`conflicted_rounds`: the pages and the API answer 404).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ciic.audit.models import AuditEntry
from ciic.audit.services import record
from ciic.contests.models import Direction, Group
from ciic.core.validation import Errors
from ciic.engines import scoring
from ciic.projects.enums import ProjectStatus
from ciic.projects.models import Project

from ..conflicts import conflicts_for
from ..enums import Aggregation, RoundStatus
from ..models import (
    AdvancementRule,
    Assignment,
    Expert,
    Review,
    ReviewRound,
    RoundArchive,
    RoundProject,
    RoundResult,
    TieDecision,
)

RESAMPLES = 1000
ROUNDING = "half_up"  # a proportion's seats: 0.3 × 25 = 7.5 -> 8 (scoring.seats)
SCORE_DECIMALS = 2  # the default of a round's `score_decimals` (the spec's review form sets it)
TIE_TOLERANCE = 1e-9  # between shown scores: equal shown scores are tied, different ones differ by 0.01
REASON_LIMIT = 1000

GroupKey = tuple[int, int | None]  # (direction id, group id)


# --- the aggregation ---------------------------------------------------------------------------


def aggregation_locked(review_round: ReviewRound) -> bool:
    """Whether the aggregation can no longer change: scores were seen, or the round is closed."""
    return review_round.aggregation_locked_at is not None or review_round.status == RoundStatus.CLOSED


def set_aggregation(*, review_round: ReviewRound, aggregation: str, actor) -> ReviewRound:
    """Choose which score counts in the round (raw mean or a calibration, R-V2). Refused once
    the results were seen or the round closed. Audited with the value before and after."""
    errors = Errors()
    if aggregation not in Aggregation.values:
        errors.add("aggregation", _("请选择计分方式"), "R-V2")
    errors.raise_if_any()
    with transaction.atomic():
        locked = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        if aggregation_locked(locked):
            errors.add("aggregation", _("评审结果已被查看或本轮已结束，计分方式不能再更改"), "R-V2")
        errors.raise_if_any()
        before = locked.aggregation
        if before != aggregation:
            locked.aggregation = aggregation
            locked.save(update_fields=["aggregation"])
            record(actor=actor, action="review.aggregation.set", target=locked,
                   before={"aggregation": before}, after={"aggregation": aggregation})
    review_round.aggregation = aggregation
    return review_round


def lock_aggregation(*, review_round: ReviewRound, actor) -> ReviewRound:
    """Lock the aggregation the first time anyone sees scores (idempotent). Audited once."""
    if review_round.aggregation_locked_at is not None:
        return review_round
    with transaction.atomic():
        locked = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        if locked.aggregation_locked_at is None:
            locked.aggregation_locked_at = timezone.now()
            locked.save(update_fields=["aggregation_locked_at"])
            record(actor=actor, action="review.aggregation.lock", target=locked,
                   after={"aggregation": locked.aggregation, "locked_at": locked.aggregation_locked_at})
    review_round.aggregation_locked_at = locked.aggregation_locked_at
    return review_round


# --- the reviews that count ----------------------------------------------------------------------


@dataclass
class CountingReviews:
    """The round's submitted, unconflicted reviews as a scoring table, and each project's key."""

    reviews: list[Review]
    table: scoring.ReviewTotals
    keys: dict[int, GroupKey]
    projects: list[Project]
    competing: set[int] = field(default_factory=set)  # active projects: ranked, may take a seat


def counting_reviews(review_round: ReviewRound) -> CountingReviews:
    """Submitted reviews of the round, without those by an expert conflicted with the project
    (R-P8), in a constant number of queries."""
    rows = list(Review.objects.filter(assignment__review_round=review_round, submitted_at__isnull=False,
                                      total__isnull=False)
                .select_related("assignment__expert").order_by("assignment__project_id", "assignment__expert_id"))
    conflicted = conflicts_for(expert_ids={r.assignment.expert_id for r in rows},
                               project_ids={r.assignment.project_id for r in rows})
    rows = [r for r in rows if (r.assignment.expert_id, r.assignment.project_id) not in conflicted]
    projects = list(Project.objects.filter(round_entries__review_round=review_round)
                    .select_related("team__direction", "team__organization__group", "team__station")
                    .order_by("pk"))
    known = {p.pk for p in projects}
    # A project assigned without being listed in the round (a manual edit) still counts.
    extra = {r.assignment.project_id for r in rows} - known
    if extra:
        projects += list(Project.objects.filter(pk__in=extra)
                         .select_related("team__direction", "team__organization__group", "team__station"))
    keys = {p.pk: (p.team.direction_id, p.team.organization.group_id) for p in projects}
    table = scoring.ReviewTotals.from_arrays([r.assignment.project_id for r in rows],
                                             [r.assignment.expert_id for r in rows],
                                             [r.total for r in rows],
                                             [r.recommendation or None for r in rows])
    competing = {p.pk for p in projects if p.status == ProjectStatus.ACTIVE}
    return CountingReviews(rows, table, keys, projects, competing)


# --- scores as shown, and the ranking on them ----------------------------------------------------


def shown_score(score: float, decimals: int = SCORE_DECIMALS) -> float:
    """The score as the pages and the export show it: the round's `score_decimals`, half up,
    from its shortest decimal form (as Django's `floatformat` rounds)."""
    exponent = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(score))).quantize(exponent, rounding=ROUND_HALF_UP))


def rank_shown(scores: Mapping[int, float], keys: Mapping[int, GroupKey], *,
               decimals: int = SCORE_DECIMALS) -> dict[GroupKey, list]:
    """Rank per direction × group (R-G1) on the scores as shown: projects that show the same
    score are tied and share a rank (R-V2: only a recorded decision separates them)."""
    return scoring.rank_by_group({pid: shown_score(v, decimals) for pid, v in scores.items()},
                                 {pid: keys[pid] for pid in scores}, tolerance=TIE_TOLERANCE)


# --- computing ----------------------------------------------------------------------------------


def _seats_by_group(rules: dict[GroupKey, AdvancementRule], sizes: dict[GroupKey, int]) -> dict[GroupKey, int]:
    return {key: scoring.seats(sizes.get(key, 0), count=rule.count, proportion=rule.proportion, rounding=ROUNDING)
            for key, rule in rules.items()}


def _rules(review_round: ReviewRound) -> dict[GroupKey, AdvancementRule]:
    return {(r.direction_id, r.group_id): r for r in AdvancementRule.objects.filter(review_round=review_round)}


_OUTSIDE = ("outside",)  # the bootstrap's group for projects that compete for no seat


def stability(data: CountingReviews, method: str, rules: dict[GroupKey, AdvancementRule], *, seed: int,
              b: int = RESAMPLES, decimals: int = SCORE_DECIMALS) -> dict[int, float]:
    """Per project of a group with an advancement rule: the bootstrap probability of being
    above its group's cut (`scoring.bootstrap_advancement`), reproducible for a seed."""
    table = data.table
    if not table.projects:
        return {}
    sizes: dict[GroupKey, int] = {}
    for pid in table.projects:
        if pid in data.competing:
            sizes[data.keys[pid]] = sizes.get(data.keys[pid], 0) + 1
    n: dict = _seats_by_group(rules, sizes)
    groups = {pid: data.keys[pid] if pid in data.competing and data.keys[pid] in n else _OUTSIDE
              for pid in table.projects}
    if all(g == _OUTSIDE for g in groups.values()):
        return {}
    # Every review stays in the resamples, also those of projects outside a ruled group: a
    # calibration estimates each expert's leniency from all their reviews, as the scores shown
    # do. The projects outside compete for no seat.
    n[_OUTSIDE] = 0
    result = scoring.bootstrap_advancement(table, groups, count=n, method=method, b=b, seed=seed,
                                           tolerance=TIE_TOLERANCE, decimals=decimals)
    return {pid: p for pid, p in result.probability.items() if groups[pid] != _OUTSIDE and not math.isnan(p)}


def compute_results(*, review_round: ReviewRound, actor, b: int = RESAMPLES) -> list[RoundResult]:
    """Compute and store the round's result: per project its raw mean, its score by the
    round's aggregation, the number of reviews, their spread and the disagreement flag
    (spread above `disagreement_spread`: needs an extra review), its rank in its direction ×
    group (R-G1), its stability, and who advances (R-V2). Locks the aggregation. Refused for a
    draft round, an archived round, and a closed round whose result was computed after it
    closed (frozen, R-V3). Audited, with the round's status."""
    _refuse_compute(review_round)
    lock_aggregation(review_round=review_round, actor=actor)
    data = counting_reviews(review_round)
    method = review_round.aggregation
    aggregates = scoring.aggregate(data.table, disagreement_threshold=review_round.disagreement_spread)
    scores = scoring.project_scores(data.table, method=method) if data.table.projects else {}
    decimals = review_round.score_decimals
    ranking = rank_shown({pid: v for pid, v in scores.items() if pid in data.competing}, data.keys,
                         decimals=decimals)
    rank = {e.project_id: e.rank for entries in ranking.values() for e in entries}
    probability = stability(data, method, _rules(review_round), seed=review_round.pk, b=b, decimals=decimals)
    rows = []
    for project in data.projects:
        agg = aggregates.get(project.pk)
        rows.append(RoundResult(
            review_round=review_round, project=project, raw_score=agg.mean if agg else None,
            score=scores.get(project.pk), rank=rank.get(project.pk), reviews=agg.n_reviews if agg else 0,
            spread=agg.spread if agg else None, disagreement=bool(agg and agg.disagreement),
            stability=probability.get(project.pk)))
    with transaction.atomic():
        locked = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        _refuse_compute(locked)  # again under the lock: closed or archived meanwhile
        RoundResult.objects.filter(review_round=review_round).delete()
        RoundResult.objects.bulk_create(rows)
        cuts = _apply_advancement(review_round)
        record(actor=actor, action="review.results.compute", target=review_round, after={
            "aggregation": method, "projects": len(rows), "reviews": len(data.reviews), "resamples": b,
            "seed": review_round.pk, "status": locked.status, "disagreements": sum(r.disagreement for r in rows),
            "pending_ties": [c.label_ids for c in cuts if c.pending]})
    return list(RoundResult.objects.filter(review_round=review_round).order_by("pk"))


def results_frozen(review_round: ReviewRound) -> bool:
    """Whether the closed round's result is final: it was computed after the round closed
    (reviews cannot change after closing, so that computation is the result at closing). A
    result computed while the round was open is not: reviews may have come in since."""
    if review_round.status != RoundStatus.CLOSED:
        return False
    mine = AuditEntry.objects.filter(object_type=ReviewRound._meta.label_lower, object_id=str(review_round.pk))
    closed_at = mine.filter(action="review.round.close").order_by("-seq").values_list("seq", flat=True).first()
    return mine.filter(action="review.results.compute", seq__gt=closed_at or 0).exists()


def _refuse_compute(review_round: ReviewRound) -> None:
    errors = Errors()
    if review_round.status == RoundStatus.DRAFT:
        errors.add("__all__", _("本轮评审尚未开始"), "R-V1")
    elif RoundArchive.objects.filter(review_round=review_round).exists():
        errors.add("__all__", _("本轮已归档，结果不能重新计算"), "R-V3")
    elif results_frozen(review_round):
        errors.add("__all__", _("本轮评审已结束，结果已固定，不能重新计算"), "R-V3")
    errors.raise_if_any()


# --- the cut and ties -------------------------------------------------------------------------


@dataclass
class GroupCut:
    """One direction × group of a round: its rows best first, its rule, the cut, and the tie
    block at the cut with its decision (or pending)."""

    direction: Direction
    group: Group | None
    results: list[RoundResult]
    rule: AdvancementRule | None = None
    seats: int | None = None
    advancing: tuple[int, ...] = ()
    tied: tuple[int, ...] = ()
    seats_for_tied: int = 0
    decision: TieDecision | None = None
    unranked: list[RoundResult] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        return bool(self.tied) and self.decision is None

    @property
    def label_ids(self) -> dict:
        return {"direction": self.direction.pk, "group": self.group.pk if self.group else None,
                "tied": list(self.tied)}

    @property
    def tied_results(self) -> list[RoundResult]:
        return [r for r in self.results if r.project_id in self.tied]


def _matching_decision(decisions: list[TieDecision], tied: Iterable[int], seats: int) -> TieDecision | None:
    """The latest decision taken on exactly this tie block with this many seats left (a
    recomputation that changes the block, or a rule that changes the seats, leaves older
    decisions behind: they chose a different number of projects)."""
    wanted = sorted(tied)
    for decision in decisions:
        if sorted(decision.tied) == wanted and len(decision.advancing.all()) == seats:
            return decision
    return None


def group_cuts(review_round: ReviewRound) -> list[GroupCut]:
    """The round's stored results per direction × group, with each group's cut and tie block,
    directions then groups in contest order. A constant number of queries."""
    results = list(RoundResult.objects.filter(review_round=review_round)
                   .select_related("project__team__direction", "project__team__organization__group",
                                   "project__team__organization")
                   .order_by("rank", "-score", "project_id"))
    rules = _rules(review_round)
    decisions: dict[GroupKey, list[TieDecision]] = {}
    for d in (TieDecision.objects.filter(review_round=review_round).prefetch_related("advancing")
              .select_related("decided_by").order_by("-decided_at", "-pk")):
        decisions.setdefault((d.direction_id, d.group_id), []).append(d)
    by_key: dict[GroupKey, GroupCut] = {}
    for r in results:
        team = r.project.team
        key = (team.direction_id, team.organization.group_id)
        cut = by_key.setdefault(key, GroupCut(team.direction, team.organization.group, []))
        (cut.results if r.score is not None and r.rank is not None else cut.unranked).append(r)
    for key, cut in by_key.items():
        cut.rule = rules.get(key)
        if cut.rule is None or cut.group is None:
            continue
        ranking = rank_shown({r.project_id: r.score for r in cut.results}, dict.fromkeys(
            (r.project_id for r in cut.results), key), decimals=review_round.score_decimals)
        entries = ranking.get(key, [])
        adv = scoring.advancement_cut(entries, count=cut.rule.count, proportion=cut.rule.proportion,
                                      rounding=ROUNDING)
        cut.seats, cut.advancing, cut.tied, cut.seats_for_tied = adv.seats, adv.advancing, adv.tied, adv.seats_for_tied
        if cut.tied:
            cut.decision = _matching_decision(decisions.get(key, []), cut.tied, cut.seats_for_tied)
    return sorted(by_key.values(), key=lambda c: (c.direction.number, c.group.order if c.group else 1 << 30,
                                                  c.group.pk if c.group else 0))


def _apply_advancement(review_round: ReviewRound) -> list[GroupCut]:
    """Mark `RoundResult.advanced` from the cuts: the projects above the cut, plus those a
    recorded decision chose from a tie block. A pending tie advances nobody from the block."""
    cuts = group_cuts(review_round)
    advanced: set[int] = set()
    for cut in cuts:
        advanced.update(cut.advancing)
        if cut.decision is not None:
            advanced.update(p.pk for p in cut.decision.advancing.all())
    RoundResult.objects.filter(review_round=review_round).exclude(project_id__in=advanced).update(advanced=False)
    RoundResult.objects.filter(review_round=review_round, project_id__in=advanced).update(advanced=True)
    return cuts


def needs_extra_review(review_round: ReviewRound) -> list[RoundResult]:
    """The projects whose experts disagree beyond the round's spread: an extra review is due."""
    return list(RoundResult.objects.filter(review_round=review_round, disagreement=True)
                .select_related("project__team").order_by("-spread", "project_id"))


def decisions_final(review_round: ReviewRound) -> list[tuple[str, str]]:
    """Why the round's advancement rules and tie decisions can no longer change, as (message,
    rule) pairs: archived (R-V3), or the next round was built on its result (R-V2). Empty while
    they may."""
    reasons = []
    if RoundArchive.objects.filter(review_round=review_round).exists():
        reasons.append((_("本轮已归档，晋级规则与决定不能再更改"), "R-V3"))
    if ReviewRound.objects.filter(previous=review_round).exists():
        reasons.append((_("下一轮已按本轮结果创建，晋级规则与决定不能再更改"), "R-V2"))
    return reasons


def _decisions_final(review_round: ReviewRound, errors: Errors) -> None:
    for message, rule in decisions_final(review_round):
        errors.add("__all__", message, rule)


def set_advancement_rule(*, review_round: ReviewRound, direction: Direction, group: Group, actor,
                         count: int | None = None, proportion: float | None = None) -> AdvancementRule | None:
    """How many projects of a direction × group advance (R-V2, R-G1): a count or a proportion
    (0–1), exactly one; neither removes the rule. Re-marks who advances and refreshes the
    stability against the new cut (the scores themselves stay as computed). Refused once the
    round is archived or the next round was created from it. Audited before/after."""
    errors = Errors()
    if direction.contest_id != review_round.contest_id or group.contest_id != review_round.contest_id:
        errors.add("__all__", _("方向或组别不属于本届大赛"), "R-G1")
    if review_round.station_id is not None and direction.station_id != review_round.station_id:
        errors.add("direction", _("该赛题方向不属于本赛站"), "R-V1")
    if count is not None and proportion is not None:
        errors.add("count", _("晋级数与晋级比例只能填写一项"), "R-V2")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
        errors.add("count", _("晋级数须为非负整数"), "R-V2")
    if proportion is not None and not (isinstance(proportion, int | float) and 0 < proportion <= 1):
        errors.add("proportion", _("晋级比例须大于 0 且不超过 1"), "R-V2")
    errors.raise_if_any()
    with transaction.atomic():
        ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        _decisions_final(review_round, errors)  # under the lock: archived meanwhile
        errors.raise_if_any()
        rule = AdvancementRule.objects.filter(review_round=review_round, direction=direction, group=group).first()
        before = {"count": rule.count, "proportion": rule.proportion} if rule else None
        if count is None and proportion is None:
            if rule is not None:
                rule.delete()
            rule = None
        else:
            rule, _created = AdvancementRule.objects.update_or_create(
                review_round=review_round, direction=direction, group=group,
                defaults={"count": count, "proportion": proportion})
        record(actor=actor, action="review.advancement_rule.set", target=review_round, before=before,
               after={"direction": direction.pk, "group": group.pk, "count": count, "proportion": proportion})
        _refresh_stability(review_round)
        _apply_advancement(review_round)
    return rule


def _refresh_stability(review_round: ReviewRound) -> None:
    """Recompute the stored stability against the current rules (from the same reviews and
    the same seed: the scores do not change)."""
    if not review_round.results.exists():
        return
    data = counting_reviews(review_round)
    probability = stability(data, review_round.aggregation, _rules(review_round), seed=review_round.pk,
                            decimals=review_round.score_decimals)
    rows = list(RoundResult.objects.filter(review_round=review_round))
    for row in rows:
        row.stability = probability.get(row.project_id)
    RoundResult.objects.bulk_update(rows, ["stability"])


def decide_tie(*, review_round: ReviewRound, direction: Direction, group: Group, advancing: Iterable[Project],
               reason: str, actor) -> TieDecision:
    """Settle the tie block at a group's cut (R-V2): staff choose which tied projects take the
    seats left (exactly that many), with a reason. Write-once: a tie already decided is
    refused. Re-marks who advances. Audited."""
    reason = (reason or "").strip()
    chosen = sorted({p.pk for p in advancing})
    with transaction.atomic():
        # The checks run under the round's lock: two staff deciding the same tie at once must
        # not both succeed (write-once), nor decide on a cut another rule change just moved.
        ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        errors = Errors()
        cut = next((c for c in group_cuts(review_round)
                    if c.direction.pk == direction.pk and c.group is not None and c.group.pk == group.pk), None)
        if cut is None or not cut.tied:
            errors.add("__all__", _("该组别在晋级线处没有并列"), "R-V2")
        elif cut.decision is not None:
            errors.add("__all__", _("该并列已有决定，不能更改"), "R-V2")
        else:
            if not set(chosen) <= set(cut.tied):
                errors.add("advancing", _("只能从并列的项目中选择"), "R-V2")
            if len(chosen) != cut.seats_for_tied:
                errors.add("advancing", _("须恰好选择 %(n)s 个项目晋级") % {"n": cut.seats_for_tied}, "R-V2")
        if not reason:
            errors.add("reason", _("请写明理由"), "R-V2")
        elif len(reason) > REASON_LIMIT:
            errors.add("reason", _("理由不能超过 %(limit)s 字") % {"limit": REASON_LIMIT}, "R-V2")
        _decisions_final(review_round, errors)
        errors.raise_if_any()
        decision = TieDecision.objects.create(review_round=review_round, direction=direction, group=group,
                                              tied=sorted(cut.tied), reason=reason, decided_by=actor)
        decision.advancing.set(chosen)
        record(actor=actor, action="review.tie.decide", target=review_round, after={
            "direction": direction.pk, "group": group.pk, "tied": sorted(cut.tied), "advancing": chosen,
            "seats": cut.seats_for_tied, "reason": reason})
        _apply_advancement(review_round)
    return decision


def pending_ties(review_round: ReviewRound) -> list[GroupCut]:
    return [c for c in group_cuts(review_round) if c.pending]


def conflicted_rounds(user, rounds: Iterable[ReviewRound]) -> set[int]:
    """The ids of these rounds whose ranking the user may not see because, as an expert of the
    pool, they are conflicted with one of the round's projects (R-P8): a conflicted expert is
    shown nothing about the project, and a ranking shows it next to its rivals. A constant
    number of queries."""
    ids = [r.pk for r in rounds]
    if not ids or not getattr(user, "is_authenticated", False):
        return set()
    expert_ids = list(Expert.objects.filter(user=user).values_list("pk", flat=True))
    if not expert_ids:
        return set()
    pairs = set(RoundProject.objects.filter(review_round_id__in=ids).values_list("review_round_id", "project_id"))
    pairs |= set(Assignment.objects.filter(review_round_id__in=ids).values_list("review_round_id", "project_id"))
    conflicted = {pid for _eid, pid in conflicts_for(expert_ids=expert_ids, project_ids={p for _r, p in pairs})}
    return {rid for rid, pid in pairs if pid in conflicted}


# --- calibration per expert (pages and archive) ------------------------------------------------------


@dataclass
class ExpertFigures:
    """One expert's totals in a round, and what calibration says about their leniency."""

    expert_id: int
    name: str
    totals: list[float]
    mean: float
    std: float
    bias: float | None  # least-squares bias (points above the average expert); None if not estimable

    @property
    def n(self) -> int:
        return len(self.totals)


def expert_figures(review_round: ReviewRound, data: CountingReviews | None = None) -> list[ExpertFigures]:
    """Per expert of the round's counting reviews: their totals, mean, std and least-squares bias."""
    data = data or counting_reviews(review_round)
    if not data.table.projects:
        return []
    try:
        bias = scoring.calibrate_least_squares(data.table).bias
    except (ValueError, ArithmeticError):  # a degenerate round: no bias to show, the totals still are
        bias = {}
    names: dict[int, str] = {}
    totals: dict[int, list[float]] = {}
    for r in data.reviews:
        names[r.assignment.expert_id] = r.assignment.expert.name
        totals.setdefault(r.assignment.expert_id, []).append(float(r.total))
    out = []
    for eid, values in totals.items():
        mean = sum(values) / len(values)
        std = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0
        out.append(ExpertFigures(eid, names[eid], sorted(values), mean, std, bias.get(eid)))
    return sorted(out, key=lambda f: (f.name, f.expert_id))


def review_graph_parts(data: CountingReviews) -> int:
    """In how many parts the round's counting reviews split the experts and projects (no
    expert reviewed projects of two parts). Above 1, least squares estimates the experts'
    leniency within each part only, and scores of different parts are comparable only if the
    parts' experts are, on average, equally lenient."""
    if not data.table.projects:
        return 0
    return len(scoring.calibrate_least_squares(data.table).components)


def round_projects_without_reviews(review_round: ReviewRound) -> list[int]:
    """Projects of the round with no counting review (no score, no rank)."""
    scored = set(RoundResult.objects.filter(review_round=review_round, reviews__gt=0).values_list("project_id", flat=True))
    return [p for p in RoundProject.objects.filter(review_round=review_round).values_list("project_id", flat=True)
            if p not in scored]
