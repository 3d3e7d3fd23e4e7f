"""A complainant's real identity (R-X2: anonymous complaints are invalid).

- **A person** (`prove_individual`): full name, resident ID number (python-stdnum `cn.ric`,
  checksum and date of birth), and a mainland mobile number proved by a code texted to it
  (`accounts.verification.send_number_code` / `prove_number`, the SMS_BACKEND setting).
- **A unit** (`prove_unit`): its name, its unified social credit code (`cn.uscc`), the name of
  its legal representative and a scan of the letter with its seal (PDF or image, checked by
  content like every upload).

The identity is kept on the account, encrypted, and is what the account's complaints carry;
it can be corrected until a complaint uses it. Nothing of it is logged or audited in clear: the
audit trail says an identity was proved, of which kind, and never the number.
"""

from __future__ import annotations

import datetime as dt
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as NumberError

from ciic.accounts.verification import prove_number
from ciic.audit.services import record
from ciic.core.crypto import blind_index
from ciic.core.validation import Errors, clean_text
from ciic.projects.materials import store_checked_file

from .enums import IdentityKind
from .models import Identity

RULE = "R-X2"
SEAL_FORMATS = ["pdf", "jpg", "png"]
SEAL_MAX_MB = 10


def identity_of(user) -> Identity | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Identity.objects.filter(user=user).first()


def _name(value: str, field: str, label: str, errors: Errors, limit: int = 60) -> str:
    return clean_text(errors, field, value, label=label, limit=limit, rule=RULE)


def _check_unused(user, errors: Errors) -> None:
    existing = identity_of(user)
    if existing is not None and existing.cases.exists():
        errors.add("__all__", _("您的举报已使用该身份信息，不能再更改；如需更正请联系组委会秘书处"), RULE)


def prove_individual(*, user, name: str, id_number: str, mobile: str, code: str,
                     now: dt.datetime | None = None) -> Identity:
    """Record a person's identity; the mobile number is proved by the code texted to it.
    Refused, naming the field: a missing or too long name, a malformed ID number, a wrong code;
    an identity a complaint already uses."""
    now = now or timezone.now()
    errors = Errors()
    name = _name(name, "name", _("姓名"), errors)
    number = ""
    try:
        number = ric.validate(ric.compact((id_number or "")[:40]))
    except NumberError:
        errors.add("id_number", _("居民身份证号无效：请核对 18 位号码及校验位"), RULE)
    _check_unused(user, errors)
    errors.raise_if_any()
    try:
        proved = prove_number(user=user, mobile=mobile, code=code, now=now)
    except ValidationError as exc:  # the same refusal, naming the rule it serves
        raise ValidationError({field: [ValidationError(e.message, code=RULE) for e in errs]
                               for field, errs in exc.error_dict.items()}) from exc
    with transaction.atomic():
        identity, _created = Identity.objects.update_or_create(user=user, defaults={
            "kind": IdentityKind.INDIVIDUAL, "name": name, "id_number": number,
            "id_hash": blind_index(number, purpose="complainant-id"), "mobile": proved, "mobile_verified_at": now,
            "credit_code": "", "legal_representative": "", "seal_letter": "", "seal_letter_sha256": "",
            "seal_letter_name": "", "verified_at": now, "updated_at": now})
        record(actor=user, action="publicity.identity", target=identity, after={"kind": IdentityKind.INDIVIDUAL})
    return identity


def prove_unit(*, user, name: str, credit_code: str, legal_representative: str, stream: BinaryIO | None,
               filename: str, now: dt.datetime | None = None) -> Identity:
    """Record a unit's identity with the scan of its sealed letter (content-checked: PDF, JPEG
    or PNG). Refused, naming the field: missing names, a malformed credit code, no letter or
    one that is not a PDF or image; an identity a complaint already uses."""
    now = now or timezone.now()
    errors = Errors()
    name = _name(name, "name", _("单位名称"), errors, limit=200)
    representative = _name(legal_representative, "legal_representative", _("法定代表人姓名"), errors)
    code = ""
    try:
        code = uscc.validate(uscc.compact((credit_code or "")[:40]))
    except NumberError:
        errors.add("credit_code", _("统一社会信用代码无效：请核对 18 位代码及校验位"), RULE)
    if stream is None:
        errors.add("seal_letter", _("请上传加盖单位公章的函件扫描件"), RULE)
    if not user.has_verified_contact:  # the committee must be able to reach the unit's account
        errors.add("__all__", _("请先验证账号的电子邮箱或手机号，组委会将通过它联系举报单位"), RULE)
    _check_unused(user, errors)
    errors.raise_if_any()
    stored = store_checked_file(project=None, stream=stream, filename=filename, formats=SEAL_FORMATS,
                                max_size_mb=SEAL_MAX_MB, actor=user, now=now)
    try:
        with transaction.atomic():
            identity, _created = Identity.objects.update_or_create(user=user, defaults={
                "kind": IdentityKind.UNIT, "name": name, "id_number": "", "id_hash": "", "mobile": "",
                "mobile_verified_at": None, "credit_code": code, "legal_representative": representative,
                "seal_letter": stored.file.name, "seal_letter_sha256": stored.sha256,
                "seal_letter_name": stored.original_name, "verified_at": now, "updated_at": now})
            record(actor=user, action="publicity.identity", target=identity, after={
                "kind": IdentityKind.UNIT, "seal_letter_sha256": stored.sha256})
    except BaseException:
        default_storage.delete(stored.file.name)
        raise
    return identity


def require_identity(user) -> Identity:
    """The account's proved identity, or a refusal naming R-X2 (anonymous complaints are invalid)."""
    identity = identity_of(user)
    if identity is None:
        raise ValidationError({"identity": ValidationError(
            _("举报实行实名制：请先完成身份确认，匿名举报无效"), code=RULE)})
    return identity
