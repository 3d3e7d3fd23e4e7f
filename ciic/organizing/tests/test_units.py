"""Organizing units, the contact receipt (附件2), the organizing report and recommendations
(R-O1, R-O2, R-T2)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError

from ciic.demo.identifiers import make_credit_code
from ciic.organizing import services
from ciic.organizing.enums import ReceiptSource
from ciic.organizing.models import ContactReceipt, OrganizingUnit, Recommendation
from ciic.organizing.receipts import HEADERS, TITLE, ReceiptRow, read_receipt_form, receipt_workbook
from ciic.review.tests.test_rounds import make_project


def fields(exc) -> dict[str, list[str]]:
    return {f: [e.code for e in errs] for f, errs in exc.value.error_dict.items()}


def xlsx(book) -> io.BytesIO:
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


# --- units -----------------------------------------------------------------------------------


def test_unit_kind_must_be_one_of_the_spec(contest, secretariat):
    with pytest.raises(ValidationError) as exc:
        services.create_unit(contest=contest, kind="bank", name="某银行", actor=secretariat)
    assert fields(exc) == {"kind": ["R-O1"]}
    assert not OrganizingUnit.objects.exists()


def test_unit_credit_code_is_checked_with_its_check_digit(contest, secretariat):
    good = make_credit_code(42)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        services.create_unit(contest=contest, kind="central_soe", name="某集团", credit_code=bad, actor=secretariat)
    assert fields(exc) == {"credit_code": ["R-P1"]}
    unit = services.create_unit(contest=contest, kind="central_soe", name="某集团", credit_code=good,
                                actor=secretariat)
    assert unit.credit_code == good and len(unit.invitation_code) == 8


def test_unit_name_with_a_nul_byte_is_refused(contest, secretariat):
    with pytest.raises(ValidationError) as exc:
        services.create_unit(contest=contest, kind="central_soe", name="某\x00集团", actor=secretariat)
    assert fields(exc) == {"name": ["R-O1"]}


def test_a_unit_account_has_the_organizing_contact_role(unit, secretariat):
    user = services.add_unit_account(unit=unit, email="contact@zj.gov.cn", full_name="钱联络", actor=secretariat)
    assert user.role == "organizing_contact"
    assert user.organizing_account.unit == unit
    with pytest.raises(ValidationError) as exc:
        services.add_unit_account(unit=unit, email="contact@zj.gov.cn", full_name="钱联络", actor=secretariat)
    assert fields(exc) == {"email": ["R-O1"]}


# --- the receipt -----------------------------------------------------------------------------


def test_one_contact_per_unit_a_second_receipt_replaces_the_first(unit, unit_contact):
    services.submit_receipt(unit=unit, contact_name="王联络", title="处长", contact_info="0571-87051234",
                            actor=unit_contact)
    services.submit_receipt(unit=unit, contact_name="孙联络", title="副处长", contact_info="13800138000",
                            actor=unit_contact)
    assert ContactReceipt.objects.filter(unit=unit).count() == 1
    assert ContactReceipt.objects.get(unit=unit).contact_name == "孙联络"


def test_the_database_holds_one_receipt_per_unit(unit, unit_contact):
    from django.db import IntegrityError, transaction

    services.submit_receipt(unit=unit, contact_name="王联络", title="处长", contact_info="0571-87051234",
                            actor=unit_contact)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactReceipt.objects.create(unit=unit, contact_name="二", title="二", contact_info="13800138000",
                                      submitted_by=unit_contact)


def test_receipt_after_the_deadline_is_accepted_and_marked_late(unit, unit_contact, deadline_of):
    due = deadline_of("contact_receipt")
    receipt = services.submit_receipt(unit=unit, contact_name="王联络", title="处长", contact_info="13800138000",
                                      actor=unit_contact, now=due + dt.timedelta(seconds=1))
    assert receipt.is_late
    receipt = services.submit_receipt(unit=unit, contact_name="王联络", title="处长", contact_info="13800138001",
                                      actor=unit_contact, now=due + dt.timedelta(days=2))
    assert receipt.is_late  # still late: the first return was


def test_receipt_on_time_stays_on_time_when_corrected_later(unit, unit_contact, deadline_of):
    due = deadline_of("contact_receipt")
    services.submit_receipt(unit=unit, contact_name="王联络", title="处长", contact_info="13800138000",
                            actor=unit_contact, now=due - dt.timedelta(days=1))
    receipt = services.submit_receipt(unit=unit, contact_name="王联络", title="处长", contact_info="13900139000",
                                      actor=unit_contact, now=due + dt.timedelta(days=1))
    assert not receipt.is_late


def test_receipt_needs_a_phone_or_email_and_names_each_field(unit, unit_contact):
    with pytest.raises(ValidationError) as exc:
        services.submit_receipt(unit=unit, contact_name="", title="处长\x00", contact_info="找前台",
                                actor=unit_contact)
    assert fields(exc) == {"contact_name": ["R-O1"], "title": ["R-O1"], "contact_info": ["R-O1"]}
    assert not ContactReceipt.objects.exists()


def test_receipt_excel_round_trips_in_the_notice_layout(unit, unit_contact):
    book = receipt_workbook([ReceiptRow(unit.name, "王联络", "处长", "0571-87051234")])
    sheet = book.active
    assert sheet["A2"].value == TITLE
    assert tuple(c.value for c in sheet[3]) == HEADERS
    assert read_receipt_form(xlsx(book)) == [ReceiptRow(unit.name, "王联络", "处长", "0571-87051234")]
    receipt = services.import_receipt(unit=unit, stream=xlsx(book), actor=unit_contact)
    assert (receipt.contact_name, receipt.title, receipt.contact_info, receipt.source) == (
        "王联络", "处长", "0571-87051234", ReceiptSource.EXCEL)


def test_uploaded_receipt_for_another_unit_is_refused(unit, unit_contact):
    book = receipt_workbook([ReceiptRow("别的单位", "王联络", "处长", "0571-87051234")])
    with pytest.raises(ValidationError) as exc:
        services.import_receipt(unit=unit, stream=xlsx(book), actor=unit_contact)
    assert fields(exc) == {"file": ["R-O1"]}
    assert not ContactReceipt.objects.exists()


def test_a_file_that_is_not_the_form_is_refused(unit, unit_contact):
    with pytest.raises(ValidationError) as exc:
        services.import_receipt(unit=unit, stream=io.BytesIO(b"%PDF-1.4 not a workbook"), actor=unit_contact)
    assert fields(exc) == {"file": ["R-O1"]}
    from openpyxl import Workbook

    other = Workbook()
    other.active.append(["名称", "电话"])
    with pytest.raises(ValidationError):
        services.import_receipt(unit=unit, stream=xlsx(other), actor=unit_contact)


# --- the report ------------------------------------------------------------------------------


def test_report_after_the_deadline_is_marked_late(unit, unit_contact, deadline_of):
    due = deadline_of("organizing_report")
    on_time = services.submit_report(unit=unit, text="组织 30 家单位参赛", actor=unit_contact,
                                     now=due - dt.timedelta(hours=1))
    assert not on_time.is_late
    late = services.submit_report(unit=unit, text="组织情况", actor=unit_contact, now=due + dt.timedelta(hours=1))
    assert late.is_late is False  # a revision keeps the first time


def test_first_report_after_the_deadline_is_late(other_unit, other_contact, deadline_of):
    report = services.submit_report(unit=other_unit, text="组织情况", actor=other_contact,
                                    now=deadline_of("organizing_report") + dt.timedelta(minutes=1))
    assert report.is_late


def test_report_attachment_is_checked_by_content(unit, unit_contact, samples):
    services.submit_report(unit=unit, text="组织情况", actor=unit_contact)
    attachment = services.add_report_attachment(unit=unit, stream=io.BytesIO(samples["pdf"]), filename="报告.pdf",
                                                actor=unit_contact)
    assert attachment.kind == "pdf" and attachment.file.storage.exists(attachment.file.name)
    with pytest.raises(ValidationError) as exc:
        services.add_report_attachment(unit=unit, stream=io.BytesIO(b"MZ\x90\x00 not a pdf"), filename="报告.pdf",
                                       actor=unit_contact)
    assert fields(exc) == {"file": ["R-J7"]}
    assert unit.report.attachments.count() == 1


def test_attachment_before_the_report_text_is_refused(unit, unit_contact, samples):
    with pytest.raises(ValidationError) as exc:
        services.add_report_attachment(unit=unit, stream=io.BytesIO(samples["pdf"]), filename="a.pdf",
                                       actor=unit_contact)
    assert fields(exc) == {"text": ["R-O1"]}


# --- recommendations -------------------------------------------------------------------------


def test_team_names_its_recommending_unit_until_the_registration_deadline(contest, unit, team, team_lead):
    rec = services.recommend_team(team=team, unit=unit, actor=team_lead)
    assert rec.unit == unit and not rec.via_invitation
    from ciic.contests.selectors import registration_deadline

    with pytest.raises(ValidationError) as exc:
        services.recommend_team(team=team, unit=None, actor=team_lead,
                                now=registration_deadline(contest) + dt.timedelta(seconds=1))
    assert fields(exc) == {"__all__": ["R-T1"]}
    assert Recommendation.objects.get(team=team).unit == unit


def test_invitation_code_finds_its_unit_and_nothing_else(contest, unit):
    assert services.unit_by_code(contest, unit.invitation_code.lower()) == unit
    assert services.unit_by_code(contest, "NOPE0000") is None
    assert services.unit_by_code(contest, "\x00" * 3) is None
    assert services.unit_by_code(contest, "A" * 10_000) is None


def test_unit_sees_its_teams_progress_but_no_representative(contest, unit, team, team_lead):
    from ciic.organizing.selectors import recommended_teams

    services.recommend_team(team=team, unit=unit, actor=team_lead, via_invitation=True)
    rows = recommended_teams(unit)
    assert [r.name for r in rows] == [team.name]
    assert rows[0].station == team.station.display_name
    assert rows[0].stage == "已报名，未创建项目"
    rep = team.representatives.get()
    text = repr(rows)
    assert rep.name not in text and rep.mobile not in text and rep.id_number not in text


def test_stage_reached_follows_the_project(contest, unit, secretariat):
    from ciic.organizing.selectors import recommended_teams

    project = make_project(contest, 1)
    Recommendation.objects.create(team=project.team, unit=unit, created_by=secretariat)
    assert recommended_teams(unit)[0].stage == "已提交参赛项目"
    project.status = "withdrawn"
    project.save(update_fields=["status"])
    assert recommended_teams(unit)[0].stage == "已退赛"
