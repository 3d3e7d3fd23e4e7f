"""Scoring by experts and roadshow slots (R-V1, R-P8).

An expert scores each assigned project on the round's form (criteria, weights and ranges are
the round's data, copied from the contest spec). A draft may be partial; a submission needs
every criterion and a recommendation. Every submission is kept as a write-once revision, and
the expert may revise and re-submit until the round closes. A conflicted expert scores
nothing (R-P8), whether the conflict was detected or declared after the assignment (experts
declare theirs through `conflicts.declare_conflict`).

Roadshow rounds (online and offline, R-V1) give each team a time slot with a link or a venue;
within a round, slots at the same venue (or online) never overlap. Every write is audited.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ciic.audit.services import record
from ciic.core.validation import Errors
from ciic.engines import scoring

from ..conflicts import is_conflicted
from ..enums import RoundStatus
from ..models import (
    Assignment,
    BallotReopening,
    Expert,
    ReviewRevision,
    ReviewRound,
    RoadshowSlot,
    RoundProject,
)
from ..models import Review as ReviewModel

COMMENT_LIMIT = 5000
# R-V4: ballots given live in the finals' roadshow are sealed once submitted; only the
# session chair reopens one, with a reason (`reopen_ballot`).
SEALED_KINDS = frozenset({"roadshow_defense"})
REASON_LIMIT = 2000


def is_sealed(review_round: ReviewRound) -> bool:
    return review_round.round.kind in SEALED_KINDS


# --- the form ------------------------------------------------------------------------------


def round_form(review_round: ReviewRound) -> scoring.Form:
    """The round's review form (its `form` JSON) as the scoring engine's `Form`."""
    return scoring.Form(tuple(
        scoring.Criterion(key=c["code"], weight=float(c["weight"]), min_score=float(c["min"]),
                          max_score=float(c["max"]))
        for c in review_round.form))


def _criterion_names(review_round: ReviewRound) -> dict[str, str]:
    from django.utils.translation import get_language

    english = (get_language() or "").startswith("en")
    return {c["code"]: (c.get("name_en") if english and c.get("name_en") else c.get("name", c["code"]))
            for c in review_round.form}


def _number(text: str) -> float | str:
    """A number typed in a form field, or the text as given (then refused as not a number)."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return text
    return float(value) if value.is_finite() else text


def normalize_scores(scores: Mapping[str, object] | None) -> dict[str, object]:
    """Scores as posted (numbers, or strings from a web form): empty values dropped, numeric
    strings read as numbers, integral floats kept as ints so the stored JSON reads naturally."""
    out: dict[str, object] = {}
    for key, value in (scores or {}).items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, str):
            value = _number(value)
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        out[str(key)] = value
    return out


def _check_scores(review_round: ReviewRound, scores: dict[str, object], *, complete: bool,
                  errors: Errors) -> None:
    """Each criterion present (when `complete`), numeric and within its range; no unknown
    criterion. Errors name `scores.<code>` and carry R-V1 (the committee's standards)."""
    names = _criterion_names(review_round)
    for problem in scoring.validate_scores(scores, round_form(review_round)):
        field = f"scores.{problem.criterion}"
        name = names.get(problem.criterion, problem.criterion)
        if problem.problem == "missing":
            if complete:
                errors.add(field, _("请为“%(name)s”评分") % {"name": name}, "R-V1")
        elif problem.problem == "not_a_number":
            errors.add(field, _("“%(name)s”的评分须为数字") % {"name": name}, "R-V1")
        elif problem.problem == "out_of_range":
            errors.add(field, _("“%(name)s”的评分须在 %(min)s 到 %(max)s 之间") % {
                "name": name, "min": f"{problem.min_score:g}", "max": f"{problem.max_score:g}"}, "R-V1")
        else:
            errors.add(field, _("评分表中没有“%(code)s”这一项") % {"code": problem.criterion}, "R-V1")


# --- the round's window and conflicts ------------------------------------------------------


def round_accepts_scores(review_round: ReviewRound, now: dt.datetime | None = None) -> bool:
    """Open for scoring: the round is open, and `now` is within its opening and closing times."""
    now = now or timezone.now()
    return (review_round.status == RoundStatus.OPEN
            and (review_round.opens_at is None or review_round.opens_at <= now)
            and (review_round.closes_at is None or now <= review_round.closes_at))


# --- scoring -------------------------------------------------------------------------------


def _review_values(review: ReviewModel | None) -> dict | None:
    if review is None:
        return None
    return {"scores": review.scores, "total": review.total, "comment": review.comment,
            "recommendation": review.recommendation, "submitted_at": review.submitted_at}


def preview_total(*, review_round: ReviewRound, scores: Mapping[str, object] | None) -> tuple[float | None, int]:
    """The weighted total these scores would get (`scoring.weighted_total`, the one `save_review`
    stores), for the score form to show as the expert types, and how many criteria still lack
    a valid score (then the total is None). Writes nothing."""
    scores = normalize_scores(scores)
    errors = Errors()
    _check_scores(review_round, scores, complete=True, errors=errors)
    if errors:
        return None, len(errors.by_field)
    return scoring.weighted_total(scores, round_form(review_round)), 0


def save_review(*, assignment: Assignment, actor, scores: Mapping[str, object] | None, comment: str = "",
                recommendation: str = "", submit: bool, now: dt.datetime | None = None) -> ReviewModel:
    """Save the expert's review of one assigned project, as a draft or submitted (R-V1).

    - Only the assigned expert, still active in the pool and still assigned, never while
      conflicted with the project (R-P8: refused as PermissionDenied, though views never let a
      conflicted, deactivated or unassigned expert get this far).
    - Only while the round accepts scores (open, before `closes_at`), checked again on the
      locked round row, so a save cannot slip in after the round's close.
    - Each score numeric and within its criterion's range; a draft may leave criteria out, a
      submission needs all of them and one of the round's recommendations.
    - A submitted review stays submitted: later changes are re-submissions, each one a new
      `ReviewRevision` (the write-once history); a draft save after submitting is refused.
    - The weighted total (scoring.weighted_total) is stored once every criterion is scored.
    Side effects: the audit entry `review.save_draft` or `review.submit`. Nothing is written
    when anything is refused.
    """
    now = now or timezone.now()
    expert = assignment.expert
    if actor is None or not actor.is_authenticated or expert.user_id != actor.pk:
        raise PermissionDenied(_("只有分配到该项目的专家本人可以评分"))
    if not expert.active:
        raise PermissionDenied(_("该专家已停止参与评审"))
    if is_conflicted(expert, assignment.project):
        raise PermissionDenied(_("存在利益冲突的专家不能评审该项目"))
    review_round = assignment.review_round
    scores = normalize_scores(scores)
    comment = (comment or "").strip()
    recommendation = (recommendation or "").strip()
    errors = Errors()
    if not round_accepts_scores(review_round, now):
        errors.add("__all__", _("本轮评审未开放或已结束，不能再评分"), "R-V1")
    _check_scores(review_round, scores, complete=submit, errors=errors)
    options = [r["code"] for r in review_round.recommendations]
    if recommendation and recommendation not in options:
        errors.add("recommendation", _("请选择列出的推荐意见"), "R-V1")
    elif submit and options and not recommendation:
        errors.add("recommendation", _("请选择推荐意见"), "R-V1")
    if len(comment) > COMMENT_LIMIT:
        errors.add("comment", _("评语不能超过 %(limit)s 字") % {"limit": COMMENT_LIMIT}, "R-V1")
    errors.raise_if_any()

    form = round_form(review_round)
    total = scoring.weighted_total(scores, form) if not scoring.validate_scores(scores, form) else None
    with transaction.atomic():
        # The round's row first (the order `close_round` and the assignment edits lock in), then
        # the assignment's: a save and the round's close are serialized, and the checks above,
        # made on rows read before the transaction, are made again on the locked ones. A round
        # closed, an assignment removed or an expert deactivated meanwhile refuses the save.
        locked_round = ReviewRound.objects.select_for_update().order_by().filter(pk=review_round.pk).first()
        still_assigned = list(Assignment.objects.select_for_update().filter(pk=assignment.pk).order_by()
                              .values_list("pk"))
        if not still_assigned:
            raise PermissionDenied(_("该评审分配已取消"))
        if not Expert.objects.filter(pk=expert.pk, active=True).exists():
            raise PermissionDenied(_("该专家已停止参与评审"))
        if locked_round is None or not round_accepts_scores(locked_round, now):
            closed = Errors()
            closed.add("__all__", _("本轮评审未开放或已结束，不能再评分"), "R-V1")
            closed.raise_if_any()
        review = ReviewModel.objects.filter(assignment=assignment).first()
        if review is not None and review.submitted_at is not None and not submit:
            again = Errors()
            again.add("__all__", _("评分已提交：修改后请重新提交（每次提交都会留档）"), "R-V1")
            again.raise_if_any()
        reopening = None
        if review is not None and review.submitted_at is not None and is_sealed(locked_round):
            reopening = BallotReopening.objects.select_for_update().filter(review=review, used_at__isnull=True).first()
            if reopening is None:
                sealed = Errors()
                sealed.add("__all__", _("评分已提交并封存：如需修改，请会议主席重新开启（须说明理由）"), "R-V4")
                sealed.raise_if_any()
        before = _review_values(review)
        if review is None:
            review = ReviewModel(assignment=assignment)
        review.scores = scores
        review.total = total
        review.comment = comment
        review.recommendation = recommendation
        review.updated_at = now
        if submit:
            review.submitted_at = now
        review.save()
        if submit:
            ReviewRevision.objects.create(review=review, scores=scores, total=total, comment=comment,
                                          recommendation=recommendation, submitted_at=now)
        if reopening is not None:
            reopening.used_at = now
            reopening.save(update_fields=["used_at"])
        record(actor=actor, action="review.submit" if submit else "review.save_draft", target=review,
               before=before, after={**_review_values(review), "round": review_round.pk,
                                     "project": assignment.project_id, "expert": expert.pk})
    return review


def ballot_is_open(review: ReviewModel | None) -> bool:
    """Whether the expert may still change this ballot: not yet submitted, not sealed, or
    reopened by the chair."""
    if review is None or review.submitted_at is None:
        return True
    if not is_sealed(review.assignment.review_round):
        return True
    return review.reopenings.filter(used_at__isnull=True).exists()


def reopen_ballot(*, review: ReviewModel, actor, reason: str, now: dt.datetime | None = None) -> BallotReopening:
    """The session chair reopens a sealed, submitted ballot for one more submission (R-V4).
    Refused without a reason, for a draft, for a round whose ballots are not sealed, for a
    closed round, or when it is open already. The caller checks who may (awards.chair).
    Audited ("review.ballot.reopen")."""
    now = now or timezone.now()
    text = (reason or "").strip()
    errors = Errors()
    if not text:
        errors.add("reason", _("请填写重新开启的理由"), "R-V4")
    elif len(text) > REASON_LIMIT:
        errors.add("reason", _("理由不能超过 %(limit)s 字") % {"limit": REASON_LIMIT}, "R-V4")
    review_round = review.assignment.review_round
    if review.submitted_at is None:
        errors.add("__all__", _("该评分尚未提交，无需重新开启"), "R-V4")
    elif not is_sealed(review_round):
        errors.add("__all__", _("本轮评分提交后可自行修改，无需重新开启"), "R-V4")
    if review_round.status == RoundStatus.CLOSED:
        errors.add("__all__", _("本轮评审已结束"), "R-V4")
    errors.raise_if_any()
    with transaction.atomic():
        ReviewModel.objects.select_for_update().filter(pk=review.pk).first()
        if BallotReopening.objects.filter(review=review, used_at__isnull=True).exists():
            again = Errors()
            again.add("__all__", _("该评分已重新开启，等待专家重新提交"), "R-V4")
            again.raise_if_any()
        reopening = BallotReopening.objects.create(review=review, reason=text, reopened_by=actor, reopened_at=now)
        record(actor=actor, action="review.ballot.reopen", target=review, after={
            "reason": text, "project": review.assignment.project_id, "expert": review.assignment.expert_id})
    return reopening


# --- roadshow slots (R-V1) -----------------------------------------------------------------


def schedule_slot(*, review_round: ReviewRound, project, actor, starts_at: dt.datetime | None,
                  ends_at: dt.datetime | None, link: str = "", venue: str = "") -> RoadshowSlot:
    """Give a project of the round its roadshow time, with an https link (online) or a venue
    (offline). The end comes after the start; within the round, slots at the same venue (an
    empty venue meaning online) never overlap. Replaces the project's earlier slot. Audited."""
    link = (link or "").strip()
    venue = (venue or "").strip()
    errors = Errors()
    if not RoundProject.objects.filter(review_round=review_round, project=project).exists():
        errors.add("__all__", _("该项目不在本轮评审中"), "R-V1")
    if starts_at is None:
        errors.add("starts_at", _("请填写开始时间"), "R-V1")
    if ends_at is None:
        errors.add("ends_at", _("请填写结束时间"), "R-V1")
    elif starts_at is not None and ends_at <= starts_at:
        errors.add("ends_at", _("结束时间必须晚于开始时间"), "R-V1")
    if link:
        try:
            URLValidator(schemes=["https"])(link)
        except ValidationError:
            errors.add("link", _("请填写以 https:// 开头的有效链接"), "R-V1")
    if not link and not venue:
        errors.add("venue", _("请填写线上链接或线下地点"), "R-V1")
    if len(venue) > RoadshowSlot._meta.get_field("venue").max_length:
        errors.add("venue", _("地点过长"), "R-V1")
    errors.raise_if_any()
    with transaction.atomic():
        # Serialize scheduling within the round, so two overlapping slots cannot both pass.
        list(ReviewRound.objects.select_for_update().filter(pk=review_round.pk).order_by().values_list("pk"))
        clash = (RoadshowSlot.objects.filter(review_round=review_round, venue=venue, starts_at__lt=ends_at,
                                             ends_at__gt=starts_at)
                 .exclude(project=project).select_related("project").first())
        if clash is not None:
            again = Errors()
            again.add("starts_at", _("与“%(project)s”的路演时间重叠（同一地点）") % {"project": clash.project.name},
                      "R-V1")
            again.raise_if_any()
        existing = RoadshowSlot.objects.filter(review_round=review_round, project=project).first()
        before = None if existing is None else {"starts_at": existing.starts_at, "ends_at": existing.ends_at,
                                                "link": existing.link, "venue": existing.venue}
        slot, _created = RoadshowSlot.objects.update_or_create(
            review_round=review_round, project=project,
            defaults={"starts_at": starts_at, "ends_at": ends_at, "link": link, "venue": venue})
        record(actor=actor, action="review.roadshow.schedule", target=slot, before=before,
               after={"round": review_round.pk, "project": project.pk, "starts_at": starts_at,
                      "ends_at": ends_at, "link": link, "venue": venue})
    return slot


def clear_slot(*, review_round: ReviewRound, project, actor) -> None:
    """Remove a project's roadshow slot (audited)."""
    with transaction.atomic():
        slot = RoadshowSlot.objects.filter(review_round=review_round, project=project).first()
        if slot is None:
            return
        record(actor=actor, action="review.roadshow.clear", target=slot,
               before={"starts_at": slot.starts_at, "ends_at": slot.ends_at, "link": slot.link,
                       "venue": slot.venue})
        slot.delete()
