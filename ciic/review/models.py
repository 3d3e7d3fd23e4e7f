"""Expert review of the local stage and the finals (R-V1, R-V2, R-V3, R-V5, R-G1, R-P8, R-P9).

Experts form a pool per contest. A review round (one of the spec's rounds, for one station in
the local stage or for the whole contest in the finals) has its projects, its experts, k
experts per project, a maximum load, and a review form. Conflicts of interest are detected
(employer in the entrant's corporate family) or declared, and a conflicted expert is never
assigned nor shown anything about the project. Reviews are revised until the round closes;
every revision is kept. The round's result advances projects per direction × group; the
station proposes its finalists, the secretariat confirms, and the confirmed list is frozen.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ciic.core.models import WriteOnceModel

from .enums import (
    Aggregation,
    AssignmentSource,
    AvoidanceKind,
    ConflictSource,
    ExpertKind,
    FinalistStatus,
    JobStatus,
    PairRule,
    RoundStatus,
)


class Expert(models.Model):
    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="experts")
    # One account may be an expert in every edition's pool, once per contest.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="expert_profiles")
    name = models.CharField(_("姓名"), max_length=60)
    email = models.EmailField(_("邮箱"), blank=True)
    employer = models.CharField(_("工作单位"), max_length=200)
    employer_credit_code = models.CharField(_("工作单位统一社会信用代码"), max_length=18, blank=True)
    kind = models.CharField(_("单位类型"), max_length=20, choices=ExpertKind.choices)
    directions = models.ManyToManyField("contests.Direction", blank=True, related_name="experts",
                                        verbose_name=_("擅长方向"))
    keywords = models.TextField(_("关键词"), blank=True)
    profile = models.TextField(_("简介"), blank=True)
    station = models.ForeignKey("contests.Station", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="experts", verbose_name=_("所属赛站"))
    active = models.BooleanField(_("可参与评审"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("评审专家")
        verbose_name_plural = _("评审专家")
        ordering = ["contest", "id"]
        constraints = [models.UniqueConstraint(fields=["contest", "email"], condition=~models.Q(email=""),
                                               name="expert_email_unique"),
                       models.UniqueConstraint(fields=["contest", "user"], condition=models.Q(user__isnull=False),
                                               name="expert_user_unique")]

    def __str__(self) -> str:
        return self.name


class ConflictDeclaration(models.Model):
    """A conflict of interest someone declared (the expert, the team or staff). Detected
    conflicts (employer in the entrant's corporate family) are computed, not stored."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="declared_conflicts")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="declared_conflicts")
    source = models.CharField(_("来源"), max_length=20, choices=ConflictSource.choices)
    reason = models.TextField(_("理由"))
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(_("申报时间"), default=timezone.now)

    class Meta:
        verbose_name = _("利益冲突申报")
        verbose_name_plural = _("利益冲突申报")
        ordering = ["declared_at", "id"]
        constraints = [models.UniqueConstraint(fields=["expert", "project", "source"], name="conflict_unique")]

    def __str__(self) -> str:
        return f"{self.expert} × {self.project} ({self.source})"


class TeamAvoidance(models.Model):
    """A team's request that an organization's staff or a named person not review its project.

    Teams do not see the expert pool, so they name an organization or a person in free text;
    `ciic.review.conflicts` matches it against the pool (normalized employer or expert name) as
    a team-declared conflict, including for experts added to the pool later."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="avoidances")
    kind = models.CharField(_("类型"), max_length=20, choices=AvoidanceKind.choices)
    name = models.CharField(_("单位或姓名"), max_length=200)
    reason = models.TextField(_("理由"))
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(_("申报时间"), default=timezone.now)

    class Meta:
        verbose_name = _("团队申报的回避")
        verbose_name_plural = _("团队申报的回避")
        ordering = ["project", "declared_at", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "kind", "name"], name="avoidance_unique")]

    def __str__(self) -> str:
        return f"{self.project}: {self.name}"


class ConflictDismissal(models.Model):
    """Staff checked one possible match of a team's avoidance (a person named by name only, R-P8)
    and found this expert is a namesake, not the person the team meant: the possible conflict of
    this expert with the avoidance's project is no longer reported. Other namesakes, and every
    definite conflict, stay. Withdrawing it (deleting the row, audited) restores the conflict."""

    avoidance = models.ForeignKey(TeamAvoidance, on_delete=models.CASCADE, related_name="dismissals")
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="conflict_dismissals")
    reason = models.TextField(_("理由"))
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    dismissed_at = models.DateTimeField(_("确认时间"), default=timezone.now)

    class Meta:
        verbose_name = _("已排除的同名匹配")
        verbose_name_plural = _("已排除的同名匹配")
        ordering = ["dismissed_at", "id"]
        constraints = [models.UniqueConstraint(fields=["avoidance", "expert"], name="conflict_dismissal_unique")]

    def __str__(self) -> str:
        return f"{self.avoidance} ≠ {self.expert}"


class ReviewRound(models.Model):
    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="review_rounds")
    round = models.ForeignKey("contests.Round", on_delete=models.PROTECT, related_name="review_rounds",
                              verbose_name=_("评审轮次"))
    station = models.ForeignKey("contests.Station", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="review_rounds", verbose_name=_("赛站"))
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_rounds",
                                 verbose_name=_("上一轮"))
    status = models.CharField(_("状态"), max_length=20, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    experts_per_project = models.PositiveIntegerField(_("每个项目的专家数"), default=5)
    max_load = models.PositiveIntegerField(_("每位专家最多评审项目数"), default=30)
    # The review form: [{"code", "name", "name_en", "weight", "min", "max"}], from the spec.
    form = models.JSONField(_("评分表"), default=list)
    recommendations = models.JSONField(_("推荐意见选项"), default=list, blank=True)
    # Nobody sees other experts' scores before submitting their own; this says whether
    # submitting reveals them or only the round's close does.
    blind_until_submitted = models.BooleanField(_("专家提交本人评分后即可查看他人评分（不勾选则评审结束后才可查看）"), default=True)
    aggregation = models.CharField(_("计分方式"), max_length=20, choices=Aggregation.choices, default=Aggregation.RAW)
    # Set when the first score is seen: the aggregation cannot change afterwards.
    aggregation_locked_at = models.DateTimeField(null=True, blank=True)
    disagreement_spread = models.FloatField(_("分歧阈值（分）"), default=20.0)
    # From the spec's review form: scores are shown and ranked with this many decimals (R-V2).
    score_decimals = models.PositiveSmallIntegerField(_("计分保留小数位"), default=2)
    opens_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closes_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("评审轮")
        verbose_name_plural = _("评审轮")
        ordering = ["contest", "round__stage__order", "round__order", "station__order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "station"], name="review_round_unique"),
            # NULLs are distinct in a unique constraint: the contest-wide round (the finals) needs its own.
            models.UniqueConstraint(fields=["round"], condition=models.Q(station__isnull=True),
                                    name="review_round_contest_wide_unique"),
        ]

    def __str__(self) -> str:
        # In the active language; a separator, since "Xinjiang StationOnline review" ran together.
        return f"{self.station} · {self.round}" if self.station_id else str(self.round)


class RoundProject(models.Model):
    review_round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="entries")
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="round_entries")
    submission = models.ForeignKey("projects.Submission", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("评审版本"))

    class Meta:
        verbose_name = _("轮次项目")
        verbose_name_plural = _("轮次项目")
        constraints = [models.UniqueConstraint(fields=["review_round", "project"], name="round_project_unique")]

    def __str__(self) -> str:
        return f"{self.review_round} / {self.project}"


class RoundExpert(models.Model):
    review_round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="panel")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="round_memberships")
    max_load = models.PositiveIntegerField(_("最多评审项目数"), null=True, blank=True)

    class Meta:
        verbose_name = _("轮次专家")
        verbose_name_plural = _("轮次专家")
        constraints = [models.UniqueConstraint(fields=["review_round", "expert"], name="round_expert_unique")]

    def __str__(self) -> str:
        return f"{self.review_round} / {self.expert}"


class PairConstraint(models.Model):
    """Staff pin or forbid an expert–project pair before solving."""

    review_round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="pair_rules")
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(_("规则"), max_length=10, choices=PairRule.choices)
    reason = models.TextField(_("理由"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("指定/禁止分配")
        verbose_name_plural = _("指定/禁止分配")
        constraints = [models.UniqueConstraint(fields=["review_round", "expert", "project"], name="pair_rule_unique")]

    def __str__(self) -> str:
        return f"{self.rule}: {self.expert} × {self.project}"


class AssignmentRun(models.Model):
    """One solve of a round's assignment, in the background, with its figures."""

    review_round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="assignment_runs")
    mode = models.CharField(_("模式"), max_length=20, default="max_total")
    status = models.CharField(_("状态"), max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveIntegerField(_("进度（%）"), default=0)
    message = models.TextField(_("说明"), blank=True)
    figures = models.JSONField(_("指标"), default=dict, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("分配计算")
        verbose_name_plural = _("分配计算")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.review_round} solve #{self.pk}"


class Assignment(models.Model):
    review_round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="assignments")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="assignments")
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="assignments")
    source = models.CharField(_("来源"), max_length=20, choices=AssignmentSource.choices,
                              default=AssignmentSource.SOLVER)
    affinity = models.FloatField(_("匹配度"), default=0.0)
    run = models.ForeignKey(AssignmentRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("评审分配")
        verbose_name_plural = _("评审分配")
        ordering = ["review_round", "project", "expert"]
        constraints = [models.UniqueConstraint(fields=["review_round", "expert", "project"],
                                               name="assignment_unique")]

    def __str__(self) -> str:
        return f"{self.expert} → {self.project}"


class Review(models.Model):
    """An expert's scores for one assigned project; revisable until the round closes."""

    assignment = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="review")
    scores = models.JSONField(_("各项得分"), default=dict)
    total = models.FloatField(_("加权总分"), null=True, blank=True)
    comment = models.TextField(_("评语"), blank=True)
    recommendation = models.CharField(_("推荐意见"), max_length=40, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")

    def __str__(self) -> str:
        return f"{self.assignment}"


class ReviewRevision(WriteOnceModel):
    """Every submitted state of a review, kept (traceability of revisions)."""

    immutable_reason = "review revisions are a record and are never changed"

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="revisions")
    scores = models.JSONField()
    total = models.FloatField()
    comment = models.TextField(blank=True)
    recommendation = models.CharField(max_length=40, blank=True)
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["review", "submitted_at", "id"]


class BallotReopening(models.Model):
    """The finals' session chair lets an expert change a sealed ballot (R-V4): once, for a
    reason, audited. The next submission uses it (`used_at`)."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="reopenings")
    reason = models.TextField(_("理由"))
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reopened_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("重新开启的评分")
        verbose_name_plural = _("重新开启的评分")
        ordering = ["review", "reopened_at"]
        constraints = [models.UniqueConstraint(fields=["review"], condition=models.Q(used_at__isnull=True),
                                               name="one_open_reopening")]

    def __str__(self) -> str:
        return f"{self.review} @ {self.reopened_at:%Y-%m-%d %H:%M}"


class RoadshowSlot(models.Model):
    """A team's time in an online or offline roadshow (R-V1), with a link or a venue."""

    review_round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="slots")
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="roadshow_slots")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    link = models.URLField(_("线上链接"), blank=True)
    venue = models.CharField(_("地点"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("路演时段")
        verbose_name_plural = _("路演时段")
        ordering = ["review_round", "starts_at"]
        constraints = [models.UniqueConstraint(fields=["review_round", "project"], name="slot_project_unique")]

    def __str__(self) -> str:
        return f"{self.project} {self.starts_at:%Y-%m-%d %H:%M}"


class AdvancementRule(models.Model):
    """How many projects advance from a round, per direction × group (R-V2, R-G1)."""

    review_round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="advancement_rules")
    direction = models.ForeignKey("contests.Direction", on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey("contests.Group", on_delete=models.PROTECT, related_name="+")
    count = models.PositiveIntegerField(_("晋级数"), null=True, blank=True)
    proportion = models.FloatField(_("晋级比例"), null=True, blank=True)

    class Meta:
        verbose_name = _("晋级规则")
        verbose_name_plural = _("晋级规则")
        constraints = [models.UniqueConstraint(fields=["review_round", "direction", "group"],
                                               name="advancement_rule_unique")]

    def __str__(self) -> str:
        return f"{self.review_round} {self.direction} {self.group}"


class TieDecision(WriteOnceModel):
    """Staff's recorded resolution of a tie at a cut-off (R-V2)."""

    immutable_reason = "decisions are a record and are never changed"

    review_round = models.ForeignKey(ReviewRound, on_delete=models.PROTECT, related_name="tie_decisions")
    direction = models.ForeignKey("contests.Direction", on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey("contests.Group", on_delete=models.PROTECT, related_name="+")
    advancing = models.ManyToManyField("projects.Project", related_name="+")
    tied = models.JSONField(_("并列项目"))
    reason = models.TextField(_("理由"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)


class RoundResult(models.Model):
    """A project's standing at the close of a round: score, rank in its direction × group, advanced."""

    review_round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="results")
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="round_results")
    raw_score = models.FloatField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    reviews = models.PositiveIntegerField(default=0)
    spread = models.FloatField(null=True, blank=True)
    disagreement = models.BooleanField(default=False)
    stability = models.FloatField(null=True, blank=True)
    advanced = models.BooleanField(default=False)

    class Meta:
        ordering = ["review_round", "rank"]
        constraints = [models.UniqueConstraint(fields=["review_round", "project"], name="round_result_unique")]

    def __str__(self) -> str:
        return f"{self.review_round} {self.project} #{self.rank}"


class FinalistList(models.Model):
    """A station's recommended finalists for one group (R-V2): proposed within the quota by the
    station officer, confirmed by the secretariat, then frozen as a snapshot. Once confirmed,
    the database refuses to change the list or its entries (migration 0004); a due-diligence
    replacement (R-P9) only adds an entry."""

    contest = models.ForeignKey("contests.Contest", on_delete=models.PROTECT, related_name="finalist_lists")
    station = models.ForeignKey("contests.Station", on_delete=models.PROTECT, related_name="finalist_lists")
    group = models.ForeignKey("contests.Group", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=20, choices=FinalistStatus.choices,
                              default=FinalistStatus.PROPOSED)
    projects = models.ManyToManyField("projects.Project", through="FinalistEntry", related_name="+")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    snapshot = models.JSONField(_("确认时的名单"), null=True, blank=True)
    snapshot_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("晋级名单")
        verbose_name_plural = _("晋级名单")
        constraints = [models.UniqueConstraint(fields=["station", "group"], name="finalist_list_unique")]

    def __str__(self) -> str:
        return f"{self.station} {self.group}"


class FinalistEntry(models.Model):
    finalist_list = models.ForeignKey(FinalistList, on_delete=models.CASCADE, related_name="entries")
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="finalist_entries")
    position = models.PositiveIntegerField(_("名次"))
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["finalist_list", "position"]
        constraints = [models.UniqueConstraint(fields=["finalist_list", "project"], name="finalist_entry_unique")]

    def __str__(self) -> str:
        return f"{self.finalist_list} {self.position}. {self.project}"


class DueDiligence(models.Model):
    """Checks on a finalist (R-P9): a checklist with findings, then pass or fail."""

    project = models.OneToOneField("projects.Project", on_delete=models.PROTECT, related_name="due_diligence")
    checklist = models.JSONField(_("核查清单"), default=list)
    findings = models.TextField(_("核查发现"), blank=True)
    passed = models.BooleanField(_("通过"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("尽职调查")
        verbose_name_plural = _("尽职调查")

    def __str__(self) -> str:
        return f"{self.project}"


class RoundArchive(WriteOnceModel):
    """A closed round's archive (R-V3): a zip with its data and a manifest of SHA-256 hashes."""

    immutable_reason = "archives are a record and are never changed"

    review_round = models.ForeignKey(ReviewRound, on_delete=models.PROTECT, related_name="archives")
    file = models.FileField(upload_to="archives/", max_length=300)
    sha256 = models.CharField(max_length=64)
    manifest = models.JSONField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
