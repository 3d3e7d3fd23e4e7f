"""The popularity vote (最佳人气奖, R-A2; issue 12 §4).

A **voter** is a mainland mobile number that proved itself with a text-message code. The number
is never stored: only keyed hashes (`ciic.core.crypto.blind_index`) of the whole number, of its
region (the first seven digits: network and HLR code, ten thousand numbers) and the block of a
hundred numbers within the region (digits eight and nine, kept as a small integer so that
neighbouring blocks can be told apart; alone they say nothing about the number).

A **vote** keeps its signals, all keyed hashes: the voter, the address and its /24 or /48
prefix, the browser's user agent; and the time. It counts unless a detector holds it; the
secretariat clears or voids held votes in bulk, by **finding** (what a detector found, with its
reason and figures). The **tally** is published once, after the audit, with how many votes were
voided and why, and never changes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ciic.core.models import WriteOnceModel

from .enums import FindingStatus, Reason, VoteStatus


class Voter(models.Model):
    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="+", db_index=False)
    number_hash = models.CharField(_("手机号（密钥哈希）"), max_length=64)
    region_hash = models.CharField(_("号段（密钥哈希）"), max_length=64)
    block = models.PositiveSmallIntegerField(_("号段内百号块"))
    created_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(_("最近验证时间"), default=timezone.now)

    class Meta:
        verbose_name = _("投票人")
        verbose_name_plural = _("投票人")
        constraints = [models.UniqueConstraint(fields=["contest", "number_hash"], name="voter_once_per_contest")]

    def __str__(self) -> str:
        return f"#{self.number_hash[:8]}"


class VoteCode(models.Model):
    """A text-message code for a number: only its keyed hash; good for a few minutes and a few
    wrong guesses (the spec's `popularity_vote.code`)."""

    contest = models.ForeignKey("contests.Contest", on_delete=models.CASCADE, related_name="+", db_index=False)
    number_hash = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("投票验证码")
        verbose_name_plural = _("投票验证码")
        indexes = [models.Index(fields=["contest", "number_hash", "created_at"], name="vote_code_lookup")]

    def __str__(self) -> str:
        return f"#{self.number_hash[:8]} {self.created_at:%Y-%m-%d %H:%M}"


class Vote(models.Model):
    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="+", db_index=False)
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="popularity_votes")
    voter = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="votes", db_index=False)
    day = models.DateField(_("投票日（北京时间）"))
    cast_at = models.DateTimeField(_("投票时间"))
    ip_hash = models.CharField(_("IP 地址（密钥哈希）"), max_length=64)
    prefix_hash = models.CharField(_("网段（密钥哈希）"), max_length=64)
    ua_hash = models.CharField(_("浏览器标识（密钥哈希）"), max_length=64)
    # The client's one-time key for this ballot: a retried or double-submitted vote has the same
    # key, and is recorded once.
    ballot_key = models.CharField(max_length=64)
    # The quotas held by the database: the n-th vote of the number that day, and the n-th for
    # this project that day, each taken once. Two votes of one number racing for the last slot:
    # the second is refused by the unique constraint and counts again (services.cast_vote).
    daily_slot = models.PositiveSmallIntegerField()
    project_slot = models.PositiveSmallIntegerField()
    status = models.CharField(_("状态"), max_length=10, choices=VoteStatus.choices, default=VoteStatus.COUNTED)

    class Meta:
        verbose_name = _("投票")
        verbose_name_plural = _("投票")
        constraints = [
            models.UniqueConstraint(fields=["contest", "ballot_key"], name="vote_ballot_once"),
            models.UniqueConstraint(fields=["voter", "day", "daily_slot"], name="vote_daily_slot_once"),
            models.UniqueConstraint(fields=["voter", "day", "project", "project_slot"], name="vote_project_slot_once"),
        ]
        indexes = [models.Index(fields=["contest", "status", "project"], name="vote_contest_status")]

    def __str__(self) -> str:
        return f"{self.project_id} · {self.voter_id} · {self.cast_at:%Y-%m-%d %H:%M}"


class DetectionRun(models.Model):
    """One pass of the detectors over every vote of the contest. The audit page queues it and
    the task worker runs it (`detection_runs.start_detection`); the demo and the bench run it
    in place (`detection.run_detection`)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("检测中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DONE)
    error = models.TextField(_("错误"), blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    votes_examined = models.PositiveIntegerField(default=0)
    last_vote_id = models.BigIntegerField(default=0)
    rules = models.JSONField(_("检测规则"), default=dict)
    summary = models.JSONField(_("检测结果"), default=dict)

    class Meta:
        verbose_name = _("刷票检测")
        verbose_name_plural = _("刷票检测")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.contest_id} {self.started_at:%Y-%m-%d %H:%M}"


class Finding(models.Model):
    """What one detector found: the votes it holds, decided together by the secretariat."""

    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(DetectionRun, on_delete=models.PROTECT, related_name="findings")
    reason = models.CharField(_("原因"), max_length=10, choices=Reason.choices)
    key = models.CharField(max_length=200)
    project = models.ForeignKey("projects.Project", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("涉及项目"))
    detail = models.JSONField(_("依据"), default=dict)
    votes_count = models.PositiveIntegerField(_("票数"), default=0)
    status = models.CharField(_("状态"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("处理理由"), blank=True)
    votes = models.ManyToManyField(Vote, through="FindingVote", related_name="findings")

    class Meta:
        verbose_name = _("刷票嫌疑")
        verbose_name_plural = _("刷票嫌疑")
        ordering = ["reason", "-votes_count", "id"]
        indexes = [models.Index(fields=["contest", "status"], name="finding_contest_status")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.key}"


class FindingVote(models.Model):
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, db_index=False)
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["finding", "vote"], name="finding_vote_once")]

    def __str__(self) -> str:
        return f"{self.finding_id} · {self.vote_id}"


class Tally(WriteOnceModel):
    """The published result: counted votes per project, and how many were voided, by reason.
    Written once, after the audit (R-A2)."""

    immutable_reason = "the published tally never changes"

    contest = models.OneToOneField("contests.Contest", on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    counts = models.JSONField(_("各项目有效票数"))
    voided = models.JSONField(_("作废票数（按原因）"))
    totals = models.JSONField(_("合计"))
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("投票结果")
        verbose_name_plural = _("投票结果")

    def __str__(self) -> str:
        return f"{self.contest_id} {self.published_at:%Y-%m-%d %H:%M}"
