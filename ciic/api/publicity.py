"""The award publicity (公示) and its real-name complaints in the JSON API (issue 13; R-X1, R-X2,
R-X3, R-T5), calling the same services as the pages (`ciic.publicity.notices`, `.identity`,
`.cases`) and reading through `ciic.publicity.selectors`.

- Public, no account: the notice, with the period in Beijing time, its corrections, how to
  complain, and the rulings of closed cases, never who complained.
- A complainant (any account): prove an identity (a person by a texted code, a unit by its
  sealed letter), file a complaint with evidence, follow their own cases as states and dates.
- Staff: the case list (the complaint committee and a case's officer see the ground, officer
  and deadline; other staff only that a case exists), one case in full for its handlers, and the
  steps of the state machine. A case anyone may not see is 404, whether it exists or not.

The complainant's identity appears in one answer only: a case's detail, for its handlers, masked.
"""

# No `from __future__ import annotations`: `request_fields` wraps views, and ninja reads the
# wrapped view's annotations as objects.
import datetime as dt
import re
from typing import Literal
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import AwareDatetime

from ciic.accounts.models import User
from ciic.accounts.verification import CODE_MINUTES, send_number_code
from ciic.core.masking import mask_id_number, mask_mobile
from ciic.core.responses import private_download
from ciic.publicity import cases, identity, notices, selectors
from ciic.publicity.config import publicity_config
from ciic.publicity.enums import CaseScope, CaseState, EvidenceParty, IdentityKind, Outcome
from ciic.publicity.models import Case, Identity, Notice
from ciic.publicity.rules import COMMITTEE_MOVES

from .auth import ANY_AUTH
from .contests import get_contest
from .errors import DetailOut, ErrorsOut, request_fields
from .pagination import PAGE_SIZE, Pages

router = Router(tags=["publicity"], auth=ANY_AUTH)
REFUSALS = {401: DetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut}
# A case number as the service makes them (JB2023-001); anything else is no case.
NUMBER = re.compile(r"^[A-Za-z0-9-]{1,40}$")
TEXT_MAX = 20_000  # a bound on the request; the services' own limits are the rules


def _require(user, perm: str, obj=None) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(_("无权执行此操作"))


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _beijing(contest, value: dt.datetime | None) -> dt.datetime | None:
    """A moment in the contest's time zone (Beijing): the notice states its period so."""
    return value.astimezone(ZoneInfo(contest.time_zone)) if value else None


# --- schemas: the notice -------------------------------------------------------------------------


class PublicityEntryOut(Schema):
    award_id: int
    project_id: int
    project: str = Field(description="项目名称 / Project")
    organization: str = Field(description="参赛单位 / Entrant organization")
    direction: str
    direction_en: str
    group: str | None = Field(description="组别 / Group (R-G1)")
    group_en: str | None
    tier: str = Field(description="first / second / third")
    tier_name: str
    tier_name_en: str
    revoked: bool = Field(description="奖项已撤销（R-X3）/ The award was taken back (R-X3)")


class NoticeAmendmentOut(Schema):
    text: str
    text_en: str
    made_at: dt.datetime = Field(description="更正时间（北京时间）/ When, Beijing time")


class ComplaintGroundOut(Schema):
    code: str
    name: str
    name_en: str
    rule: str = Field(description="所涉规则 / The rule it invokes")
    complaint: bool = Field(description="false：不属于举报受理范围（如对评审结果有异议）/ false: not a complaint the "
                                        "committee takes (disagreement with the evaluation)")
    help: str


class EvidenceRulesOut(Schema):
    max_files: int
    max_links: int
    formats: list[str] = Field(description="证据文件格式（按内容检查）/ File formats, checked by content")
    max_size_mb: int


class HowToComplainOut(Schema):
    text: str
    identity_url: str = Field(description="先确认身份 / Prove an identity first (R-X2)")
    complaint_url: str
    page_url: str = Field(description="网页举报 / The complaint form on the web")
    grounds: list[ComplaintGroundOut]
    evidence: EvidenceRulesOut | None


class CaseRulingOut(Schema):
    number: str = Field(description="案件编号 / Case number")
    project_id: int
    project: str
    outcome: str = Field(description="upheld / partly_upheld / dismissed")
    outcome_label: str
    ruling: str = Field(description="裁定意见 / The ruling, as published")
    revokes_award: bool
    closed_at: dt.datetime | None


class PublicityNoticeOut(Schema):
    contest: str
    published_at: dt.datetime
    starts_at: dt.datetime = Field(description="公示开始（北京时间）/ Start, Beijing time (R-T5)")
    ends_at: dt.datetime = Field(description="公示结束（北京时间）/ End, Beijing time")
    days: int = Field(description="公示天数 / The period in days")
    is_open: bool = Field(description="公示期内，可以举报 / Within the period: complaints are taken")
    ended: bool = Field(description="公示期已结束 / The period has ended")
    snapshot_sha256: str = Field(description="公示名单快照的 SHA-256 / SHA-256 of the published list")
    entries: list[PublicityEntryOut]
    amendments: list[NoticeAmendmentOut]
    contact: dict[str, str] = Field(description="组委会联系方式 / The committee's contact")
    how_to_complain: HowToComplainOut
    rulings: list[CaseRulingOut] = Field(description="已结案的裁定，不含举报人信息 / Rulings of closed cases, "
                                                 "without who complained")


class NoticeAmendmentIn(Schema):
    text: str = Field(max_length=TEXT_MAX, description="更正内容 / The correction")
    text_en: str = Field("", max_length=TEXT_MAX)


# --- schemas: identity and complaints --------------------------------------------------------------


class IdentityCodeIn(Schema):
    mobile: str = Field(max_length=20, description="中国大陆手机号 / A mainland mobile number")


class IdentityCodeOut(Schema):
    mobile: str = Field(description="已发送的号码（遮蔽）/ The number texted, masked")
    expires_in_minutes: int


class IndividualIdentityIn(Schema):
    name: str = Field(max_length=200, description="姓名 / Full name")
    id_number: str = Field(max_length=40, description="居民身份证号 / Resident ID number")
    mobile: str = Field(max_length=20)
    code: str = Field(max_length=10, description="短信验证码 / The code texted to the number")


class ComplainantIdentityOut(Schema):
    kind: str = Field(description="individual / unit")
    kind_label: str
    name: str
    masked_id_number: str = Field(description="遮蔽的身份证号 / Masked; never the full number")
    masked_mobile: str
    credit_code: str = Field(description="统一社会信用代码（单位）/ Unified social credit code, for a unit")
    legal_representative: str
    seal_letter_name: str
    seal_letter_sha256: str
    verified_at: dt.datetime
    locked: bool = Field(description="已被举报使用，不能再更改 / A complaint uses it: no longer changeable")


class ComplaintStepOut(Schema):
    state: str
    state_label: str
    at: dt.datetime


class ComplaintEvidenceOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    link: str
    added_at: dt.datetime


class OwnComplaintOut(Schema):
    number: str
    scope: str = Field(description="award / local_stage")
    project_id: int
    project: str
    ground: str
    ground_name: str
    facts: str
    state: str = Field(description="received / accepted / not_accepted / under_verification / ruled / closed")
    state_label: str
    received_at: dt.datetime
    steps: list[ComplaintStepOut] = Field(description="各环节状态与时间 / Each step: state and date")
    evidence: list[ComplaintEvidenceOut] = Field(description="本人提交的证据 / The evidence you gave")
    not_accepted_reason: str | None = Field(description="不予受理的理由 / Why it was not accepted")
    outcome: str | None = Field(description="裁定后 / Once ruled")
    outcome_label: str | None
    ruling: str | None
    closed_at: dt.datetime | None


# --- schemas: staff --------------------------------------------------------------------------------


class CaseFilters(Schema):
    state: CaseState | None = None
    overdue: bool = Field(False, description="只看逾期 / Overdue only")
    q: str = Field("", max_length=100, description="编号或项目名称 / Number or project name")


class CaseOfficerOut(Schema):
    id: int
    name: str


class CaseRowOut(Schema):
    number: str
    project_id: int
    project: str
    state: str
    state_label: str
    received_at: dt.datetime
    closed_at: dt.datetime | None
    handler: bool = Field(description="可查看案件详情 / You handle this case: the fields below are filled")
    ground: str | None = Field(description="仅案件经办人可见 / Handlers only")
    officer: CaseOfficerOut | None
    due_at: dt.datetime | None = Field(description="本环节期限 / The current step's deadline")
    overdue: bool | None


class CaseComplainantOut(Schema):
    kind: str
    name: str
    masked_id_number: str
    masked_mobile: str
    credit_code: str
    legal_representative: str
    seal_letter_sha256: str


class CaseEvidenceOut(Schema):
    id: int
    party: str = Field(description="complainant / officer")
    name: str
    size: int
    content_type: str
    sha256: str
    link: str
    note: str
    added_at: dt.datetime
    download_url: str | None


class CaseStepOut(Schema):
    from_state: str
    to_state: str
    at: dt.datetime
    actor: str | None
    note: str


class CaseResponseRequestOut(Schema):
    id: int
    message: str
    due_at: dt.datetime
    status: str
    answer_note: str
    answered_at: dt.datetime | None


class CaseOut(Schema):
    number: str
    scope: str
    project_id: int
    project: str
    organization: str
    award_id: int | None
    ground: str
    ground_name: str
    rule: str
    facts: str
    complainant: CaseComplainantOut = Field(description="举报人身份（遮蔽），仅案件经办人可见 / Masked; handlers only")
    state: str
    state_label: str
    next_states: list[str] = Field(description="可转入的状态 / The moves the state machine allows")
    received_at: dt.datetime
    due_at: dt.datetime | None
    overdue: bool
    officer: CaseOfficerOut | None
    evidence: list[CaseEvidenceOut]
    steps: list[CaseStepOut]
    response_request: CaseResponseRequestOut | None = Field(description="要求被举报团队说明 / The team's response (R-J5)")
    findings: str
    not_accepted_reason: str
    outcome: str
    ruling: str
    revokes_award: bool
    closed_at: dt.datetime | None


class CaseTransitionIn(Schema):
    to: str = Field(max_length=40, description="accepted / not_accepted / under_verification / ruled / closed")
    note: str = Field("", max_length=TEXT_MAX)
    reason: str = Field("", max_length=40, description="不予受理时：理由代码 / For not_accepted: the spec's reason code")
    outcome: Literal["", "upheld", "partly_upheld", "dismissed"] = Field("", description="裁定时 / For ruled")
    ruling: str = Field("", max_length=TEXT_MAX, description="裁定意见（公开）/ The public ruling")
    revokes_award: bool = Field(False, description="部分属实时是否撤销奖项 / For partly upheld: revoke the award")


class CaseOfficerIn(Schema):
    officer_id: int = Field(description="秘书处工作人员的用户 ID / A secretariat user's ID")


class CaseResponseRequestIn(Schema):
    message: str = Field(max_length=TEXT_MAX, description="要求团队说明的事项 / What the team is asked to answer")
    due_at: AwareDatetime | None = Field(None, description="截止时间，带时区；留空按规定工作日 / Due, with offset; "
                                                           "empty for the spec's working days")


class CaseFindingsIn(Schema):
    findings: str = Field(max_length=TEXT_MAX)


# --- helpers ---------------------------------------------------------------------------------------


def _contest():
    return get_contest()


def _notice_out(notice: Notice) -> dict:
    contest = notice.contest
    config = publicity_config(contest)
    now = timezone.now()
    revoked = selectors.revoked_awards(notice)
    rulings = selectors.published_rulings(notice)
    grounds = config.grounds if config else ()
    return {
        "contest": contest.slug, "published_at": _beijing(contest, notice.published_at),
        "starts_at": _beijing(contest, notice.starts_at), "ends_at": _beijing(contest, notice.ends_at),
        "days": (notice.ends_at - notice.starts_at).days, "is_open": notice.is_open(now),
        "ended": now >= notice.ends_at, "snapshot_sha256": notice.snapshot_sha256,
        "entries": [{**{k: e.get(k) for k in ("award_id", "project_id", "project", "organization", "direction",
                                               "direction_en", "group", "group_en", "tier", "tier_name",
                                               "tier_name_en")},
                     "revoked": e["award_id"] in revoked} for e in notice.entries],
        "amendments": [{"text": a.text, "text_en": a.text_en, "made_at": _beijing(contest, a.made_at)}
                       for a in notice.amendments.all()],
        "contact": {k: str(v) for k, v in (config.contact if config else {}).items()},
        "how_to_complain": {
            "text": _("举报实行实名制：请先确认身份（个人：姓名、居民身份证号和经短信验证的手机号；单位：名称、统一社会信用代码、"
                      "法定代表人和加盖公章的函件），再写明被举报项目、事由和事实，并提供至少一份证据。匿名举报无效；"
                      "对评审结果有异议不属于举报受理范围。"),
            "identity_url": "/api/v1/publicity/identity", "complaint_url": "/api/v1/publicity/complaints",
            "page_url": reverse("publicity:complain"),
            "grounds": [{"code": g.code, "name": g.name, "name_en": g.name_en, "rule": g.rule,
                         "complaint": g.complaint, "help": g.display_help} for g in grounds],
            "evidence": {"max_files": config.max_files, "max_links": config.max_links,
                         "formats": list(cases.EVIDENCE_FORMATS), "max_size_mb": config.max_mb}
            if config else None},
        "rulings": [{"number": c.number, "project_id": c.project_id, "project": c.project.name, "outcome": c.outcome,
                     "outcome_label": str(Outcome(c.outcome).label) if c.outcome in Outcome.values else "",
                     "ruling": c.ruling, "revokes_award": c.revokes_award, "closed_at": _beijing(contest, c.closed_at)}
                    for c in rulings],
    }


def _published_notice(contest) -> Notice:
    notice = notices.notice_of(contest)
    if notice is None:
        raise Http404(_("获奖公示尚未发布"))
    return notice


def _identity_out(found: Identity) -> dict:
    return {"kind": found.kind, "kind_label": str(IdentityKind(found.kind).label), "name": found.name,
            "masked_id_number": found.masked_id_number, "masked_mobile": found.masked_mobile,
            "credit_code": found.credit_code, "legal_representative": found.legal_representative,
            "seal_letter_name": found.seal_letter_name, "seal_letter_sha256": found.seal_letter_sha256,
            "verified_at": found.verified_at, "locked": found.cases.exists()}


def _ground_name(contest, code: str) -> str:
    config = publicity_config(contest)
    ground = config.ground(code) if config else None
    return ground.display_name if ground else code


def _state_label(state: str) -> str:
    return str(CaseState(state).label) if state in CaseState.values else state


def _my_case_out(case: Case) -> dict:
    config = publicity_config(case.contest)
    reason = config.reason(case.not_accepted_reason) if config and case.not_accepted_reason else None
    ruled = case.state in (CaseState.RULED, CaseState.CLOSED) and bool(case.outcome)
    return {
        "number": case.number, "scope": case.scope, "project_id": case.project_id, "project": case.project.name,
        "ground": case.ground, "ground_name": _ground_name(case.contest, case.ground), "facts": case.facts,
        "state": case.state, "state_label": _state_label(case.state), "received_at": case.received_at,
        "steps": [{"state": s.to_state, "state_label": _state_label(s.to_state), "at": s.at}
                  for s in case.steps.all()],
        "evidence": [{"id": e.pk, "name": e.name, "size": e.size, "sha256": e.sha256, "link": e.link,
                      "added_at": e.added_at} for e in case.evidence.all() if e.party == EvidenceParty.COMPLAINANT],
        "not_accepted_reason": (reason.display_name if reason else case.not_accepted_reason) or None,
        "outcome": case.outcome if ruled else None,
        "outcome_label": str(Outcome(case.outcome).label) if ruled else None,
        "ruling": case.ruling if ruled else None, "closed_at": case.closed_at,
    }


def _own_case(request: HttpRequest, number: str) -> Case:
    if not NUMBER.match(number):
        raise Http404
    case = (selectors.cases_of_complainant(request.auth, _contest()).select_related("contest")
            .filter(number=number).first())
    if case is None or not request.auth.has_perm("publicity.follow_case", case):
        raise Http404
    return case


def _handled_case(request: HttpRequest, number: str) -> Case:
    """The case if the caller handles it (publicity.view_case); 404 otherwise, existing or not."""
    if not NUMBER.match(number):
        raise Http404
    case = (Case.objects.select_related("contest", "project__team__organization", "identity", "officer",
                                        "material_request")
            .filter(contest=_contest(), number=number).first())
    if case is None or not request.auth.has_perm("publicity.view_case", case):
        raise Http404
    return case


def _officer(user) -> dict | None:
    return {"id": user.pk, "name": user.full_name or user.email} if user else None


def _case_out(case: Case) -> dict:
    case = _handled_reload(case)
    found = case.identity
    request = case.material_request
    now = timezone.now()
    return {
        "number": case.number, "scope": case.scope, "project_id": case.project_id, "project": case.project.name,
        "organization": case.project.team.organization.name, "award_id": case.award_id, "ground": case.ground,
        "ground_name": _ground_name(case.contest, case.ground), "rule": case.rule, "facts": case.facts,
        "complainant": {"kind": found.kind, "name": found.name, "masked_id_number": mask_id_number(found.id_number),
                        "masked_mobile": mask_mobile(found.mobile), "credit_code": found.credit_code,
                        "legal_representative": found.legal_representative,
                        "seal_letter_sha256": found.seal_letter_sha256},
        "state": case.state, "state_label": _state_label(case.state),
        "next_states": sorted(cases.CASE_TRANSITIONS.get(CaseState(case.state), set())),
        "received_at": case.received_at, "due_at": case.due_at,
        "overdue": case.due_at is not None and case.due_at < now and case.state != CaseState.CLOSED,
        "officer": _officer(case.officer),
        "evidence": [{"id": e.pk, "party": e.party, "name": e.name, "size": e.size, "content_type": e.content_type,
                      "sha256": e.sha256, "link": e.link, "note": e.note, "added_at": e.added_at,
                      "download_url": f"/api/v1/publicity/cases/{case.number}/evidence/{e.pk}" if e.file else None}
                     for e in case.evidence.all()],
        "steps": [{"from_state": s.from_state, "to_state": s.to_state, "at": s.at,
                   "actor": (s.actor.full_name or s.actor.email) if s.actor else None, "note": s.note}
                  for s in case.steps.select_related("actor")],
        "response_request": {"id": request.pk, "message": request.message, "due_at": request.due_at,
                             "status": request.status, "answer_note": request.answer_note,
                             "answered_at": request.answered_at} if request else None,
        "findings": case.findings, "not_accepted_reason": case.not_accepted_reason, "outcome": case.outcome,
        "ruling": case.ruling, "revokes_award": case.revokes_award, "closed_at": case.closed_at,
    }


def _handled_reload(case: Case) -> Case:
    return Case.objects.select_related("contest", "project__team__organization", "identity", "officer",
                                       "material_request").get(pk=case.pk)


# --- public: the notice ----------------------------------------------------------------------------


@router.get("/publicity/notice", auth=None, response={200: PublicityNoticeOut, 404: DetailOut},
            summary="获奖公示（公开）/ The award publicity notice (public, R-X1)",
            description="公示项目、北京时间的公示期、更正、举报方式和已结案的裁定（不含举报人信息）；未发布时 404 / "
                        "The prize projects, the period in Beijing time, corrections, how to complain and the rulings "
                        "of closed cases (never who complained); 404 before it is published.")
def get_notice(request: HttpRequest):
    notice = _published_notice(_contest())
    notices.conclude(notice)  # the period ends by itself: the first read after it acts (R-X3)
    notice.refresh_from_db()
    return _notice_out(notice)


@router.post("/publicity/notice", response={201: PublicityNoticeOut, **REFUSALS},
             summary="发布获奖公示（不可撤回）/ Publish the notice (irreversible, R-X1)")
def publish_notice(request: HttpRequest):
    _require(request.auth, "publicity.manage_notice")
    notice = notices.publish_notice(contest=_contest(), actor=request.auth)
    return Status(201, _notice_out(notices.notice_of(notice.contest)))


@router.post("/publicity/notice/amendments", response={201: PublicityNoticeOut, **REFUSALS},
             summary="发布更正 / Add a correction to the published notice")
def amend_notice(request: HttpRequest, payload: NoticeAmendmentIn):
    _require(request.auth, "publicity.manage_notice")
    notice = _published_notice(_contest())
    notices.amend_notice(notice=notice, text=payload.text, text_en=payload.text_en, actor=request.auth)
    return Status(201, _notice_out(notice))


# --- the complainant ---------------------------------------------------------------------------------


@router.post("/publicity/identity/code", response={202: IdentityCodeOut, **REFUSALS},
             summary="发送手机验证码 / Text a code to the complainant's mobile (R-X2)")
def send_code(request: HttpRequest, payload: IdentityCodeIn):
    number = send_number_code(user=request.auth, mobile=payload.mobile)
    return Status(202, {"mobile": mask_mobile(number), "expires_in_minutes": CODE_MINUTES})


@router.post("/publicity/identity/individual", response={200: ComplainantIdentityOut, **REFUSALS},
             summary="个人身份确认 / Prove a person's identity (R-X2)")
def prove_individual(request: HttpRequest, payload: IndividualIdentityIn):
    found = identity.prove_individual(user=request.auth, name=payload.name, id_number=payload.id_number,
                                      mobile=payload.mobile, code=payload.code)
    return _identity_out(found)


@router.post("/publicity/identity/unit", response={200: ComplainantIdentityOut, **REFUSALS},
             summary="单位身份确认 / Prove a unit's identity with its sealed letter (R-X2)",
             description="multipart：name、credit_code、legal_representative 和 seal_letter（PDF、JPEG 或 PNG）/ "
                         "multipart: the fields and the scan of the letter with the unit's seal.")
def prove_unit(request: HttpRequest, name: Form[str] = "", credit_code: Form[str] = "",
               legal_representative: Form[str] = "", seal_letter: File[UploadedFile] = None):
    found = identity.prove_unit(user=request.auth, name=name[:1000], credit_code=credit_code[:100],
                                legal_representative=legal_representative[:1000], stream=seal_letter,
                                filename=seal_letter.name if seal_letter else "")
    return _identity_out(found)


@router.get("/publicity/identity", response={200: ComplainantIdentityOut, **REFUSALS},
            summary="我的举报人身份（遮蔽）/ My complainant identity, masked")
def get_identity(request: HttpRequest):
    found = identity.identity_of(request.auth)
    if found is None:
        raise Http404
    return _identity_out(found)


@router.post("/publicity/complaints", response={201: OwnComplaintOut, **REFUSALS},
             summary="提交实名举报 / File a complaint under a real name (R-X2)",
             description="multipart：ground、facts、scope（award 或 local_stage）、project_id（公示项目）或 project_name"
                         "（地方赛项目）、links（可多个）、files（可多个）/ multipart: the ground, the facts, the scope, "
                         "project_id (a prize in the notice) or project_name (a project in the local stage), links "
                         "and files (each repeatable). Refused with the rule named and nothing written: no identity, "
                         "no evidence, outside the period, a project not in the notice, disagreement with the "
                         "evaluation. Send an `Idempotency-Key` header: a retry with the same key gets the case "
                         "the first request filed.")
@request_fields({"project": "project_id"})
def file_complaint(request: HttpRequest, ground: Form[str] = "", facts: Form[str] = "",
                   scope: Form[str] = CaseScope.AWARD.value, project_id: Form[int | None] = None,
                   project_name: Form[str] = "", links: Form[list[str]] = None,
                   files: File[list[UploadedFile]] = None):
    if project_id is not None and not 0 < project_id < 2**31:
        raise ValidationError({"project_id": ValidationError(_("请从公示名单中选择被举报的项目"), code="R-X1")})
    filing = cases.Filing(
        ground=ground[:100], facts=facts[:TEXT_MAX], scope=scope[:40], project_id=project_id,
        project_name=project_name[:1000], links=[link[:2000] for link in (links or [])][:1000],
        files=[cases.EvidenceFile(f, f.name) for f in (files or [])])
    case = cases.file_complaint(contest=_contest(), actor=request.auth, filing=filing,
                                idempotency_key=request.headers.get("Idempotency-Key", ""))
    return Status(201, _my_case_out(Case.objects.select_related("contest", "project").get(pk=case.pk)))


@router.get("/publicity/complaints/mine", response={200: list[OwnComplaintOut], **REFUSALS},
            summary="我的举报 / My complaints: states and dates")
@paginate(Pages, page_size=PAGE_SIZE)
def my_complaints(request: HttpRequest):
    own = selectors.cases_of_complainant(request.auth, _contest()).select_related("contest")
    return [_my_case_out(c) for c in own.prefetch_related("steps", "evidence")]


@router.get("/publicity/complaints/mine/{number}", response={200: OwnComplaintOut, **REFUSALS},
            summary="我的一件举报 / One of my complaints",
            description="状态与各环节时间、不予受理的理由、裁定；不含核查人员的说明和核查情况 / States and dates, why it "
                        "was not accepted, the ruling; never the officer's notes or findings.")
def my_complaint(request: HttpRequest, number: str):
    return _my_case_out(_own_case(request, number))


# --- staff -------------------------------------------------------------------------------------------


@router.get("/publicity/cases", response={200: list[CaseRowOut], **REFUSALS},
            summary="举报案件 / The complaint cases, with filters and deadlines",
            description="举报受理组和案件核查人员可见事由、核查人员和期限；其他工作人员只见案件存在（编号、项目、状态、日期）/ "
                        "The committee and a case's officer see the ground, the officer and the deadline; other "
                        "staff only that a case exists.")
@paginate(Pages, page_size=PAGE_SIZE)
def list_cases(request: HttpRequest, filters: Query[CaseFilters]):
    user = request.auth
    _require(user, "publicity.list_cases")
    now = timezone.now()
    rows = []
    for case in selectors.cases_for_staff(_contest(), state=filters.state or "", q=filters.q,
                                          overdue_at=now if filters.overdue else None):
        handler = user.has_perm("publicity.view_case", case)
        rows.append({
            "number": case.number, "project_id": case.project_id, "project": case.project.name,
            "state": case.state, "state_label": _state_label(case.state), "received_at": case.received_at,
            "closed_at": case.closed_at, "handler": handler,
            "ground": case.ground if handler else None, "officer": _officer(case.officer) if handler else None,
            "due_at": case.due_at if handler else None,
            "overdue": (case.due_at is not None and case.due_at < now and case.state != CaseState.CLOSED)
            if handler else None,
        })
    return rows


@router.get("/publicity/cases/{number}", response={200: CaseOut, **REFUSALS},
            summary="一件举报案件（经办人）/ One case, for its handlers",
            description="举报人身份（遮蔽）、事实、证据及其 SHA-256、各环节及说明、核查情况；非经办人 404 / The "
                        "complainant's identity (masked), the facts, the evidence with SHA-256, every step with its "
                        "note, the findings; 404 to anyone else.")
def get_case(request: HttpRequest, number: str):
    return _case_out(_handled_case(request, number))


@router.get("/publicity/cases/{number}/evidence/{evidence_id}", response={401: DetailOut, 404: DetailOut},
            summary="下载证据文件 / Download an evidence file (handlers; the complainant their own)",
            openapi_extra={"responses": {200: {"description": "The file", "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}})
def download_evidence(request: HttpRequest, number: str, evidence_id: int) -> HttpResponse:
    if not NUMBER.match(number):
        raise Http404
    item = selectors.visible_evidence(request.auth, Case.objects.filter(contest=_contest(), number=number).first(),
                                      evidence_id)
    return private_download(item.file, name=item.name, content_type=item.content_type)


@router.post("/publicity/cases/{number}/transition", response={200: CaseOut, **REFUSALS},
             summary="案件环节 / Move a case one step (受理, 核查, 裁定, 结案)",
             description="只能按状态机转换；受理、不予受理和结案由举报受理组决定；裁定属实即撤销奖项、奖金和证书（R-X3）/ "
                         "Only the state machine's moves; accepting, not accepting and closing are the committee's; "
                         "an upheld ruling revokes the award, its prize and its certificate (R-X3).")
@request_fields({"state": "to"})
def transition(request: HttpRequest, number: str, payload: CaseTransitionIn):
    case = _handled_case(request, number)
    if payload.to in COMMITTEE_MOVES:
        _require(request.auth, "publicity.handle_cases")
    case = cases.transition(case=case, to=payload.to, actor=request.auth, note=payload.note, reason=payload.reason,
                            outcome=payload.outcome, ruling=payload.ruling, revokes_award=payload.revokes_award)
    return _case_out(case)


@router.post("/publicity/cases/{number}/officer", response={200: CaseOut, **REFUSALS},
             summary="指定核查人员 / Assign the officer who verifies the case")
@request_fields({"officer": "officer_id"})
def assign_officer(request: HttpRequest, number: str, payload: CaseOfficerIn):
    case = _handled_case(request, number)
    _require(request.auth, "publicity.handle_cases")
    officer = User.objects.filter(pk=payload.officer_id).first() if 0 < payload.officer_id < 2**63 else None
    return _case_out(cases.assign_officer(case=case, officer=officer, actor=request.auth))


@router.post("/publicity/cases/{number}/response-request", response={200: CaseOut, **REFUSALS},
             summary="要求被举报团队说明 / Ask the accused team for its response (R-J5), never naming the complainant")
def request_response(request: HttpRequest, number: str, payload: CaseResponseRequestIn):
    case = _handled_case(request, number)
    _require(request.auth, "publicity.verify_case", case)
    return _case_out(cases.request_response(case=case, actor=request.auth, message=payload.message,
                                            due_at=payload.due_at))


@router.post("/publicity/cases/{number}/findings", response={200: CaseOut, **REFUSALS},
             summary="记录核查情况 / Record the findings (internal)")
def record_findings(request: HttpRequest, number: str, payload: CaseFindingsIn):
    case = _handled_case(request, number)
    _require(request.auth, "publicity.verify_case", case)
    return _case_out(cases.record_findings(case=case, actor=request.auth, findings=payload.findings))


# --- examples (ciic/api/examples.py) ------------------------------------------------------------------

NOTICE_ENTRY = {
    "award_id": 301, "project_id": 118, "project": "基于工业互联网平台的注塑质量在线检测系统",
    "organization": "宁波智造云科技有限公司", "direction": "工业互联网+质量提升解决方案",
    "direction_en": "Industrial Internet + quality improvement", "group": "新锐组", "group_en": "Newcomer",
    "tier": "first", "tier_name": "一等奖", "tier_name_en": "First prize", "revoked": False,
}
AMENDMENT = {"text": "三等奖项目“设备预测性维护平台”的参赛单位名称更正为“无锡数联科技有限公司”。",
             "text_en": "", "made_at": "2024-01-08T10:30:00+08:00"}
GROUND = {"code": "false_information", "name": "提供虚假信息或材料", "name_en": "False information or materials",
          "rule": "R-P6", "complaint": True, "help": ""}
EVIDENCE_RULES = {"max_files": 10, "max_links": 10, "formats": ["pdf", "jpg", "png", "docx", "xlsx", "zip", "mp4"],
                  "max_size_mb": 50}
HOW_TO_COMPLAIN = {
    "text": "举报实行实名制：请先确认身份，再写明被举报项目、事由和事实，并提供至少一份证据。匿名举报无效。",
    "identity_url": "/api/v1/publicity/identity", "complaint_url": "/api/v1/publicity/complaints",
    "page_url": "/publicity/complain/", "grounds": [GROUND], "evidence": EVIDENCE_RULES,
}
RULING = {"number": "JB2023-003", "project_id": 131, "project": "面向离散制造的设备预测性维护平台",
          "outcome": "upheld", "outcome_label": "举报属实",
          "ruling": "举报属实：申报材料中的销售收入与实际不符，撤销其三等奖，追回奖金。", "revokes_award": True,
          "closed_at": "2024-02-20T16:00:00+08:00"}
NOTICE = {
    "contest": "ciic-2023", "published_at": "2024-01-05T09:00:00+08:00", "starts_at": "2024-01-05T09:00:00+08:00",
    "ends_at": "2024-02-04T09:00:00+08:00", "days": 30, "is_open": True, "ended": False,
    "snapshot_sha256": "3f1c9a0e5b7d2c4f6a8e0b1d3c5e7f9a1b3d5f7e9c1a3b5d7f9e1c3a5b7d9f1e",
    "entries": [NOTICE_ENTRY], "amendments": [AMENDMENT],
    "contact": {"name": "大赛组委会秘书处办公室", "name_en": "The organizing committee's secretariat office",
                "email": "ciic@cii-contest.cn"},
    "how_to_complain": HOW_TO_COMPLAIN, "rulings": [RULING],
}
CODE = {"mobile": mask_mobile("13912345678"), "expires_in_minutes": 10}
IDENTITY = {"kind": "individual", "kind_label": "个人", "name": "张三", "masked_id_number": mask_id_number(
    "11010519491231002X"), "masked_mobile": mask_mobile("13912345678"), "credit_code": "", "legal_representative": "",
    "seal_letter_name": "", "seal_letter_sha256": "", "verified_at": "2024-01-06T14:02:00+08:00", "locked": False}
MY_CASE = {
    "number": "JB2023-001", "scope": "award", "project_id": 118, "project": "基于工业互联网平台的注塑质量在线检测系统",
    "ground": "false_information", "ground_name": "提供虚假信息或材料",
    "facts": "申报书中的年销售收入与该公司公开年报不符。", "state": "not_accepted", "state_label": "不予受理",
    "received_at": "2024-01-06T14:10:00+08:00",
    "steps": [{"state": "received", "state_label": "已收到", "at": "2024-01-06T14:10:00+08:00"},
              {"state": "not_accepted", "state_label": "不予受理", "at": "2024-01-09T11:00:00+08:00"}],
    "evidence": [{"id": 41, "name": "annual-report.pdf", "size": 182044,
                  "sha256": "9b2e6c1d4f8a0b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c", "link": "",
                  "added_at": "2024-01-06T14:10:00+08:00"}],
    "not_accepted_reason": "未提供能够支持举报事项的证据", "outcome": None, "outcome_label": None, "ruling": None,
    "closed_at": None,
}
OFFICER = {"id": 5, "name": "王核查"}
CASE_ROW = {"number": "JB2023-002", "project_id": 125, "project": "钢铁行业能耗优化工业互联网平台",
            "state": "under_verification", "state_label": "核查中", "received_at": "2024-01-08T09:20:00+08:00",
            "closed_at": None, "handler": True, "ground": "originality", "officer": OFFICER,
            "due_at": "2024-02-02T23:59:59+08:00", "overdue": False}
CASE = {
    "number": "JB2023-002", "scope": "award", "project_id": 125, "project": "钢铁行业能耗优化工业互联网平台",
    "organization": "江苏数联钢铁科技有限公司", "award_id": 305, "ground": "originality",
    "ground_name": "非原创或侵犯知识产权", "rule": "R-J2", "facts": "该项目的核心算法与某公司已公开的专利说明书一致。",
    "complainant": {"kind": "individual", "name": "张三", "masked_id_number": mask_id_number("11010519491231002X"),
                    "masked_mobile": mask_mobile("13912345678"), "credit_code": "", "legal_representative": "",
                    "seal_letter_sha256": ""},
    "state": "under_verification", "state_label": "核查中", "next_states": ["ruled"],
    "received_at": "2024-01-08T09:20:00+08:00", "due_at": "2024-02-02T23:59:59+08:00", "overdue": False,
    "officer": OFFICER,
    "evidence": [{"id": 52, "party": "complainant", "name": "patent.pdf", "size": 402211, "content_type": "application/pdf",
                  "sha256": "0d4e8f2a6b1c3e5f7a9b0c2d4e6f8a1b3c5d7e9f0a2b4c6d8e1f3a5b7c9d0e2f", "link": "",
                  "note": "", "added_at": "2024-01-08T09:20:00+08:00",
                  "download_url": "/api/v1/publicity/cases/JB2023-002/evidence/52"}],
    "steps": [{"from_state": "", "to_state": "received", "at": "2024-01-08T09:20:00+08:00", "actor": "张三", "note": ""},
              {"from_state": "received", "to_state": "accepted", "at": "2024-01-10T15:00:00+08:00",
               "actor": "秘书处", "note": "证据指向明确，予以受理"},
              {"from_state": "accepted", "to_state": "under_verification", "at": "2024-01-11T09:00:00+08:00",
               "actor": "王核查", "note": ""}],
    "response_request": {"id": 77, "message": "请就举报所涉核心算法的来源作出说明并提供证明材料。",
                         "due_at": "2024-01-18T23:59:59+08:00", "status": "open", "answer_note": "",
                         "answered_at": None},
    "findings": "", "not_accepted_reason": "", "outcome": "", "ruling": "", "revokes_award": False, "closed_at": None,
}

EXAMPLES = {PublicityNoticeOut: NOTICE, IdentityCodeOut: CODE, ComplainantIdentityOut: IDENTITY, OwnComplaintOut: MY_CASE, CaseRowOut: CASE_ROW,
            CaseOut: CASE}
