"""Results, advancement, archive, finalists and due diligence through the API: the same
services as the pages, refusals as 422 naming the rule, outsiders 403/404."""

from __future__ import annotations

import pytest

from ciic.accounts.enums import Role
from ciic.contests.models import StationQuota
from ciic.contests.tests.helpers import spec_2023
from ciic.review.enums import RoundStatus
from ciic.review.models import FinalistList
from ciic.review.results.services import set_advancement_rule
from ciic.review.tests.test_results import group, make_entry, make_experts, scored_round
from ciic.testing.personas import make_user

# R-P9: the 2023 spec's due-diligence checklist, as the contest loads it.
CHECKLIST = [(i["code"], i["name"]) for i in spec_2023()["due_diligence_checklist"]]

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(contest, station, secretariat):
    experts = make_experts(contest, 3)
    table = {make_entry(contest, station=station, name=f"接口项目{n}"): [t] * 3
             for n, t in zip("ABCD", (90, 80, 80, 50), strict=True)}
    review_round = scored_round(contest, station, table, experts, code="offline_roadshow")
    set_advancement_rule(review_round=review_round, direction=station.directions.first(),
                         group=group(contest, "newcomer"), count=2, actor=secretariat)
    return review_round, list(table)


def rules(response) -> set[str]:
    return {e["rule"] for e in response.json()["errors"]}


def test_results_aggregation_and_ties(as_staff, setup, station_officer, station):
    review_round, (a, b, c, _d) = setup
    api = as_staff(station_officer)
    base = f"/review/rounds/{review_round.pk}"
    assert api.put(f"{base}/aggregation", {"aggregation": "zscore"}).status_code == 200
    body = api.post(f"{base}/results").json()
    assert body["aggregation_locked"] is True and body["aggregation"] == "zscore"
    [grp] = body["groups"]
    assert grp["tie"] == {"tied": sorted([b.pk, c.pk]), "seats": 1, "decided": False, "advancing": [], "reason": ""}
    refused = api.put(f"{base}/aggregation", {"aggregation": "raw"})
    assert refused.status_code == 422 and rules(refused) == {"R-V2"}

    tie = {"direction": station.directions.first().code, "group": "newcomer", "advancing": [b.pk, c.pk],
           "reason": "并列"}
    refused = api.post(f"{base}/tie-decisions", tie)
    assert refused.status_code == 422 and "R-V2" in rules(refused)
    body = api.post(f"{base}/tie-decisions", {**tie, "advancing": [b.pk]}).json()
    assert {r["project_id"] for r in body["groups"][0]["results"] if r["advanced"]} == {a.pk, b.pk}

    refused = api.put(f"{base}/advancement-rules", {"direction": station.directions.first().code,
                                                    "group": "leader", "count": 1, "proportion": 0.5})
    assert refused.status_code == 422


def test_outsiders_are_refused(as_staff, setup, team_lead, contest):
    review_round, _projects = setup
    wuxi = make_user("wuxi-api@example.com", role=Role.STATION_OFFICER, station=contest.stations.get(code="wuxi"))
    for user in (team_lead, wuxi):
        api = as_staff(user)
        assert api.get(f"/review/rounds/{review_round.pk}/results").status_code == 404
        assert api.post(f"/review/rounds/{review_round.pk}/results").status_code == 404
    assert as_staff(team_lead).get("/review/finalists").status_code == 403
    assert as_staff(wuxi).post("/review/finalists", {"station": "beijing", "group": "newcomer",
                                                     "project_ids": []}).status_code == 403


def test_archive_finalists_and_due_diligence(as_staff, setup, station_officer, secretariat, station, contest):
    review_round, (a, b, _c, _d) = setup
    officer, office = as_staff(station_officer), as_staff(secretariat)
    base = f"/review/rounds/{review_round.pk}"
    office.post(f"{base}/results")
    assert office.post(f"{base}/archive").status_code == 422  # open round
    office.post(f"{base}/tie-decisions", {"direction": station.directions.first().code, "group": "newcomer",
                                          "advancing": [b.pk], "reason": "现场答辩更好"})
    review_round.status = RoundStatus.CLOSED
    review_round.save()
    archive = office.post(f"{base}/archive")
    assert archive.status_code == 201 and archive.json()["problems"] == []
    assert office.get(f"{base}/archive").json()["sha256"] == archive.json()["sha256"]

    proposal = {"station": "beijing", "group": "newcomer", "project_ids": [a.pk]}
    refused = officer.post("/review/finalists", proposal)
    assert refused.status_code == 422 and "R-V2" in rules(refused)  # no quota yet
    StationQuota.objects.filter(station=station, group=group(contest, "newcomer")).update(finalists=1)
    refused = officer.post("/review/finalists", {**proposal, "project_ids": [a.pk, b.pk]})
    assert refused.status_code == 422  # over the quota
    created = officer.post("/review/finalists", proposal)
    assert created.status_code == 201
    list_id = created.json()["id"]
    assert officer.post(f"/review/finalists/{list_id}/confirm").status_code == 403
    confirmed = office.post(f"/review/finalists/{list_id}/confirm").json()
    assert confirmed["status"] == "confirmed" and confirmed["snapshot_verified"] is True
    again = officer.post("/review/finalists", proposal)
    assert again.status_code == 422 and "R-V2" in rules(again)
    assert FinalistList.objects.get().snapshot_sha256 == confirmed["snapshot_sha256"]

    entry_id = confirmed["entries"][0]["id"]
    checks = {code: {"ok": True} for code, _n in CHECKLIST}
    refused = office.put(f"/review/finalists/entries/{entry_id}/due-diligence", {"passed": False, "checks": checks})
    assert refused.status_code == 422 and rules(refused) == {"R-P9"}
    failed = office.put(f"/review/finalists/entries/{entry_id}/due-diligence",
                        {"passed": False, "findings": "知识产权存在争议", "checks": checks})
    assert failed.json()["passed"] is False
    replaced = office.post(f"/review/finalists/entries/{entry_id}/replace", {"project_id": b.pk, "reason": "递补"})
    assert replaced.status_code == 201
    assert [e["project_id"] for e in replaced.json()["entries"]] == [b.pk]
    assert replaced.json()["snapshot_sha256"] == confirmed["snapshot_sha256"]


def test_staff_member_who_is_a_conflicted_expert_gets_404(as_staff, setup, station_officer, secretariat, contest):
    """R-P8: a conflicted expert sees nothing about the project, not even its rank, also when
    the same person manages the round's results."""
    from ciic.review.enums import ConflictSource, ExpertKind
    from ciic.review.models import ConflictDeclaration, Expert

    review_round, (a, *_rest) = setup
    api = as_staff(station_officer)
    url = f"/review/rounds/{review_round.pk}/results"
    assert api.get(url).status_code == 200
    me = Expert.objects.create(contest=contest, user=station_officer, name="北京赛站", employer="某研究院",
                               kind=ExpertKind.RESEARCH)
    assert api.get(url).status_code == 200  # an expert profile alone hides nothing
    ConflictDeclaration.objects.create(expert=me, project=a, source=ConflictSource.EXPERT, reason="曾任顾问",
                                       declared_by=secretariat)
    assert api.get(url).status_code == 404
    assert api.post(url).status_code == 404
    assert as_staff(secretariat).get(url).status_code == 200
