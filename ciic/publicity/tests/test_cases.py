"""The publicity and its complaints (R-X1, R-X2, R-X3, R-T5, R-P8): the notice published once
and amended in the open; complaints refused at once with the rule named and nothing written
(anonymous, evidence-less, late, off-notice, evaluation disagreement); the state machine and
nothing outside it; an upheld ruling revokes the award, the prize and the certificate; the
period ends by itself and unchallenged prizes become payable."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ciic.audit.models import AuditEntry
from ciic.awards.enums import PrizeStatus
from ciic.awards.models import AwardRevocation, Prize
from ciic.certificates.models import Certificate
from ciic.notifications.models import Notification
from ciic.projects.enums import ProjectStatus
from ciic.publicity import cases, notices
from ciic.publicity.enums import CaseScope, CaseState, Outcome
from ciic.publicity.models import Amendment, Case, Evidence, Identity, Notice, Step
from ciic.review.tests.test_rounds import make_project, submit

from .conftest import pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(notice_ready, contest, secretariat):
    return notices.publish_notice(contest=contest, actor=secretariat)


def filing(notice, **kw) -> cases.Filing:
    entry = notice.entries[0]
    values = {"ground": "false_information", "facts": "申报书中的销售数据与公开年报不符。", "project_id": entry["project_id"],
              "files": [pdf()], "links": []}
    return cases.Filing(**(values | kw))


# --- the notice --------------------------------------------------------------------------------


def test_the_notice_lists_the_tier_prizes_for_the_spec_period_once(notice, contest, secretariat):
    assert [e["tier"] for e in notice.entries] == ["first", "second", "third"]
    assert notice.ends_at - notice.starts_at == dt.timedelta(days=contest.publicity_days) == dt.timedelta(days=30)
    assert notices.verify_notice(notice)
    assert AuditEntry.objects.get(action="publicity.publish").after["snapshot_sha256"] == notice.snapshot_sha256
    with pytest.raises(ValidationError) as exc:
        notices.publish_notice(contest=contest, actor=secretariat)
    assert "已发布" in str(exc.value) and Notice.objects.count() == 1


def test_no_notice_before_the_award_list_is_confirmed(contest, secretariat):
    with pytest.raises(ValidationError) as exc:
        notices.publish_notice(contest=contest, actor=secretariat)
    assert exc.value.error_dict["__all__"][0].code == "R-X1" and not Notice.objects.exists()


def test_a_correction_is_an_amendment_never_an_edit(notice, secretariat):
    with pytest.raises(ValidationError):
        notices.amend_notice(notice=notice, text="  ", actor=secretariat)
    notices.amend_notice(notice=notice, text="三等奖项目名称更正为……", actor=secretariat)
    notice.refresh_from_db()
    assert notices.verify_notice(notice) and Amendment.objects.count() == 1
    with pytest.raises(RuntimeError):
        Amendment.objects.get().save()


# --- identities -----------------------------------------------------------------------------------


def test_a_malformed_id_number_or_a_wrong_code_is_refused(complainant, sms_outbox, django_capture_on_commit_callbacks):
    from ciic.accounts.verification import send_number_code
    from ciic.publicity.identity import prove_individual

    from .conftest import BAD_ID_NUMBER, ID_NUMBER, MOBILE, texted_code

    with django_capture_on_commit_callbacks(execute=True):
        send_number_code(user=complainant, mobile=MOBILE)
    code = texted_code(sms_outbox)
    with pytest.raises(ValidationError) as exc:
        prove_individual(user=complainant, name="张三", id_number=BAD_ID_NUMBER, mobile=MOBILE, code=code)
    assert "id_number" in exc.value.error_dict
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ValidationError) as exc:
        prove_individual(user=complainant, name="张三", id_number=ID_NUMBER, mobile=MOBILE, code=wrong)
    assert "code" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:  # the code proves that number only
        prove_individual(user=complainant, name="张三", id_number=ID_NUMBER, mobile="13900000000", code=code)
    assert "code" in exc.value.error_dict
    assert not Identity.objects.exists()
    identity = prove_individual(user=complainant, name="张三", id_number=ID_NUMBER, mobile=MOBILE, code=code)
    assert identity.masked_id_number != ID_NUMBER and identity.id_number == ID_NUMBER
    assert ID_NUMBER not in str(AuditEntry.objects.filter(action="publicity.identity").values_list("after"))


def test_a_unit_needs_a_valid_credit_code_and_its_sealed_letter(complainant):
    from ciic.demo.identifiers import make_credit_code
    from ciic.publicity.identity import prove_unit

    with pytest.raises(ValidationError) as exc:
        prove_unit(user=complainant, name="某科技有限公司", credit_code="91330200MA2AAAAAA0", legal_representative="",
                   stream=None, filename="")
    assert {"credit_code", "legal_representative", "seal_letter"} <= set(exc.value.error_dict)
    identity = prove_unit(user=complainant, name="某科技有限公司", credit_code=make_credit_code(4242),
                          legal_representative="李四", stream=pdf("seal.pdf").stream, filename="seal.pdf")
    assert identity.kind == "unit" and len(identity.seal_letter_sha256) == 64


# --- filing -----------------------------------------------------------------------------------------


def test_an_anonymous_complaint_is_refused_with_nothing_written(notice, complainant, contest):
    with pytest.raises(ValidationError) as exc:
        cases.file_complaint(contest=contest, actor=complainant, filing=filing(notice))
    assert exc.value.error_dict["identity"][0].code == "R-X2"
    assert not Case.objects.exists() and not Evidence.objects.exists()


def test_a_complaint_without_evidence_is_refused(notice, proved, contest):
    with pytest.raises(ValidationError) as exc:
        cases.file_complaint(contest=contest, actor=proved.user, filing=filing(notice, files=[], links=[" "]))
    assert "证据" in exc.value.error_dict["evidence"][0].message and not Case.objects.exists()


def test_a_late_complaint_is_refused(notice, proved, contest):
    late = notice.ends_at + dt.timedelta(seconds=1)
    with pytest.raises(ValidationError) as exc:
        cases.file_complaint(contest=contest, actor=proved.user, filing=filing(notice), now=late)
    assert exc.value.error_dict["__all__"][0].code == "R-T5" and not Case.objects.exists()


def test_a_project_not_in_the_notice_is_refused(notice, proved, contest, awarded):
    outsider = make_project(contest, 77)
    with pytest.raises(ValidationError) as exc:
        cases.file_complaint(contest=contest, actor=proved.user, filing=filing(notice, project_id=outsider.pk))
    assert "project" in exc.value.error_dict and not Case.objects.exists()


def test_disagreement_with_the_evaluation_is_explained_and_refused(notice, proved, contest):
    with pytest.raises(ValidationError) as exc:
        cases.file_complaint(contest=contest, actor=proved.user, filing=filing(notice, ground="evaluation"))
    assert "不属于举报受理范围" in exc.value.error_dict["ground"][0].message and not Case.objects.exists()


def test_a_complaint_is_received_with_its_evidence_hashes_and_the_complainant_told(notice, proved, contest):
    case = cases.file_complaint(contest=contest, actor=proved.user,
                                filing=filing(notice, links=["https://example.com/annual-report.pdf"]))
    assert case.state == CaseState.RECEIVED and case.number == f"JB{contest.year}-001"
    assert case.rule == "R-P6" and case.award_id == notice.entries[0]["award_id"]
    assert case.due_at > case.received_at
    files = list(case.evidence.exclude(file=""))
    assert len(files) == 1 and len(files[0].sha256) == 64
    assert case.evidence.filter(link="https://example.com/annual-report.pdf").exists()
    assert Notification.objects.filter(user=proved.user, kind="complaint_received").exists()
    second = cases.file_complaint(contest=contest, actor=proved.user, filing=filing(notice))
    assert second.number == f"JB{contest.year}-002"


# --- the state machine ------------------------------------------------------------------------


def test_every_move_outside_the_state_machine_is_refused(notice, proved, contest, secretariat):
    case = cases.file_complaint(contest=contest, actor=proved.user, filing=filing(notice))
    for to in (CaseState.UNDER_VERIFICATION, CaseState.RULED, CaseState.CLOSED, "archived"):
        with pytest.raises(ValidationError) as exc:
            cases.transition(case=case, to=to, actor=secretariat, outcome=Outcome.UPHELD, ruling="x")
        assert "state" in exc.value.error_dict, to
    with pytest.raises(ValidationError) as exc:
        cases.transition(case=case, to=CaseState.NOT_ACCEPTED, actor=secretariat, reason="made_up")
    assert "reason" in exc.value.error_dict
    case = cases.transition(case=case, to=CaseState.NOT_ACCEPTED, actor=secretariat, reason="insufficient_evidence",
                            note="所附材料与举报事项无关")
    for to in (CaseState.ACCEPTED, CaseState.RULED):
        with pytest.raises(ValidationError):
            cases.transition(case=case, to=to, actor=secretariat)
    assert [s.to_state for s in Step.objects.filter(case=case)] == [CaseState.RECEIVED, CaseState.NOT_ACCEPTED]
    assert Notification.objects.filter(user=proved.user, kind="complaint_not_accepted").exists()


def test_an_upheld_ruling_revokes_the_award_prize_and_certificate(notice, proved, contest, secretariat, client):
    case = cases.file_complaint(contest=contest, actor=proved.user, filing=filing(notice))
    case = cases.transition(case=case, to=CaseState.ACCEPTED, actor=secretariat)
    with pytest.raises(ValidationError) as exc:
        cases.transition(case=case, to=CaseState.UNDER_VERIFICATION, actor=secretariat)
    assert "officer" in exc.value.error_dict
    cases.assign_officer(case=case, officer=secretariat, actor=secretariat)
    case = cases.transition(case=case, to=CaseState.UNDER_VERIFICATION, actor=secretariat)
    submit(case.project, "项目申报书正文")  # a finalist has its versions
    case = cases.request_response(case=case, actor=secretariat, message="请就举报所涉销售数据作出说明并提供证明材料。")
    assert case.material_request.project_id == case.project_id
    with pytest.raises(ValidationError) as exc:
        cases.transition(case=case, to=CaseState.RULED, actor=secretariat, outcome=Outcome.UPHELD, ruling="属实")
    assert "findings" in exc.value.error_dict
    cases.record_findings(case=case, actor=secretariat, findings="经与税务数据核对，申报的销售收入虚增。")
    case = cases.transition(case=case, to=CaseState.RULED, actor=secretariat, outcome=Outcome.UPHELD,
                            ruling="举报属实：申报材料中的销售收入与实际不符，撤销其一等奖。")
    award = case.award
    assert AwardRevocation.objects.get(award=award).basis == case.number
    assert Prize.objects.get(award=award).status == PrizeStatus.REVOKED
    certificate = Certificate.objects.get(award=award)
    assert certificate.revoked_at is not None
    assert "已撤销" in client.get(f"/certificates/verify/{certificate.token}/").content.decode()
    cases.transition(case=case, to=CaseState.CLOSED, actor=secretariat)
    page = client.get("/publicity/").content.decode()
    assert f"已撤销（{case.number}）" in page and case.ruling in page  # marked on the notice, the ruling public
    assert proved.identity.name not in page
    # The other prizes are untouched.
    assert Prize.objects.exclude(award=award).filter(status=PrizeStatus.PENDING_PUBLICITY).count() == 2


def test_a_dismissed_ruling_changes_no_award(notice, proved, contest, secretariat):
    case = cases.file_complaint(contest=contest, actor=proved.user, filing=filing(notice))
    cases.transition(case=case, to=CaseState.ACCEPTED, actor=secretariat)
    cases.assign_officer(case=case, officer=secretariat, actor=secretariat)
    cases.transition(case=case, to=CaseState.UNDER_VERIFICATION, actor=secretariat)
    cases.record_findings(case=case, actor=secretariat, findings="数据一致。")
    cases.transition(case=case, to=CaseState.RULED, actor=secretariat, outcome=Outcome.DISMISSED, ruling="举报不属实。",
                     revokes_award=True)
    assert not AwardRevocation.objects.exists()


def test_a_local_stage_complaint_ends_in_disqualification(proved, contest, secretariat):
    project = make_project(contest, 78)
    case = cases.file_complaint(contest=contest, actor=proved.user, filing=cases.Filing(
        ground="organizer_affiliate", facts="该单位为本赛站承办单位的控股子公司。", scope=CaseScope.LOCAL_STAGE,
        project_name=project.name, files=[pdf()]))
    assert case.scope == CaseScope.LOCAL_STAGE and case.rule == "R-P8" and case.notice is None
    cases.transition(case=case, to=CaseState.ACCEPTED, actor=secretariat)
    cases.assign_officer(case=case, officer=secretariat, actor=secretariat)
    cases.transition(case=case, to=CaseState.UNDER_VERIFICATION, actor=secretariat)
    cases.record_findings(case=case, actor=secretariat, findings="工商登记显示控股关系。")
    cases.transition(case=case, to=CaseState.RULED, actor=secretariat, outcome=Outcome.UPHELD, ruling="属实。")
    project.refresh_from_db()
    assert project.status == ProjectStatus.DISQUALIFIED and project.status_reason.startswith("【R-P8】")


# --- the end of the period ------------------------------------------------------------------------


def test_the_period_ends_by_itself_and_unchallenged_prizes_become_payable(notice, proved, contest, secretariat):
    case = cases.file_complaint(contest=contest, actor=proved.user, filing=filing(notice))
    assert notices.conclude(notice, now=notice.ends_at - dt.timedelta(seconds=1)) == []
    moved = notices.conclude(notice, now=notice.ends_at)
    assert {p.award_id for p in moved} == {e["award_id"] for e in notice.entries[1:]}
    assert Prize.objects.get(award_id=notice.entries[0]["award_id"]).status == PrizeStatus.PENDING_PUBLICITY
    notice.refresh_from_db()
    assert notice.concluded_at is None  # one prize still waits for its case
    cases.transition(case=case, to=CaseState.NOT_ACCEPTED, actor=secretariat, reason="outside_scope")
    assert len(notices.conclude(notice, now=notice.ends_at + dt.timedelta(days=1))) == 1
    notice.refresh_from_db()
    assert notice.concluded_at is not None
    assert notices.conclude(notice, now=timezone.now() + dt.timedelta(days=60)) == []


def test_case_numbers_keep_counting_past_999(notice, proved, contest):
    first = cases.file_complaint(contest=contest, actor=proved.user, filing=filing(notice))
    template = Case.objects.get(pk=first.pk)
    copies = []
    for n in range(2, 1001):
        template.pk, template.id, template.number = None, None, f"JB{contest.year}-{n:03d}"
        copies.append(Case(**{f.attname: getattr(template, f.attname) for f in Case._meta.concrete_fields}))
    Case.objects.bulk_create(copies)
    assert cases.file_complaint(contest=contest, actor=proved.user, filing=filing(notice)).number == \
        f"JB{contest.year}-1001"


def test_a_nul_byte_or_odd_number_in_a_case_address_is_a_404(db):
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    client = Client()
    for path in ("/publicity/cases/JB2023-001%00/", "/publicity/mine/%00/", "/publicity/cases/" + "9" * 41 + "/"):
        assert client.get(path).status_code == 404, path
    with pytest.raises(NoReverseMatch):
        reverse("publicity:case_detail", args=["JB 2023"])


def test_a_retried_complaint_is_filed_once(notice, proved, contest):
    first = cases.file_complaint(contest=contest, actor=proved.user, filing=filing(notice), idempotency_key="k-1")
    again = cases.file_complaint(contest=contest, actor=proved.user, filing=filing(notice), idempotency_key="k-1")
    assert again.pk == first.pk and Case.objects.count() == 1 and Evidence.objects.count() == 1
    other = cases.file_complaint(contest=contest, actor=proved.user, filing=filing(notice), idempotency_key="k-2")
    assert other.pk != first.pk


def test_a_unit_complains_from_an_account_whose_contact_is_proved(db):
    from ciic.demo.identifiers import make_credit_code
    from ciic.publicity.identity import prove_unit
    from ciic.testing.personas import make_user

    unproved = make_user("unproved@example.com", email_verified_at=None)
    with pytest.raises(ValidationError) as exc:
        prove_unit(user=unproved, name="某科技有限公司", credit_code=make_credit_code(4444), legal_representative="李四",
                   stream=pdf("seal.pdf").stream, filename="seal.pdf")
    assert "请先验证账号" in exc.value.error_dict["__all__"][0].message and not Identity.objects.exists()


def test_facts_and_rulings_may_run_over_several_lines_but_hide_nothing(notice, proved, contest, secretariat):
    facts = "一、申报数据与年报不符。\r\n二、用户证明系伪造。\n\t附：对比表"
    case = cases.file_complaint(contest=contest, actor=proved.user, filing=filing(notice, facts=facts))
    assert case.facts == facts.strip()
    with pytest.raises(ValidationError) as exc:
        cases.file_complaint(contest=contest, actor=proved.user, filing=filing(notice, facts="事实\u202e反转"))
    assert "facts" in exc.value.error_dict
    notices.amend_notice(notice=notice, text="第一行\n第二行", actor=secretariat)


def test_a_local_stage_project_name_with_a_nul_byte_is_refused_before_any_query(proved, contest):
    with pytest.raises(ValidationError) as exc:
        cases.file_complaint(contest=contest, actor=proved.user, filing=cases.Filing(
            ground="organizer_affiliate", facts="事实", scope=CaseScope.LOCAL_STAGE, project_name="项目\x00名",
            files=[pdf()]))
    assert "project_name" in exc.value.error_dict and not Case.objects.exists()
