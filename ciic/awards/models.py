"""The national finals and the awards (R-V4, R-A1, R-G1, issue 12).

A **finals session** judges the finalists of one direction × group (R-G1) in the finals'
review round (the review app's round, assignments and ballots: no second scoring engine). Its
running order is drawn by lot (`ciic.engines.finals.draw_order`) with a recorded seed, so
anyone can re-derive it; the chair puts one team on stage at a time, and releases the scores
to the big screen.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ciic.core.models import WriteOnceModel

from .enums import AwardKind, AwardListStatus, AwardScope, PrizeStatus, PublicationKind


class FinalsSession(models.Model):
    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="finals_sessions")
    review_round = models.ForeignKey("review.ReviewRound", on_delete=models.PROTECT, related_name="finals_sessions",
                                     verbose_name=_("评审轮次"))
    direction = models.ForeignKey("contests.Direction", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("赛题方向"))
    group = models.ForeignKey("contests.Group", on_delete=models.PROTECT, related_name="+", verbose_name=_("组别"))
    venue = models.CharField(_("地点"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="chaired_sessions", verbose_name=_("会议主席"))
    experts = models.ManyToManyField("review.Expert", related_name="finals_sessions", verbose_name=_("评委"))
    draw_seed = models.CharField(_("抽签种子"), max_length=200, blank=True)
    drawn_at = models.DateTimeField(_("抽签时间"), null=True, blank=True)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    current = models.ForeignKey("SessionEntry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("当前上台团队"))
    scores_released_at = models.DateTimeField(_("大屏公布得分时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("总决赛场次")
        verbose_name_plural = _("总决赛场次")
        ordering = ["contest", "direction__number", "group__order", "id"]
        constraints = [models.UniqueConstraint(fields=["review_round", "direction", "group"],
                                               name="finals_session_unique")]

    def __str__(self) -> str:
        return f"{self.direction} · {self.group}"

    @property
    def is_drawn(self) -> bool:
        return self.drawn_at is not None


class SessionEntry(models.Model):
    """A finalist in a session: its place in the drawn running order and when it went on stage."""

    session = models.ForeignKey(FinalsSession, on_delete=models.CASCADE, related_name="entries")
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="finals_entries")
    position = models.PositiveIntegerField(_("出场顺序"), null=True, blank=True)
    on_stage_at = models.DateTimeField(_("上台时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("场次项目")
        verbose_name_plural = _("场次项目")
        ordering = ["session", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "project"], name="session_entry_unique"),
            models.UniqueConstraint(fields=["session", "position"], name="session_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.session} {self.position}. {self.project}"


class AwardList(models.Model):
    """A list of awards: the finals' tier prizes (R-A1), the special awards (R-A2) or one
    station's local awards (R-A3). Proposed, confirmed, then frozen as a snapshot whose
    SHA-256 goes into the audit chain; the database refuses to change a confirmed list or its
    awards (migration 0002)."""

    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="award_lists")
    scope = models.CharField(_("范围"), max_length=20, choices=AwardScope.choices, default=AwardScope.FINALS)
    station = models.ForeignKey("contests.Station", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="award_lists", verbose_name=_("赛站"))
    review_round = models.ForeignKey("review.ReviewRound", on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("分配方式"), max_length=20)
    status = models.CharField(_("状态"), max_length=20, choices=AwardListStatus.choices,
                              default=AwardListStatus.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    snapshot = models.JSONField(_("确认时的获奖名单"), null=True, blank=True)
    snapshot_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("获奖名单")
        verbose_name_plural = _("获奖名单")
        constraints = [
            models.UniqueConstraint(fields=["contest", "scope"], condition=models.Q(station__isnull=True),
                                    name="award_list_once"),
            models.UniqueConstraint(fields=["contest", "scope", "station"], condition=models.Q(station__isnull=False),
                                    name="award_list_once_per_station"),
        ]

    def __str__(self) -> str:
        return f"{self.contest} {self.get_status_display()}"


class Award(models.Model):
    """One award of the list: a tier prize to a project (with its finals score, rank and the
    margin to the next team), a special award, or a station's local award."""

    award_list = models.ForeignKey(AwardList, on_delete=models.CASCADE, related_name="awards")
    kind = models.CharField(_("类别"), max_length=20, choices=AwardKind.choices)
    code = models.CharField(_("奖项代码"), max_length=40)
    name = models.CharField(_("奖项"), max_length=200)
    project = models.ForeignKey("projects.Project", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="awards")
    # 优秀组织奖 goes to an organizing unit (R-A2), named here; a team's award has a project.
    recipient_name = models.CharField(_("获奖单位"), max_length=200, blank=True)
    reason = models.TextField(_("评定依据"), blank=True)
    rank = models.PositiveIntegerField(_("总决赛名次"), null=True, blank=True)
    score = models.FloatField(_("总决赛得分"), null=True, blank=True)
    margin = models.FloatField(_("领先下一名"), null=True, blank=True)
    amount = models.DecimalField(_("奖金（万元，税前）"), max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("奖项")
        verbose_name_plural = _("奖项")
        ordering = ["award_list", "kind", "rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["award_list", "kind", "code", "project"], name="award_once_per_project"),
            models.CheckConstraint(condition=models.Q(project__isnull=False) | ~models.Q(recipient_name=""),
                                   name="award_has_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.project or self.recipient_name}"

    @property
    def recipient(self) -> str:
        return self.project.team.organization.name if self.project_id else self.recipient_name


class AwardTieDecision(WriteOnceModel):
    """The secretariat's recorded resolution of a tie at an award boundary (R-A1)."""

    immutable_reason = "decisions are a record and are never changed"

    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="+")
    key = models.CharField(_("边界"), max_length=200)
    tied = models.JSONField(_("并列项目"))
    chosen = models.JSONField(_("优先项目"))
    reason = models.TextField(_("理由"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("奖项并列处理")
        verbose_name_plural = _("奖项并列处理")
        ordering = ["contest", "decided_at", "id"]


class Prize(models.Model):
    """The money of a tier prize (R-A1): amount (万元, pre-tax), the payee organization and
    where the payment stands. Status moves only through `awards.prizes.transition`."""

    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="prize")
    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="prizes")
    payee = models.ForeignKey("entrants.Organization", on_delete=models.PROTECT, related_name="prizes",
                              verbose_name=_("收款单位"))
    amount = models.DecimalField(_("金额（万元，税前）"), max_digits=12, decimal_places=2)
    status = models.CharField(_("状态"), max_length=20, choices=PrizeStatus.choices,
                              default=PrizeStatus.PENDING_PUBLICITY, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # R-X3: what is owed back after a revocation, by when, and when it came back.
    reclaim_amount = models.DecimalField(_("追回金额（万元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    reclaim_due_on = models.DateField(_("追回期限"), null=True, blank=True)
    reclaimed_on = models.DateField(_("追回日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("奖金")
        verbose_name_plural = _("奖金")
        ordering = ["contest", "award__rank", "id"]

    def __str__(self) -> str:
        return f"{self.award} {self.amount}万元 {self.get_status_display()}"


class AwardRevocation(WriteOnceModel):
    """An award taken back (R-X3): a team that failed publicity loses its award. The award row
    itself stays frozen as confirmed; this record says it no longer stands, why, and on whose
    ruling. The public results mark it; the prize and the certificate follow
    (`awards.prizes.revoke_award`)."""

    immutable_reason = "a revocation is a record and is never changed"

    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="revocation")
    reason = models.TextField(_("理由"))
    # Where the decision was taken: a complaint case's number, for example (never a person).
    basis = models.CharField(_("依据"), max_length=100, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("奖项撤销")
        verbose_name_plural = _("奖项撤销")

    def __str__(self) -> str:
        return f"{self.award} ({self.revoked_at:%Y-%m-%d})"


class LocalAwardCategory(models.Model):
    """A station's own award (R-A3): its name, how many, and the amount if any (万元)."""

    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey("contests.Station", on_delete=models.PROTECT, related_name="local_award_categories",
                                verbose_name=_("赛站"))
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("奖项名称"), max_length=100)
    count = models.PositiveIntegerField(_("名额"))
    amount = models.DecimalField(_("奖金（万元，税前）"), max_digits=12, decimal_places=2, null=True, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("地方赛奖项设置")
        verbose_name_plural = _("地方赛奖项设置")
        ordering = ["station", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["station", "code"], name="local_award_code_unique")]

    def __str__(self) -> str:
        return f"{self.station} {self.name}"


class Publication(models.Model):
    """That the secretariat released one kind of result to the public site (R-C3), and when;
    withdrawing it takes the page down again. Each change is audited."""

    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="publications")
    kind = models.CharField(_("内容"), max_length=20, choices=PublicationKind.choices)
    released_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = _("结果发布")
        verbose_name_plural = _("结果发布")
        constraints = [models.UniqueConstraint(fields=["contest", "kind"], name="publication_once")]

    def __str__(self) -> str:
        return f"{self.contest} {self.get_kind_display()}"
