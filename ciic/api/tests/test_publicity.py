"""The award publicity and its real-name complaints through the API (issue 13; R-X1, R-X2, R-X3,
R-T5): the same services as the pages, refusals as 422 naming the field and the rule with
nothing written, other people's cases as 404, and the complainant's identity never reaching the
accused team, other staff or the public notice."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ciic.accounts.enums import Role
from ciic.awards.enums import PrizeStatus
from ciic.awards.models import AwardRevocation, Prize
from ciic.certificates.models import Certificate
from ciic.certificates.tests.conftest import awarded  # noqa: F401 - the fixture
from ciic.notifications.models import Notification
from ciic.projects.models import MaterialRequest
from ciic.publicity import cases as case_services
from ciic.publicity.models import Case, Evidence, Identity, Notice, Step
from ciic.publicity.tests.conftest import (  # noqa: F401 - fixtures
    BAD_ID_NUMBER,
    ID_NUMBER,
    MOBILE,
    PDF,
    complainant,
    notice_ready,
    pdf,
    proved,
    texted_code,
)
from ciic.review.tests.test_rounds import make_project, submit
from ciic.testing.personas import make_user

from .helpers import API

pytestmark = pytest.mark.django_db

IDENTITY_TRACES = ("张三", ID_NUMBER, MOBILE, MOBILE[-4:] + '"', "citizen@example.com", "张举报")


@pytest.fixture
def office(as_bearer, secretariat):
    return as_bearer(secretariat)


@pytest.fixture
def notice(notice_ready, office):  # noqa: F811
    response = office.post("/publicity/notice")
    assert response.status_code == 201, response.json()
    return Notice.objects.get()


@pytest.fixture
def citizen(as_bearer, proved):  # noqa: F811
    return as_bearer(proved.user)


def _form(api, path: str, data: dict):
    """A multipart POST, as a browser's form or a script's `requests.post(files=...)` sends it."""
    return api.client.post(API + path, data, **api.headers)


def _file(name: str = "evidence.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _complain(api, notice, **fields):
    data = {"ground": "false_information", "facts": "申报书中的销售数据与公开年报不符。",
            "project_id": str(notice.entries[0]["project_id"]), "files": [_file()]} | fields
    return _form(api, "/publicity/complaints", {k: v for k, v in data.items() if v is not None})


def _refusal(response, field: str, rule: str) -> dict:
    assert response.status_code == 422, (response.status_code, response.content[:400])
    errors = response.json()["errors"]
    assert any(e["field"] == field and e["rule"] == rule for e in errors), errors
    return next(e for e in errors if e["field"] == field)


def _text(response) -> str:
    """The answer as a reader sees it: JSON escapes (\\u5f20) decoded."""
    return json.dumps(response.json(), ensure_ascii=False)


def _filed(citizen, notice) -> str:
    response = _complain(citizen, notice)
    assert response.status_code == 201, response.json()
    return response.json()["number"]


# --- the notice -------------------------------------------------------------------------------------


def test_the_notice_is_404_until_published_then_public_in_beijing_time(notice_ready, anonymous, office,  # noqa: F811
                                                                       as_bearer, team_lead, contest):
    missing = anonymous.get("/publicity/notice")
    assert missing.status_code == 404 and missing.json()["errors"][0]["rule"] == "not_found"
    assert as_bearer(team_lead).post("/publicity/notice").status_code == 403
    assert not Notice.objects.exists()

    published = office.post("/publicity/notice")
    assert published.status_code == 201
    _refusal(office.post("/publicity/notice"), "__all__", "R-X1")
    assert Notice.objects.count() == 1

    body = anonymous.get("/publicity/notice").json()
    assert [e["tier"] for e in body["entries"]] == ["first", "second", "third"]
    assert body["starts_at"].endswith("+08:00") and body["ends_at"].endswith("+08:00")
    starts, ends = dt.datetime.fromisoformat(body["starts_at"]), dt.datetime.fromisoformat(body["ends_at"])
    assert ends - starts == dt.timedelta(days=30) and body["days"] == contest.publicity_days == 30
    assert body["is_open"] and not body["ended"] and body["rulings"] == [] and body["amendments"] == []
    assert body["contact"]["email"] == "ciic@cii-contest.cn"
    grounds = {g["code"]: g for g in body["how_to_complain"]["grounds"]}
    assert grounds["false_information"]["rule"] == "R-P6" and grounds["evaluation"]["complaint"] is False
    assert body["snapshot_sha256"] == Notice.objects.get().snapshot_sha256


def test_a_notice_needs_a_confirmed_award_list(contest, office):
    _refusal(office.post("/publicity/notice"), "__all__", "R-X1")
    assert not Notice.objects.exists()


def test_a_correction_is_an_amendment_shown_on_the_notice(notice, office, as_bearer, team_lead, anonymous):
    assert as_bearer(team_lead).post("/publicity/notice/amendments", {"text": "改"}).status_code == 403
    _refusal(office.post("/publicity/notice/amendments", {"text": "  "}), "text", "R-X1")
    response = office.post("/publicity/notice/amendments", {"text": "三等奖项目名称更正为……", "text_en": "Corrected."})
    assert response.status_code == 201
    shown = anonymous.get("/publicity/notice").json()["amendments"]
    assert [a["text"] for a in shown] == ["三等奖项目名称更正为……"] and shown[0]["made_at"].endswith("+08:00")


def test_the_period_ends_by_itself_on_read_and_unchallenged_prizes_become_payable(notice, anonymous):
    Notice.objects.filter(pk=notice.pk).update(starts_at=notice.starts_at - dt.timedelta(days=31),
                                               ends_at=notice.ends_at - dt.timedelta(days=31))
    body = anonymous.get("/publicity/notice").json()
    assert body["ended"] and not body["is_open"]
    assert set(Prize.objects.values_list("status", flat=True)) == {PrizeStatus.PAYABLE}
    assert Notice.objects.get().concluded_at is not None


# --- identities ----------------------------------------------------------------------------------------


def test_a_person_proves_an_identity_with_a_texted_code_and_sees_it_masked(complainant, as_bearer, anonymous,  # noqa: F811
                                                                          sms_outbox,
                                                                          django_capture_on_commit_callbacks):
    api = as_bearer(complainant)
    assert anonymous.post("/publicity/identity/code", {"mobile": MOBILE}).status_code == 401
    assert api.get("/publicity/identity").status_code == 404
    _refusal(api.post("/publicity/identity/code", {"mobile": "12345"}), "mobile", "invalid")
    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post("/publicity/identity/code", {"mobile": MOBILE})
    assert sent.status_code == 202 and sent.json() == {"mobile": "139****5678", "expires_in_minutes": 10}
    code = texted_code(sms_outbox)

    body = {"name": "张三", "id_number": BAD_ID_NUMBER, "mobile": MOBILE, "code": code}
    refused = api.post("/publicity/identity/individual", body)
    _refusal(refused, "id_number", "R-X2")
    assert BAD_ID_NUMBER not in _text(refused)
    wrong = "000000" if code != "000000" else "111111"
    _refusal(api.post("/publicity/identity/individual", {**body, "id_number": ID_NUMBER, "code": wrong}),
             "code", "R-X2")
    _refusal(api.post("/publicity/identity/individual", {**body, "id_number": ID_NUMBER, "name": ""}), "name", "R-X2")
    assert not Identity.objects.exists()

    proved = api.post("/publicity/identity/individual", {**body, "id_number": ID_NUMBER})  # noqa: F811
    assert proved.status_code == 200, proved.json()
    shown = api.get("/publicity/identity")
    assert shown.status_code == 200
    data = shown.json()
    assert (data["kind"], data["name"], data["locked"]) == ("individual", "张三", False)
    assert data["masked_id_number"] == "110105********002X" and data["masked_mobile"] == "139****5678"
    for text in (_text(proved), _text(shown)):
        assert ID_NUMBER not in text and MOBILE not in text


def test_a_unit_proves_its_identity_with_its_sealed_letter(complainant, as_bearer):  # noqa: F811
    from ciic.demo.identifiers import make_credit_code

    api = as_bearer(complainant)
    refused = _form(api, "/publicity/identity/unit", {"name": "某科技有限公司", "credit_code": "91330200MA2AAAAAA0"})
    assert {(e["field"], e["rule"]) for e in refused.json()["errors"]} >= {
        ("credit_code", "R-X2"), ("legal_representative", "R-X2"), ("seal_letter", "R-X2")}
    not_a_pdf = _form(api, "/publicity/identity/unit", {
        "name": "某科技有限公司", "credit_code": make_credit_code(4242), "legal_representative": "李四",
        "seal_letter": _file("seal.pdf", b"MZ\x90\x00 not a pdf")})
    assert not_a_pdf.status_code == 422 and not Identity.objects.exists()

    response = _form(api, "/publicity/identity/unit", {
        "name": "某科技有限公司", "credit_code": make_credit_code(4242), "legal_representative": "李四",
        "seal_letter": _file("seal.pdf")})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["kind"] == "unit" and body["credit_code"] == make_credit_code(4242)
    assert body["seal_letter_sha256"] == hashlib.sha256(PDF).hexdigest() and body["masked_id_number"] == ""


# --- complaints --------------------------------------------------------------------------------------


def test_each_refused_complaint_names_its_rule_and_writes_nothing(notice, citizen, as_bearer, other_lead, contest):
    anonymous_account = as_bearer(other_lead)  # logged in, but no identity proved
    _refusal(_complain(anonymous_account, notice), "identity", "R-X2")
    _refusal(_complain(citizen, notice, files=None), "evidence", "R-X2")
    evaluation = _refusal(_complain(citizen, notice, ground="evaluation"), "ground", "R-X2")
    assert "不属于举报受理范围" in evaluation["message"]
    outsider = make_project(contest, 77)
    _refusal(_complain(citizen, notice, project_id=str(outsider.pk)), "project_id", "R-X1")
    _refusal(_complain(citizen, notice, project_id="99999999999999999999"), "project_id", "R-X1")
    _refusal(_complain(citizen, notice, links=["http://example.com/not-https"]), "links", "R-X2")
    _refusal(_complain(citizen, notice, facts=""), "facts", "R-X2")
    Notice.objects.filter(pk=notice.pk).update(starts_at=notice.starts_at - dt.timedelta(days=31),
                                               ends_at=notice.ends_at - dt.timedelta(days=31))
    _refusal(_complain(citizen, notice), "__all__", "R-T5")
    assert not Case.objects.exists() and not Evidence.objects.exists() and not Step.objects.exists()


def test_a_complaint_is_received_with_its_evidence_hashes_and_followed_by_its_author(notice, citizen, proved,  # noqa: F811
                                                                                    as_bearer, other_lead, contest):
    response = _complain(citizen, notice, files=[_file("a.pdf"), _file("b.pdf", PDF + b"b")],
                         links=["https://example.com/annual-report.pdf", "https://example.com/news"])
    assert response.status_code == 201, response.json()
    body = response.json()
    number = f"JB{contest.year}-001"
    assert (body["number"], body["state"], body["ground"]) == (number, "received", "false_information")
    assert [s["state"] for s in body["steps"]] == ["received"] and set(body["steps"][0]) == {"state", "state_label",
                                                                                             "at"}
    assert sorted(e["sha256"] for e in body["evidence"] if e["sha256"]) == sorted(
        [hashlib.sha256(PDF).hexdigest(), hashlib.sha256(PDF + b"b").hexdigest()])
    assert {e["link"] for e in body["evidence"]} >= {"https://example.com/annual-report.pdf", "https://example.com/news"}
    assert Notification.objects.filter(user=proved.user, kind="complaint_received").exists()
    assert citizen.get("/publicity/identity").json()["locked"] is True

    mine = citizen.get("/publicity/complaints/mine").json()
    assert mine["count"] == 1 and mine["items"][0]["number"] == number
    assert citizen.get(f"/publicity/complaints/mine/{number}").json() == {**body}
    item = next(e for e in body["evidence"] if e["name"] == "a.pdf")
    download = citizen.get(f"/publicity/cases/{number}/evidence/{item['id']}")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")

    other = as_bearer(other_lead)
    assert other.get(f"/publicity/complaints/mine/{number}").status_code == 404
    assert other.get(f"/publicity/cases/{number}/evidence/{item['id']}").status_code == 404
    assert other.get("/publicity/complaints/mine").json()["count"] == 0


# --- the case workflow -------------------------------------------------------------------------------


def test_the_committee_takes_a_case_to_an_upheld_ruling_that_revokes_the_award(notice, citizen, office, secretariat,
                                                                             anonymous, team_lead, as_bearer):
    number = _filed(citizen, notice)
    listed = office.get("/publicity/cases").json()
    row = listed["items"][0]
    assert listed["count"] == 1 and row["handler"] and row["ground"] == "false_information"
    assert row["due_at"] and row["overdue"] is False and row["officer"] is None

    shown = office.get(f"/publicity/cases/{number}")
    assert all(trace in _text(shown) for trace in ("张三", "139****5678"))  # the handlers see who complained
    detail = shown.json()
    assert detail["complainant"]["masked_id_number"] == "110105********002X"
    assert detail["complainant"]["masked_mobile"] == "139****5678" and ID_NUMBER not in json.dumps(detail)
    assert len(detail["evidence"][0]["sha256"]) == 64 and detail["next_states"] == ["accepted", "not_accepted"]

    path = f"/publicity/cases/{number}"
    accepted = office.post(f"{path}/transition", {"to": "accepted", "note": "证据指向明确，予以受理"})
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    _refusal(office.post(f"{path}/transition", {"to": "under_verification"}), "officer", "R-X2")
    assigned = office.post(f"{path}/officer", {"officer_id": secretariat.pk})
    assert assigned.status_code == 200 and assigned.json()["officer"]["id"] == secretariat.pk
    assert office.post(f"{path}/transition", {"to": "under_verification"}).json()["state"] == "under_verification"
    submit(Case.objects.get().project, "项目申报书正文")  # a finalist has its versions
    asked = office.post(f"{path}/response-request", {"message": "请就举报所涉销售数据作出说明并提供证明材料。"})
    assert asked.status_code == 200, asked.json()
    assert asked.json()["response_request"]["status"] == "open"
    _refusal(office.post(f"{path}/transition", {"to": "ruled", "outcome": "upheld", "ruling": "属实"}),
             "findings", "R-X2")
    assert office.post(f"{path}/findings", {"findings": "经与税务数据核对，申报的销售收入虚增。"}).status_code == 200
    ruled = office.post(f"{path}/transition", {"to": "ruled", "outcome": "upheld",
                                                "ruling": "举报属实：申报材料中的销售收入与实际不符，撤销其一等奖。"})
    assert ruled.status_code == 200 and ruled.json()["revokes_award"] is True

    award_id = notice.entries[0]["award_id"]
    assert AwardRevocation.objects.get(award_id=award_id).basis == number
    assert Prize.objects.get(award_id=award_id).status == PrizeStatus.REVOKED
    assert Certificate.objects.get(award_id=award_id).revoked_at is not None
    assert anonymous.get("/publicity/notice").json()["rulings"] == []  # published once closed
    assert office.post(f"{path}/transition", {"to": "closed"}).json()["state"] == "closed"

    public = anonymous.get("/publicity/notice")
    ruling = public.json()["rulings"][0]
    assert (ruling["number"], ruling["outcome"], ruling["revokes_award"]) == (number, "upheld", True)
    assert public.json()["entries"][0]["revoked"] is True
    for trace in IDENTITY_TRACES:
        assert trace not in _text(public), trace

    own = citizen.get(f"/publicity/complaints/mine/{number}").json()
    assert [s["state"] for s in own["steps"]] == ["received", "accepted", "under_verification", "ruled", "closed"]
    assert own["outcome"] == "upheld" and own["ruling"].startswith("举报属实")
    text = json.dumps(own, ensure_ascii=False)
    assert "税务数据" not in text and "证据指向明确" not in text and "findings" not in own and "note" not in text


def test_every_move_outside_the_state_machine_is_refused(notice, citizen, office):
    number = _filed(citizen, notice)
    path = f"/publicity/cases/{number}/transition"
    for to in ("under_verification", "ruled", "closed", "archived"):
        _refusal(office.post(path, {"to": to, "outcome": "upheld", "ruling": "x"}), "to", "R-X2")
    _refusal(office.post(path, {"to": "not_accepted", "reason": "made_up"}), "reason", "R-X2")
    refused = office.post(path, {"to": "not_accepted", "reason": "insufficient_evidence", "note": "材料与举报事项无关"})
    assert refused.status_code == 200 and refused.json()["state"] == "not_accepted"
    _refusal(office.post(path, {"to": "accepted"}), "to", "R-X2")
    _refusal(office.post(f"/publicity/cases/{number}/findings", {"findings": "x"}), "state", "R-X2")
    assert list(Step.objects.values_list("to_state", flat=True)) == ["received", "not_accepted"]

    own = citizen.get(f"/publicity/complaints/mine/{number}").json()
    assert own["not_accepted_reason"] == "未提供能够支持举报事项的证据" and own["outcome"] is None
    assert "材料与举报事项无关" not in json.dumps(own, ensure_ascii=False)


# --- who sees what ----------------------------------------------------------------------------------------


def test_the_accused_team_never_learns_who_complained(notice, citizen, office, as_bearer, team_lead, anonymous,
                                                      secretariat, mailoutbox):
    number = _filed(citizen, notice)
    assert Case.objects.get().project.team.lead == team_lead
    path = f"/publicity/cases/{number}"
    office.post(f"{path}/transition", {"to": "accepted"})
    office.post(f"{path}/officer", {"officer_id": secretariat.pk})
    office.post(f"{path}/transition", {"to": "under_verification"})
    submit(Case.objects.get().project, "项目申报书正文")
    assert office.post(f"{path}/response-request", {"message": "请就举报事项作出说明。"}).status_code == 200
    evidence = Evidence.objects.first()

    lead = as_bearer(team_lead)
    assert lead.get("/publicity/cases").status_code == 403
    for response in (lead.get(path), lead.get(f"/publicity/complaints/mine/{number}"),
                     lead.get(f"{path}/evidence/{evidence.pk}"), lead.post(f"{path}/transition", {"to": "ruled"}),
                     lead.post(f"{path}/findings", {"findings": "无"}),
                     lead.post(f"{path}/officer", {"officer_id": team_lead.pk})):
        assert response.status_code == 404, response.content
    assert lead.get("/publicity/complaints/mine").json()["count"] == 0
    assert lead.get("/publicity/identity").status_code == 404

    # What the team does see: the request for its response, its notifications, the notice.
    request_id = MaterialRequest.objects.get().pk
    seen = [lead.get(f"/requests/{request_id}"), lead.get("/publicity/notice"), anonymous.get("/publicity/notice")]
    assert all(r.status_code == 200 for r in seen)
    texts = [_text(r) for r in seen]
    texts += [f"{n.title} {n.body} {n.params}" for n in Notification.objects.filter(user=team_lead)]
    texts += [f"{m.subject} {m.body}" for m in mailoutbox if team_lead.email in m.to]
    for text in texts:
        for trace in IDENTITY_TRACES:
            assert trace not in text, (trace, text[:300])


def test_staff_other_than_the_handlers_see_only_that_a_case_exists(notice, citizen, office, as_bearer,
                                                                   station_officer, secretariat):
    number = _filed(citizen, notice)
    colleague = make_user("colleague@example.com", role=Role.SECRETARIAT, full_name="秘书处同事")
    for user in (station_officer, colleague):
        api = as_bearer(user)
        listed = api.get("/publicity/cases")
        assert listed.status_code == 200
        row = listed.json()["items"][0]
        assert row["number"] == number and row["state"] == "received" and row["handler"] is False
        assert row["ground"] is None and row["officer"] is None and row["due_at"] is None and row["overdue"] is None
        assert api.get(f"/publicity/cases/{number}").status_code == 404
        assert api.post(f"/publicity/cases/{number}/transition", {"to": "accepted"}).status_code == 404
        for trace in IDENTITY_TRACES:
            assert trace not in _text(listed)
    assert as_bearer(colleague).post("/publicity/notice/amendments", {"text": "x"}).status_code == 201

    # Assigned as the case's officer, the colleague sees it and verifies it, but does not accept it.
    office.post(f"/publicity/cases/{number}/transition", {"to": "accepted"})
    office.post(f"/publicity/cases/{number}/officer", {"officer_id": colleague.pk})
    officer = as_bearer(colleague)
    assert officer.get(f"/publicity/cases/{number}").status_code == 200
    assert officer.get("/publicity/cases").json()["items"][0]["handler"] is True
    assert officer.post(f"/publicity/cases/{number}/transition", {"to": "closed"}).status_code == 403
    assert officer.post(f"/publicity/cases/{number}/officer", {"officer_id": colleague.pk}).status_code == 403
    moved = officer.post(f"/publicity/cases/{number}/transition", {"to": "under_verification"})
    assert moved.status_code == 200 and moved.json()["state"] == "under_verification"
    assert officer.post(f"/publicity/cases/{number}/findings", {"findings": "已核对。"}).status_code == 200
    # An officer must be secretariat staff.
    _refusal(office.post(f"/publicity/cases/{number}/officer", {"officer_id": station_officer.pk}),
             "officer_id", "R-X2")


def test_the_case_list_filters_and_its_query_count_does_not_grow(notice, citizen, office, proved, contest,  # noqa: F811
                                                                 secretariat):
    first = _filed(citizen, notice)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert office.get("/publicity/cases").status_code == 200
        return len(queries)

    one = count()
    for _ in range(3):
        case_services.file_complaint(contest=contest, actor=proved.user, filing=case_services.Filing(
            ground="originality", facts="核心算法与已公开专利一致。", project_id=notice.entries[1]["project_id"],
            files=[pdf()]))
    assert count() == one
    office.post(f"/publicity/cases/{first}/transition", {"to": "accepted"})
    assert [r["number"] for r in office.get("/publicity/cases", {"state": "accepted"}).json()["items"]] == [first]
    assert office.get("/publicity/cases", {"q": first}).json()["count"] == 1
    assert office.get("/publicity/cases", {"overdue": "true"}).json()["count"] == 0
    Case.objects.filter(number=first).update(due_at=notice.starts_at - dt.timedelta(days=1))
    overdue = office.get("/publicity/cases", {"overdue": "true"}).json()
    assert [r["number"] for r in overdue["items"]] == [first] and overdue["items"][0]["overdue"] is True
    _refusal(office.get("/publicity/cases", {"state": "archived"}), "state", "enum")


# --- bad input ------------------------------------------------------------------------------------------


def test_bad_input_is_a_4xx_never_a_server_error(notice, citizen, office, settings):
    number = _filed(citizen, notice)
    nul = _form(citizen, "/publicity/complaints", {"ground": "other", "facts": "事实\x00", "files": [_file()]})
    assert nul.status_code == 400 and nul.json()["errors"][0]["field"] == "facts"
    assert office.get("/publicity/cases", {"q": "\x00"}).status_code == 400
    assert office.get("/publicity/cases", {"page": "99999999999999999999"}).status_code == 422
    for path in ("/publicity/cases/JB%00", "/publicity/cases/" + "9" * 300, "/publicity/cases/a%20b",
                 f"/publicity/cases/{number}/evidence/99999999999999999999",
                 "/publicity/complaints/mine/%00"):
        response = office.get(path) if "mine" not in path else citizen.get(path)
        assert response.status_code == 404, (path, response.status_code)
    _refusal(office.post(f"/publicity/cases/{number}/officer", {"officer_id": 2**70}), "officer_id", "R-X2")
    office.post(f"/publicity/cases/{number}/transition", {"to": "accepted"})
    naive = office.post(f"/publicity/cases/{number}/response-request", {"message": "请说明。",
                                                                         "due_at": "2030-01-01T00:00:00"})
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "due_at"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    too_big = office.post("/publicity/notice/amendments", {"text": "字" * 200_000})
    assert too_big.status_code == 413 and too_big.json()["errors"][0]["rule"] == "too_large"
    broken = citizen.client.post(f"{API}/publicity/complaints", data=b"--x\r\nContent-Disposition: form-data; "
                                 b"name=\"facts\"\r\n\r\nabc\r\n--x--", content_type="multipart/form-data",
                                 **citizen.headers)
    assert broken.status_code == 400
    assert Case.objects.count() == 1
