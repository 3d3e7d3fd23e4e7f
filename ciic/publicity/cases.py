"""Complaints and their handling (R-X2: 受理 accept, 核查 verify, 裁定 rule; R-X3; R-P8).

- **Filing** (`file_complaint`): refused at once, with the rule named and nothing written:
  no proved identity (anonymous, R-X2), no evidence, outside the period (server time, Beijing:
  R-T5), a project not in the notice, a ground the spec marks as not a complaint (disagreement
  with the evaluation). Evidence files go through the same content checks as materials, each
  kept with its SHA-256; links must be https. A complaint about a project still in the local
  stage (R-P8) names the project exactly and is taken until the notice is published.
- **The state machine** (`transition`): `enums.CASE_TRANSITIONS`, one function, each move a
  write-once `Step` and an audit entry; every other move is refused naming both states. Each
  open state has a deadline in working days from the spec (`config.deadline`).
- **Verification**: the secretariat assigns an officer (`assign_officer`); the officer asks
  the accused team for its response through the further-material request of R-J5
  (`request_response`: the team sees the request, never the complainant), records findings
  and evidence (`record_findings`, `add_officer_evidence`).
- **Consequences** (`transition` to ruled): an upheld ruling (or a partly upheld one the
  committee says revokes) takes the award back through the awards app (`prizes.revoke_award`:
  the prize to revoked, the team told, the public list marked) and revokes its certificate
  (`certificates.services.revoke_award_certificate`); for a local-stage case it disqualifies
  the project through `projects.services.disqualify_project`. The spec's `promote_next` is
  false for CIIC 2023: nobody moves up.
- **Telling the complainant**: every step notifies them in the platform and by email, or by
  text message when the account has no email; the texts name the case and its state only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ciic.accounts.enums import Role
from ciic.audit.services import record
from ciic.awards import prizes
from ciic.awards.models import Award
from ciic.certificates.models import RevokeCategory
from ciic.certificates.services import revoke_award_certificate
from ciic.contests.models import Contest
from ciic.core.validation import Errors, clean_text
from ciic.notifications.services import notify
from ciic.notifications.sms import send_sms
from ciic.projects.enums import ProjectStatus
from ciic.projects.further import request_material
from ciic.projects.materials import store_checked_file
from ciic.projects.models import Project
from ciic.projects.services import DISQUALIFY_RULES, disqualify_project

from .archive import archive_case
from .config import PublicityConfig, publicity_config
from .enums import CASE_TRANSITIONS, CaseScope, CaseState, EvidenceParty, Outcome
from .identity import require_identity
from .models import Case, Evidence, Notice, Step

RULE = "R-X2"
FACTS_LIMIT = 5000
TEXT_LIMIT = 5000
EVIDENCE_FORMATS = ["pdf", "jpg", "png", "docx", "xlsx", "zip", "mp4"]
# Which deadline a state runs against (working days from the spec's `time_limits`).
STEP_LIMIT = {CaseState.RECEIVED: "accept", CaseState.ACCEPTED: "verify",
              CaseState.UNDER_VERIFICATION: "verify", CaseState.RULED: "rule"}


@dataclass
class EvidenceFile:
    stream: BinaryIO
    name: str


@dataclass
class Filing:
    """What the complainant submits; `project_id` for a prize in the notice, `project_name`
    for a project in the local stage."""

    ground: str
    facts: str
    scope: str = CaseScope.AWARD
    project_id: int | None = None
    project_name: str = ""
    files: list[EvidenceFile] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


def config_or_refuse(contest: Contest) -> PublicityConfig:
    config = publicity_config(contest)
    if config is None:
        raise ValidationError({"__all__": ValidationError(_("本届大赛未设置举报规则"), code=RULE)})
    return config


def _text(value: str, fld: str, label: str, limit: int, errors: Errors, rule: str = RULE, *,
          required: bool = True) -> str:
    return clean_text(errors, fld, value, label=label, limit=limit, rule=rule, required=required, multiline=True)


def _links(links: list[str], errors: Errors, limit: int) -> list[str]:
    clean = [link.strip() for link in links if link and link.strip()]
    if len(clean) > limit:
        errors.add("links", _("链接最多 %(n)s 个") % {"n": limit}, RULE)
        return []
    check = URLValidator(schemes=["https"])
    for link in clean:
        try:
            check(link)
            if len(link) > Evidence._meta.get_field("link").max_length:
                raise ValidationError("too long")
        except ValidationError:
            errors.add("links", _("证据链接须为 https 网址：%(link)s") % {"link": link[:80]}, RULE)
    return clean


def _target(contest: Contest, config: PublicityConfig, filing: Filing, notice: Notice | None, now: dt.datetime,
            errors: Errors) -> tuple[Project | None, Award | None]:
    if filing.scope == CaseScope.AWARD:
        if notice is None or now < notice.starts_at:
            errors.add("__all__", _("获奖公示尚未发布，暂不受理对获奖项目的举报"), "R-X1")
            return None, None
        if now >= notice.ends_at:
            errors.add("__all__", _("公示期已于 %(end)s（北京时间）结束，不再受理举报") % {
                "end": notice.ends_at.astimezone(config.time_zone).strftime("%Y-%m-%d %H:%M")}, "R-T5")
            return None, None
        entry = next((e for e in notice.entries if e["project_id"] == filing.project_id), None)
        if entry is None:
            errors.add("project", _("请从公示名单中选择被举报的项目"), "R-X1")
            return None, None
        return (Project.objects.filter(pk=entry["project_id"]).first(),
                Award.objects.filter(pk=entry["award_id"]).first())
    if filing.scope == CaseScope.LOCAL_STAGE:
        if notice is not None:
            errors.add("scope", _("获奖公示已发布：地方赛阶段的举报已截止，请对公示项目提出举报"), "R-P8")
            return None, None
        name = clean_text(errors, "project_name", filing.project_name, label=_("项目名称"), limit=200, rule="R-P8")
        if not name:
            return None, None
        matches = list(Project.objects.filter(contest=contest, name=name).exclude(
            status__in=[ProjectStatus.WITHDRAWN, ProjectStatus.DISQUALIFIED])[:2])
        if len(matches) != 1:
            errors.add("project_name", _("未找到该名称的参赛项目：请填写完整、准确的项目名称"), "R-P8")
            return None, None
        return matches[0], None
    errors.add("scope", _("请选择举报范围"), RULE)
    return None, None


def _next_number(contest: Contest) -> str:
    """The next public number, JB<year>-001 on: cases are never deleted, so the count under the
    contest row's lock (the caller's) numbers them without gaps, past 999 too."""
    prefix = f"JB{contest.year}-"
    return f"{prefix}{Case.objects.filter(contest=contest, number__startswith=prefix).count() + 1:03d}"


def file_complaint(*, contest: Contest, actor, filing: Filing, now: dt.datetime | None = None,
                   idempotency_key: str = "") -> Case:
    """File a complaint (module docstring); every refusal names its field and rule and writes
    nothing. The complainant is told the case number. A request retried with the same
    `idempotency_key` gets the case the first one made, and nothing is filed twice."""
    now = now or timezone.now()
    key = (idempotency_key or "").strip()[:100]
    if key and (done := Case.objects.filter(complainant=actor, idempotency_key=key).first()) is not None:
        return done
    config = config_or_refuse(contest)
    errors = Errors()
    try:
        identity = require_identity(actor)
    except ValidationError as exc:
        errors.add("identity", exc.error_dict["identity"][0].message, RULE)
        identity = None
    ground = config.ground(filing.ground or "")
    if ground is None:
        errors.add("ground", _("请选择举报事由"), RULE)
    elif not ground.complaint:
        errors.add("ground", ground.display_help or _("该事由不属于举报受理范围"), RULE)
    facts = _text(filing.facts, "facts", _("举报事实"), FACTS_LIMIT, errors)
    links = _links(filing.links, errors, config.max_links)
    if len(filing.files) > config.max_files:
        errors.add("files", _("证据文件最多 %(n)s 个") % {"n": config.max_files}, RULE)
    if not filing.files and not links:
        errors.add("evidence", _("举报须提供相应的证据：请上传至少一份证据文件或填写证据链接"), RULE)
    notice = Notice.objects.filter(contest=contest).first()
    project, award = _target(contest, config, filing, notice, now, errors)
    errors.raise_if_any()
    stored = []
    try:
        for item in filing.files:
            stored.append(store_checked_file(project=None, stream=item.stream, filename=item.name,
                                             formats=EVIDENCE_FORMATS, max_size_mb=config.max_mb, actor=actor,
                                             now=now))
        with transaction.atomic():
            Contest.objects.select_for_update(of=("self",)).filter(pk=contest.pk).order_by("pk").first()
            if key and (done := Case.objects.filter(complainant=actor, idempotency_key=key).first()) is not None:
                for s in stored:  # the twin request filed it while this one checked its files
                    default_storage.delete(s.file.name)
                return done
            case = Case.objects.create(idempotency_key=key,
                contest=contest, number=_next_number(contest), scope=filing.scope,
                notice=notice if filing.scope == CaseScope.AWARD else None, project=project, award=award,
                ground=ground.code, rule=ground.rule, facts=facts, complainant=actor, identity=identity,
                received_at=now, due_at=config.deadline(now, "accept"))
            for s in stored:
                Evidence.objects.create(case=case, file=s.file.name, name=s.original_name, size=s.size,
                                        content_type=s.content_type, sha256=s.sha256, added_by=actor, added_at=now)
            for link in links:
                Evidence.objects.create(case=case, link=link, added_by=actor, added_at=now)
            Step.objects.create(case=case, from_state="", to_state=CaseState.RECEIVED, actor=actor, at=now)
            record(actor=actor, action="publicity.complaint", target=case, after={
                "number": case.number, "scope": case.scope, "project_id": project.pk, "ground": ground.code,
                "evidence": [s.sha256 for s in stored] + links})
            _tell_complainant(case, CaseState.RECEIVED)
    except BaseException:
        for s in stored:
            default_storage.delete(s.file.name)
        raise
    return case


# --- telling the complainant --------------------------------------------------------------------


def _tell_complainant(case: Case, state: str) -> None:
    notify([case.complainant], f"complaint_{state}", {"number": case.number},
           url=reverse("publicity:my_case", args=[case.number]))
    if not case.complainant.email and case.identity.mobile:
        number = case.identity.mobile
        text = _("【中国工业互联网大赛】您的举报 %(number)s 状态已更新，请登录平台查看。") % {"number": case.number}
        transaction.on_commit(lambda: send_sms(number, text))


# --- the state machine ------------------------------------------------------------------------


def _refuse_move(case: Case, to: str) -> None:
    raise ValidationError({"state": ValidationError(
        _("案件状态不能从“%(from)s”改为“%(to)s”") % {
            "from": CaseState(case.state).label, "to": CaseState(to).label if to in CaseState.values else to},
        code=RULE)})


def transition(*, case: Case, to: str, actor, note: str = "", reason: str = "", outcome: str = "",
               ruling: str = "", revokes_award: bool = False, now: dt.datetime | None = None) -> Case:
    """Move a case one step (`enums.CASE_TRANSITIONS`), with what the step needs:
    not_accepted a `reason` from the spec's list (and a `note`); ruled an `outcome`, the public
    `ruling` text and, for partly upheld, whether it `revokes_award`. Each move is a Step and an
    audit entry; the complainant is told; the next deadline is set. Ruling upheld takes the
    consequences (module docstring) in the same transaction."""
    now = now or timezone.now()
    config = config_or_refuse(case.contest)
    errors = Errors()
    note = _text(note, "note", _("说明"), TEXT_LIMIT, errors, required=False)
    if to == CaseState.NOT_ACCEPTED and config.reason(reason or "") is None:
        errors.add("reason", _("请选择不予受理的理由"), RULE)
    if to == CaseState.RULED:
        if outcome not in Outcome.values:
            errors.add("outcome", _("请选择裁定结果"), RULE)
        ruling = _text(ruling, "ruling", _("裁定意见"), TEXT_LIMIT, errors)
    errors.raise_if_any()
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).select_related(
            "contest", "project", "award", "complainant", "identity").get(pk=case.pk)
        if to not in CASE_TRANSITIONS.get(CaseState(locked.state), set()):
            _refuse_move(locked, to)
        if to == CaseState.UNDER_VERIFICATION and locked.officer_id is None:
            raise ValidationError({"officer": ValidationError(_("请先指定核查人员"), code=RULE)})
        if to == CaseState.RULED and not locked.findings:
            raise ValidationError({"findings": ValidationError(_("请先记录核查情况"), code=RULE)})
        before = locked.state
        fields = ["state", "due_at"]
        locked.state = to
        locked.due_at = config.deadline(now, STEP_LIMIT[to]) if to in STEP_LIMIT else None
        if to == CaseState.NOT_ACCEPTED:
            locked.not_accepted_reason = reason
            fields.append("not_accepted_reason")
        if to == CaseState.RULED:
            locked.outcome, locked.ruling = outcome, ruling
            locked.revokes_award = outcome == Outcome.UPHELD or (outcome == Outcome.PARTLY_UPHELD and revokes_award)
            fields += ["outcome", "ruling", "revokes_award"]
        if to == CaseState.CLOSED:
            locked.closed_at = now
            fields.append("closed_at")
        locked.save(update_fields=fields)
        Step.objects.create(case=locked, from_state=before, to_state=to, actor=actor, at=now, note=note)
        record(actor=actor, action="publicity.case.transition", target=locked, before={"state": before},
               after={"state": to, "note": note, "reason": reason, "outcome": locked.outcome,
                      "revokes_award": locked.revokes_award})
        if to == CaseState.RULED and locked.revokes_award:
            _consequences(locked, actor)
        if to == CaseState.CLOSED:  # the case file, archived with its hashes (R-V3)
            archive_case(case=locked, actor=actor)
        _tell_complainant(locked, to)
    return locked


def _consequences(case: Case, actor) -> None:
    """R-X3 for an award; R-P8 (and the other grounds' rules) for a project in the local stage."""
    reason = _("举报 %(number)s 经核查属实：%(ruling)s") % {"number": case.number, "ruling": case.ruling}
    if case.scope == CaseScope.AWARD and case.award_id:
        prizes.revoke_award(award=case.award, reason=reason, basis=case.number, actor=actor)
        revoke_award_certificate(award=case.award, reason=reason, actor=actor, category=RevokeCategory.AWARD_REVOKED)
    elif case.scope == CaseScope.LOCAL_STAGE:
        disqualify_project(project=case.project, actor=actor, reason=reason,
                           rule=case.rule if case.rule in DISQUALIFY_RULES else "")


# --- verification -----------------------------------------------------------------------------


def _open_case(case: Case, states: tuple[str, ...]) -> Case:
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if locked.state not in states:
        raise ValidationError({"state": ValidationError(
            _("案件当前状态为“%(state)s”，不能进行此操作") % {"state": CaseState(locked.state).label}, code=RULE)})
    return locked


def assign_officer(*, case: Case, officer, actor) -> Case:
    """Name the officer who verifies the case: a secretariat account. Audited."""
    if officer is None or officer.role != Role.SECRETARIAT or not officer.is_active:
        raise ValidationError({"officer": ValidationError(_("核查人员须为秘书处工作人员"), code=RULE)})
    with transaction.atomic():
        locked = _open_case(case, (CaseState.RECEIVED, CaseState.ACCEPTED, CaseState.UNDER_VERIFICATION))
        before = locked.officer_id
        locked.officer = officer
        locked.save(update_fields=["officer"])
        record(actor=actor, action="publicity.case.officer", target=locked, before={"officer": before},
               after={"officer": officer.pk})
    return locked


def request_response(*, case: Case, actor, message: str, due_at: dt.datetime | None = None,
                     now: dt.datetime | None = None) -> Case:
    """Ask the accused team for its response (R-J5's further-material request, due within the
    spec's `respond` working days unless given). The message is the officer's; the request
    never names the complainant."""
    now = now or timezone.now()
    config = config_or_refuse(case.contest)
    with transaction.atomic():
        locked = _open_case(case, (CaseState.UNDER_VERIFICATION,))
        due = due_at or config.deadline(now, "respond")
        material = request_material(project=locked.project, actor=actor, message=message, due_at=due, now=now)
        locked.material_request = material
        locked.save(update_fields=["material_request"])
        record(actor=actor, action="publicity.case.response_requested", target=locked,
               after={"material_request": material.pk, "due_at": due.isoformat()})
    return locked


def record_findings(*, case: Case, actor, findings: str) -> Case:
    """The officer's findings (internal: the handlers see them, the public sees the ruling)."""
    errors = Errors()
    text = _text(findings, "findings", _("核查情况"), TEXT_LIMIT, errors)
    errors.raise_if_any()
    with transaction.atomic():
        locked = _open_case(case, (CaseState.UNDER_VERIFICATION,))
        locked.findings = text
        locked.save(update_fields=["findings"])
        record(actor=actor, action="publicity.case.findings", target=locked, after={"length": len(text)})
    return locked


def add_officer_evidence(*, case: Case, actor, file: EvidenceFile | None = None, link: str = "",
                         note: str = "", now: dt.datetime | None = None) -> Evidence:
    """Evidence the officer gathers while verifying: a checked file or an https link."""
    now = now or timezone.now()
    errors = Errors()
    links = _links([link], errors, 1) if link else []
    note = _text(note, "note", _("说明"), 500, errors, required=False)
    if file is None and not links:
        errors.add("evidence", _("请上传文件或填写链接"), RULE)
    errors.raise_if_any()
    stored = store_checked_file(project=None, stream=file.stream, filename=file.name, formats=EVIDENCE_FORMATS,
                                max_size_mb=config_or_refuse(case.contest).max_mb, actor=actor,
                                now=now) if file else None
    try:
        with transaction.atomic():
            locked = _open_case(case, (CaseState.UNDER_VERIFICATION,))
            item = Evidence.objects.create(
                case=locked, party=EvidenceParty.OFFICER, file=stored.file.name if stored else "",
                name=stored.original_name if stored else "", size=stored.size if stored else 0,
                content_type=stored.content_type if stored else "", sha256=stored.sha256 if stored else "",
                link=links[0] if links else "", note=note, added_by=actor, added_at=now)
            record(actor=actor, action="publicity.case.evidence", target=locked,
                   after={"evidence": item.pk, "sha256": item.sha256, "link": item.link})
    except BaseException:
        if stored:
            default_storage.delete(stored.file.name)
        raise
    return item


def overdue(contest: Contest, now: dt.datetime | None = None):
    now = now or timezone.now()
    return Case.objects.filter(contest=contest, due_at__lt=now).exclude(state=CaseState.CLOSED)
