"""Organizing units (R-O1, R-O2, R-T2): their accounts, contact receipts, organizing reports and
the teams they recommended; and the industry services (R-S1, R-A4): matchmaking meetings, their
participants, the teams' profiles, requests and scheduled meetings, outcomes, and benefits.

Business rules live in `services.py` (units, receipts, reports, recommendations, ranking
decision) and `meetings.py` (matchmaking); these models hold data and database constraints.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ciic.core.crypto import EncryptedTextField

from .enums import BenefitStatus, Outcome, ParticipantKind, ReceiptSource, RequestStatus, Side


class OrganizingUnit(models.Model):
    """A unit that mobilizes entries (R-O1, R-O2): its kind is one of the spec's
    (`organizing.unit_kinds`); its unified social credit code where it has one."""

    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="organizing_units")
    kind = models.CharField(_("单位类型"), max_length=40)
    name = models.CharField(_("单位名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    # What a team types (or opens as a link) to name this unit as its recommender.
    invitation_code = models.CharField(_("邀请码"), max_length=16, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("组织单位")
        verbose_name_plural = _("组织单位")
        ordering = ["contest", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "name"], name="organizing_unit_name_unique"),
            models.UniqueConstraint(fields=["contest", "credit_code"], condition=~models.Q(credit_code=""),
                                    name="organizing_unit_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class UnitAccount(models.Model):
    """An account (role organizing_contact) that acts for one unit."""

    unit = models.ForeignKey(OrganizingUnit, on_delete=models.CASCADE, related_name="accounts")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organizing_account")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("组织单位账号")
        verbose_name_plural = _("组织单位账号")

    def __str__(self) -> str:
        return f"{self.unit} · {self.user}"


class ContactReceipt(models.Model):
    """附件2 赛事组织联系人回执表: one contact per unit (R-O1), the unique unit enforces it. Late
    when first returned after the spec's deadline (R-T2); a later correction keeps the flag."""

    unit = models.OneToOneField(OrganizingUnit, on_delete=models.CASCADE, related_name="receipt")
    contact_name = models.CharField(_("联系人"), max_length=60)
    title = models.CharField(_("职务"), max_length=60)
    # 联系方式: a phone number or an address of a person: encrypted at rest.
    contact_info = EncryptedTextField(_("联系方式"))
    source = models.CharField(_("报送方式"), max_length=10, choices=ReceiptSource.choices,
                              default=ReceiptSource.ONLINE)
    submitted_at = models.DateTimeField(_("首次报送时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_late = models.BooleanField(_("逾期报送"), default=False)

    class Meta:
        verbose_name = _("联系人回执")
        verbose_name_plural = _("联系人回执")
        ordering = ["unit_id"]

    def __str__(self) -> str:
        return f"{self.unit} · {self.contact_name}"


class OrganizingReport(models.Model):
    """How a unit organized entries (R-O1, R-T2): a text and attachments; late when first
    submitted after the spec's deadline."""

    unit = models.OneToOneField(OrganizingUnit, on_delete=models.CASCADE, related_name="report")
    text = models.TextField(_("组织情况"))
    submitted_at = models.DateTimeField(_("首次报送时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_late = models.BooleanField(_("逾期报送"), default=False)

    class Meta:
        verbose_name = _("组织情况报告")
        verbose_name_plural = _("组织情况报告")
        ordering = ["unit_id"]

    def __str__(self) -> str:
        return f"{self.unit} report"


class ReportAttachment(models.Model):
    """A file of the report, checked by content as materials are (`projects.materials`)."""

    report = models.ForeignKey(OrganizingReport, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField(_("大小（字节）"))
    kind = models.CharField(_("格式"), max_length=20)
    content_type = models.CharField(max_length=120)
    original_name = models.CharField(_("文件名"), max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("报告附件")
        verbose_name_plural = _("报告附件")
        ordering = ["report", "id"]

    def __str__(self) -> str:
        return self.original_name


class Recommendation(models.Model):
    """The organizing unit that recommended a team (R-O1, R-O2): one per team."""

    team = models.OneToOneField("entrants.Team", on_delete=models.CASCADE, related_name="recommendation")
    unit = models.ForeignKey(OrganizingUnit, on_delete=models.PROTECT, related_name="recommendations")
    via_invitation = models.BooleanField(_("通过邀请码"), default=False)
    created_at = models.DateTimeField(_("填报时间"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("推荐组织单位")
        verbose_name_plural = _("推荐组织单位")
        ordering = ["unit", "team"]

    def __str__(self) -> str:
        return f"{self.unit} → {self.team}"


# --- matchmaking meetings (R-S1, R-A4) --------------------------------------------------------


class Meeting(models.Model):
    """A matchmaking meeting of one of the spec's kinds (政企对接会, 供需对接会, 投融资对接会): from
    `starts_at`, `slots` slots of `slot_minutes` each, at `tables` tables."""

    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(_("类型"), max_length=40)
    title = models.CharField(_("名称"), max_length=200)
    starts_at = models.DateTimeField(_("开始时间"))
    venue = models.CharField(_("地点"), max_length=200, blank=True)
    link = models.URLField(_("线上链接"), max_length=500, blank=True)
    slots = models.PositiveSmallIntegerField(_("时段数"))
    slot_minutes = models.PositiveSmallIntegerField(_("每时段分钟数"))
    tables = models.PositiveSmallIntegerField(_("洽谈桌数"))
    finalists_only = models.BooleanField(_("仅限总决赛团队"), default=True)
    scheduled_at = models.DateTimeField(_("排期时间"), null=True, blank=True)
    schedule_figures = models.JSONField(_("排期结果"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("对接会")
        verbose_name_plural = _("对接会")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(slots__gte=1) & models.Q(tables__gte=1)
                                   & models.Q(slot_minutes__gte=1), name="meeting_sizes_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def slot_start(self, slot: int) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.slot_minutes * slot)

    def slot_end(self, slot: int) -> dt.datetime:
        return self.slot_start(slot + 1)

    @property
    def ends_at(self) -> dt.datetime:
        return self.slot_start(self.slots)


class Participant(models.Model):
    """An investor, buyer or government body registered for a meeting, with its interests."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, choices=ParticipantKind.choices)
    organization = models.CharField(_("机构名称"), max_length=200)
    directions = models.JSONField(_("关注方向"), default=list, blank=True)
    keywords = models.CharField(_("关键词"), max_length=300, blank=True)
    stage = models.CharField(_("关注阶段"), max_length=100, blank=True)
    ticket = models.CharField(_("投资规模或需求"), max_length=300, blank=True)
    capacity = models.PositiveSmallIntegerField(_("最多洽谈场次"))
    available = models.JSONField(_("可参加的时段"), default=list, blank=True)  # slot indices; empty: all
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("对接方")
        verbose_name_plural = _("对接方")
        ordering = ["meeting", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="participant_once")]

    def __str__(self) -> str:
        return self.organization


class TeamProfile(models.Model):
    """A finalist's or winner's team opting in to a meeting, with its public profile."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="profiles")
    team = models.ForeignKey("entrants.Team", on_delete=models.CASCADE, related_name="meeting_profiles")
    summary = models.TextField(_("项目简介"))
    financing = models.DecimalField(_("融资需求（万元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    seeks_partners = models.BooleanField(_("寻求合作伙伴"), default=False)
    seeks_pilots = models.BooleanField(_("寻求试点应用"), default=False)
    capacity = models.PositiveSmallIntegerField(_("最多洽谈场次"))
    available = models.JSONField(_("可参加的时段"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("团队对接信息")
        verbose_name_plural = _("团队对接信息")
        ordering = ["meeting", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "team"], name="profile_once")]

    def __str__(self) -> str:
        return f"{self.team} @ {self.meeting}"


LIVE_REQUEST = (RequestStatus.OPEN, RequestStatus.ACCEPTED)


class MeetingRequest(models.Model):
    """A request to meet, from either side (R-S1); accepted requests are what the scheduler
    places. `locked` (with an optional slot and table) survives a re-run of the schedule."""

    id = models.BigAutoField(primary_key=True)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # the .ics UID
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="requests")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="requests")
    profile = models.ForeignKey(TeamProfile, on_delete=models.CASCADE, related_name="requests")
    initiated_by = models.CharField(_("发起方"), max_length=20, choices=Side.choices)
    message = models.CharField(_("留言"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    locked = models.BooleanField(_("锁定"), default=False)
    locked_slot = models.PositiveSmallIntegerField(null=True, blank=True)  # 0-based
    locked_table = models.PositiveSmallIntegerField(null=True, blank=True)  # 1-based
    slot = models.PositiveSmallIntegerField(_("时段"), null=True, blank=True)  # 0-based, set by the schedule
    table = models.PositiveSmallIntegerField(_("桌号"), null=True, blank=True)  # 1-based

    class Meta:
        verbose_name = _("洽谈请求")
        verbose_name_plural = _("洽谈请求")
        ordering = ["meeting", "slot", "table", "id"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "profile"], condition=models.Q(status__in=LIVE_REQUEST),
                                    name="request_once_per_pair"),
            models.UniqueConstraint(fields=["meeting", "slot", "table"], condition=models.Q(slot__isnull=False),
                                    name="request_table_once_per_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.participant} ↔ {self.profile.team}"

    @property
    def scheduled(self) -> bool:
        return self.slot is not None


class MeetingOutcome(models.Model):
    """What one side says came of a scheduled meeting."""

    request = models.ForeignKey(MeetingRequest, on_delete=models.CASCADE, related_name="outcomes")
    side = models.CharField(_("记录方"), max_length=20, choices=Side.choices)
    outcome = models.CharField(_("结果"), max_length=20, choices=Outcome.choices)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("洽谈结果")
        verbose_name_plural = _("洽谈结果")
        constraints = [models.UniqueConstraint(fields=["request", "side"], name="outcome_once_per_side")]

    def __str__(self) -> str:
        return f"{self.request} · {self.get_side_display()}: {self.get_outcome_display()}"


class Benefit(models.Model):
    """An R-A4 benefit offered to a winner's or finalist's team, whether it took it up, and
    where it stands."""

    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("entrants.Team", on_delete=models.CASCADE, related_name="benefits")
    code = models.CharField(_("权益"), max_length=40)
    status = models.CharField(_("状态"), max_length=20, choices=BenefitStatus.choices,
                              default=BenefitStatus.OFFERED)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    offered_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("赛事权益")
        verbose_name_plural = _("赛事权益")
        ordering = ["team", "code"]
        constraints = [models.UniqueConstraint(fields=["team", "code"], name="benefit_once_per_team")]

    def __str__(self) -> str:
        return f"{self.team} · {self.code}"
