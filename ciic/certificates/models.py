"""Award certificates (issue 12 §5, R-A1, R-A2, R-A3): one for every award on a confirmed
award list, with a human-readable number, a random token for its public verification page,
and a revocation (the publicity and complaints issue calls `services.revoke_certificate`).

What the certificate prints is copied onto the row when it is issued (`contest_name`,
`award_name`, `project_name`, `recipient`…): the PDF and the verification page show exactly
that, however the organization's record changes later, and nothing else (no person's data).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ciic.awards.enums import AwardScope


class RevokeCategory(models.TextChoices):
    """Why a certificate was revoked, in the general terms the public verification page shows;
    the secretariat's own reason stays on the row and in the audit trail."""

    AWARD_REVOKED = "award_revoked", _("获奖资格已被撤销")
    ISSUED_IN_ERROR = "issued_in_error", _("证书信息有误")
    OTHER = "other", _("其他原因")


class Certificate(models.Model):
    award = models.OneToOneField("awards.Award", on_delete=models.PROTECT, related_name="certificate",
                                 verbose_name=_("奖项"))
    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="certificates")
    # The number is `series`-`sequence` (services.certificate_series): CIIC2023-F-001.
    series = models.CharField(_("编号前缀"), max_length=60)
    sequence = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("证书编号"), max_length=80, unique=True)
    # The verification URL's secret part: random, never derived from the number.
    token = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(_("范围"), max_length=20, choices=AwardScope.choices)
    # What the certificate prints, copied when it is issued.
    contest_name = models.CharField(_("赛事"), max_length=200)
    contest_name_en = models.CharField(_("赛事英文名称"), max_length=200, blank=True)
    award_name = models.CharField(_("奖项"), max_length=200)
    award_name_en = models.CharField(_("奖项英文名称"), max_length=200, blank=True)
    station_name = models.CharField(_("赛站"), max_length=200, blank=True)
    station_name_en = models.CharField(_("赛站英文名称"), max_length=200, blank=True)
    project_name = models.CharField(_("项目"), max_length=200, blank=True)
    recipient = models.CharField(_("获奖单位"), max_length=200)
    issued_at = models.DateTimeField(_("颁发时间"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoke_category = models.CharField(_("撤销类别"), max_length=20, choices=RevokeCategory.choices, blank=True)
    revoke_reason = models.TextField(_("撤销理由"), blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("获奖证书")
        verbose_name_plural = _("获奖证书")
        ordering = ["contest_id", "series", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["series", "sequence"], name="certificate_sequence_unique"),
            # A revocation always carries its date and reason; a valid certificate has neither.
            models.CheckConstraint(
                condition=(models.Q(revoked_at__isnull=True, revoke_reason="", revoke_category="")
                           | (models.Q(revoked_at__isnull=False) & ~models.Q(revoke_reason="")
                              & ~models.Q(revoke_category=""))),
                name="certificate_revocation_complete"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def contest_display(self) -> str:
        return _english(self.contest_name_en) or self.contest_name

    @property
    def award_display(self) -> str:
        return _english(self.award_name_en) or self.award_name

    @property
    def station_display(self) -> str:
        return _english(self.station_name_en) or self.station_name


def _english(value: str) -> str:
    return value if value and (get_language() or "").startswith("en") else ""


class CertificateBatch(models.Model):
    """One background run that issues the missing certificates and builds a zip of every valid
    certificate's PDF (`batch_job.execute_batch`); `done`/`total` is its progress. At most one
    is queued or running per contest (the constraint, and `batches.start_batch`'s lock)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    contest = models.ForeignKey("contests.Contest", on_delete=models.CASCADE, related_name="certificate_batches")
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    # Written with every step: a run whose worker died stops blocking new ones (batches.STALE_AFTER).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    total = models.PositiveIntegerField(_("证书总数"), default=0)
    done = models.PositiveIntegerField(_("已生成"), default=0)
    issued = models.PositiveIntegerField(_("新颁发"), default=0)
    file = models.FileField(upload_to="certificates/", max_length=300, blank=True)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("证书批量生成")
        verbose_name_plural = _("证书批量生成")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["contest"], condition=models.Q(status__in=["queued", "running"]),
                                    name="one_active_certificate_batch"),
        ]

    def __str__(self) -> str:
        return f"{self.contest} certificates #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
