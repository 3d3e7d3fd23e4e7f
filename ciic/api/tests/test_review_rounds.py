"""Review rounds and assignment through the API: create a round, set the panel, pin and forbid,
solve and read the run, list and edit assignments, open and close; refusals are 422 with the
rule; a station officer is kept to their station, and nobody else gets in."""

from __future__ import annotations

import pytest

from ciic.accounts.enums import Role
from ciic.core.testing.personas import make_user
from ciic.review.models import Assignment, ReviewRound
from ciic.review.tests.test_rounds import declare, make_expert, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects(contest):
    return [make_project(contest, i) for i in range(1, 5)]


@pytest.fixture
def office(as_bearer, secretariat):
    return as_bearer(secretariat)


@pytest.fixture
def created(office, projects, station):
    r = office.post("/review/rounds", {"stage": "local", "round": "online_review", "station": station.code,
                                       "experts_per_project": 2, "max_load": 3})
    assert r.status_code == 201, r.content
    return r.json()


@pytest.fixture
def experts(contest, station):
    return [make_expert(contest, i, station=station, directions=[station.directions.first()]) for i in range(4)]


@pytest.fixture
def paneled(office, created, experts):
    r = office.put(f"/review/rounds/{created['id']}/panel",
                   {"experts": [{"expert_id": e.pk, "max_load": 4 if i == 0 else None} for i, e in enumerate(experts)]})
    assert r.status_code == 200, r.content
    return r.json()


def test_api_create_round_lists_its_projects_and_form(created, projects):
    assert created["station"] == "beijing" and created["status"] == "draft"
    assert created["project_ids"] == [p.pk for p in projects]
    assert [c["code"] for c in created["form"]][:2] == ["innovation", "technology"]


def test_api_create_round_refusals_are_422(office, projects, station):
    r = office.post("/review/rounds", {"stage": "local", "round": "online_review"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "station"
    r = office.post("/review/rounds", {"stage": "local", "round": "online_review", "station": station.code,
                                       "experts_per_project": 0})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "experts_per_project"
    assert office.post("/review/rounds", {"stage": "local", "round": "nope", "station": station.code}).status_code == 404


def test_api_panel_pin_forbid_solve_and_assignments(office, paneled, experts, projects, secretariat,
                                                    django_capture_on_commit_callbacks):
    round_id = paneled["id"]
    assert paneled["expert_ids"] == sorted(e.pk for e in experts)
    declare(experts[1], projects[0], secretariat, reason="同一课题组")
    r = office.post(f"/review/rounds/{round_id}/pairs", {"expert_id": experts[1].pk, "project_id": projects[0].pk,
                                                        "rule": "pin"})
    assert r.status_code == 422
    assert "同一课题组" in r.json()["errors"][0]["message"] and r.json()["errors"][0]["rule"] == "R-V5"
    assert office.post(f"/review/rounds/{round_id}/pairs", {"expert_id": experts[0].pk, "project_id": projects[0].pk,
                                                           "rule": "pin"}).status_code == 201
    assert office.post(f"/review/rounds/{round_id}/pairs", {"expert_id": experts[2].pk, "project_id": projects[1].pk,
                                                           "rule": "forbid"}).status_code == 201
    assert len(office.get(f"/review/rounds/{round_id}/pairs").json()) == 2

    with django_capture_on_commit_callbacks(execute=True):
        r = office.post(f"/review/rounds/{round_id}/solve", {"mode": "max_total"})
    assert r.status_code == 201, r.content
    run = office.get(f"/review/rounds/{round_id}/runs/{r.json()['id']}").json()
    assert run["status"] == "done" and run["progress"] == 100 and run["round_id"] == round_id
    assert run["figures"]["lp_gap"] == pytest.approx(0, abs=1e-6)

    rows = office.get(f"/review/rounds/{round_id}/assignments").json()
    assert len(rows) == 8
    got = {(a["expert_id"], a["project_id"]) for a in rows}
    assert (experts[1].pk, projects[0].pk) not in got and (experts[2].pk, projects[1].pk) not in got
    assert next(a for a in rows if a["expert_id"] == experts[0].pk and a["project_id"] == projects[0].pk)[
        "source"] == "pinned"
    assert {a["review"] for a in rows} == {"not_started"}


def test_api_solve_refusal_and_manual_edits(office, paneled, experts, projects, secretariat):
    round_id = paneled["id"]
    r = office.post(f"/review/rounds/{round_id}/solve", {"mode": "greedy"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "mode"
    declare(experts[1], projects[0], secretariat)
    r = office.post(f"/review/rounds/{round_id}/assignments", {"expert_id": experts[1].pk,
                                                              "project_id": projects[0].pk})
    assert r.status_code == 422 and "利益冲突" in r.json()["errors"][0]["message"]
    r = office.post(f"/review/rounds/{round_id}/assignments", {"expert_id": experts[2].pk,
                                                              "project_id": projects[0].pk})
    assert r.status_code == 201 and r.json()["source"] == "manual"
    assert office.delete(f"/review/rounds/{round_id}/assignments/{r.json()['id']}").status_code == 204
    assert not Assignment.objects.exists()
    r = office.post(f"/review/rounds/{round_id}/open")
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "R-V1"


def test_api_station_officer_is_kept_to_their_station(as_bearer, station_officer, contest, created, experts):
    officer = as_bearer(station_officer)
    assert [r["id"] for r in officer.get("/review/rounds").json()] == [created["id"]]
    wuxi = contest.stations.get(code="wuxi")
    make_project(contest, 30, station=wuxi)
    assert officer.post("/review/rounds", {"stage": "local", "round": "online_review",
                                           "station": "wuxi"}).status_code == 403
    other = make_user("wuxi-api@example.com", role=Role.STATION_OFFICER, station=wuxi)
    assert as_bearer(other).get(f"/review/rounds/{created['id']}").status_code == 404
    assert as_bearer(other).post(f"/review/rounds/{created['id']}/solve", {"mode": "fair"}).status_code == 404
    assert ReviewRound.objects.count() == 1


def test_api_outsiders_are_refused(as_bearer, team_lead, expert, anonymous, created):
    for user in (team_lead, expert):
        assert as_bearer(user).get("/review/rounds").status_code == 403
        assert as_bearer(user).get(f"/review/rounds/{created['id']}/assignments").status_code == 403
    assert anonymous.get("/review/rounds").status_code == 401
