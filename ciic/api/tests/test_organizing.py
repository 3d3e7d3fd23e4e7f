"""/api/v1/organizing: the same services as the pages, the error shape, and 404 for what the
caller may not see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ciic.awards.tests.conftest import finals  # noqa: F401 - the fixture
from ciic.organizing.models import ContactReceipt, MeetingRequest, OrganizingUnit, Recommendation
from ciic.organizing.tests.conftest import other_contact, other_unit, unit, unit_contact  # noqa: F401
from ciic.testing.personas import make_user


def errors(r) -> set[tuple[str, str]]:
    return {(e["field"], e["rule"]) for e in r.json()["errors"]}


def test_secretariat_adds_a_unit_and_a_bad_one_names_field_and_rule(as_staff, secretariat, contest):
    api = as_staff(secretariat)
    r = api.post("/organizing/units", {"kind": "nope", "name": "", "credit_code": "12345"})
    assert r.status_code == 422
    assert errors(r) == {("kind", "R-O1"), ("name", "R-O1"), ("credit_code", "R-P1")}
    assert not OrganizingUnit.objects.exists()
    r = api.post("/organizing/units", {"kind": "industry_association", "name": "中国工业互联网研究会"})
    assert r.status_code == 201 and len(r.json()["invitation_code"]) == 8


def test_units_are_the_secretariats(lead_api, contest):
    assert lead_api.get("/organizing/units").status_code == 403
    assert lead_api.get("/organizing/ranking").status_code == 403


def test_unit_contact_returns_the_receipt_and_report(as_bearer, unit, unit_contact):  # noqa: F811
    api = as_bearer(unit_contact)
    r = api.put("/organizing/my-unit/receipt", {"contact_name": "王联络", "title": "处长",
                                                "contact_info": "0571-87051234"})
    assert r.status_code == 200 and r.json()["late"] is False
    r = api.put("/organizing/my-unit/report", {"text": "组织 20 家单位参赛"})
    assert r.status_code == 200
    assert api.get("/organizing/my-unit").json()["receipt"]["contact_name"] == "王联络"


def test_bad_receipt_changes_nothing(as_bearer, unit, unit_contact):  # noqa: F811
    r = as_bearer(unit_contact).put("/organizing/my-unit/receipt", {"contact_name": "王", "title": "",
                                                                     "contact_info": "前台"})
    assert r.status_code == 422 and errors(r) == {("title", "R-O1"), ("contact_info", "R-O1")}
    assert not ContactReceipt.objects.exists()


def test_my_unit_is_404_for_a_team_lead(lead_api, unit):  # noqa: F811
    assert lead_api.get("/organizing/my-unit").status_code == 404


def test_recommendation_by_code_and_never_for_another_leads_team(lead_api, other_api, team, unit):  # noqa: F811
    assert other_api.put(f"/organizing/teams/{team.pk}/recommendation",
                         {"invitation_code": unit.invitation_code}).status_code == 404
    r = lead_api.put(f"/organizing/teams/{team.pk}/recommendation", {"invitation_code": "ZZZZ9999"})
    assert r.status_code == 422 and errors(r) == {("invitation_code", "R-O1")}
    r = lead_api.put(f"/organizing/teams/{team.pk}/recommendation", {"invitation_code": unit.invitation_code})
    assert r.status_code == 200 and r.json()["via_invitation"] is True
    assert Recommendation.objects.get(team=team).unit == unit


def test_unit_teams_carry_no_personal_data(as_bearer, unit, unit_contact, team, team_lead):  # noqa: F811
    Recommendation.objects.create(team=team, unit=unit, created_by=team_lead)
    r = as_bearer(unit_contact).get("/organizing/my-unit/teams")
    body = r.content.decode()
    rep = team.representatives.get()
    assert r.json()[0]["name"] == team.name
    assert rep.name not in body and rep.mobile not in body and rep.id_number not in body


def test_huge_and_foreign_ids_are_4xx(as_staff, secretariat, contest):
    api = as_staff(secretariat)
    assert api.get("/organizing/meetings/99999999999999999999").status_code in (404, 422)
    assert api.post("/organizing/requests/2147483647/answer", {"accept": True}).status_code == 404


def test_meeting_flow_through_the_api(as_staff, as_bearer, secretariat, finals):  # noqa: F811
    staff = as_staff(secretariat)
    r = staff.post("/organizing/meetings", {"kind": "investment", "title": "资本相亲会",
                                            "starts_at": (timezone.now() + dt.timedelta(days=3)).isoformat(),
                                            "venue": "宁波", "slots": 4, "tables": 2})
    assert r.status_code == 201 and r.json()["slot_minutes"] == 20
    meeting_id = r.json()["id"]
    investor = as_bearer(make_user("vc@example.com"))
    r = investor.post(f"/organizing/meetings/{meeting_id}/participants", {
        "kind": "investor", "organization": "甬江创投", "capacity": 2, "available": [99]})
    assert r.status_code == 422 and errors(r) == {("available", "R-S1")}
    investor.post(f"/organizing/meetings/{meeting_id}/participants",
                  {"kind": "investor", "organization": "甬江创投", "capacity": 2})
    team = finals.projects[0].team
    lead = as_bearer(team.lead)
    r = lead.post(f"/organizing/meetings/{meeting_id}/profiles", {"team_id": team.pk, "summary": "质量追溯",
                                                                   "capacity": 2, "financing": "1500"})
    assert r.status_code == 201
    r = investor.post(f"/organizing/meetings/{meeting_id}/requests", {"profile_id": r.json()["id"]})
    assert r.status_code == 201
    request_id = r.json()["id"]
    assert investor.post(f"/organizing/requests/{request_id}/answer", {"accept": True}).status_code == 404
    assert lead.post(f"/organizing/requests/{request_id}/answer", {"accept": True}).json()["status"] == "accepted"
    assert lead.post(f"/organizing/meetings/{meeting_id}/schedule").status_code == 403
    assert staff.post(f"/organizing/meetings/{meeting_id}/schedule").json()["meetings"] == 1
    mine = investor.get(f"/organizing/meetings/{meeting_id}/agenda").json()
    theirs = lead.get(f"/organizing/meetings/{meeting_id}/agenda").json()
    assert [(m["slot"], m["table"]) for m in mine] == [(m["slot"], m["table"]) for m in theirs]
    assert MeetingRequest.objects.get(pk=request_id).slot is not None


@pytest.mark.parametrize("payload", [{"kind": "investment", "title": "x", "starts_at": "not a date", "venue": "v",
                                      "slots": 2, "tables": 2},
                                     {"kind": "investment", "title": "x", "starts_at": "2030-01-01T09:00:00+08:00",
                                      "venue": "v", "slots": 10**20, "tables": 2}])
def test_malformed_meeting_is_refused_with_the_error_shape(as_staff, secretariat, contest, payload):
    r = as_staff(secretariat).post("/organizing/meetings", payload)
    assert r.status_code in (400, 422)
    assert "errors" in r.json()
