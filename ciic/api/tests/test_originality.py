"""The originality check through the API (R-J2, R-J3): the secretariat lists and starts runs,
reads the pairs, records verdicts and disqualifies; refusals are 422 with the rule, and nobody
else gets in."""

from __future__ import annotations

import random

import pytest

from ciic.audit.models import AuditEntry
from ciic.engines import originality_testdata as testdata
from ciic.notifications.models import Notification
from ciic.projects.enums import ProjectStatus
from ciic.projects.models import OriginalityPair, OriginalityRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair_projects(entry):
    source = testdata.application(random.Random(5), 2500)
    return [entry(1, source.text), entry(2, testdata.near_duplicate(random.Random(6), source).text),
            entry(3, testdata.application(random.Random(7), 2500).text)]


@pytest.fixture
def office_api(as_bearer, secretariat):
    return as_bearer(secretariat)


@pytest.fixture
def checked(pair_projects, office_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = office_api.post("/originality/runs")
    assert r.status_code == 201, r.content
    return OriginalityRun.objects.get(pk=r.json()["id"])


def test_api_start_run_and_read_its_progress_and_pairs(checked, office_api, pair_projects):
    run = office_api.get(f"/originality/runs/{checked.pk}").json()
    assert (run["status"], run["trigger"], run["percent"], run["pairs_found"]) == ("done", "manual", 100, 1)
    assert run["total"] == run["done"] == 3 + 4  # three applications, four past winners with text
    assert [r["id"] for r in office_api.get("/originality/runs").json()] == [checked.pk]
    pairs = office_api.get(f"/originality/runs/{checked.pk}/pairs").json()
    assert len(pairs) == 1
    pair = pairs[0]
    assert pair["rule"] == "R-J2" and pair["similarity"] >= run["threshold"] and pair["past_winner"] is None
    assert {pair["left"]["project_id"], pair["right"]["project_id"]} == {pair_projects[0].pk, pair_projects[1].pk}
    assert pair["left"]["version"] == 1 and pair["left"]["station"] == "beijing"
    assert pair["shared_passages"] and pair["verdict"] == "pending"


def test_api_second_start_while_one_is_queued_is_422(pair_projects, office_api, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert office_api.post("/originality/runs").json()["status"] == "queued"
    r = office_api.post("/originality/runs")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "__all__" and r.json()["errors"][0]["rule"] == "state"
    assert OriginalityRun.objects.count() == 1


def test_api_verdict_is_audited_and_refusals_name_the_rule(checked, office_api):
    pair = checked.pairs.get()
    r = office_api.post(f"/originality/pairs/{pair.pk}/verdict", {"verdict": "acted"})
    assert r.status_code == 422
    assert r.json() == {"errors": [{"field": "note", "rule": "R-J2", "message": "请写明处理情况"}]}
    r = office_api.post(f"/originality/pairs/{pair.pk}/verdict", {"verdict": "maybe"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "verdict"
    assert not AuditEntry.objects.filter(action="originality.judge").exists()
    r = office_api.post(f"/originality/pairs/{pair.pk}/verdict", {"verdict": "cleared", "note": "合作单位共用文本"})
    assert r.status_code == 200 and (r.json()["verdict"], r.json()["verdict_note"]) == ("cleared", "合作单位共用文本")
    assert AuditEntry.objects.filter(action="originality.judge", object_id=str(pair.pk)).count() == 1


def test_api_disqualify_from_a_pair(checked, office_api, pair_projects):
    pair = checked.pairs.get()
    copy = pair.right.project
    r = office_api.post(f"/originality/pairs/{pair.pk}/disqualify",
                        {"project_id": pair_projects[2].pk, "rule": "R-J2", "reason": "x"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "project"
    r = office_api.post(f"/originality/pairs/{pair.pk}/disqualify",
                        {"project_id": copy.pk, "rule": "R-Z1", "reason": "抄袭"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rule"
    r = office_api.post(f"/originality/pairs/{pair.pk}/disqualify",
                        {"project_id": copy.pk, "rule": "R-J2", "reason": ""})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    copy.refresh_from_db()
    assert copy.status == ProjectStatus.ACTIVE
    r = office_api.post(f"/originality/pairs/{pair.pk}/disqualify",
                        {"project_id": copy.pk, "rule": "R-J2", "reason": "抄袭"})
    assert r.status_code == 200, r.content
    assert r.json()["verdict"] == "acted" and r.json()["right"]["project_status"] == "disqualified"
    copy.refresh_from_db()
    assert copy.status_reason == "【R-J2】抄袭"
    assert Notification.objects.filter(user=copy.team.lead, kind="project_disqualified").exists()
    assert AuditEntry.objects.filter(action="project.disqualify", object_id=str(copy.pk)).exists()


def test_api_existing_disqualify_endpoint_notifies_the_team(pair_projects, office_api):
    project = pair_projects[2]
    r = office_api.post(f"/projects/{project.pk}/disqualify", {"reason": "提供虚假信息"})
    assert r.status_code == 200 and r.json()["status"] == "disqualified"
    assert Notification.objects.filter(user=project.team.lead, kind="project_disqualified").count() == 1


def test_api_only_the_secretariat(checked, as_bearer, as_staff, station_officer, pair_projects, anonymous):
    pair = checked.pairs.get()
    lead = as_bearer(pair_projects[0].team.lead)
    officer = as_staff(station_officer)
    calls = [("get", "/originality/runs", None), ("post", "/originality/runs", {}),
             ("get", f"/originality/runs/{checked.pk}", None), ("get", f"/originality/runs/{checked.pk}/pairs", None),
             ("post", f"/originality/pairs/{pair.pk}/verdict", {"verdict": "cleared"}),
             ("post", f"/originality/pairs/{pair.pk}/disqualify",
              {"project_id": pair.right.project_id, "rule": "R-J2", "reason": "x"})]
    for method, path, body in calls:
        for who, status in ((lead, 403), (officer, 403), (anonymous, 401)):
            r = who.call(method, path, body)
            assert r.status_code == status, (method, path, r.status_code)
    pair.refresh_from_db()
    assert pair.verdict == OriginalityPair.Verdict.PENDING and OriginalityRun.objects.count() == 1
    assert {type(p).objects.get(pk=p.pk).status for p in pair_projects} == {ProjectStatus.ACTIVE}
