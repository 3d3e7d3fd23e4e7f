"""The award publicity (公示) and the complaints it invites (R-X1, R-X2, R-X3, R-T5).

The notice freezes what it lists; a correction is an amendment beside it. A complainant's
identity is personal data: encrypted at rest, masked wherever shown, and seen only by the
case's handlers. A case moves through one state machine (`enums.CASE_TRANSITIONS`), each step a
write-once record."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ciic.core.crypto import EncryptedTextField
from ciic.core.masking import mask_id_number, mask_mobile
from ciic.core.models import WriteOnceModel

from .enums import CaseScope, CaseState, EvidenceParty, IdentityKind, Outcome


class Notice(models.Model):
    """The publicity notice of the confirmed finals award list (R-X1): first, second and third
    prize projects, for `publicity_days` (R-T5) from its publication. Published once, never
    edited: `entries` is the snapshot the page shows, hashed like the award list."""

    contest = models.OneToOneField("contests.Contest", on_delete=models.PROTECT, related_name="publicity_notice")
    award_list = models.OneToOneField("awards.AwardList", on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("公示开始"))
    ends_at = models.DateTimeField(_("公示结束"))
    entries = models.JSONField(_("公示项目"))
    snapshot_sha256 = models.CharField(max_length=64)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)
    # When the period's end was processed: unchallenged prizes made payable (R-X3).
    concluded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("获奖公示")
        verbose_name_plural = _("获奖公示")

    def __str__(self) -> str:
        return f"{self.contest} {self.starts_at:%Y-%m-%d}"

    def is_open(self, at) -> bool:
        return self.starts_at <= at < self.ends_at


class Amendment(WriteOnceModel):
    """A correction to a published notice, shown on it with its time (never a silent edit)."""

    immutable_reason = "an amendment to the publicity notice is a record"

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="amendments")
    text = models.TextField(_("更正内容"))
    text_en = models.TextField(_("更正内容（英文）"), blank=True)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("公示更正")
        verbose_name_plural = _("公示更正")
        ordering = ["made_at", "id"]


class Identity(models.Model):
    """The real identity an account proved before complaining (R-X2): a person (name, resident
    ID number, a mobile number proved by SMS code) or a unit (name, unified social credit
    code, legal representative, a scan of the letter with its seal). ID number and mobile are
    encrypted; `id_hash` is a keyed hash. Fixed once a complaint uses it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="complainant_identity")
    kind = models.CharField(_("身份类型"), max_length=20, choices=IdentityKind.choices)
    name = models.CharField(_("姓名或单位名称"), max_length=200)
    id_number = EncryptedTextField(_("居民身份证号"), blank=True)
    id_hash = models.CharField(max_length=64, blank=True, editable=False)
    mobile = EncryptedTextField(_("手机号"), blank=True)
    mobile_verified_at = models.DateTimeField(null=True, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=60, blank=True)
    seal_letter = models.FileField(_("盖章函件"), max_length=300, blank=True)
    seal_letter_sha256 = models.CharField(max_length=64, blank=True)
    seal_letter_name = models.CharField(max_length=255, blank=True)
    verified_at = models.DateTimeField(_("身份确认时间"))
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("举报人身份")
        verbose_name_plural = _("举报人身份")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)


class Case(models.Model):
    """One complaint and its handling (R-X2: 受理, 核查, 裁定). `number` is public (JB2023-001);
    the complainant is known to the case's handlers only."""

    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("编号"), max_length=40, unique=True)
    scope = models.CharField(_("范围"), max_length=20, choices=CaseScope.choices, default=CaseScope.AWARD)
    notice = models.ForeignKey(Notice, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("被举报项目"))
    award = models.ForeignKey("awards.Award", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ground = models.CharField(_("举报事由"), max_length=40)
    rule = models.CharField(_("所涉规则"), max_length=20)
    facts = models.TextField(_("举报事实"))
    complainant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    identity = models.ForeignKey(Identity, on_delete=models.PROTECT, related_name="cases")
    state = models.CharField(_("状态"), max_length=30, choices=CaseState.choices, default=CaseState.RECEIVED,
                             db_index=True)
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now)
    # The current step's deadline (working days from the spec); None once nothing is due.
    due_at = models.DateTimeField(_("本环节期限"), null=True, blank=True)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("核查人员"))
    not_accepted_reason = models.CharField(_("不予受理理由"), max_length=40, blank=True)
    material_request = models.ForeignKey("projects.MaterialRequest", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    findings = models.TextField(_("核查情况"), blank=True)
    outcome = models.CharField(_("裁定结果"), max_length=20, choices=Outcome.choices, blank=True)
    ruling = models.TextField(_("裁定意见（公开）"), blank=True)
    revokes_award = models.BooleanField(_("撤销奖项"), default=False)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    # The key a client sent with the complaint (API header Idempotency-Key, the web form's hidden
    # field): a retried request gets the case the first one made.
    idempotency_key = models.CharField(max_length=100, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("举报案件")
        verbose_name_plural = _("举报案件")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["complainant", "idempotency_key"],
                                               condition=~models.Q(idempotency_key=""), name="case_idempotency_once")]

    def __str__(self) -> str:
        return self.number


class Evidence(models.Model):
    """A piece of evidence: a content-checked file (its SHA-256 kept) or an https link, from
    the complainant or from the officer's verification."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence")
    party = models.CharField(max_length=20, choices=EvidenceParty.choices, default=EvidenceParty.COMPLAINANT)
    file = models.FileField(max_length=300, blank=True)
    name = models.CharField(_("文件名"), max_length=255, blank=True)
    size = models.BigIntegerField(default=0)
    content_type = models.CharField(max_length=120, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    link = models.URLField(_("链接"), max_length=500, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("证据")
        verbose_name_plural = _("证据")
        ordering = ["added_at", "id"]
        constraints = [models.CheckConstraint(condition=~models.Q(file="") | ~models.Q(link=""),
                                              name="evidence_has_file_or_link")]

    def __str__(self) -> str:
        return self.name or self.link


class Step(WriteOnceModel):
    """One move of a case, with its time and actor: the case's history, shown to its handlers
    in full and to the complainant as states and dates."""

    immutable_reason = "a case's steps are its record"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="steps")
    from_state = models.CharField(max_length=30, choices=CaseState.choices, blank=True)
    to_state = models.CharField(max_length=30, choices=CaseState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("案件环节")
        verbose_name_plural = _("案件环节")
        ordering = ["at", "id"]

