"""The organizing demo (issue 14 §5): units with receipts (one late), teams recommended, a
ranking with figures, and a scheduled capital meeting, through the real services."""

from __future__ import annotations

import pytest

from ciic.demo.entrants import ensure_demo_accounts, seed_entrants
from ciic.demo.finals import seed_finals
from ciic.demo.organizing import seed_organizing
from ciic.demo.projects import seed_projects
from ciic.demo.review import seed_review
from ciic.organizing.models import ContactReceipt, Meeting, MeetingRequest, Recommendation
from ciic.organizing.ranking import ranking

pytestmark = pytest.mark.django_db


def test_the_demo_has_units_a_ranking_and_a_scheduled_capital_meeting(contest):
    ensure_demo_accounts(contest)
    seed_entrants(contest, teams=16)
    seed_projects(contest, projects=4)
    seed_review(contest, experts=6)
    seed_finals(contest)
    summary = seed_organizing(contest)
    assert summary["units"] == 4
    assert ContactReceipt.objects.filter(unit__contest=contest, is_late=True).count() == 1
    assert ContactReceipt.objects.filter(unit__contest=contest, is_late=False).count() == 2
    assert Recommendation.objects.filter(unit__contest=contest, via_invitation=True).exists()
    rows = ranking(contest)
    assert len(rows) == 4 and rows[0].score.total > 0
    meeting = Meeting.objects.get(contest=contest, kind="investment")
    placed = MeetingRequest.objects.filter(meeting=meeting, slot__isnull=False)
    assert placed.count() == summary["scheduled"] > 0
    # Nobody is in two meetings of one slot, no table holds two.
    rows = list(placed.values_list("slot", "table", "participant_id", "profile_id"))
    assert len({(s, t) for s, t, _p, _q in rows}) == len(rows)
    assert len({(s, p) for s, _t, p, _q in rows}) == len(rows)
    assert len({(s, q) for s, _t, _p, q in rows}) == len(rows)
    assert seed_organizing(contest) == {}  # once is enough
