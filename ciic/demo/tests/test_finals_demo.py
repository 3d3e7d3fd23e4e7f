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

# Transactional: the demo runs as `make run` does, in autocommit, where a texted code is sent
# (on commit) before the next step reads it.
pytestmark = pytest.mark.django_db(transaction=True)


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
    # Issue 13: the finals close, the prizes are confirmed and published for publicity, and the
    # three complaints stand in their states (fewer prizes: a small demo has few finalists).
    from ciic.awards.enums import PrizeStatus
    from ciic.awards.models import AwardRevocation, Prize
    from ciic.contests.models import PrizeTier
    from ciic.demo.publicity import seed_publicity
    from ciic.publicity.enums import CaseState
    from ciic.publicity.models import Case, Notice

    PrizeTier.objects.filter(contest=contest).update(count=1)
    assert seed_publicity(contest)["cases"] == 3
    notice = Notice.objects.get(contest=contest)
    assert [e["tier"] for e in notice.entries] == ["first", "second", "third"]
    states = dict(Case.objects.values_list("project_id", "state"))
    assert sorted(states.values()) == sorted([CaseState.NOT_ACCEPTED, CaseState.UNDER_VERIFICATION, CaseState.CLOSED])
    upheld = Case.objects.get(state=CaseState.CLOSED)
    assert AwardRevocation.objects.get(award=upheld.award).basis == upheld.number
    prize = Prize.objects.get(award=upheld.award)
    assert prize.status == PrizeStatus.RECLAIMED and prize.reclaimed_on and prize.reclaim_amount == prize.amount
    assert Certificate.objects.get(award=upheld.award).revoked_at is not None
    assert Case.objects.get(state=CaseState.UNDER_VERIFICATION).material_request is not None
    assert seed_publicity(contest) == {"cases": 3}  # once is enough
