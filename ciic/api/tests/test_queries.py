"""Query counts on lists and details are pinned: the same with one row as with many (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ciic.contests.selectors import max_representatives
from ciic.entrants.services import add_representative, register_organization, register_team

from .helpers import ApiClient

pytestmark = pytest.mark.django_db


def _queries(api: ApiClient, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = api.get(path)
    assert r.status_code == 200, r.content
    return len(ctx.captured_queries)


def _more_teams(contest, actor, org_input, rep_input, policies, n: int) -> None:
    for i in range(n):
        org = register_organization(contest=contest, actor=actor, data=org_input(300 + i))
        station = contest.stations.order_by("order")[i % contest.stations.count()]
        register_team(organization=org, station=station, direction=station.directions.get(),
                      name=f"批量队{i}", actor=actor, representatives=[rep_input(300 + i)],
                      accepted_policies=policies)


@pytest.mark.parametrize("path", ["/teams", "/organizations"])
def test_api_list_query_count_does_not_grow(path, team, contest, secretariat, verified, org_input,
                                            rep_input, current_policies, team_lead):
    api = ApiClient(verified(secretariat))
    one = _queries(api, path)
    _more_teams(contest, team_lead, org_input, rep_input, current_policies, 6)
    many = _queries(api, path)
    assert many == one
    assert api.get(path).json()["count"] == 7


def test_api_team_detail_query_count_does_not_grow(team, contest, lead_api, team_lead, rep_input):
    lead_api.get("/accounts/me")  # the token's first use notes it (a write); later ones in the minute do not
    one = _queries(lead_api, f"/teams/{team.pk}")
    for seq in range(2, max_representatives(contest) + 1):
        add_representative(team=team, actor=team_lead, data=rep_input(seq))
    many = _queries(lead_api, f"/teams/{team.pk}")
    assert many == one


def test_api_contest_stations_query_count(contest):
    api = ApiClient()
    # Contest lookup, stations, their directions, their local units: one query each.
    assert _queries(api, "/contest/stations") == 4
