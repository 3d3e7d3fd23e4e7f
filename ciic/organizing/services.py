"""Every write about organizing units (R-O1, R-O2, R-T2): units and their accounts, the contact
receipt (附件2), the organizing report with its attachments, the team's recommending unit, and
the secretariat's 优秀组织奖 decision through the awards app (R-A2).

Each service validates (errors per field with the rule ID, nothing written on error), writes
in one transaction and records the audit entry."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from ciic.accounts.enums import Role
from ciic.accounts.models import User
from ciic.audit.services import record
from ciic.awards import special
from ciic.contests.models import Contest
from ciic.contests.selectors import registration_open
from ciic.core.masking import mask_mobile
from ciic.core.validation import Errors, clean_text
from ciic.entrants.models import Team
from ciic.projects.materials import store_checked_file

from .config import OrganizingConfig, deadline, organizing_config
from .enums import ReceiptSource
from .models import (
    ContactReceipt,
    OrganizingReport,
    OrganizingUnit,
    Recommendation,
    ReportAttachment,
    UnitAccount,
)

NAME_LIMIT = 200
PERSON_LIMIT = 60
CONTACT_LIMIT = 100
REASON_LIMIT = 2000
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed
CODE_LENGTH = 8


def config_or_error(contest: Contest) -> OrganizingConfig:
    config = organizing_config(contest)
    if config is None:
        raise ValidationError({"__all__": ValidationError(_("本届大赛未设置组织单位相关规则"), code="R-O1")})
    return config


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


# --- units and their accounts -----------------------------------------------------------------


def create_unit(*, contest: Contest, kind: str, name: str, actor, credit_code: str = "") -> OrganizingUnit:
    """The secretariat adds an organizing unit (R-O1, R-O2): a kind of the spec's list, a name
    unique in the contest, and where it has one a valid unified social credit code (checked
    with its check digit), unique too. Gives it an invitation code. Audited."""
    config = config_or_error(contest)
    errors = Errors()
    if config.kind(str(kind or "")) is None:
        errors.add("kind", _("请选择组织单位类型"), "R-O1")
    name = clean_text(errors, "name", name, label=_("单位名称"), limit=NAME_LIMIT, rule="R-O1")
    code = ""
    raw = str(credit_code or "").strip()
    if raw:
        try:
            code = uscc.validate(uscc.compact(raw[:40]))
        except Exception:  # stdnum's ValidationError family
            errors.add("credit_code", _("统一社会信用代码无效（18 位，含校验位）"), "R-P1")
    if name and OrganizingUnit.objects.filter(contest=contest, name=name).exists():
        errors.add("name", _("该组织单位已存在"), "R-O1")
    if code and OrganizingUnit.objects.filter(contest=contest, credit_code=code).exists():
        errors.add("credit_code", _("该统一社会信用代码已登记为组织单位"), "R-O1")
    errors.raise_if_any()
    with transaction.atomic():
        for _attempt in range(5):
            invitation = _new_code()
            if not OrganizingUnit.objects.filter(invitation_code=invitation).exists():
                break
        try:
            with transaction.atomic():
                unit = OrganizingUnit.objects.create(contest=contest, kind=kind, name=name, credit_code=code,
                                                     invitation_code=invitation, created_by=actor)
        except IntegrityError as exc:
            raise ValidationError({"name": ValidationError(_("该组织单位已存在"), code="R-O1")}) from exc
        record(actor=actor, action="organizing.unit.create", target=unit,
               after={"kind": kind, "name": name, "credit_code": code})
    return unit


def add_unit_account(*, unit: OrganizingUnit, email: str, full_name: str, actor,
                     password: str | None = None) -> User:
    """Give the unit an account (role organizing_contact, R-O1): a new user with this address,
    who sets a password through the password reset. An address that already has an account is
    refused (an entrant's account cannot become a unit's). Audited."""
    errors = Errors()
    address = str(email or "").strip().lower()
    name = clean_text(errors, "full_name", full_name, label=_("姓名"), limit=PERSON_LIMIT, rule="R-O1")
    if not re.fullmatch(r"[^@\s\x00]{1,64}@[^@\s\x00]{1,180}\.[A-Za-z]{2,24}", address):
        errors.add("email", _("请填写有效的电子邮箱"), "R-O1")
    elif User.objects.filter(email__iexact=address).exists():
        errors.add("email", _("该邮箱已有账号"), "R-O1")
    errors.raise_if_any()
    with transaction.atomic():
        user = User.objects.create_user(email=address, password=password, role=Role.ORGANIZING_CONTACT,
                                        full_name=name)
        if password is None:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        UnitAccount.objects.create(unit=unit, user=user)
        record(actor=actor, action="organizing.unit.account", target=unit, after={"user": user.pk})
    return user


def regenerate_invitation(*, unit: OrganizingUnit, actor) -> OrganizingUnit:
    """A new invitation code; the old one stops working (teams already recommended stay)."""
    with transaction.atomic():
        before = unit.invitation_code
        unit.invitation_code = _new_code()
        unit.save(update_fields=["invitation_code"])
        record(actor=actor, action="organizing.unit.invitation", target=unit,
               before={"code": before[:2] + "…"}, after={"code": unit.invitation_code[:2] + "…"})
    return unit


# --- the contact receipt (附件2) -----------------------------------------------------------------


def is_late(contest: Contest, key: str, at: dt.datetime) -> bool:
    """After the schedule item's end (R-T2); without the item nothing is late."""
    due = deadline(contest, key)
    return due is not None and at > due


def submit_receipt(*, unit: OrganizingUnit, contact_name: str, title: str, contact_info: str, actor,
                   source: str = ReceiptSource.ONLINE, now: dt.datetime | None = None) -> ContactReceipt:
    """The unit's contact-person receipt (附件2: 联系人, 职务, 联系方式; R-O1): one contact per
    unit, so a second return replaces the first. Accepted after the spec's deadline
    (`organizing.receipt_schedule_key`, R-T2) and marked late; a correction of a receipt
    returned on time stays on time. Audited (the contact details masked)."""
    config = config_or_error(unit.contest)
    now = now or timezone.now()
    errors = Errors()
    name = clean_text(errors, "contact_name", contact_name, label=_("联系人"), limit=PERSON_LIMIT, rule="R-O1")
    title = clean_text(errors, "title", title, label=_("职务"), limit=PERSON_LIMIT, rule="R-O1")
    info = clean_text(errors, "contact_info", contact_info, label=_("联系方式"), limit=CONTACT_LIMIT, rule="R-O1")
    if info and not re.search(r"\d{7,}|@", info.replace("-", "").replace(" ", "")):
        errors.add("contact_info", _("联系方式须含电话号码或电子邮箱"), "R-O1")
    errors.raise_if_any()
    with transaction.atomic():
        OrganizingUnit.objects.select_for_update().get(pk=unit.pk)
        receipt = ContactReceipt.objects.filter(unit=unit).first()
        before = None
        if receipt is None:
            receipt = ContactReceipt(unit=unit, submitted_at=now, submitted_by=actor,
                                     is_late=is_late(unit.contest, config.receipt_schedule_key, now))
        else:
            before = {"contact_name": receipt.contact_name, "title": receipt.title}
        receipt.contact_name, receipt.title, receipt.contact_info = name, title, info
        receipt.source, receipt.updated_at = source, now
        receipt.save()
        record(actor=actor, action="organizing.receipt.submit", target=unit, before=before, after={
            "contact_name": name, "title": title, "contact_info": mask_mobile(info) if "@" not in info else "***",
            "source": source, "late": receipt.is_late})
    return receipt


def import_receipt(*, unit: OrganizingUnit, stream: BinaryIO, actor, now: dt.datetime | None = None) -> ContactReceipt:
    """The receipt uploaded as the platform's Excel form (附件2's layout, `receipts.py`): its one
    row must name this unit; then as `submit_receipt`, marked as uploaded."""
    from .receipts import read_receipt_form

    rows = read_receipt_form(stream)
    mine = [r for r in rows if r.unit_name == unit.name]
    if len(rows) != 1 or not mine:
        raise ValidationError({"file": ValidationError(
            _("回执表须只填写本单位（%(name)s）一行") % {"name": unit.name}, code="R-O1")})
    row = mine[0]
    return submit_receipt(unit=unit, contact_name=row.contact_name, title=row.title, contact_info=row.contact_info,
                          actor=actor, source=ReceiptSource.EXCEL, now=now)


# --- the organizing report ----------------------------------------------------------------------


def submit_report(*, unit: OrganizingUnit, text: str, actor, now: dt.datetime | None = None) -> OrganizingReport:
    """How the unit organized entries (R-O1): a text within the spec's length; after the
    spec's deadline (`organizing.report_schedule_key`, R-T2) accepted and marked late. A later
    revision keeps the first time and flag. Audited."""
    config = config_or_error(unit.contest)
    now = now or timezone.now()
    errors = Errors()
    body = clean_text(errors, "text", text, label=_("组织情况"), limit=config.report.max_chars, rule="R-O1", multiline=True)
    errors.raise_if_any()
    with transaction.atomic():
        OrganizingUnit.objects.select_for_update().get(pk=unit.pk)
        report = OrganizingReport.objects.filter(unit=unit).first()
        if report is None:
            report = OrganizingReport(unit=unit, submitted_at=now, submitted_by=actor,
                                      is_late=is_late(unit.contest, config.report_schedule_key, now))
        report.text, report.updated_at = body, now
        report.save()
        record(actor=actor, action="organizing.report.submit", target=unit,
               after={"chars": len(body), "late": report.is_late})
    return report


def add_report_attachment(*, unit: OrganizingUnit, stream: BinaryIO, filename: str, actor,
                          now: dt.datetime | None = None) -> ReportAttachment:
    """A file of the report, checked by content as materials are (`projects.materials`: size
    while streaming, kind from the bytes, archives inflated in bounded reads; R-J7's checks)
    against the spec's formats, size and number of files. The report's text comes first."""
    config = config_or_error(unit.contest)
    now = now or timezone.now()
    report = OrganizingReport.objects.filter(unit=unit).first()
    if report is None:
        raise ValidationError({"text": ValidationError(_("请先填写组织情况，再上传附件"), code="R-O1")})
    if report.attachments.count() >= config.report.max_files:
        raise ValidationError({"file": ValidationError(
            _("附件最多 %(n)s 个") % {"n": config.report.max_files}, code="R-O1")})
    stored = store_checked_file(project=None, stream=stream, filename=filename or "", formats=list(config.report.formats),
                                max_size_mb=config.report.max_size_mb, actor=actor, now=now)
    try:
        with transaction.atomic():
            attachment = ReportAttachment.objects.create(
                report=report, file=stored.file.name, sha256=stored.sha256, size=stored.size, kind=stored.kind,
                content_type=stored.content_type, original_name=stored.original_name, uploaded_by=actor,
                uploaded_at=now)
            record(actor=actor, action="organizing.report.attach", target=unit,
                   after={"file": attachment.original_name, "sha256": stored.sha256, "size": stored.size})
    except Exception:
        stored.file.delete(save=False)
        raise
    return attachment


def remove_report_attachment(*, attachment: ReportAttachment, actor) -> None:
    """Take a file off the report. Audited; the bytes are removed."""
    unit = attachment.report.unit
    with transaction.atomic():
        record(actor=actor, action="organizing.report.detach", target=unit,
               before={"file": attachment.original_name, "sha256": attachment.sha256})
        name = attachment.file.name
        attachment.delete()
        transaction.on_commit(lambda: attachment.file.storage.delete(name))


# --- recommendations ----------------------------------------------------------------------------


def unit_by_code(contest: Contest, code: str) -> OrganizingUnit | None:
    text = str(code or "").strip().upper()
    if not text or len(text) > 16 or not text.isalnum():
        return None
    return OrganizingUnit.objects.filter(contest=contest, invitation_code=text).first()


def recommend_team(*, team: Team, unit: OrganizingUnit | None, actor, via_invitation: bool = False,
                   now: dt.datetime | None = None) -> Recommendation | None:
    """The team names the organizing unit that recommended it (R-O1, R-O2), or none (`unit`
    None removes it), until the registration deadline (R-T1). One unit per team; the unit
    must be of the team's contest. Audited."""
    now = now or timezone.now()
    errors = Errors()
    if not registration_open(team.contest, now=now):
        errors.add("__all__", _("报名已截止，不能再更改推荐单位"), "R-T1")
    if unit is not None and unit.contest_id != team.contest_id:
        errors.add("unit", _("没有该组织单位"), "R-O1")
    errors.raise_if_any()
    with transaction.atomic():
        Team.objects.select_for_update().get(pk=team.pk)
        current = Recommendation.objects.filter(team=team).first()
        before = {"unit": current.unit_id} if current else None
        if unit is None:
            if current is not None:
                current.delete()
            record(actor=actor, action="organizing.recommendation.remove", target=team, before=before)
            return None
        if current is None:
            current = Recommendation(team=team, created_by=actor)
        current.unit, current.via_invitation, current.created_at = unit, via_invitation, now
        current.created_by = actor
        current.save()
        record(actor=actor, action="organizing.recommendation.set", target=team, before=before,
               after={"unit": unit.pk, "via_invitation": via_invitation})
    return current


# --- 优秀组织奖 (R-A2) -----------------------------------------------------------------------------


def decide_excellent_organizer(*, contest: Contest, unit: OrganizingUnit, reason: str, actor):
    """The secretariat names a unit for 优秀组织奖 (R-A2, R-O2) with the ranking as evidence:
    the unit's rank, score and figures are written into the award's reason, and the award
    goes through the awards app (`awards.special.name_winner`), so its certificate follows
    when the special awards are confirmed (ciic.certificates)."""
    from .ranking import ranking

    config = config_or_error(contest)
    errors = Errors()
    text = clean_text(errors, "reason", reason, label=_("评定理由"), limit=REASON_LIMIT, rule="R-A2", multiline=True)
    if unit.contest_id != contest.pk:
        errors.add("unit", _("没有该组织单位"), "R-A2")
    if not config.award_code:
        errors.add("__all__", _("本届大赛未设置优秀组织奖"), "R-A2")
    errors.raise_if_any()
    row = next((r for r in ranking(contest) if r.unit.pk == unit.pk), None)
    evidence = (_("组织单位排名第 %(rank)s 名，得分 %(score)s（有效推荐 %(entries)s 项，晋级 %(finalists)s 项，"
                  "获奖 %(winners)s 项）") % {"rank": row.score.rank, "score": f"{row.score.total:.2f}",
                                            "entries": row.score.figures["entries"],
                                            "finalists": row.score.figures["finalists"],
                                            "winners": row.score.figures["winners"]}) if row else ""
    return special.name_winner(contest=contest, code=config.award_code, actor=actor,
                               reason=f"{text}\n{evidence}".strip()[:REASON_LIMIT], recipient_name=unit.name)
