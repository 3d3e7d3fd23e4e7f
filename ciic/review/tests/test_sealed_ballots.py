"""R-V4: ballots of the finals' roadshow and defense are sealed once submitted; only the
session chair reopens one, with a reason, once, audited (issue 12)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ciic.audit.models import AuditEntry
from ciic.contests.models import Round
from ciic.review.enums import RoundStatus
from ciic.review.models import (
    Assignment,
    BallotReopening,
    ReviewRevision,
    ReviewRound,
    RoundProject,
)
from ciic.review.reviews.services import ballot_is_open, reopen_ballot, save_review

from .test_reviews import FULL, judge  # noqa: F401 - the fixture


@pytest.fixture
def finals_ballot(contest, judge, entry):  # noqa: F811
    spec_round = Round.objects.get(stage__contest=contest, stage__code="finals", code="roadshow_defense")
    review_round = ReviewRound.objects.create(
        contest=contest, round=spec_round, station=None, status=RoundStatus.OPEN,
        form=spec_round.review_form["criteria"], recommendations=spec_round.review_form["recommendations"],
        closes_at=timezone.now() + dt.timedelta(days=1))
    project = entry(1, "总决赛项目申报内容。", name="总决赛项目")
    RoundProject.objects.create(review_round=review_round, project=project,
                                submission=project.submissions.order_by("-number").first())
    return Assignment.objects.create(review_round=review_round, expert=judge, project=project)


def test_a_submitted_finals_ballot_is_sealed(finals_ballot, expert):
    review = save_review(assignment=finals_ballot, actor=expert, scores=FULL, recommendation="advance", submit=True)
    assert not ballot_is_open(review)
    with pytest.raises(ValidationError) as exc:
        save_review(assignment=finals_ballot, actor=expert, scores=FULL | {"team": 10}, recommendation="advance",
                    submit=True)
    assert {e.code for e in exc.value.error_dict["__all__"]} == {"R-V4"}
    review.refresh_from_db()
    assert review.scores == FULL and review.revisions.count() == 1


def test_the_chair_reopens_a_ballot_once_with_a_reason(finals_ballot, expert, secretariat):
    review = save_review(assignment=finals_ballot, actor=expert, scores=FULL, recommendation="advance", submit=True)
    with pytest.raises(ValidationError) as exc:
        reopen_ballot(review=review, actor=secretariat, reason=" ")
    assert set(exc.value.error_dict) == {"reason"}
    reopen_ballot(review=review, actor=secretariat, reason="专家误触提交，当场申请更正")
    with pytest.raises(ValidationError):  # already open
        reopen_ballot(review=review, actor=secretariat, reason="再次")
    assert ballot_is_open(review)
    save_review(assignment=finals_ballot, actor=expert, scores=FULL | {"team": 10}, recommendation="advance",
                submit=True)
    review.refresh_from_db()
    assert review.scores["team"] == 10 and ReviewRevision.objects.filter(review=review).count() == 2
    assert BallotReopening.objects.get(review=review).used_at is not None
    assert not ballot_is_open(review)  # sealed again
    with pytest.raises(ValidationError):
        save_review(assignment=finals_ballot, actor=expert, scores=FULL, recommendation="advance", submit=True)
    entry = AuditEntry.objects.get(action="review.ballot.reopen")
    assert entry.actor_id == secretariat.pk and "误触" in str(entry.after)


def test_a_draft_or_a_local_ballot_needs_no_reopening(finals_ballot, expert, secretariat):
    review = save_review(assignment=finals_ballot, actor=expert, scores={"team": 5}, submit=False)
    with pytest.raises(ValidationError):
        reopen_ballot(review=review, actor=secretariat, reason="草稿")
