"""Writes about accounts: sign-up, staff accounts, API tokens, two-factor devices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from ciic.audit.services import record
from ciic.core.text import hidden_characters_error, strip_hidden
from ciic.core.validation import Errors

from .enums import Role
from .models import ApiToken, User, mobile_index
from .validators import normalize_mobile

USER_AUDIT_FIELDS = ["email", "mobile", "full_name", "role", "station_id", "is_active"]


def _user_snapshot(user: User) -> dict:
    return {f: getattr(user, f) for f in USER_AUDIT_FIELDS}


def _full_name_error(full_name: str) -> ValidationError | None:
    """A name shown to others on the platform must show what it holds: no invisible or
    text-direction control characters (ciic.core.text)."""
    message = hidden_characters_error(full_name, label=_("姓名"))
    return ValidationError(message, code="invalid") if message else None


def sign_up(*, identifier: str, password: str, full_name: str = "") -> User:
    """Create an entrant account from an email address or a Chinese mobile number.

    Errors name the field; nothing is written unless every check passes. Audited."""
    errors: dict[str, list[ValidationError]] = {}
    if (name_error := _full_name_error(full_name or "")) is not None:
        errors["full_name"] = [name_error]
    identifier = (identifier or "").strip()
    email, mobile = None, None
    if "@" in identifier:
        try:
            validate_email(identifier)
            email = identifier.lower()
        except ValidationError:
            errors.setdefault("identifier", []).append(ValidationError(_("电子邮箱格式无效"), code="invalid"))
    else:
        mobile = normalize_mobile(identifier)
        if mobile is None:
            errors.setdefault("identifier", []).append(
                ValidationError(_("请填写电子邮箱或 11 位中国大陆手机号"), code="invalid"))
    if email and User.objects.filter(email__iexact=email).exists():
        errors.setdefault("identifier", []).append(ValidationError(_("该邮箱已注册，请直接登录"), code="taken"))
    if mobile and User.objects.filter(mobile_hash=mobile_index(mobile)).exists():
        errors.setdefault("identifier", []).append(ValidationError(_("该手机号已注册，请直接登录"), code="taken"))
    try:
        validate_password(password, User(email=email, full_name=full_name))
    except ValidationError as exc:
        errors.setdefault("password", []).extend(exc.error_list)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        user = User.objects.create_user(email=email, mobile=mobile, password=password,
                                        full_name=full_name.strip(), role=Role.ENTRANT)
        record(actor=user, action="account.sign_up", target=user, after=_user_snapshot(user))
    return user


@dataclass
class StaffAccountInput:
    email: str
    full_name: str
    role: str
    station_id: int | None = None
    password: str | None = None


def create_staff_account(*, actor, data: StaffAccountInput) -> User:
    """Create an account for a staff role (secretariat, station officer, expert, organizing
    contact). Station officers see only their station, so they must have one. Audited."""
    if data.role not in Role.values or data.role == Role.ENTRANT:
        raise ValidationError({"role": ValidationError(_("无效的角色"), code="invalid")})
    if data.role == Role.STATION_OFFICER and not data.station_id:
        raise ValidationError({"station": ValidationError(_("赛站工作人员必须指定赛站"), code="required")})
    if (name_error := _full_name_error(data.full_name or "")) is not None:
        raise ValidationError({"full_name": name_error})
    with transaction.atomic():
        user = User.objects.create_user(
            email=data.email, password=data.password, full_name=data.full_name, role=data.role,
            station_id=data.station_id if data.role == Role.STATION_OFFICER else None,
        )
        record(actor=actor, action="account.create_staff", target=user, after=_user_snapshot(user))
    return user


def issue_api_token(*, user: User, name: str, scope: str = ApiToken.Scope.WRITE,
                    otp_code: str | None = None) -> tuple[ApiToken, str]:
    """Create a bearer token for scripts; the key is returned once and only its hash is kept.

    It expires API_TOKEN_DAYS from now and is read-only or read-write (`scope`). A token acts
    without a second factor, so an account that needs one (staff) proves it again here with
    a current code from its authenticator (`otp_code`): a session left open is not enough."""
    errors = Errors()
    if scope not in ApiToken.Scope.values:
        errors.add("scope", _("令牌权限只能是只读（read）或读写（write）"), "invalid")
    if user.needs_two_factor and not _fresh_second_factor(user, otp_code):
        errors.add("otp_code", _("签发工作人员账号的令牌须重新验证：请输入身份验证器上的当前验证码"), "2fa")
    errors.raise_if_any()
    # Only its holder sees the label, so hidden characters are dropped rather than refused.
    name = strip_hidden(name or "").strip() or "script"
    key = ApiToken.new_key()
    now = timezone.now()
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name[:100], prefix=key[:12], scope=scope,
                                        key_hash=ApiToken.hash_key(key), created_at=now,
                                        expires_at=now + dt.timedelta(days=settings.API_TOKEN_DAYS))
        record(actor=user, action="api_token.issue", target=token,
               after={"name": token.name, "prefix": token.prefix, "scope": scope,
                      "expires_at": token.expires_at.isoformat()})
    return token, key


def _fresh_second_factor(user: User, code: str | None) -> bool:
    """A current code of one of the user's confirmed devices (django-otp throttles guesses)."""
    code = (code or "").strip()
    if not code.isdigit() or len(code) > 10:
        return False
    return any(device.verify_token(code) for device in devices_for_user(user, confirmed=True))


def revoke_api_token(*, token: ApiToken, actor) -> None:
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor=actor, action="api_token.revoke", target=token, after={"revoked_at": token.revoked_at})


def token_for_api_key(key: str) -> ApiToken | None:
    """The live token of a key (not revoked, not expired, its user active), or None. Its use
    is noted at most once a minute (API_TOKEN_TOUCH_SECONDS): a write on every call would
    make each read a write."""
    now = timezone.now()
    token = (ApiToken.objects.select_related("user")
             .filter(key_hash=ApiToken.hash_key(key or ""), revoked_at__isnull=True, expires_at__gt=now).first())
    if token is None or not token.user.is_active:
        return None
    stale = now - dt.timedelta(seconds=settings.API_TOKEN_TOUCH_SECONDS)
    if token.last_used_at is None or token.last_used_at < stale:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def user_for_api_key(key: str) -> User | None:
    token = token_for_api_key(key)
    return token.user if token else None


def start_totp_enrollment(*, user: User) -> TOTPDevice:
    """An unconfirmed TOTP device for the user to scan; confirmed by the first valid code."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="default", confirmed=False)


def confirm_totp(*, user: User, device: TOTPDevice, token: str) -> bool:
    if device.user_id != user.pk or not device.verify_token(token):
        return False
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record(actor=user, action="account.enable_2fa", target=user, after={"device": device.pk})
    return True


def update_profile(*, user: User, full_name: str) -> User:
    """The holder changes the name shown on the platform. Audited with before and after."""
    full_name = (full_name or "").strip()
    if not full_name:
        raise ValidationError({"full_name": ValidationError(_("请填写姓名"), code="required")})
    if len(full_name) > User._meta.get_field("full_name").max_length:
        raise ValidationError({"full_name": ValidationError(_("姓名过长"), code="max_length")})
    if (name_error := _full_name_error(full_name)) is not None:
        raise ValidationError({"full_name": name_error})
    with transaction.atomic():
        before = _user_snapshot(user)
        User.objects.filter(pk=user.pk).update(full_name=full_name)
        user.full_name = full_name
        record(actor=user, action="account.update_profile", target=user, before=before, after=_user_snapshot(user))
    return user


def change_password(*, user: User, password: str) -> None:
    """Set a new password the caller has checked (old password, validators). Audited; no
    password or hash is recorded."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        record(actor=user, action="account.change_password", target=user, after={"changed": True})
