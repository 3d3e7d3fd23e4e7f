"""People and their roles. A user signs up with an email or a Chinese mobile number.

The mobile number is personal data: stored encrypted, looked up through a keyed hash.
"""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ciic.core.crypto import EncryptedTextField, blind_index
from ciic.core.masking import mask_mobile

from .enums import TWO_FACTOR_ROLES, Role


def mobile_index(mobile: str) -> str:
    return blind_index(mobile, purpose="mobile")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, *, email: str | None = None, mobile: str | None = None,
                    password: str | None = None, **extra):
        if not email and not mobile:
            raise ValueError("a user needs an email or a mobile number")
        user = self.model(email=self.normalize_email(email) if email else None, **extra)
        if mobile:
            user.set_mobile(mobile)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str, **extra):
        extra.setdefault("role", Role.SECRETARIAT)
        return self.create_user(email=email, password=password, is_staff=True, is_superuser=True, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("电子邮箱"), unique=True, null=True, blank=True)
    mobile = EncryptedTextField(_("手机号"), blank=True, default="")
    mobile_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    full_name = models.CharField(_("姓名"), max_length=100, blank=True)
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices, default=Role.ENTRANT)
    station = models.ForeignKey(
        "contests.Station", null=True, blank=True, on_delete=models.PROTECT,
        related_name="officers", verbose_name=_("所属赛站"),
        help_text=_("仅赛站工作人员：只能查看本赛站的数据"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    is_staff = models.BooleanField(_("可进入管理后台"), default=False)
    date_joined = models.DateTimeField(_("注册时间"), default=timezone.now)
    # When the holder proved the address: a link opened from the email, a code typed from the
    # text message (accounts.verification). Registering for the contest needs one of them.
    email_verified_at = models.DateTimeField(_("邮箱验证时间"), null=True, blank=True)
    mobile_verified_at = models.DateTimeField(_("手机号验证时间"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email__isnull=False) | models.Q(mobile_hash__isnull=False),
                name="user_has_login_identifier",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="station_officer") | models.Q(station__isnull=False),
                name="station_officer_has_station",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or self.masked_mobile

    def set_mobile(self, mobile: str) -> None:
        self.mobile = mobile
        self.mobile_hash = mobile_index(mobile)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def login_label(self) -> str:
        return self.email or self.masked_mobile

    def audit_label(self) -> str:
        return f"{self.get_role_display()} #{self.pk} {self.full_name or self.email or self.masked_mobile}"

    @property
    def has_verified_contact(self) -> bool:
        """The email or the mobile number the account logs in with has been proved."""
        return bool((self.email and self.email_verified_at) or (self.mobile_hash and self.mobile_verified_at))

    @property
    def needs_two_factor(self) -> bool:
        return self.role in TWO_FACTOR_ROLES or self.is_superuser

    @property
    def is_secretariat(self) -> bool:
        return self.role == Role.SECRETARIAT

    @property
    def is_station_officer(self) -> bool:
        return self.role == Role.STATION_OFFICER


class ApiToken(models.Model):
    """A bearer token for scripts. Only its SHA-256 is kept; the key is shown once. It
    expires (API_TOKEN_DAYS after it is issued) and is read-only or may also write."""

    class Scope(models.TextChoices):
        READ = "read", _("只读")
        WRITE = "write", _("读写")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(_("权限"), max_length=10, choices=Scope.choices, default=Scope.WRITE)
    created_at = models.DateTimeField(default=timezone.now)
    # None only on tokens issued before tokens expired: the migration gave those a date.
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is None or self.expires_at <= timezone.now()

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def new_key(cls) -> str:
        return "ciic_" + secrets.token_urlsafe(32)


class OneTimeCode(models.Model):
    """A six-digit code sent by text message: to prove a mobile number, or to reset a password.
    Only a keyed hash of the code is kept; a code is good once, for a few minutes, and for a
    few wrong guesses (accounts.verification)."""

    class Purpose(models.TextChoices):
        VERIFY_MOBILE = "verify_mobile", _("验证手机号")
        RESET_PASSWORD = "reset_password", _("重置密码")
        # A number other than the account's, proved for one purpose (a complainant's, R-X2).
        PROVE_NUMBER = "prove_number", _("验证其他手机号")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("验证码")
        verbose_name_plural = _("验证码")
        indexes = [models.Index(fields=["user", "purpose", "created_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} #{self.pk}"
