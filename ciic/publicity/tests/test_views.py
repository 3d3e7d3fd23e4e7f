"""The publicity pages: the public notice (in Chinese and English, ended after its period), the
complainant's identity, complaint and case pages with refusals at the top, and the staff pages
where only the case's handlers see the complainant, never the accused team or other staff."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone

from ciic.publicity import cases, notices
from ciic.publicity.enums import CaseState
from ciic.publicity.models import Case, Identity, Notice
from ciic.testing.personas import make_user, verified_client

from .conftest import ID_NUMBER, MOBILE, PDF, pdf, texted_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(notice_ready, contest, secretariat):
    return notices.publish_notice(contest=contest, actor=secretariat)


@pytest.fixture
def case(notice, proved, contest):
    return cases.file_complaint(contest=contest, actor=proved.user, filing=cases.Filing(
        ground="false_information", facts="申报书中的销售数据与公开年报不符。", project_id=notice.entries[0]["project_id"],
        files=[pdf()]))


def test_the_notice_page_lists_the_prizes_and_the_period_in_both_languages(notice, client):
    html = client.get("/publicity/").content.decode()
    for entry in notice.entries:
        assert entry["project"] in html and entry["organization"] in html
    assert "公示中" in html and "实名举报" in html and "ciic@cii-contest.cn" in html
    english = client.get("/publicity/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "In publicity" in english and "How to complain" in english


def test_after_the_period_the_page_says_so_and_prizes_become_payable(notice, client):
    from ciic.awards.enums import PrizeStatus
    from ciic.awards.models import Prize

    Notice.objects.filter(pk=notice.pk).update(starts_at=notice.starts_at - dt.timedelta(days=31),
                                               ends_at=timezone.now() - dt.timedelta(minutes=1))
    html = client.get("/publicity/").content.decode()
    assert "公示期已结束" in html and "实名举报</a>" not in html
    assert not Prize.objects.filter(status=PrizeStatus.PENDING_PUBLICITY).exists()


def test_before_any_notice_the_page_says_what_will_come(contest, client):
    response = client.get("/publicity/")
    assert response.status_code == 200 and "将在此公示" in response.content.decode()
    assert client.get("/publicity/notice.pdf").status_code == 404


def test_a_visitor_proves_an_identity_then_complains_and_follows_the_case(notice, complainant, sms_outbox,
                                                                          django_capture_on_commit_callbacks):
    visitor = verified_client(complainant, Client())
    assert visitor.get("/publicity/complain/").status_code == 302  # identity first
    with django_capture_on_commit_callbacks(execute=True):
        sent = visitor.post("/publicity/identity/", {"action": "send_code", "name": "张三", "mobile": MOBILE})
    assert sent.status_code == 200 and MOBILE in sms_outbox[-1].to
    refused = visitor.post("/publicity/identity/", {"action": "individual", "name": "张三", "mobile": MOBILE,
                                                    "id_number": "110105194912310021", "code": texted_code(sms_outbox)})
    page = refused.content.decode()
    assert refused.status_code == 400 and "error-summary" in page and "居民身份证号无效" in page
    assert not Identity.objects.exists()
    done = visitor.post("/publicity/identity/", {"action": "individual", "name": "张三", "mobile": MOBILE,
                                                 "id_number": ID_NUMBER, "code": texted_code(sms_outbox)})
    assert done.status_code == 302
    form = visitor.get("/publicity/complain/").content.decode()
    assert notice.entries[0]["project"] in form and "对评审结果有异议" in form
    refused = visitor.post("/publicity/complain/", {"scope": "award", "project_id": str(notice.entries[0]["project_id"]),
                                                    "ground": "evaluation", "facts": "评分太低"})
    page = refused.content.decode()
    assert refused.status_code == 400 and "不属于举报受理范围" in page and "举报须提供相应的证据" in page
    assert not Case.objects.exists()
    upload = io.BytesIO(PDF)
    upload.name = "证据.pdf"
    filed = visitor.post("/publicity/complain/", {"scope": "award", "project_id": str(notice.entries[0]["project_id"]),
                                                  "ground": "false_information", "facts": "销售数据虚报。",
                                                  "files": [upload]})
    case = Case.objects.get()
    assert filed.status_code == 302 and filed["Location"] == f"/publicity/mine/{case.number}/"
    html = visitor.get(filed["Location"]).content.decode()
    assert "已收到" in html and case.number in html and "证据.pdf" in html
    assert visitor.get("/publicity/mine/").content.decode().count(case.number) >= 1


def test_the_accused_team_and_other_staff_never_see_the_complainant(case, team_lead, station_officer, secretariat,
                                                                    contest):
    lead = verified_client(team_lead, Client())
    assert case.project.team.lead_id == team_lead.pk
    for url in (f"/publicity/cases/{case.number}/", f"/publicity/cases/{case.number}/archive.zip",
                f"/publicity/mine/{case.number}/", "/publicity/cases/",
                f"/publicity/cases/{case.number}/evidence/{case.evidence.first().pk}/"):
        response = lead.get(url)
        assert response.status_code == 404, url
    officer = verified_client(station_officer, Client())
    listing = officer.get("/publicity/cases/").content.decode()
    assert case.number in listing and case.project.name in listing
    assert "张三" not in listing and f"/publicity/cases/{case.number}/" not in listing
    assert officer.get(f"/publicity/cases/{case.number}/").status_code == 404
    # A secretariat member outside the committee, not the case's officer: the list only.
    other = make_user("office2@example.com", role="secretariat", full_name="秘书处二")
    outsider = verified_client(other, Client())
    assert outsider.get(f"/publicity/cases/{case.number}/").status_code == 404
    handler = verified_client(secretariat, Client())
    html = handler.get(f"/publicity/cases/{case.number}/").content.decode()
    assert "张三" in html and ID_NUMBER not in html and case.identity.masked_id_number in html
    assert MOBILE not in html


def test_staff_accept_and_the_complainant_sees_the_new_state(case, secretariat, proved):
    handler = verified_client(secretariat, Client())
    refused = handler.post(f"/publicity/cases/{case.number}/", {"action": "not_accept", "reason": ""})
    assert refused.status_code == 400 and "请选择不予受理的理由" in refused.content.decode()
    assert handler.post(f"/publicity/cases/{case.number}/", {"action": "accept"}).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED
    mine = verified_client(proved.user, Client()).get(f"/publicity/mine/{case.number}/").content.decode()
    assert "已受理" in mine
    assert handler.post(f"/publicity/cases/{case.number}/", {"action": "rule", "outcome": "upheld",
                                                             "ruling": "x"}).status_code == 400


def test_publishing_needs_the_confirmation_and_happens_once(notice_ready, secretariat, contest):
    office = verified_client(secretariat, Client())
    page = office.get("/publicity/manage/").content.decode()
    assert "不可撤回" in page
    refused = office.post("/publicity/manage/", {"action": "publish"})
    assert refused.status_code == 400 and not Notice.objects.exists()
    assert office.post("/publicity/manage/", {"action": "publish", "confirm": "yes"}).status_code == 302
    assert Notice.objects.count() == 1
    assert office.post("/publicity/manage/", {"action": "amend", "text": "三等奖项目名称更正。"}).status_code == 302
    assert "三等奖项目名称更正。" in Client().get("/publicity/").content.decode()


def test_bad_input_gets_a_4xx(notice, proved, client):
    visitor = verified_client(proved.user, Client())
    for data in ({"project_id": "9" * 40, "ground": "x" * 500, "facts": "a", "scope": "award"},
                 {"project_id": "-1", "ground": "false_information", "facts": "a", "links": "javascript:alert(1)"},
                 {"scope": "nonsense", "ground": "other", "facts": "a", "links": "https://example.com/a"}):
        response = visitor.post("/publicity/complain/", data)
        assert response.status_code == 400, data
    assert not Case.objects.exists()
    assert visitor.get("/publicity/mine/JB2023-999/").status_code == 404
    assert visitor.get("/publicity/mine/" + "9" * 300 + "/").status_code == 404


def test_the_committee_dashboard_counts_open_overdue_and_upheld_cases(case, secretariat):
    from ciic.publicity.models import Case as CaseModel

    CaseModel.objects.filter(pk=case.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    html = verified_client(secretariat, Client()).get("/dashboard/").content.decode()
    assert 'id="complaints"' in html and "处理中 1 件，逾期 1 件，属实 0 件" in html
    assert "1 件举报已超过处理时限" in html and "/publicity/cases/?overdue=1" in html


def test_a_units_sealed_letter_is_for_the_handlers_only(notice, contest, secretariat, team_lead):
    from ciic.demo.identifiers import make_credit_code
    from ciic.publicity.identity import prove_unit

    unit = make_user("unit-complainant@example.com")
    prove_unit(user=unit, name="某科技有限公司", credit_code=make_credit_code(4343), legal_representative="李四",
               stream=pdf("seal.pdf").stream, filename="盖章函.pdf")
    filed = cases.file_complaint(contest=contest, actor=unit, filing=cases.Filing(
        ground="other", facts="事实", project_id=notice.entries[1]["project_id"], links=["https://example.com/x"]))
    url = f"/publicity/cases/{filed.number}/seal-letter/"
    handler = verified_client(secretariat, Client())
    response = handler.get(url)
    assert response.status_code == 200 and b"".join(response).startswith(b"%PDF")
    assert url in handler.get(f"/publicity/cases/{filed.number}/").content.decode()
    for outsider in (team_lead, unit):
        assert verified_client(outsider, Client()).get(url).status_code == 404
    export = handler.get("/publicity/cases/export.xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_complaint_form_carries_a_key_so_a_double_submit_files_once(notice, proved):
    import re

    visitor = verified_client(proved.user, Client())
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', visitor.get("/publicity/complain/")
                    .content.decode()).group(1)
    data = {"scope": "award", "project_id": str(notice.entries[0]["project_id"]), "ground": "false_information",
            "facts": "销售数据虚报。", "links": "https://example.com/evidence", "idempotency_key": key}
    first, second = visitor.post("/publicity/complain/", data), visitor.post("/publicity/complain/", data)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Case.objects.count() == 1


def test_the_cases_officer_verifies_and_the_committee_rules(case, secretariat):
    officer_user = make_user("officer2@example.com", role="secretariat", full_name="核查员")
    cases.transition(case=case, to=CaseState.ACCEPTED, actor=secretariat)
    cases.assign_officer(case=case, officer=officer_user, actor=secretariat)
    officer = verified_client(officer_user, Client())
    assert officer.post(f"/publicity/cases/{case.number}/", {"action": "verify"}).status_code == 302
    assert officer.post(f"/publicity/cases/{case.number}/", {"action": "findings",
                                                             "findings": "核实情况"}).status_code == 302
    page = officer.get(f"/publicity/cases/{case.number}/").content.decode()
    assert "由举报受理组裁定" in page and 'value="rule"' not in page
    refused = officer.post(f"/publicity/cases/{case.number}/", {"action": "rule", "outcome": "upheld",
                                                                "ruling": "属实", "confirm": "yes"})
    assert refused.status_code == 400 and "只有举报受理组" in refused.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.UNDER_VERIFICATION and case.findings == "核实情况"
    committee = verified_client(secretariat, Client())
    assert committee.post(f"/publicity/cases/{case.number}/", {"action": "rule", "outcome": "dismissed",
                                                               "ruling": "不属实", "confirm": "yes"}).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.RULED
