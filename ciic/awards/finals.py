"""Finals sessions (R-V4, R-G1): who is judged where, in which order, by whom, and the live
board of ballots and scores.

- **A session** (`create_session`) is one direction × group of the finals' review round: its
  finalists (on a confirmed list as it stands, not failed in due diligence, R-V2 and R-P9),
  its panel of experts and its chair. Every panel expert is assigned every finalist of the
  session except where they conflict (R-P8, R-V5): a conflicted expert never scores, never
  sees. Experts join the round's panel as they join a session.
- **The draw** (`draw`): the running order by lot, `engines.finals.draw_order` with a seed the
  secretariat types (a public lottery number, the notary's) or the platform picks; the seed,
  the input and the order are audited, and the session page shows how to re-derive it.
- **On stage** (`put_on_stage`): the chair calls the next team; the big screen and the
  experts' phones follow. **Release** (`release_scores`): the big screen shows each team's
  score as soon as all its ballots are in.
- **The board** (`board`): per team, the ballots in and expected, and the score (the round's
  aggregation, the trimmed mean at the finals, rounded to the round's decimals) once all are in.

Ballots are the review app's reviews, sealed once submitted (`review.reviews.services`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ciic.audit.services import record
from ciic.contests.models import Direction, Group
from ciic.core.text import hidden_characters_error
from ciic.core.validation import Errors
from ciic.engines import scoring
from ciic.engines.finals import draw_order
from ciic.review.enums import RoundStatus
from ciic.review.finalists.services import is_finalist
from ciic.review.models import Assignment, Expert, ReviewRound, RoundExpert
from ciic.review.models import Review as Ballot
from ciic.review.rounds.services import is_contest_wide, pair_conflicts

from .models import FinalsSession, SessionEntry

SEED_LIMIT = 200


def finals_settings(contest) -> dict:
    """The spec's `finals` block (pitch and defense minutes, tie-break order)."""
    return (contest.spec or {}).get("finals") or {}


def stage_minutes(contest) -> int:
    spec = finals_settings(contest)
    return int(spec.get("pitch_minutes", 0)) + int(spec.get("defense_minutes", 0))


def session_candidates(review_round: ReviewRound, direction: Direction, group: Group) -> list:
    """The finalists of the round in this direction × group (R-G1, R-V2, R-P9)."""
    projects = [e.project for e in review_round.entries.select_related("project__team__organization")
                .filter(project__team__direction=direction, project__team__organization__group=group)
                .order_by("project_id")]
    return [p for p in projects if is_finalist(p)]


def _check_round(review_round: ReviewRound, errors: Errors) -> None:
    if not is_contest_wide(review_round.round.stage) or review_round.round.kind != "roadshow_defense":
        errors.add("review_round", _("只有总决赛的路演答辩轮次可以设置场次"), "R-V4")
    if review_round.status == RoundStatus.CLOSED:
        errors.add("review_round", _("本轮评审已结束"), "R-V4")


def create_session(*, review_round: ReviewRound, direction: Direction | None, group: Group | None, actor,
                   experts: Iterable[Expert], chair=None, venue: str = "",
                   starts_at: dt.datetime | None = None) -> FinalsSession:
    """A session of one direction × group with its finalists, panel and chair. Refused: not
    the finals' roadshow round, a direction or group of another contest, no finalist, no
    expert, an expert of another contest or inactive, a session that exists. Assigns every
    expert every finalist they do not conflict with (the conflicts are listed in the audit
    entry). Audited ("finals.session.create")."""
    errors = Errors()
    contest = review_round.contest
    _check_round(review_round, errors)
    experts = list({e.pk: e for e in experts}.values())
    if direction is None or direction.contest_id != contest.pk:
        errors.add("direction", _("请选择赛题方向"), "R-G1")
    if group is None or group.contest_id != contest.pk:
        errors.add("group", _("请选择组别"), "R-G1")
    if not experts:
        errors.add("experts", _("请选择评委"), "R-V4")
    for expert in experts:
        if expert.contest_id != contest.pk or not expert.active:
            errors.add("experts", _("%(name)s不能担任评委（未启用或不属于本届大赛）") % {"name": expert.name}, "R-V5")
    venue = (venue or "").strip()
    if len(venue) > 200:
        errors.add("venue", _("地点不能超过 200 个字符"), "R-V4")
    elif hidden := hidden_characters_error(venue, label=_("地点")):
        errors.add("venue", hidden, "R-V4")
    projects = []
    if not errors.by_field.get("direction") and not errors.by_field.get("group"):
        projects = session_candidates(review_round, direction, group)
        if not projects:
            errors.add("__all__", _("该赛题方向和组别没有晋级总决赛的项目"), "R-V4")
        if FinalsSession.objects.filter(review_round=review_round, direction=direction, group=group).exists():
            errors.add("__all__", _("该赛题方向和组别的场次已创建"), "R-V4")
    errors.raise_if_any()
    with transaction.atomic():
        ReviewRound.objects.select_for_update(of=("self",)).filter(pk=review_round.pk).order_by("pk").first()
        try:
            with transaction.atomic():
                session = FinalsSession.objects.create(
                    contest=contest, review_round=review_round, direction=direction, group=group, venue=venue,
                    starts_at=starts_at, chair=chair, created_by=actor)
        except IntegrityError as exc:
            raise ValidationError({"__all__": ValidationError(_("该赛题方向和组别的场次已创建"), code="R-V4")}) from exc
        session.experts.set(experts)
        SessionEntry.objects.bulk_create(SessionEntry(session=session, project=p) for p in projects)
        on_panel = set(RoundExpert.objects.filter(review_round=review_round).values_list("expert_id", flat=True))
        RoundExpert.objects.bulk_create(RoundExpert(review_round=review_round, expert=e)
                                        for e in experts if e.pk not in on_panel)
        existing = set(Assignment.objects.filter(review_round=review_round, project__in=projects)
                       .values_list("expert_id", "project_id"))
        conflicts, made = [], []
        for expert in experts:
            for project in projects:
                if pair_conflicts(expert, project):
                    conflicts.append([expert.pk, project.pk])
                elif (expert.pk, project.pk) not in existing:
                    made.append(Assignment(review_round=review_round, expert=expert, project=project,
                                           source="manual"))
        Assignment.objects.bulk_create(made)
        record(actor=actor, action="finals.session.create", target=session, after={
            "round": review_round.pk, "direction": direction.code, "group": group.code,
            "projects": [p.pk for p in projects], "experts": [e.pk for e in experts],
            "chair": chair.pk if chair else None, "conflicts": conflicts})
    return session


def draw(*, session: FinalsSession, actor, seed: str = "", now: dt.datetime | None = None) -> FinalsSession:
    """Draw the running order by lot (R-V4). The seed typed, or 32 random hex digits; once per
    session. Audited with the seed, the projects and the order (enough to re-derive it)."""
    now = now or timezone.now()
    seed = (seed or "").strip() or secrets.token_hex(16)
    errors = Errors()
    if len(seed) > SEED_LIMIT:
        errors.add("seed", _("抽签种子不能超过 %(n)s 个字符") % {"n": SEED_LIMIT}, "R-V4")
    elif hidden := hidden_characters_error(seed, label=_("抽签种子")):
        errors.add("seed", hidden, "R-V4")
    errors.raise_if_any()
    with transaction.atomic():
        locked = FinalsSession.objects.select_for_update(of=("self",)).get(pk=session.pk)
        if locked.drawn_at is not None:
            raise ValidationError({"__all__": ValidationError(_("本场次已抽签，出场顺序不能重抽"), code="R-V4")})
        entries = {e.project_id: e for e in locked.entries.all()}
        order = draw_order(sorted(entries), seed)
        for position, project_id in enumerate(order, start=1):
            entries[project_id].position = position
        SessionEntry.objects.bulk_update(entries.values(), ["position"])
        locked.draw_seed, locked.drawn_at, locked.drawn_by = seed, now, actor
        locked.save(update_fields=["draw_seed", "drawn_at", "drawn_by"])
        record(actor=actor, action="finals.session.draw", target=locked, after={
            "seed": seed, "projects": sorted(entries), "order": order, "algorithm": "sha256-fisher-yates"})
    return locked


def put_on_stage(*, session: FinalsSession, entry: SessionEntry, actor,
                 now: dt.datetime | None = None) -> FinalsSession:
    """The chair calls a team on stage (after the draw); the timer starts now. Audited."""
    now = now or timezone.now()
    errors = Errors()
    if entry.session_id != session.pk:
        errors.add("entry", _("该项目不在本场次"), "R-V4")
    if session.drawn_at is None:
        errors.add("__all__", _("请先抽签确定出场顺序"), "R-V4")
    if session.review_round.status != RoundStatus.OPEN:
        errors.add("__all__", _("总决赛评审轮次尚未开放或已结束"), "R-V4")
    errors.raise_if_any()
    with transaction.atomic():
        locked = FinalsSession.objects.select_for_update(of=("self",)).get(pk=session.pk)
        SessionEntry.objects.filter(pk=entry.pk).update(on_stage_at=now)
        locked.current_id = entry.pk
        locked.save(update_fields=["current"])
        record(actor=actor, action="finals.session.on_stage", target=locked,
               after={"project": entry.project_id, "position": entry.position, "at": now})
    return locked


def timer_text(entry: SessionEntry | None, minutes: int, now: dt.datetime | None = None) -> str:
    """The stage timer as the page first shows it ("4:59", "+0:12" once over), so a page
    refreshed by htmx never shows an empty timer before the script's next tick."""
    if entry is None or entry.on_stage_at is None:
        return ""
    left = round(minutes * 60 - ((now or timezone.now()) - entry.on_stage_at).total_seconds())
    sign, left = ("+", -left) if left < 0 else ("", left)
    return f"{sign}{left // 60}:{left % 60:02d}"


def release_scores(*, session: FinalsSession, actor, release: bool, now: dt.datetime | None = None) -> FinalsSession:
    """Show (or hide again) the scores on the big screen. Audited."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = FinalsSession.objects.select_for_update(of=("self",)).get(pk=session.pk)
        before = locked.scores_released_at
        locked.scores_released_at = now if release else None
        locked.save(update_fields=["scores_released_at"])
        record(actor=actor, action="finals.session.release", target=locked,
               before={"released": before is not None}, after={"released": release})
    return locked


# --- the board -----------------------------------------------------------------------------


@dataclass
class BallotRow:
    expert: Expert
    ballot: Ballot | None

    @property
    def submitted(self) -> bool:
        return self.ballot is not None and self.ballot.submitted_at is not None


@dataclass
class BoardRow:
    entry: SessionEntry
    ballots: list[BallotRow] = field(default_factory=list)
    score: float | None = None

    @property
    def expected(self) -> int:
        return len(self.ballots)

    @property
    def received(self) -> int:
        return sum(1 for b in self.ballots if b.submitted)

    @property
    def complete(self) -> bool:
        return self.expected > 0 and self.received == self.expected


def round_score(value: float, decimals: int) -> float:
    """As the score is read: 84.995 is 85.00 (its shortest decimal form, rounded half up)."""
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def project_score(review_round: ReviewRound, totals: Sequence[tuple[int, float]], project_id: int) -> float | None:
    """The round's aggregation of one project's submitted totals, rounded to its decimals.
    Calibrating methods need the whole round: a session shows the trimmed or raw mean."""
    if not totals:
        return None
    table = scoring.ReviewTotals.from_arrays([project_id] * len(totals), [e for e, _t in totals],
                                             [t for _e, t in totals])
    method = review_round.aggregation if review_round.aggregation in ("raw", "trimmed_mean") else "raw"
    return round_score(scoring.project_scores(table, method=method)[project_id], review_round.score_decimals)


def board(session: FinalsSession) -> list[BoardRow]:
    """Per team in running order (undrawn: by project), its expected ballots (the session's
    experts assigned to it: conflicted ones never are) and the score once all are in."""
    entries = list(session.entries.select_related("project__team__organization").order_by("position", "project_id"))
    experts = {e.pk: e for e in session.experts.all()}
    assignments = (Assignment.objects.filter(review_round=session.review_round, expert_id__in=experts,
                                             project_id__in=[e.project_id for e in entries])
                   .select_related("review"))
    by_project: dict[int, list[BallotRow]] = {}
    for a in assignments.order_by("expert_id"):
        by_project.setdefault(a.project_id, []).append(BallotRow(experts[a.expert_id], getattr(a, "review", None)))
    rows = []
    for entry in entries:
        row = BoardRow(entry, by_project.get(entry.project_id, []))
        if row.complete:
            totals = [(b.expert.pk, b.ballot.total) for b in row.ballots]
            row.score = project_score(session.review_round, totals, entry.project_id)
        rows.append(row)
    return rows
