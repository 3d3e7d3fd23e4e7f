"""The finals demo (issue 12): after `make run` the finals are under way — sessions drawn, a
team on stage with the demo expert's ballot still to give, scores released on the big screen,
and the finalists and running orders public."""

from __future__ import annotations

import pytest

from ciic.awards.enums import PublicationKind
from ciic.awards.models import FinalsSession
from ciic.awards.publication import is_released
from ciic.demo.entrants import ensure_demo_accounts, seed_entrants
from ciic.demo.finals import seed_finals
from ciic.demo.projects import seed_projects
from ciic.demo.review import seed_review
from ciic.review.models import Assignment
from ciic.review.reviews.services import ballot_is_open

pytestmark = pytest.mark.django_db


def test_the_demo_reaches_the_finals(contest):
    ensure_demo_accounts(contest)
    seed_entrants(contest, teams=16)
    seed_projects(contest, projects=4)
    seed_review(contest, experts=6)
    summary = seed_finals(contest)
    assert summary["sessions"] > 0
    sessions = FinalsSession.objects.filter(contest=contest)
    assert all(s.is_drawn for s in sessions)
    on_stage = sessions.exclude(current=None).get()
    assert on_stage.scores_released_at is not None
    mine = Assignment.objects.get(review_round=on_stage.review_round, project=on_stage.current.project,
                                  expert__email="expert@demo.ciic.cn")
    assert ballot_is_open(getattr(mine, "review", None))  # the demo expert's turn
    others = Assignment.objects.filter(review_round=on_stage.review_round).exclude(pk=mine.pk)
    assert others.exists() and all(a.review.submitted_at for a in others)
    assert is_released(contest, PublicationKind.FINALISTS) and is_released(contest, PublicationKind.RUNNING_ORDER)
    from ciic.certificates.models import Certificate

    assert Certificate.objects.filter(award__award_list__scope="local").exists()
    from ciic.votes.enums import VoteStatus
    from ciic.votes.models import Vote

    assert Vote.objects.filter(status=VoteStatus.HELD).exists()  # planted brushing, held for the audit
    assert Vote.objects.exclude(status=VoteStatus.HELD).exists()
    assert seed_finals(contest) == {"sessions": sessions.count()}  # once is enough
