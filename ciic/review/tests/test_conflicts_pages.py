"""The staff's conflicts page and the team's avoidance section (R-P8): a person the team named
by name only shows as a possible namesake; the team is told how to name the right person."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ciic.review.conflicts import declare_avoidance
from ciic.review.enums import AvoidanceKind
from ciic.testing.personas import verified_client

from .test_conflicts import family, make_expert, make_project  # noqa: F401  (fixture used by name)

pytestmark = pytest.mark.django_db


@pytest.fixture
def entrant_project(contest, family):  # noqa: F811
    return make_project(contest, family["entrant"], 1)


def test_conflicts_page_marks_a_name_only_match_as_possible(contest, entrant_project, secretariat):
    make_expert(contest, "张伟", "北京航空航天大学")
    make_expert(contest, "李娜", "清华大学")
    lead = entrant_project.team.lead
    declare_avoidance(project=entrant_project, kind=AvoidanceKind.PERSON, name="张伟", reason="曾有合作纠纷",
                      actor=lead)
    declare_avoidance(project=entrant_project, kind=AvoidanceKind.PERSON, name="李娜（清华大学）", reason="导师",
                      actor=lead)
    html = verified_client(secretariat).get(reverse("review:conflict_list")).content.decode()
    assert "仅按姓名匹配" in html
    assert html.count("可能同名") == 1  # 张伟 (name only), not 李娜 (named with her employer)
    assert "团队申报回避专家“李娜（清华大学）”：导师" in html


def test_team_is_told_to_name_a_person_with_their_employer(project, team_lead):
    html = verified_client(team_lead).get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "张伟（清华大学）" in html and "所有同名专家都会回避" in html
