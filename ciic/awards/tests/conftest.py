"""A finals round ready to judge: four finalists of one direction × group (Beijing) and one of
another group, on confirmed finalist lists; five experts with accounts; the round open."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ciic.accounts.enums import Role
from ciic.review.enums import FinalistStatus, RoundStatus
from ciic.review.models import FinalistEntry, FinalistList, ReviewRound
from ciic.review.rounds.services import create_round
from ciic.review.tests.test_rounds import make_expert, make_project, spec_round
from ciic.testing.personas import make_user

SCORES = {"innovation": 8, "technology": 7, "application": 9, "business_model": 6, "team": 8}


def _finalist_list(contest, station, group, projects, secretariat):
    finalists = FinalistList.objects.create(contest=contest, station=station, group=group,
                                            status=FinalistStatus.CONFIRMED, proposed_by=secretariat,
                                            confirmed_by=secretariat)
    for i, project in enumerate(projects, start=1):
        FinalistEntry.objects.create(finalist_list=finalists, project=project, position=i)


@pytest.fixture
def finals(contest, secretariat):
    beijing = contest.stations.get(code="beijing")
    leader, newcomer = contest.groups.order_by("order")[:2]
    projects = [make_project(contest, i, stage="finals") for i in range(1, 6)]
    for i, project in enumerate(projects):
        org = project.team.organization
        org.group = leader if i < 4 else newcomer
        org.save(update_fields=["group"])
    _finalist_list(contest, beijing, leader, projects[:4], secretariat)
    _finalist_list(contest, beijing, newcomer, projects[4:], secretariat)
    review_round = create_round(spec_round=spec_round(contest, "finals", "roadshow_defense"), station=None,
                                actor=secretariat)
    ReviewRound.objects.filter(pk=review_round.pk).update(status=RoundStatus.OPEN, aggregation="trimmed_mean")
    review_round.refresh_from_db()
    users = [make_user(f"judge{i}@example.com", role=Role.EXPERT, full_name=f"评委{i}") for i in range(5)]
    experts = [make_expert(contest, 50 + i, user=users[i]) for i in range(5)]
    return SimpleNamespace(round=review_round, projects=projects, direction=beijing.directions.first(),
                           leader=leader, newcomer=newcomer, users=users, experts=experts)
