"""Proving an address and recovering an account.

- **Email**: a signed link (`django.core.signing`, valid `EMAIL_LINK_DAYS`) proves the holder
  reads the address: `send_email_verification`, `confirm_email`. Forgotten passwords go through
  Django's own reset views (email link, `accounts/urls.py`).
- **Mobile**: a six-digit code by text message (`notifications.sms`, the SMS_BACKEND setting):
  `send_mobile_code`, `verify_mobile`, and for a forgotten password `request_reset_by_mobile`
  and `reset_password_by_mobile`.

Codes are kept as keyed hashes, good once, for `CODE_MINUTES`, for `MAX_ATTEMPTS` wrong
guesses; at most `MAX_CODES_PER_HOUR` are sent to one account for one purpose, and not two
within `RESEND_SECONDS`. Asking for a reset never says whether an account exists. Every change
to an account is audited; no code, number or address is written to the audit trail or logs.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ciic.audit.services import record
from ciic.core.crypto import blind_index
from ciic.notifications.sms import send_sms

from .models import OneTimeCode, User, mobile_index
from .validators import normalize_mobile

CODE_MINUTES = 10
MAX_ATTEMPTS = 5
MAX_CODES_PER_HOUR = 5
RESEND_SECONDS = 60
EMAIL_LINK_DAYS = 3
_EMAIL_SALT = "ciic.accounts.verify-email"


def _hash(user: User, purpose: str, code: str) -> str:
    return blind_index(f"{user.pk}:{purpose}:{code}", purpose="one-time-code")


# --- email ---------------------------------------------------------------------------------


def email_token(user: User) -> str:
    return signing.TimestampSigner(salt=_EMAIL_SALT).sign_object({"u": user.pk, "e": user.email})


def send_email_verification(*, user: User) -> None:
    """Mail the account's address a link that proves it (after commit)."""
    if not user.email:
        raise ValidationError({"email": ValidationError(_("该账号没有电子邮箱"), code="invalid")})
    link = settings.SITE_URL.rstrip("/") + reverse("accounts:verify_email", args=[email_token(user)])
    subject = _("[CIIC] 请验证您的电子邮箱")
    body = _("请在 %(days)s 天内打开以下链接，验证您在中国工业互联网大赛平台注册的电子邮箱：\n\n%(link)s\n\n"
             "如果不是您本人注册，请忽略本邮件。") % {"days": EMAIL_LINK_DAYS, "link": link}
    address = user.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [address]))


def confirm_email(*, token: str) -> User:
    """Mark the address in a valid link as proved. Refused: a link that was altered, that is
    older than EMAIL_LINK_DAYS, or whose account has changed its address since."""
    try:
        data = signing.TimestampSigner(salt=_EMAIL_SALT).unsign_object(
            token, max_age=dt.timedelta(days=EMAIL_LINK_DAYS))
    except signing.SignatureExpired as exc:
        raise ValidationError({"token": ValidationError(_("验证链接已过期，请重新发送"), code="expired")}) from exc
    except signing.BadSignature as exc:
        raise ValidationError({"token": ValidationError(_("验证链接无效"), code="invalid")}) from exc
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=data.get("u"), is_active=True).first()
        if user is None or not user.email or user.email != data.get("e"):
            raise ValidationError({"token": ValidationError(_("验证链接无效"), code="invalid")})
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
            record(actor=user, action="account.verify_email", target=user, after={"email_verified": True})
    return user


# --- text-message codes ----------------------------------------------------------------------


def _throttled(user: User, purpose: str, now: dt.datetime) -> str | None:
    recent = OneTimeCode.objects.filter(user=user, purpose=purpose, created_at__gte=now - dt.timedelta(hours=1))
    if recent.count() >= MAX_CODES_PER_HOUR:
        return _("发送次数过多，请一小时后再试")
    last = recent.order_by("-created_at").first()
    if last is not None and (now - last.created_at).total_seconds() < RESEND_SECONDS:
        return _("验证码已发送，请 %(seconds)s 秒后再试") % {"seconds": RESEND_SECONDS}
    return None


def send_mobile_code(*, user: User, purpose: str, now: dt.datetime | None = None) -> None:
    """Text a new code to the account's mobile number (after commit). Refused, naming the
    field `mobile`: no number on the account, or too many codes lately."""
    now = now or timezone.now()
    if not user.mobile:
        raise ValidationError({"mobile": ValidationError(_("该账号没有手机号"), code="invalid")})
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one code at a time per account
        problem = _throttled(user, purpose, now)
        if problem:
            raise ValidationError({"mobile": ValidationError(problem, code="throttled")})
        code = f"{secrets.randbelow(1_000_000):06d}"
        OneTimeCode.objects.create(user=user, purpose=purpose, code_hash=_hash(user, purpose, code),
                                   created_at=now, expires_at=now + dt.timedelta(minutes=CODE_MINUTES))
        text = _("【中国工业互联网大赛】验证码 %(code)s，%(minutes)s 分钟内有效。请勿告诉他人。") % {
            "code": code, "minutes": CODE_MINUTES}
        number = user.mobile
        transaction.on_commit(lambda: send_sms(number, text))


def _use_code(user: User, purpose: str, code: str, now: dt.datetime) -> bool:
    """Check `code` against the account's latest live code for `purpose`, counting the try;
    mark it used when it matches. Runs inside the caller's transaction."""
    live = (OneTimeCode.objects.select_for_update()
            .filter(user=user, purpose=purpose, used_at__isnull=True, expires_at__gt=now, attempts__lt=MAX_ATTEMPTS)
            .order_by("-created_at").first())
    if live is None:
        return False
    matches = hmac.compare_digest(live.code_hash, _hash(user, purpose, (code or "").strip()))
    live.attempts += 1
    if matches:
        live.used_at = now
    live.save(update_fields=["attempts", "used_at"])
    return matches


def verify_mobile(*, user: User, code: str, now: dt.datetime | None = None) -> User:
    """Prove the account's mobile number with the code texted to it. Audited."""
    now = now or timezone.now()
    with transaction.atomic():
        matched = _use_code(user, OneTimeCode.Purpose.VERIFY_MOBILE, code, now)
        if matched:
            User.objects.filter(pk=user.pk).update(mobile_verified_at=now)
            user.mobile_verified_at = now
            record(actor=user, action="account.verify_mobile", target=user, after={"mobile_verified": True})
    if not matched:  # raised after the commit, so the wrong guess stays counted
        raise _wrong_code()
    return user


def send_number_code(*, user: User, mobile: str, now: dt.datetime | None = None) -> str:
    """Text a code to `mobile`, a number the account holder says is theirs without it being the
    account's own (a complainant's, R-X2): the code is bound to the account and the number, so
    it proves only that pair. Same limits as the account's own code. Returns the number,
    normalized. Refused, naming `mobile`: not a mainland mobile number, too many codes."""
    now = now or timezone.now()
    number = normalize_mobile(mobile)
    if number is None:
        raise ValidationError({"mobile": ValidationError(_("请填写 11 位中国大陆手机号"), code="invalid")})
    purpose = OneTimeCode.Purpose.PROVE_NUMBER
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        problem = _throttled(user, purpose, now)
        if problem:
            raise ValidationError({"mobile": ValidationError(problem, code="throttled")})
        code = f"{secrets.randbelow(1_000_000):06d}"
        OneTimeCode.objects.create(user=user, purpose=purpose, code_hash=_hash(user, purpose, f"{number}:{code}"),
                                   created_at=now, expires_at=now + dt.timedelta(minutes=CODE_MINUTES))
        text = _("【中国工业互联网大赛】验证码 %(code)s，%(minutes)s 分钟内有效。请勿告诉他人。") % {
            "code": code, "minutes": CODE_MINUTES}
        transaction.on_commit(lambda: send_sms(number, text))
    return number


def prove_number(*, user: User, mobile: str, code: str, now: dt.datetime | None = None) -> str:
    """Check the code texted by `send_number_code` for this account and number; returns the
    number, normalized. A wrong guess counts (after the commit) and is refused naming `code`."""
    now = now or timezone.now()
    number = normalize_mobile(mobile)
    if number is None:
        raise ValidationError({"mobile": ValidationError(_("请填写 11 位中国大陆手机号"), code="invalid")})
    with transaction.atomic():
        matched = _use_code(user, OneTimeCode.Purpose.PROVE_NUMBER, f"{number}:{(code or '').strip()}", now)
    if not matched:
        raise _wrong_code()
    return number


def _wrong_code() -> ValidationError:
    return ValidationError({"code": ValidationError(_("验证码错误或已过期"), code="invalid")})


def reset_links_exhausted(email: str) -> bool:
    """Count one more reset link for `email` this hour (the cache, keyed by a hash of the
    address); True once it has had MAX_CODES_PER_HOUR."""
    key = "reset-link:" + blind_index((email or "").strip().lower(), purpose="reset-link")
    cache.add(key, 0, timeout=3600)
    try:
        sent = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        sent = 1
    return sent > MAX_CODES_PER_HOUR


def request_reset_by_mobile(*, mobile: str, now: dt.datetime | None = None) -> None:
    """Text a reset code when an active account has this number; say nothing either way (the
    page answers the same whether the number is registered or not)."""
    number = normalize_mobile(mobile)
    if number is None:
        raise ValidationError({"mobile": ValidationError(_("请填写 11 位中国大陆手机号"), code="invalid")})
    user = User.objects.filter(mobile_hash=mobile_index(number), is_active=True).first()
    if user is None:
        return
    try:
        send_mobile_code(user=user, purpose=OneTimeCode.Purpose.RESET_PASSWORD, now=now)
    except ValidationError:
        return  # throttled: the page still answers the same


def reset_password_by_mobile(*, mobile: str, code: str, password: str, now: dt.datetime | None = None) -> User:
    """Set a new password with a reset code texted to the number; the number counts as proved.
    Refused: a wrong or expired code (field `code`), a weak password (field `password`).
    Other sessions of the account end (the password changed). Audited."""
    now = now or timezone.now()
    number = normalize_mobile(mobile)
    user = User.objects.filter(mobile_hash=mobile_index(number), is_active=True).first() if number else None
    if user is None:
        raise _wrong_code()
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from exc
    failed = False
    with transaction.atomic():
        if _use_code(user, OneTimeCode.Purpose.RESET_PASSWORD, code, now):
            user.set_password(password)
            user.mobile_verified_at = user.mobile_verified_at or now
            user.save(update_fields=["password", "mobile_verified_at"])
            record(actor=user, action="account.reset_password", target=user, after={"channel": "sms"})
        else:
            failed = True
    if failed:  # the counted attempt is committed; then the refusal
        raise _wrong_code()
    return user
