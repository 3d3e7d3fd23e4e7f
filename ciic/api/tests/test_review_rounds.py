"""Review rounds and assignment through the API: create a round, set the panel, pin and forbid,
solve and read the run, list and edit assignments, open and close; refusals are 422 with the
rule; a station officer is kept to their station, and nobody else gets in."""

from __future__ import annotations

import pytest

from ciic.accounts.enums import Role
from ciic.review.models import Assignment, ReviewRound
from ciic.review.tests.test_rounds import declare, make_expert, make_project
from ciic.testing.personas import make_user

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


def test_api_patch_round_changes_only_what_is_sent(office, created):
    from django.utils.dateparse import parse_datetime

    from ciic.audit.models import AuditEntry

    url = f"/review/rounds/{created['id']}"
    assert created["blind_until_submitted"] is True and created["opens_at"] is None
    r = office.patch(url, {"max_load": 5, "blind_until_submitted": False, "closes_at": "2025-06-30T18:00:00+08:00"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["max_load"] == 5 and body["blind_until_submitted"] is False
    assert body["experts_per_project"] == 2 and body["opens_at"] is None  # not sent: kept
    assert parse_datetime(body["closes_at"]) == parse_datetime("2025-06-30T10:00:00Z")
    r = office.patch(url, {"experts_per_project": 3})
    assert r.status_code == 200 and r.json()["experts_per_project"] == 3
    assert r.json()["max_load"] == 5 and r.json()["blind_until_submitted"] is False
    assert r.json()["closes_at"] == body["closes_at"]

    r = office.patch(url, {"opens_at": "2025-07-01T09:00:00+08:00", "max_load": 7})  # after closes_at
    assert r.status_code == 422
    assert [(e["field"], e["rule"]) for e in r.json()["errors"]] == [("closes_at", "R-V1")]
    r = office.patch(url, {"max_load": 0})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "max_load"
    review_round = ReviewRound.objects.get(pk=created["id"])
    assert (review_round.max_load, review_round.opens_at) == (5, None)
    assert AuditEntry.objects.filter(action="review.round.update").count() == 2


def test_api_patch_round_refuses_k_once_the_round_is_open(office, paneled, django_capture_on_commit_callbacks):
    from ciic.audit.models import AuditEntry

    round_id = paneled["id"]
    with django_capture_on_commit_callbacks(execute=True):
        assert office.post(f"/review/rounds/{round_id}/solve", {"mode": "max_total"}).status_code == 201
    assert office.post(f"/review/rounds/{round_id}/open").status_code == 200
    r = office.patch(f"/review/rounds/{round_id}", {"experts_per_project": 3, "max_load": 4})
    assert r.status_code == 422
    assert [(e["field"], e["rule"]) for e in r.json()["errors"]] == [("experts_per_project", "R-V1")]
    review_round = ReviewRound.objects.get(pk=round_id)
    assert (review_round.experts_per_project, review_round.max_load) == (2, 3)
    assert not AuditEntry.objects.filter(action="review.round.update").exists()
    r = office.patch(f"/review/rounds/{round_id}", {"max_load": 4})  # the load still may change
    assert r.status_code == 200 and r.json()["max_load"] == 4 and r.json()["experts_per_project"] == 2


def test_api_remove_pair_rule(office, paneled, experts, projects):
    from ciic.review.enums import RoundStatus
    from ciic.review.models import PairConstraint

    round_id = paneled["id"]
    pins = [office.post(f"/review/rounds/{round_id}/pairs", {"expert_id": experts[i].pk,
                                                             "project_id": projects[i].pk, "rule": rule}).json()
            for i, rule in ((0, "pin"), (1, "forbid"))]
    assert office.delete(f"/review/rounds/{round_id}/pairs/{pins[0]['id']}").status_code == 204
    assert [p["id"] for p in office.get(f"/review/rounds/{round_id}/pairs").json()] == [pins[1]["id"]]
    assert office.delete(f"/review/rounds/{round_id}/pairs/{pins[0]['id']}").status_code == 404

    ReviewRound.objects.filter(pk=round_id).update(status=RoundStatus.CLOSED)
    r = office.delete(f"/review/rounds/{round_id}/pairs/{pins[1]['id']}")
    assert r.status_code == 422
    assert [(e["field"], e["rule"]) for e in r.json()["errors"]] == [("__all__", "R-V3")]
    assert PairConstraint.objects.filter(pk=pins[1]["id"]).exists()


def test_api_cancel_run(office, paneled, django_capture_on_commit_callbacks):
    from ciic.audit.models import AuditEntry

    round_id = paneled["id"]
    queued = office.post(f"/review/rounds/{round_id}/solve", {"mode": "fair"}).json()  # no worker: stays queued
    assert queued["status"] == "queued"
    r = office.post(f"/review/rounds/{round_id}/runs/{queued['id']}/cancel", {"reason": "任务进程已重启"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "failed" and "任务进程已重启" in r.json()["message"]
    assert r.json()["finished_at"] is not None
    assert AuditEntry.objects.get(action="review.assign.cancel").after == {"reason": "任务进程已重启"}

    with django_capture_on_commit_callbacks(execute=True):
        done = office.post(f"/review/rounds/{round_id}/solve", {"mode": "max_total"}).json()
    for run in (queued, done):
        before = office.get(f"/review/rounds/{round_id}/runs/{run['id']}").json()
        r = office.post(f"/review/rounds/{round_id}/runs/{run['id']}/cancel")
        assert r.status_code == 422
        assert [(e["field"], e["rule"]) for e in r.json()["errors"]] == [("__all__", "R-V1")]
        assert office.get(f"/review/rounds/{round_id}/runs/{run['id']}").json() == before
    assert before["status"] == "done" and Assignment.objects.count() == 8
    assert AuditEntry.objects.filter(action="review.assign.cancel").count() == 1


def test_api_new_round_writes_are_404_for_another_station(as_bearer, station_officer, contest, paneled, experts,
                                                          projects):
    from ciic.review.models import AssignmentRun, PairConstraint

    round_id = paneled["id"]
    office = as_bearer(station_officer)  # Beijing's officer manages the round
    pair = office.post(f"/review/rounds/{round_id}/pairs", {"expert_id": experts[0].pk,
                                                           "project_id": projects[0].pk, "rule": "pin"}).json()
    run = office.post(f"/review/rounds/{round_id}/solve", {"mode": "fair"}).json()
    assert office.patch(f"/review/rounds/{round_id}", {"max_load": 4}).status_code == 200

    wuxi = make_user("wuxi-api@example.com", role=Role.STATION_OFFICER, station=contest.stations.get(code="wuxi"))
    other = as_bearer(wuxi)
    assert other.patch(f"/review/rounds/{round_id}", {"max_load": 9}).status_code == 404
    assert other.delete(f"/review/rounds/{round_id}/pairs/{pair['id']}").status_code == 404
    assert other.post(f"/review/rounds/{round_id}/runs/{run['id']}/cancel", {"reason": "x"}).status_code == 404
    assert ReviewRound.objects.get(pk=round_id).max_load == 4
    assert PairConstraint.objects.filter(pk=pair["id"]).exists()
    assert AssignmentRun.objects.get(pk=run["id"]).status == "queued"
