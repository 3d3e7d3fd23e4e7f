"""The review demo: a newcomer after `make run` sees a reviewed local stage with results,
advancement and a finalist proposal, and an open round for the demo expert."""

from __future__ import annotations

import pytest

from ciic.demo.entrants import ensure_demo_accounts, seed_entrants
from ciic.demo.projects import seed_projects
from ciic.demo.review import seed_review
from ciic.review.enums import RoundStatus
from ciic.review.models import Assignment, FinalistList, Review, ReviewRound, RoundResult

pytestmark = pytest.mark.django_db


def test_demo_has_a_reviewed_stage_a_proposal_and_an_open_round(contest):
    ensure_demo_accounts(contest)
    seed_entrants(contest, teams=12)
    seed_projects(contest, projects=4)
    summary = seed_review(contest, experts=8)
    closed = ReviewRound.objects.get(contest=contest, status=RoundStatus.CLOSED)
    reviews = Review.objects.filter(assignment__review_round=closed)
    assert reviews.count() == summary["reviewed"] > 0
    assert all(r.submitted_at and r.total is not None for r in reviews)
    assert RoundResult.objects.filter(review_round=closed, advanced=True).exists()
    assert FinalistList.objects.filter(station=closed.station).exists()
    opened = ReviewRound.objects.get(contest=contest, status=RoundStatus.OPEN)
    assert Assignment.objects.filter(review_round=opened, expert__email="expert@demo.ciic.cn").exists()
    # One demo expert works for one of the station's entrants (R-P8): detected, never assigned.
    from ciic.review.conflicts import conflicts_between
    from ciic.review.models import Expert

    insider = Expert.objects.get(email="expert1@demo.ciic.cn")
    conflicted = [p for p in contest.projects.all() if conflicts_between(insider, p)]
    assert conflicted
    assert not Assignment.objects.filter(expert=insider, project__in=conflicted).exists()
    # Once is enough: a second run adds nothing.
    assert seed_review(contest) == {"rounds": 2}


def _fingerprint(contest) -> dict:
    """What a newcomer sees of the seeded review, without database ids (they differ between runs)."""
    from ciic.review.models import Expert, FinalistEntry

    closed = ReviewRound.objects.get(contest=contest, status=RoundStatus.CLOSED)
    return {
        "experts": list(Expert.objects.filter(contest=contest).order_by("email").values_list(
            "email", "name", "employer", "kind", "keywords")),
        "reviews": sorted(Review.objects.filter(assignment__review_round__contest=contest).values_list(
            "assignment__project__name", "assignment__expert__email", "total", "recommendation")),
        "ranking": list(RoundResult.objects.filter(review_round=closed).order_by(
            "project__team__direction__number", "project__team__organization__group__order", "rank",
            "project__name").values_list("project__name", "rank", "advanced")),
        "finalists": sorted(FinalistEntry.objects.filter(finalist_list__station=closed.station).values_list(
            "finalist_list__group__code", "position", "project__name")),
    }


def test_demo_review_is_the_same_on_every_run_with_rankings_and_a_proposal(contest):
    """`make run` shows every newcomer the same pool, scores, ranking and finalist proposal
    (seeded random numbers, a fixed iteration order)."""
    from django.db import transaction

    ensure_demo_accounts(contest)
    seed_entrants(contest, teams=12)
    seed_projects(contest, projects=4)
    runs = []
    for _run in range(2):
        with transaction.atomic():
            seed_review(contest, experts=8)
            runs.append(_fingerprint(contest))
            transaction.set_rollback(True)
    first, second = runs
    assert first == second
    ranks = [rank for _name, rank, _advanced in first["ranking"]]
    assert ranks and all(rank is not None and rank >= 1 for rank in ranks)
    assert any(advanced for _n, _r, advanced in first["ranking"])
    assert first["finalists"] and first["reviews"]


def test_demo_review_projects_are_not_copies_of_the_demo_projects(contest, secretariat,
                                                                   django_capture_on_commit_callbacks):
    """The originality report of the demo shows the planted copies only (R-J2): the review
    demo's applications must not repeat the project demo's texts."""
    from ciic.projects.models import OriginalityPair, Project
    from ciic.projects.originality_runs import start_run

    ensure_demo_accounts(contest)
    seed_entrants(contest, teams=14)
    seed_projects(contest, projects=6)
    planted = set(Project.objects.values_list("pk", flat=True))
    seed_review(contest, experts=8)
    added = set(Project.objects.values_list("pk", flat=True)) - planted
    assert added
    with django_capture_on_commit_callbacks(execute=True):
        run = start_run(contest=contest, actor=secretariat)
    pairs = OriginalityPair.objects.filter(run=run).select_related("left", "right")
    assert pairs.exists()  # the planted ones
    for pair in pairs:
        sides = {pair.left.project_id} | ({pair.right.project_id} if pair.right_id else set())
        assert not sides & added, (pair.similarity, sides)
