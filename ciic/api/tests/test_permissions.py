"""Outsiders are refused on every write endpoint and nothing is written; staff see only what
their role covers.

Anonymous callers get 401. Another entrant gets 404 for objects they cannot see (they may not
learn that a team exists). Staff who can see an object but may not change it get 403. Each
case ends with the owner making the very same call successfully, so the refusal is the
outsider's and not the request's fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from ciic.accounts.services import issue_api_token
from ciic.contests.models import PolicyDocument
from ciic.entrants.services import RepresentativeInput, add_representative
from ciic.testing.personas import verified_client

from .helpers import ApiClient, bearer_headers, db_state, org_payload, rep_payload, team_payload

pytestmark = pytest.mark.django_db


@dataclass
class World:
    team: Any
    organization: Any
    representative: Any
    policy: Any
    token: Any
    policies: list


@pytest.fixture
def world(team, organization, team_lead, contest, current_policies, rep_input):
    rep = add_representative(team=team, actor=team_lead, data=RepresentativeInput(**vars(rep_input(2))))
    old = current_policies[0]
    # A non-current version the team has not accepted yet, so accepting it would write.
    policy = PolicyDocument.objects.create(contest=contest, kind=old.kind, version="2022.9",
                                           title=old.title, text=old.text, is_current=False)
    token, _key = issue_api_token(user=team_lead, name="lead-script")
    return World(team, organization, rep, policy, token, current_policies)


# (method, path, body) for each write endpoint, built from the world.
WRITES = {
    "register_organization": lambda w: ("post", "/organizations", org_payload(80)),
    "update_organization": lambda w: ("put", f"/organizations/{w.organization.pk}",
                                      org_payload(1, credit_code=w.organization.credit_code, name="改名有限公司")),
    "register_team": lambda w: ("post", "/teams", team_payload(w.organization.pk, policies=w.policies,
                                                               name="第二队", reps=[rep_payload(81)])),
    "change_team": lambda w: ("patch", f"/teams/{w.team.pk}", {"name": "改名队"}),
    "add_representative": lambda w: ("post", f"/teams/{w.team.pk}/representatives", rep_payload(82)),
    "remove_representative": lambda w: ("delete", f"/teams/{w.team.pk}/representatives/{w.representative.pk}", None),
    "accept_policies": lambda w: ("post", f"/teams/{w.team.pk}/acceptances", {"policy_ids": [w.policy.pk]}),
    "issue_token": lambda w: ("post", "/accounts/tokens", {"name": "x"}),
    "revoke_token": lambda w: ("delete", f"/accounts/tokens/{w.token.pk}", None),
}

# Who is refused, and how. None: not an outsider for that endpoint (anyone entrant may do it).
OUTSIDERS = {
    "anonymous": dict.fromkeys(WRITES, 401),
    "other_entrant": {
        "register_organization": None, "update_organization": 404, "register_team": 404,
        "change_team": 404, "add_representative": 404, "remove_representative": 404,
        "accept_policies": 404, "issue_token": None, "revoke_token": 404,
    },
    # The Beijing station officer sees the Beijing team and its organization but may change neither.
    "station_officer": {
        "register_organization": 403, "update_organization": 403, "register_team": 403,
        "change_team": 403, "add_representative": 403, "remove_representative": 403,
        "accept_policies": 403, "issue_token": None, "revoke_token": 404,
    },
    "secretariat": {
        "register_organization": 403, "update_organization": 403, "register_team": 403,
        "change_team": 403, "add_representative": 403, "remove_representative": 403,
        "accept_policies": 403, "issue_token": None, "revoke_token": 404,
    },
}

CASES = [(who, what, status) for who, table in OUTSIDERS.items() for what, status in table.items()
         if status is not None]


def _client_for(who: str, request) -> ApiClient:
    if who == "anonymous":
        return ApiClient()
    if who == "other_entrant":
        return ApiClient(**bearer_headers(request.getfixturevalue("other_lead")))
    return ApiClient(verified_client(request.getfixturevalue(who), Client()))


@pytest.mark.parametrize(("who", "what", "status"), CASES, ids=[f"{w}-{e}" for w, e, _s in CASES])
def test_api_outsider_is_refused_and_nothing_written(who, what, status, world, team_lead, request):
    method, path, body = WRITES[what](world)
    outsider = _client_for(who, request)
    before = db_state()

    r = outsider.call(method, path, body)

    assert r.status_code == status, r.content
    assert db_state() == before

    # The same call by the owner goes through: the refusal above was about who asked.
    owner = Client()
    owner.force_login(team_lead)
    r = ApiClient(owner).call(method, path, body)
    assert r.status_code in (200, 201, 204), r.content
    assert db_state() != before


READS_THAT_NEED_AUTH = [
    ("post", "/organizations/preview", org_payload(90)),
    ("post", "/teams/check", {"organization_id": 1, "station": "beijing", "direction": "quality",
                              "name": "x", "representatives": [], "accepted_policy_ids": []}),
    ("get", "/organizations", None),
    ("get", "/organizations/1", None),
    ("get", "/teams", None),
    ("get", "/teams/1", None),
    ("get", "/accounts/me", None),
    ("get", "/accounts/tokens", None),
]


@pytest.mark.parametrize(("method", "path", "body"), READS_THAT_NEED_AUTH)
def test_api_anonymous_is_asked_to_authenticate(method, path, body, team):
    before = db_state()
    r = ApiClient().call(method, path, body)
    assert r.status_code == 401
    assert db_state() == before


def test_api_other_entrant_cannot_see_team_or_organization(team, organization, other_api):
    assert other_api.get(f"/teams/{team.pk}").status_code == 404
    assert other_api.get(f"/organizations/{organization.pk}").status_code == 404
    assert other_api.get("/teams").json() == {"items": [], "count": 0}
    assert other_api.get("/organizations").json() == {"items": [], "count": 0}
    # Nor check a registration against someone else's organization.
    body = team_payload(organization.pk, policies=[])
    assert other_api.post("/teams/check", body).status_code == 404


def test_api_unknown_and_invisible_look_the_same(team, other_api):
    missing = other_api.get("/teams/999999")
    hidden = other_api.get(f"/teams/{team.pk}")
    assert missing.status_code == hidden.status_code == 404
    assert missing.json() == hidden.json()


# --- staff lists ------------------------------------------------------------------------------


@pytest.fixture
def wuxi_team(contest, other_lead, org_input, rep_input, current_policies):
    from ciic.entrants.services import register_organization, register_team

    org = register_organization(contest=contest, actor=other_lead,
                                data=org_input(2, kind="industrial", headcount=2000, annual_revenue="1"))
    station = contest.stations.get(code="wuxi")
    return register_team(organization=org, station=station, direction=station.directions.get(),
                         name="无锡智造队", actor=other_lead, representatives=[rep_input(3)],
                         accepted_policies=current_policies)


def _names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["name"] for item in response.json()["items"]}


def test_api_station_officer_sees_only_their_station(team, wuxi_team, station_officer, verified):
    api = ApiClient(verified(station_officer))

    assert _names(api.get("/teams")) == {team.name}
    assert api.get(f"/teams/{team.pk}").status_code == 200
    assert api.get(f"/teams/{wuxi_team.pk}").status_code == 404
    assert _names(api.get("/organizations")) == {team.organization.name}
    assert api.get(f"/organizations/{wuxi_team.organization.pk}").status_code == 404
    # A filter cannot widen the view.
    assert _names(api.get("/teams", {"station": "wuxi"})) == set()


def test_api_secretariat_sees_every_team_and_filters(team, wuxi_team, secretariat, verified):
    api = ApiClient(verified(secretariat))

    assert _names(api.get("/teams")) == {team.name, wuxi_team.name}
    assert _names(api.get("/teams", {"station": "wuxi"})) == {wuxi_team.name}
    assert _names(api.get("/teams", {"direction": team.direction.code})) == {team.name}
    leader = wuxi_team.organization.group.code
    assert _names(api.get("/teams", {"group": leader})) == {wuxi_team.name}
    assert _names(api.get("/teams", {"q": "无锡"})) == {wuxi_team.name}
    assert _names(api.get("/teams", {"province": team.organization.province_code})) == {
        team.name, wuxi_team.name}
    assert _names(api.get("/organizations", {"station": "wuxi"})) == {wuxi_team.organization.name}
    assert _names(api.get("/organizations", {"group": leader})) == {wuxi_team.organization.name}


def test_api_entrant_sees_only_own(team, wuxi_team, lead_api):
    assert _names(lead_api.get("/teams")) == {team.name}
    assert _names(lead_api.get("/organizations")) == {team.organization.name}


def test_api_lists_are_paginated(team, secretariat, verified, contest, team_lead, org_input, rep_input,
                                 current_policies):
    from ciic.entrants.services import register_team

    station = contest.stations.get(code="beijing")
    for i in range(2, 26):
        register_team(organization=team.organization, station=station, direction=station.directions.get(),
                      name=f"分页队{i}", actor=team_lead, representatives=[rep_input(100 + i)],
                      accepted_policies=current_policies)
    api = ApiClient(verified(secretariat))

    first = api.get("/teams").json()
    assert first["count"] == 25
    assert len(first["items"]) == 20
    second = api.get("/teams", {"page": 2}).json()
    assert len(second["items"]) == 5
    assert not {t["id"] for t in first["items"]} & {t["id"] for t in second["items"]}
    assert len(api.get("/teams", {"page_size": 10}).json()["items"]) == 10
