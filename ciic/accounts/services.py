"""Writes about accounts: sign-up, staff accounts, API tokens, two-factor devices."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from ciic.audit.services import record

from .enums import Role
from .models import ApiToken, User, mobile_index
from .validators import normalize_mobile

USER_AUDIT_FIELDS = ["email", "mobile", "full_name", "role", "station_id", "is_active"]


def _user_snapshot(user: User) -> dict:
    return {f: getattr(user, f) for f in USER_AUDIT_FIELDS}


def sign_up(*, identifier: str, password: str, full_name: str = "") -> User:
    """Create an entrant account from an email address or a Chinese mobile number.

    Errors name the field; nothing is written unless every check passes. Audited."""
    errors: dict[str, list[ValidationError]] = {}
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
    with transaction.atomic():
        user = User.objects.create_user(
            email=data.email, password=data.password, full_name=data.full_name, role=data.role,
            station_id=data.station_id if data.role == Role.STATION_OFFICER else None,
        )
        record(actor=actor, action="account.create_staff", target=user, after=_user_snapshot(user))
    return user


def issue_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a bearer token for scripts; the key is returned once and only its hash is kept."""
    name = (name or "").strip() or "script"
    key = ApiToken.new_key()
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name[:100], prefix=key[:12],
                                        key_hash=ApiToken.hash_key(key))
        record(actor=user, action="api_token.issue", target=token, after={"name": token.name, "prefix": token.prefix})
    return token, key


def revoke_api_token(*, token: ApiToken, actor) -> None:
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor=actor, action="api_token.revoke", target=token, after={"revoked_at": token.revoked_at})


def user_for_api_key(key: str) -> User | None:
    token = (ApiToken.objects.select_related("user")
             .filter(key_hash=ApiToken.hash_key(key or ""), revoked_at__isnull=True).first())
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


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
