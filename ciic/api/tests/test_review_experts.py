"""The expert pool and conflicts through the API: the same services and rules as the pages
(refusals 422 with field and rule), station scoping (404 outside it), outsiders refused."""

from __future__ import annotations

import pytest

from ciic.accounts.enums import Role
from ciic.accounts.models import User
from ciic.review.enums import ConflictSource
from ciic.review.models import ConflictDeclaration, Expert, TeamAvoidance
from ciic.review.tests.test_conflicts import make_expert, make_org, make_project
from ciic.testing.personas import make_user

pytestmark = pytest.mark.django_db

BODY = {"name": "刘专家", "employer": "中国信息通信研究院", "kind": "research", "email": "liu@example.com",
        "directions": [], "keywords": "标识解析"}


def _errors(response) -> set[tuple[str, str]]:
    return {(e["field"], e["rule"]) for e in response.json()["errors"]}


def test_secretariat_adds_lists_and_changes_an_expert(as_bearer, secretariat, contest, direction):
    api = as_bearer(secretariat)
    r = api.post("/experts", {**BODY, "directions": [direction.code], "station": "beijing"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["directions"] == [direction.code] and body["station"] == "beijing" and not body["has_account"]
    assert [e["name"] for e in api.get("/experts", {"kind": "research"}).json()] == ["刘专家"]
    assert api.get("/experts", {"kind": "investment"}).json() == []
    r = api.put(f"/experts/{body['id']}", {**BODY, "kind": "enterprise"})
    assert r.status_code == 200 and r.json()["kind"] == "enterprise" and r.json()["station"] is None
    r = api.post(f"/experts/{body['id']}/active", {"active": False})
    assert r.status_code == 200 and r.json()["active"] is False


def test_refusals_name_field_and_rule(as_bearer, secretariat, contest):
    api = as_bearer(secretariat)
    r = api.post("/experts", {**BODY, "kind": "university", "employer": "", "directions": ["nope"],
                              "employer_credit_code": "123", "station": "nowhere"})
    assert r.status_code == 422
    assert _errors(r) == {("kind", "R-V5"), ("employer", "R-P8"), ("directions", "R-V5"),
                          ("employer_credit_code", "R-P8"), ("station", "R-V5")}
    assert not Expert.objects.exists()


def test_station_officer_sees_and_changes_only_their_station(as_bearer, station_officer, contest):
    other = contest.stations.exclude(code="beijing").first()
    theirs = make_expert(contest, "外站专家", "某研究院", station=other)
    api = as_bearer(station_officer)
    r = api.post("/experts", {**BODY, "station": other.code})
    assert r.status_code == 201 and r.json()["station"] == "beijing"
    assert [e["name"] for e in api.get("/experts").json()] == ["刘专家"]
    assert api.get(f"/experts/{theirs.pk}").status_code == 404
    assert api.put(f"/experts/{theirs.pk}", BODY).status_code == 404
    assert api.post(f"/experts/{theirs.pk}/invite").status_code == 404


def test_outsiders_are_refused(as_bearer, anonymous, team_lead, expert, contest):
    pooled = make_expert(contest, "专家", "单位")
    assert anonymous.get("/experts").status_code == 401
    for user in (team_lead, expert):
        api = as_bearer(user)
        assert api.get("/experts").status_code == 403
        assert api.post("/experts", BODY).status_code == 403
        assert api.get(f"/experts/{pooled.pk}").status_code == 404
        assert api.get("/conflicts").status_code == 403
        assert api.post("/conflicts", {"expert_id": pooled.pk, "project_id": 1, "reason": "x"}).status_code == 403
    assert Expert.objects.count() == 1


def test_invite_through_the_api(as_bearer, secretariat, contest, mailoutbox, django_capture_on_commit_callbacks):
    pooled = make_expert(contest, "专家", "单位", email="p@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        r = as_bearer(secretariat).post(f"/experts/{pooled.pk}/invite")
    assert r.status_code == 200 and r.json() == {"expert_id": pooled.pk, "account_created": True}
    assert mailoutbox[0].to == ["p@example.com"]
    # An expert account that exists without a password yet is linked, not created.
    User.objects.create_user(email="q@example.com", password=None, full_name="已有", role=Role.EXPERT)
    linked = make_expert(contest, "已有账号", "单位", email="q@example.com")
    r = as_bearer(secretariat).post(f"/experts/{linked.pk}/invite")
    assert r.status_code == 200 and r.json() == {"expert_id": linked.pk, "account_created": False}
    no_email = make_expert(contest, "无邮箱", "单位")
    r = as_bearer(secretariat).post(f"/experts/{no_email.pk}/invite")
    assert r.status_code == 422 and ("email", "R-V5") in _errors(r)


@pytest.fixture
def conflict_case(contest):
    parent = make_org(contest, 1, "母公司集团")
    project = make_project(contest, make_org(contest, 2, "参赛科技公司", parent=parent), 1)
    expert = make_expert(contest, "冲突专家", "母公司集团", station=contest.stations.get(code="beijing"))
    return project, expert


def test_conflicts_are_listed_with_reasons_and_staff_record_one(as_bearer, secretariat, contest, conflict_case):
    project, expert = conflict_case
    api = as_bearer(secretariat)
    listed = api.get("/conflicts").json()
    assert listed == [{"expert_id": expert.pk, "expert": "冲突专家", "project_id": project.pk,
                       "project": project.name, "organization": "参赛科技公司",
                       "conflicts": [{"source": "family",
                                      "reason": "专家任职单位“母公司集团”是参赛单位“参赛科技公司”的母公司",
                                      "possible": False, "avoidance_id": None}]}]
    assert api.get(f"/experts/{expert.pk}/conflicts").json() == listed
    other = make_expert(contest, "普通专家", "无关单位")
    r = api.post("/conflicts", {"expert_id": other.pk, "project_id": project.pk, "reason": " "})
    assert r.status_code == 422 and _errors(r) == {("reason", "R-P8")}
    r = api.post("/conflicts", {"expert_id": other.pk, "project_id": project.pk, "reason": "同事关系"})
    assert r.status_code == 201 and r.json()["conflicts"][0]["reason"] == "工作人员认定：同事关系"


def test_expert_declares_and_non_experts_cannot(as_bearer, contest, conflict_case, secretariat):
    project, expert = conflict_case
    user = make_user("api-expert@example.com", role=Role.EXPERT)
    Expert.objects.filter(pk=expert.pk).update(user=user)
    r = as_bearer(user).post("/conflicts/declare", {"project_id": project.pk, "reason": "曾任顾问"})
    assert r.status_code == 201
    assert ConflictDeclaration.objects.get(expert=expert).source == ConflictSource.EXPERT
    assert as_bearer(secretariat).post("/conflicts/declare", {"project_id": project.pk, "reason": "x"}).status_code == 403


def test_team_lead_names_an_avoidance_others_cannot(project, lead_api, other_api):
    r = lead_api.post(f"/projects/{project.pk}/avoidances", {"kind": "person", "name": "张三", "reason": "亲属"})
    assert r.status_code == 201 and r.json()["name"] == "张三"
    r = lead_api.post(f"/projects/{project.pk}/avoidances", {"kind": "x", "name": "", "reason": ""})
    assert r.status_code == 422 and _errors(r) == {("kind", "R-P8"), ("name", "R-P8"), ("reason", "R-P8")}
    assert [a["name"] for a in lead_api.get(f"/projects/{project.pk}/avoidances").json()] == ["张三"]
    assert other_api.post(f"/projects/{project.pk}/avoidances",
                          {"kind": "person", "name": "李四", "reason": "x"}).status_code == 404
    assert TeamAvoidance.objects.count() == 1


@pytest.fixture
def namesake_case(contest, conflict_case):
    """Two 张伟 of the Beijing station; the team named "张伟" only (a possible match for both)."""
    from ciic.review.conflicts import declare_avoidance
    from ciic.review.enums import AvoidanceKind

    project, _expert = conflict_case
    beijing = contest.stations.get(code="beijing")
    first = make_expert(contest, "张伟", "清华大学", station=beijing)
    second = make_expert(contest, "张伟", "北京航空航天大学", station=beijing)
    avoidance = declare_avoidance(project=project, kind=AvoidanceKind.PERSON, name="张伟", reason="纠纷",
                                  actor=project.team.lead)
    return project, avoidance, first, second


def test_staff_dismiss_a_possible_match_and_restore_it(as_bearer, secretariat, namesake_case):
    """R-P8: POST /conflicts/dismissals (201) clears that expert's possible match only; the list
    says which conflicts are possible and from which avoidance; DELETE (204) restores it."""
    from ciic.audit.models import AuditEntry
    from ciic.review.models import ConflictDismissal

    project, avoidance, first, second = namesake_case
    api = as_bearer(secretariat)
    listed = {row["expert_id"]: row["conflicts"] for row in api.get("/conflicts").json()}
    assert listed[first.pk] == [{"source": "team", "possible": True, "avoidance_id": avoidance.pk,
                                 "reason": "团队申报回避专家“张伟”：纠纷（仅按姓名匹配，可能是同名的另一位专家，请核实）"}]
    r = api.post("/conflicts/dismissals", {"avoidance_id": avoidance.pk, "expert_id": first.pk, "reason": "核实"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["avoidance_id"], body["expert_id"], body["project_id"], body["reason"], body["dismissed_by"]) == (
        avoidance.pk, first.pk, project.pk, "核实", "秘书处")
    listed = {row["expert_id"] for row in api.get("/conflicts").json()}
    assert first.pk not in listed and second.pk in listed
    assert AuditEntry.objects.filter(action="conflict.dismiss_possible").count() == 1
    assert api.delete(f"/conflicts/dismissals/{body['id']}").status_code == 204
    assert not ConflictDismissal.objects.exists()
    assert first.pk in {row["expert_id"] for row in api.get("/conflicts").json()}
    assert AuditEntry.objects.filter(action="conflict.restore_possible").count() == 1
    assert api.delete(f"/conflicts/dismissals/{body['id']}").status_code == 404


def test_dismissal_refusals_name_field_and_rule(as_bearer, secretariat, contest, namesake_case):
    """R-P8: no reason, or a definite conflict (here the corporate family), is a 422 with field and rule."""
    from ciic.review.models import ConflictDismissal

    _project, avoidance, first, _second = namesake_case
    api = as_bearer(secretariat)
    r = api.post("/conflicts/dismissals", {"avoidance_id": avoidance.pk, "expert_id": first.pk, "reason": " "})
    assert r.status_code == 422 and _errors(r) == {("reason", "R-P8")}
    family_namesake = make_expert(contest, "张伟", "母公司集团")
    r = api.post("/conflicts/dismissals", {"avoidance_id": avoidance.pk, "expert_id": family_namesake.pk,
                                           "reason": "核实"})
    assert r.status_code == 422 and _errors(r) == {("expert", "R-P8")}
    assert not ConflictDismissal.objects.exists()


def test_dismissals_outside_the_station_are_404_and_outsiders_refused(as_bearer, contest, namesake_case,
                                                                       secretariat, team_lead):
    """R-P8: an officer of another station sees neither the project nor the expert (404);
    a team lead is refused (403)."""
    from ciic.review.conflicts import dismiss_possible_conflict
    from ciic.review.models import ConflictDismissal

    _project, avoidance, first, second = namesake_case
    shanghai = contest.stations.exclude(code="beijing").first()
    officer = make_user("api-shanghai@example.com", role=Role.STATION_OFFICER, station=shanghai)
    api = as_bearer(officer)
    r = api.post("/conflicts/dismissals", {"avoidance_id": avoidance.pk, "expert_id": first.pk, "reason": "核实"})
    assert r.status_code == 404
    item = dismiss_possible_conflict(avoidance=avoidance, expert=second, reason="核实", actor=secretariat)
    assert api.delete(f"/conflicts/dismissals/{item.pk}").status_code == 404
    lead = as_bearer(team_lead)
    assert lead.post("/conflicts/dismissals", {"avoidance_id": avoidance.pk, "expert_id": first.pk,
                                               "reason": "核实"}).status_code == 403
    assert lead.delete(f"/conflicts/dismissals/{item.pk}").status_code == 403
    assert list(ConflictDismissal.objects.values_list("expert_id", flat=True)) == [second.pk]
