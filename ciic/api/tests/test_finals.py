"""The finals and the prizes through the API, as a script would (R-V4, R-A1): the same
services as the pages, refusals as 422 naming the field, the secretariat's and the chair's
rights only."""

from __future__ import annotations

import pytest

from ciic.awards.models import FinalsSession, Prize
from ciic.awards.tests.conftest import SCORES, finals  # noqa: F401 - the fixture
from ciic.contests.models import PrizeTier
from ciic.engines.finals import draw_order
from ciic.review.enums import RoundStatus
from ciic.review.models import Assignment, ReviewRound
from ciic.review.reviews.services import save_review

pytestmark = pytest.mark.django_db


def test_api_runs_a_session_and_the_prizes(finals, contest, secretariat, as_bearer):  # noqa: F811
    office = as_bearer(secretariat)
    chair = as_bearer(finals.users[0])
    body = {"direction": finals.direction.code, "group": finals.leader.code,
            "expert_ids": [e.pk for e in finals.experts], "chair_id": finals.users[0].pk}
    assert chair.post("/finals/sessions", body).status_code == 403
    r = office.post("/finals/sessions", body | {"expert_ids": [999999]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "expert_ids"
    r = office.post("/finals/sessions", body | {"group": "nope"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "group"
    r = office.post("/finals/sessions", body)
    assert r.status_code == 201, r.content
    session = r.json()
    assert len(session["board"]) == 4 and all(row["expected"] == 5 for row in session["board"])
    sid = session["id"]
    # The chair may not draw; the secretariat does, and the order re-derives from the seed.
    assert chair.post(f"/finals/sessions/{sid}/draw", {"seed": "x"}).status_code == 403
    drawn = office.post(f"/finals/sessions/{sid}/draw", {"seed": "公证 0931"}).json()
    order = [row["project_id"] for row in sorted(drawn["board"], key=lambda row: row["position"])]
    assert order == draw_order(sorted(order), "公证 0931")
    assert office.post(f"/finals/sessions/{sid}/draw", {"seed": "again"}).status_code == 422
    first = min(drawn["board"], key=lambda row: row["position"])
    assert chair.post(f"/finals/sessions/{sid}/stage", {"entry_id": 0}).status_code == 422
    staged = chair.post(f"/finals/sessions/{sid}/stage", {"entry_id": first["entry_id"]}).json()
    assert staged["current_entry_id"] == first["entry_id"]
    assert as_bearer(finals.users[1]).get(f"/finals/sessions/{sid}").status_code == 403

    # Every expert scores every finalist; the round closes; the prizes follow.
    PrizeTier.objects.filter(contest=contest, code="first").update(count=1)
    PrizeTier.objects.filter(contest=contest, code="second").update(count=1)
    PrizeTier.objects.filter(contest=contest, code="third").update(count=1)
    for p, project in enumerate(finals.projects):
        for expert, user in zip(finals.experts, finals.users, strict=True):
            assignment, _ = Assignment.objects.get_or_create(review_round=finals.round, expert=expert, project=project)
            save_review(assignment=assignment, actor=user, scores=SCORES | {"innovation": 10 - p},
                        recommendation="advance", submit=True)
    board = chair.get(f"/finals/sessions/{sid}").json()["board"]
    ballot = board[0]["ballots"][0]
    assert chair.post(f"/finals/sessions/{sid}/ballots/{ballot['id']}/reopen", {"reason": ""}).status_code == 422
    assert chair.post(f"/finals/sessions/{sid}/ballots/{ballot['id']}/reopen", {"reason": "误触"}).status_code == 200
    ReviewRound.objects.filter(pk=finals.round.pk).update(status=RoundStatus.CLOSED)
    standings = office.get("/finals/standings").json()
    assert [s["project_id"] for s in standings] == [p.pk for p in finals.projects]
    proposal = office.post("/finals/awards/proposal").json()
    assert [a["code"] for a in proposal["awards"]] == ["first", "second", "third"] and proposal["open_ties"] == []
    confirmed = office.post("/finals/awards/confirmation").json()
    assert confirmed["status"] == "confirmed" and len(confirmed["snapshot_sha256"]) == 64
    assert office.post("/finals/awards/proposal").status_code == 422
    prizes = office.get("/finals/prizes").json()
    assert prizes["count"] == 3
    pid = prizes["items"][0]["id"]
    r = office.post(f"/finals/prizes/{pid}/transition", {"status": "paid", "reason": "跳过"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"
    r = office.post(f"/finals/prizes/{pid}/transition", {"status": "payable", "reason": "公示期满"})
    assert r.status_code == 200 and r.json()["status"] == "payable"
    assert chair.get("/finals/prizes").status_code == 403
    assert Prize.objects.get(pk=pid).status == "payable" and FinalsSession.objects.count() == 1


def test_api_special_local_awards_and_publication(finals, contest, secretariat, station_officer, as_bearer):  # noqa: F811
    from ciic.review.models import RoundResult
    from ciic.review.rounds.services import create_round
    from ciic.review.tests.test_rounds import make_project, spec_round

    office = as_bearer(secretariat)
    officer = as_bearer(station_officer)
    r = office.post("/finals/special-awards/winners", {"code": "organization", "reason": "组织有力"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "recipient_name"
    r = office.post("/finals/special-awards/winners", {"code": "organization", "reason": "组织有力",
                                                       "recipient_name": "宁波市经济和信息化局"})
    assert r.status_code == 200
    org = next(a for a in r.json()["awards"] if a["code"] == "organization")
    assert org["winners"][0]["recipient"] == "宁波市经济和信息化局" and "market_demand" in r.json()["waiting"]
    assert officer.get("/finals/special-awards").status_code == 403
    assert office.post("/finals/special-awards/confirmation").status_code == 422

    # A station's own awards, along its local results.
    beijing = contest.stations.get(code="beijing")
    projects = [make_project(contest, 40 + i) for i in range(3)]
    local = create_round(spec_round=spec_round(contest), station=beijing, actor=secretariat)
    ReviewRound.objects.filter(pk=local.pk).update(status=RoundStatus.CLOSED)
    for i, project in enumerate(projects):
        RoundResult.objects.create(review_round=local, project=project, score=90 - i, rank=i + 1)
    r = officer.post("/stations/beijing/local-awards/categories", {"code": "first", "name": "一等奖", "count": 1,
                                                                   "amount": "5"})
    assert r.status_code == 200 and r.json()["categories"][0]["code"] == "first"
    assert officer.post("/stations/wuxi/local-awards/categories", {"code": "a", "name": "x", "count": 1}).status_code == 403
    assert officer.post("/stations/beijing/local-awards/proposal").json()["awards"][0]["project_id"] == projects[0].pk
    assert officer.post("/stations/beijing/local-awards/confirmation").json()["status"] == "confirmed"

    r = office.post("/finals/publications", {"kind": "awards", "publish": True})
    assert r.status_code == 200 and r.json()["released_at"]
    assert office.post("/finals/publications", {"kind": "nope", "publish": True}).status_code == 422
