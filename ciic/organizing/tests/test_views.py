"""The organizing pages: each role's pages work, outsiders get 404, bad input is refused with
the field and the rule and changes nothing, and no page answers 500."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from ciic.awards.tests.conftest import finals  # noqa: F401 - the fixture
from ciic.organizing import meetings, services
from ciic.organizing.enums import Side
from ciic.organizing.models import (
    ContactReceipt,
    Meeting,
    MeetingRequest,
    OrganizingUnit,
    Recommendation,
)
from ciic.organizing.receipts import HEADERS, TITLE
from ciic.testing.personas import make_user, verified_client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_unit_contact_sees_the_workbench(unit, unit_contact):
    r = verified_client(unit_contact).get("/organizing/unit/")
    assert r.status_code == 200
    assert unit.invitation_code in r.content.decode()


def test_others_get_404_on_the_unit_pages(unit, team_lead, other_contact, secretariat):
    for user in (team_lead, other_contact):
        client = verified_client(user)
        assert client.get(f"/organizing/units/{unit.pk}/").status_code == 404
        assert client.get("/organizing/ranking/").status_code == 404
        assert client.get("/organizing/receipts.xlsx").status_code == 404
    assert verified_client(team_lead).get("/organizing/unit/").status_code == 404


def test_receipt_online_with_a_bad_field_names_it_and_changes_nothing(unit, unit_contact):
    client = verified_client(unit_contact)
    r = client.post("/organizing/unit/receipt/", {"contact_name": "", "title": "处长", "contact_info": "13800138000"},
                    follow=True)
    assert any("联系人" in m and "R-O1" in m for m in messages_of(r))
    nul = client.post("/organizing/unit/receipt/", {"contact_name": "王\x00", "title": "处长",
                                                     "contact_info": "13800138000"})
    assert nul.status_code == 400
    assert not ContactReceipt.objects.exists()
    client.post("/organizing/unit/receipt/", {"contact_name": "王联络", "title": "处长", "contact_info": "13800138000"})
    assert ContactReceipt.objects.get(unit=unit).contact_name == "王联络"


def test_the_form_offered_uploads_back(unit, unit_contact):
    client = verified_client(unit_contact)
    form = client.get("/organizing/unit/receipt/form.xlsx")
    book = load_workbook(io.BytesIO(form.content))
    sheet = book.active
    assert sheet["A2"].value == TITLE and tuple(c.value for c in sheet[3]) == HEADERS
    sheet["C4"], sheet["D4"], sheet["E4"] = "李联络", "科长", "0571-88886666"
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "receipt.xlsx"
    client.post("/organizing/unit/receipt/upload/", {"file": buffer})
    assert ContactReceipt.objects.get(unit=unit).contact_name == "李联络"


def test_secretariat_exports_every_receipt_in_the_notice_layout(unit, other_unit, unit_contact, other_contact,
                                                                 secretariat):
    services.submit_receipt(unit=unit, contact_name="王", title="处长", contact_info="13800138000", actor=unit_contact)
    services.submit_receipt(unit=other_unit, contact_name="赵", title="主任", contact_info="a@b.cn",
                            actor=other_contact)
    r = verified_client(secretariat).get("/organizing/receipts.xlsx")
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=3)]
    assert rows[0] == HEADERS
    assert rows[1:] == [(1, unit.name, "王", "处长", "13800138000"), (2, other_unit.name, "赵", "主任", "a@b.cn")]


def test_secretariat_adds_a_unit_and_a_bad_code_is_named(contest, secretariat):
    client = verified_client(secretariat)
    r = client.post("/organizing/units/", {"kind": "central_soe", "name": "某集团", "credit_code": "123"}, follow=True)
    assert any("统一社会信用代码" in m and "R-P1" in m for m in messages_of(r))
    assert not OrganizingUnit.objects.exists()
    client.post("/organizing/units/", {"kind": "central_soe", "name": "某集团"})
    assert OrganizingUnit.objects.get().name == "某集团"


def test_invitation_link_prefills_the_recommendation(unit, team, team_lead):
    client = verified_client(team_lead)
    r = client.get(f"/organizing/invite/{unit.invitation_code}/", follow=True)
    assert r.status_code == 200 and unit.name in r.content.decode()
    client.post("/organizing/recommend/", {"team": team.pk, "code": unit.invitation_code})
    rec = Recommendation.objects.get(team=team)
    assert rec.unit == unit and rec.via_invitation


def test_another_leads_team_cannot_be_recommended(unit, team, other_lead):
    r = verified_client(other_lead).post("/organizing/recommend/", {"team": team.pk, "unit": unit.pk})
    assert r.status_code == 404
    assert not Recommendation.objects.exists()


@pytest.mark.parametrize("path", ["/organizing/invite/%00/", "/organizing/units/99999999999999999999/",
                                  "/organizing/meetings/2147483648/", "/organizing/attachments/1/"])
def test_odd_addresses_are_4xx_never_500(path, secretariat):
    assert verified_client(secretariat).get(path).status_code in (400, 404)


def test_recommend_with_nul_and_huge_ids_is_404(unit, team, team_lead):
    client = verified_client(team_lead)
    assert client.post("/organizing/recommend/", {"team": "1\x00", "unit": unit.pk}).status_code in (400, 404)
    assert client.post("/organizing/recommend/", {"team": str(10**30), "unit": unit.pk}).status_code == 404
    r = client.post("/organizing/recommend/", {"team": team.pk, "unit": str(10**30)}, follow=True)
    assert any("R-O1" in m for m in messages_of(r))


def test_ranking_page_shows_figures_and_how_the_score_was_computed(contest, unit, secretariat, finals):  # noqa: F811
    Recommendation.objects.create(team=finals.projects[0].team, unit=unit, created_by=secretariat)
    r = verified_client(secretariat).get("/organizing/ranking/")
    body = r.content.decode()
    assert "晋级全国总决赛" in body and "sqrt" in body and unit.name in body
    r = verified_client(secretariat).post("/organizing/ranking/", {"unit": unit.pk, "reason": "组织有力"}, follow=True)
    assert any(unit.name in m for m in messages_of(r))


# --- meetings --------------------------------------------------------------------------------


@pytest.fixture
def meeting(contest, secretariat):
    return meetings.create_meeting(contest=contest, kind="investment", title="资本相亲会",
                                   starts_at=timezone.now() + dt.timedelta(days=2), venue="宁波", slots=3, tables=2,
                                   actor=secretariat)


def test_secretariat_creates_a_meeting_with_the_spec_slot_length(contest, secretariat):
    client = verified_client(secretariat)
    r = client.post("/organizing/meetings/", {"kind": "investment", "title": "资本相亲会",
                                              "starts_at": "2030-12-10T09:00", "venue": "宁波", "slots": "6",
                                              "tables": "4", "slot_minutes": ""})
    meeting = Meeting.objects.get()
    assert r.status_code == 302 and meeting.slot_minutes == 20


def test_bad_meeting_input_names_the_fields(contest, secretariat):
    r = verified_client(secretariat).post("/organizing/meetings/", {
        "kind": "investment", "title": "x", "starts_at": "2030-13-45T99:00", "venue": "宁波", "slots": "1e9",
        "tables": "2"}, follow=True)
    assert any("R-S1" in m for m in messages_of(r))
    assert not Meeting.objects.exists()


def test_only_staff_create_meetings_and_run_the_schedule(meeting, team_lead):
    client = verified_client(team_lead)
    assert client.post("/organizing/meetings/", {"kind": "investment"}).status_code == 404
    assert client.post(f"/organizing/meetings/{meeting.pk}/schedule/").status_code == 404
    assert client.get(f"/organizing/meetings/{meeting.pk}/tables.xlsx").status_code == 404


def test_investor_and_team_meet_through_the_pages(meeting, finals, secretariat):  # noqa: F811
    investor = make_user("vc@example.com", full_name="投资人")
    inv = verified_client(investor)
    inv.post(f"/organizing/meetings/{meeting.pk}/register/", {
        "kind": "investor", "organization": "甬江创投", "capacity": "2", "directions": ["quality"]})
    team = finals.projects[0].team
    lead = verified_client(team.lead)
    lead.post(f"/organizing/meetings/{meeting.pk}/opt-in/", {"team": team.pk, "summary": "质量追溯", "capacity": "2"})
    profile = team.meeting_profiles.get()
    inv.post(f"/organizing/meetings/{meeting.pk}/requests/", {"target": profile.pk})
    req = MeetingRequest.objects.get()
    assert verified_client(investor).post(f"/organizing/requests/{req.pk}/answer/", {"accept": "1"}).status_code == 404
    lead.post(f"/organizing/requests/{req.pk}/answer/", {"accept": "1"})
    verified_client(secretariat).post(f"/organizing/meetings/{meeting.pk}/schedule/")
    req.refresh_from_db()
    assert req.slot is not None
    a = inv.get(f"/organizing/meetings/{meeting.pk}/agenda/").content.decode()
    b = lead.get(f"/organizing/meetings/{meeting.pk}/agenda/").content.decode()
    assert f"第 {req.table} 桌" in a and f"第 {req.table} 桌" in b
    ics = inv.get(f"/organizing/meetings/{meeting.pk}/agenda.ics")
    assert ics["Content-Type"].startswith("text/calendar") and b"BEGIN:VEVENT" in ics.content
    plan = verified_client(secretariat).get(f"/organizing/meetings/{meeting.pk}/tables.xlsx")
    sheet = load_workbook(io.BytesIO(plan.content)).active
    assert [c.value for c in sheet[3]][3:7] == [req.table, "甬江创投", "投资机构", team.name]


def test_a_stranger_cannot_answer_or_see_an_agenda(meeting, finals, other_lead):  # noqa: F811
    investor = make_user("vc@example.com")
    participant = meetings.register_participant(meeting=meeting, user=investor, kind="investor", organization="基金",
                                                capacity=1)
    profile = meetings.opt_in_team(meeting=meeting, team=finals.projects[0].team, summary="x", capacity=1,
                                   actor=finals.projects[0].team.lead)
    req = meetings.request_meeting(participant=participant, profile=profile, initiated_by=Side.PARTICIPANT,
                                   actor=investor)
    client = verified_client(other_lead)
    assert client.post(f"/organizing/requests/{req.pk}/answer/", {"accept": "1"}).status_code == 404
    assert client.get(f"/organizing/meetings/{meeting.pk}/agenda/").status_code == 404
    req.refresh_from_db()
    assert req.status == "open"


def test_team_lead_sees_and_answers_their_benefits_only(finals, secretariat, other_lead):  # noqa: F811
    team = finals.projects[0].team
    benefit = meetings.offer_benefit(team=team, code="training", actor=secretariat)
    assert "政策宣贯" in verified_client(team.lead).get("/organizing/benefits/").content.decode()
    assert verified_client(other_lead).post("/organizing/benefits/", {"benefit": benefit.pk, "status": "accepted"}
                                            ).status_code == 404
    verified_client(team.lead).post("/organizing/benefits/", {"benefit": benefit.pk, "status": "accepted"})
    benefit.refresh_from_db()
    assert benefit.status == "accepted"


# --- query counts (style.md habit 5) ---------------------------------------------------------


def _count(client, path) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx)


def test_unit_list_queries_do_not_grow_with_units(contest, secretariat, unit, unit_contact):
    client = verified_client(secretariat)
    services.submit_receipt(unit=unit, contact_name="王", title="处长", contact_info="13800138000", actor=unit_contact)
    few = _count(client, "/organizing/units/")
    for i in range(5):
        other = services.create_unit(contest=contest, kind="industry_association", name=f"协会{i}", actor=secretariat)
        services.submit_receipt(unit=other, contact_name="赵", title="主任", contact_info="13800138001",
                                actor=secretariat)
        services.submit_report(unit=other, text="组织情况", actor=secretariat)
    assert _count(client, "/organizing/units/") == few


def test_meeting_page_queries_do_not_grow_with_requests(meeting, finals, secretariat):  # noqa: F811
    client = verified_client(secretariat)
    investors = [meetings.register_participant(meeting=meeting, user=make_user(f"vc{i}@example.com"),
                                               kind="investor", organization=f"基金{i}", capacity=2) for i in range(4)]
    profiles = [meetings.opt_in_team(meeting=meeting, team=p.team, summary="简介", capacity=2, actor=p.team.lead)
                for p in finals.projects[:3]]
    meetings.request_meeting(participant=investors[0], profile=profiles[0], initiated_by=Side.PARTICIPANT,
                             actor=investors[0].user)
    few = _count(client, f"/organizing/meetings/{meeting.pk}/")
    for inv in investors[1:]:
        for prof in profiles:
            meetings.request_meeting(participant=inv, profile=prof, initiated_by=Side.PARTICIPANT, actor=inv.user)
    assert _count(client, f"/organizing/meetings/{meeting.pk}/") == few


ODD = ["", "abc", "-1", "0", "1e999", "99999999999999999999999", "1.5", "Ｘ", "١٢", "NaN", "inf"]


@pytest.mark.parametrize("value", ODD)
def test_odd_numbers_in_meeting_forms_are_refused_never_500(value, meeting, finals, secretariat):  # noqa: F811
    investor = make_user("vc@example.com")
    inv = verified_client(investor)
    r = inv.post(f"/organizing/meetings/{meeting.pk}/register/", {
        "kind": "investor", "organization": "基金", "capacity": value, "available": [value], "directions": [value]})
    assert r.status_code == 302
    team = finals.projects[0].team
    r = verified_client(team.lead).post(f"/organizing/meetings/{meeting.pk}/opt-in/", {
        "team": team.pk, "summary": "简介", "capacity": value, "financing": value, "available": [value]})
    assert r.status_code == 302
    staff = verified_client(secretariat)
    r = staff.post("/organizing/meetings/", {"kind": "investment", "title": "t", "starts_at": value, "venue": "v",
                                             "slots": value, "tables": value, "slot_minutes": value})
    assert r.status_code == 302
    r = staff.post("/organizing/benefits/", {"action": "offer", "team": value, "code": "training"})
    assert r.status_code in (302, 404)
    assert Meeting.objects.count() == 1


def test_lock_with_odd_places_is_refused_and_changes_nothing(meeting, finals, secretariat):  # noqa: F811
    investor = make_user("vc@example.com")
    participant = meetings.register_participant(meeting=meeting, user=investor, kind="investor", organization="基金",
                                                capacity=1)
    team = finals.projects[0].team
    profile = meetings.opt_in_team(meeting=meeting, team=team, summary="x", capacity=1, actor=team.lead)
    req = meetings.request_meeting(participant=participant, profile=profile, initiated_by=Side.PARTICIPANT,
                                   actor=investor)
    meetings.answer_request(request=req, accept=True, actor=team.lead)
    staff = verified_client(secretariat)
    for slot, table in (("99999999999999999999", ""), ("1", "0"), ("", "2"), ("x", "y")):
        r = staff.post(f"/organizing/requests/{req.pk}/lock/", {"locked": "1", "slot": slot, "table": table},
                       follow=True)
        assert any("R-S1" in m for m in messages_of(r)), (slot, table)
    req.refresh_from_db()
    assert not req.locked
    assert verified_client(investor).post(f"/organizing/requests/{req.pk}/lock/", {"locked": "1"}).status_code == 404


def test_dashboard_leads_each_role_to_its_organizing_pages(unit_contact, team_lead):
    assert "/organizing/unit/" in verified_client(unit_contact).get("/dashboard/").content.decode()
    body = verified_client(team_lead).get("/dashboard/").content.decode()
    assert "/organizing/recommend/" in body and "/organizing/unit/" not in body


def test_the_unit_page_shows_no_representative_data(unit, unit_contact, team, team_lead):
    Recommendation.objects.create(team=team, unit=unit, created_by=team_lead)
    body = verified_client(unit_contact).get("/organizing/unit/").content.decode()
    rep = team.representatives.get()
    assert team.name in body
    for secret in (rep.name, rep.mobile, rep.id_number, rep.email, rep.masked_mobile, rep.masked_id_number):
        assert secret not in body


def test_an_invitation_waits_while_the_newcomer_registers_a_team(unit, team_lead):
    client = verified_client(team_lead)
    client.get(f"/organizing/invite/{unit.invitation_code}/")
    assert "您还没有作为负责人报名的团队" in client.get("/organizing/recommend/").content.decode()
    # ... the lead registers a team (the `team` fixture's way), then comes back without the link.
    from ciic.review.tests.test_rounds import make_project

    project = make_project(unit.contest, 5)
    project.team.lead = team_lead
    project.team.save(update_fields=["lead"])
    body = client.get("/organizing/recommend/").content.decode()
    assert f'value="{unit.invitation_code}"' in body
    client.post("/organizing/recommend/", {"team": project.team.pk, "code": unit.invitation_code})
    assert Recommendation.objects.get(team=project.team).via_invitation
    assert f'value="{unit.invitation_code}"' not in client.get("/organizing/recommend/").content.decode()


def test_the_secretariat_sees_late_receipts_and_reports_marked(unit, other_unit, unit_contact, secretariat,
                                                                deadline_of):
    late = deadline_of("contact_receipt") + dt.timedelta(hours=2)
    services.submit_receipt(unit=unit, contact_name="王", title="处长", contact_info="13800138000", actor=unit_contact,
                            now=late)
    services.submit_report(unit=unit, text="组织情况", actor=unit_contact,
                           now=deadline_of("organizing_report") + dt.timedelta(hours=2))
    services.submit_receipt(unit=other_unit, contact_name="赵", title="主任", contact_info="13800138001",
                            actor=secretariat, now=deadline_of("contact_receipt") - dt.timedelta(days=1))
    body = verified_client(secretariat).get("/organizing/units/").content.decode()
    row = body.split(unit.name, 1)[1].split("</tr>", 1)[0]
    other = body.split(other_unit.name, 1)[1].split("</tr>", 1)[0]
    assert row.count("逾期") == 2
    assert "逾期" not in other


def test_the_organizing_address_takes_each_role_to_its_page(secretariat, team_lead):
    from django.test import Client

    from ciic.testing.personas import make_user, verified_client

    contact = make_user("unit-contact-index@example.com", role="organizing_contact")
    for user, target in ((secretariat, "/organizing/units/"), (team_lead, "/organizing/meetings/"),
                         (contact, "/organizing/unit/")):
        response = verified_client(user, Client()).get("/organizing/")
        assert response.status_code == 302 and response["Location"] == target, user
    assert Client().get("/organizing/").status_code == 302  # anonymous: log in first
