"""The contest spec as database rows: one contest edition and everything that is a fact of it.

Every number and name of a contest lives here (loaded from `specs/*.yaml`), never in code.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cached_property

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .enums import AwardRecipient, PolicyKind, RoundKind

# A rule's ID at the start of a citation of it or of one of its parts (R-J7.5, R-G2c).
RULE_ID = re.compile(r"R-[A-Z]+[0-9]+")


class BilingualName(models.Model):
    """A Chinese name with an English one, shown according to the active language."""

    name = models.CharField(_("名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        lang = get_language() or "zh-hans"
        if lang.startswith("en") and self.name_en:
            return self.name_en
        return self.name


class Contest(BilingualName):
    slug = models.SlugField(_("标识"), max_length=60, unique=True)
    edition = models.PositiveIntegerField(_("届次"))
    year = models.PositiveIntegerField(_("年份"))
    theme = models.CharField(_("主题"), max_length=200)
    theme_en = models.CharField(_("英文主题"), max_length=200, blank=True)
    time_zone = models.CharField(_("时区"), max_length=60, default="Asia/Shanghai")
    website = models.URLField(_("官方网站"), blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    # R-C2: hosts, organizers and executing organizers, as {role: [names]}.
    hosts = models.JSONField(_("组织单位"), default=dict, blank=True)
    prize_pool = models.DecimalField(_("奖金池（万元）"), max_digits=12, decimal_places=2)
    publicity_days = models.PositiveIntegerField(_("公示期（天）"))
    upload_grace_minutes = models.PositiveIntegerField(_("上传宽限（分钟）"), default=15)
    # R-P3: how many representatives a team may have; a fact of the edition, set by the spec.
    max_representatives = models.PositiveIntegerField(_("每队参赛代表上限"))
    # R-J2, R-J3: two applications (or one and an earlier prize winner) sharing at least this
    # share of their text (Jaccard similarity of 5-character shingles) are reported; the spec's
    # `originality.threshold`.
    originality_threshold = models.FloatField(
        _("原创性检查相似度阈值"), default=0.5,
        validators=[MinValueValidator(0.05), MaxValueValidator(1.0)])
    # R-P9: [{"code", "name", "name_en"}], what is checked on each finalist.
    due_diligence_checklist = models.JSONField(_("尽职调查核查项"), default=list, blank=True)
    spec = models.JSONField(_("赛事规格"), default=dict, blank=True)
    spec_sha256 = models.CharField(max_length=64, blank=True)
    loaded_at = models.DateTimeField(_("载入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("赛事")
        verbose_name_plural = _("赛事")
        ordering = ["-year"]

    @property
    def theme_display(self) -> str:
        lang = get_language() or "zh-hans"
        return self.theme_en if lang.startswith("en") and self.theme_en else self.theme

    @cached_property
    def rule_index(self) -> dict[str, dict]:
        """The spec's rules by ID (R-P3 -> {"id", "title", "title_en", "text", "text_en"})."""
        return {rule["id"]: rule for rule in (self.spec or {}).get("rules", [])}

    def rule(self, code: str) -> dict | None:
        """The rule a citation names: "R-J7.5" and "R-G2c" cite parts of R-J7 and R-G2."""
        match = RULE_ID.match(code or "")
        return self.rule_index.get(match[0]) if match else None


class Station(BilingualName):
    """A regional station (赛站), R-D1."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="stations")
    code = models.SlugField(_("代码"), max_length=40)
    city = models.CharField(_("城市"), max_length=60, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("赛站")
        verbose_name_plural = _("赛站")
        ordering = ["contest", "order"]
        constraints = [models.UniqueConstraint(fields=["contest", "code"], name="station_code_unique")]


class Direction(BilingualName):
    """A topic direction (赛题方向), organized by exactly one station (R-D1)."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="directions")
    number = models.PositiveIntegerField(_("序号"))
    code = models.SlugField(_("代码"), max_length=40)
    description = models.TextField(_("说明"))
    description_en = models.TextField(_("英文说明"), blank=True)
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="directions", verbose_name=_("赛站")
    )

    class Meta:
        verbose_name = _("赛题方向")
        verbose_name_plural = _("赛题方向")
        ordering = ["contest", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "code"], name="direction_code_unique"),
            models.UniqueConstraint(fields=["contest", "number"], name="direction_number_unique"),
        ]

    @property
    def description_display(self) -> str:
        lang = get_language() or "zh-hans"
        if lang.startswith("en") and self.description_en:
            return self.description_en
        return self.description


class LocalOrganizingUnit(models.Model):
    """A station's local organizing unit (地方赛组织单位), R-D3; barred from that station (R-P8)."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="local_units")
    name = models.CharField(_("单位名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)

    class Meta:
        verbose_name = _("地方赛组织单位")
        verbose_name_plural = _("地方赛组织单位")
        ordering = ["station", "id"]
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="local_unit_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Group(BilingualName):
    """A competition group (组别), R-G1. `criteria` lists the ways to qualify (any one holds).

    Each criterion is {"label", "kinds": [...], "any": [{"field", "gt"}]} or
    {"label", "central_soe": true}; a group with `is_default` takes everyone else (R-G3).
    """

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="groups")
    code = models.SlugField(_("代码"), max_length=40)
    is_default = models.BooleanField(_("默认组别"), default=False)
    criteria = models.JSONField(_("资格条件"), default=list, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("组别")
        verbose_name_plural = _("组别")
        ordering = ["contest", "order"]
        constraints = [models.UniqueConstraint(fields=["contest", "code"], name="group_code_unique")]


class CentralSOE(models.Model):
    """A central state-owned enterprise group (中央企业集团), R-G2(c).

    `list_code` names the list that holds it (the spec's `list`: sasac, mof...); a group's
    criterion says which lists count. With a credit code it is matched by code only, without
    one by its name or an alias (`contests.names.name_key`)."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="central_soes")
    name = models.CharField(_("名称"), max_length=200)
    aliases = models.JSONField(_("其他名称"), default=list, blank=True)
    list_code = models.CharField(
        _("所属名录"), max_length=40, blank=True,
        help_text=_("如 sasac（国资委）、mof（财政部）、mof_financial（中央金融企业）；只有组别条件计入的名录才算中央企业"),
    )
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)

    class Meta:
        verbose_name = _("中央企业")
        verbose_name_plural = _("中央企业名录")
        ordering = ["contest", "id"]
        constraints = [models.UniqueConstraint(fields=["contest", "name"], name="central_soe_unique")]

    def __str__(self) -> str:
        return self.name


class ScheduleItem(BilingualName):
    """A dated step of the schedule (R-T1..R-T5). Times are aware; shown in the contest's zone.
    In date order: by the first date shown (the start, or the end of a one-day step)."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="schedule")
    key = models.SlugField(_("代码"), max_length=60)
    starts_at = models.DateTimeField(_("开始"), null=True, blank=True)
    ends_at = models.DateTimeField(_("截止"))
    note = models.CharField(_("备注"), max_length=300, blank=True)
    note_en = models.CharField(_("英文备注"), max_length=300, blank=True)
    # For staff only: the rules the step comes from, and whether the date is a placeholder the
    # organizing committee has yet to set.
    rules = models.JSONField(_("规则编号"), default=list, blank=True)
    placeholder = models.BooleanField(_("占位日期"), default=False)

    class Meta:
        verbose_name = _("日程")
        verbose_name_plural = _("日程")
        ordering = ["contest", Coalesce("starts_at", "ends_at"), "ends_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["contest", "key"], name="schedule_key_unique")]

    @property
    def display_note(self) -> str:
        if (get_language() or "zh-hans").startswith("en") and self.note_en:
            return self.note_en
        return self.note


class Stage(BilingualName):
    """A stage of the contest (local stage, finals), R-V1/R-V4."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="stages")
    code = models.SlugField(_("代码"), max_length=40)
    order = models.PositiveIntegerField(default=0)
    schedule_key = models.SlugField(_("对应日程"), max_length=60, blank=True)
    submission_key = models.SlugField(
        _("提交截止日程"), max_length=60, blank=True,
        help_text=_("该日程项的截止时间即本赛段的项目提交截止时间（R-J4）"),
    )

    class Meta:
        verbose_name = _("赛段")
        verbose_name_plural = _("赛段")
        ordering = ["contest", "order"]
        constraints = [models.UniqueConstraint(fields=["contest", "code"], name="stage_code_unique")]


class Round(BilingualName):
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="rounds")
    code = models.SlugField(_("代码"), max_length=40)
    kind = models.CharField(_("方式"), max_length=30, choices=RoundKind.choices)
    order = models.PositiveIntegerField(default=0)
    # The spec's review form for this round (its own `form`, else the spec's `review_form`):
    # {"criteria": [{code, name, name_en, weight, min, max}], "recommendations": [{code, name, name_en}]}.
    # A review round copies it when created, so a later spec change leaves open rounds alone.
    review_form = models.JSONField(_("评分表"), default=dict, blank=True)

    class Meta:
        verbose_name = _("评审轮次")
        verbose_name_plural = _("评审轮次")
        ordering = ["stage", "order"]
        constraints = [models.UniqueConstraint(fields=["stage", "code"], name="round_code_unique")]


class StationQuota(models.Model):
    """How many finalists a station recommends per group (R-V2); null until the secretariat sets it."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="quotas")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="quotas")
    finalists = models.PositiveIntegerField(_("晋级名额"), null=True, blank=True)

    class Meta:
        verbose_name = _("赛站名额")
        verbose_name_plural = _("赛站名额")
        constraints = [models.UniqueConstraint(fields=["station", "group"], name="quota_unique")]

    def __str__(self) -> str:
        return f"{self.station} / {self.group}: {self.finalists if self.finalists is not None else '—'}"


class PrizeTier(BilingualName):
    """A finals prize tier (R-A1); count × amount over all tiers adds up to the prize pool."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="prize_tiers")
    code = models.SlugField(_("代码"), max_length=40)
    rank = models.PositiveIntegerField(_("等级"))
    count = models.PositiveIntegerField(_("名额"))
    amount = models.DecimalField(_("奖金（万元/队，税前）"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("奖项等级")
        verbose_name_plural = _("奖项等级")
        ordering = ["contest", "rank"]
        constraints = [models.UniqueConstraint(fields=["contest", "code"], name="prize_code_unique")]

    @property
    def total(self) -> Decimal:
        return self.amount * self.count


class SpecialAward(BilingualName):
    """A special award decided by finals results (R-A2)."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="special_awards")
    code = models.SlugField(_("代码"), max_length=40)
    recipient = models.CharField(
        _("授予对象"), max_length=20, choices=AwardRecipient.choices, default=AwardRecipient.TEAM
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("单项奖")
        verbose_name_plural = _("单项奖")
        ordering = ["contest", "order"]
        constraints = [models.UniqueConstraint(fields=["contest", "code"], name="special_award_unique")]


class ApplicationSection(BilingualName):
    """A section of the application form (项目申报书), R-J7.1."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="form_sections")
    code = models.SlugField(_("代码"), max_length=40)
    parts = models.JSONField(_("要点"), default=list, blank=True)
    max_chars = models.PositiveIntegerField(_("字数上限"))
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("申报书章节")
        verbose_name_plural = _("申报书章节")
        ordering = ["contest", "order"]
        constraints = [models.UniqueConstraint(fields=["contest", "code"], name="section_code_unique")]


class MaterialType(BilingualName):
    """A kind of material a project submits (R-J7.2..R-J7.5) with its formats and size limit."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="material_types")
    code = models.SlugField(_("代码"), max_length=40)
    category = models.CharField(_("类别"), max_length=40)
    formats = models.JSONField(_("允许格式"), default=list)
    max_size_mb = models.PositiveIntegerField(_("大小上限（MB）"))
    required = models.BooleanField(_("必交"), default=False)
    # R-J7.5: a hosted cloud service is submitted as a link beside its documentation.
    link_required = models.BooleanField(_("须提供链接"), default=False)
    own_entity_attestation = models.BooleanField(_("须声明属参赛单位本身"), default=False)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("材料类型")
        verbose_name_plural = _("材料类型")
        ordering = ["contest", "order"]
        constraints = [models.UniqueConstraint(fields=["contest", "code"], name="material_code_unique")]


class PolicyDocument(models.Model):
    """A version of the service rules or the pledge (R-P5). The current one must be accepted."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="policies")
    kind = models.CharField(_("类型"), max_length=20, choices=PolicyKind.choices)
    version = models.CharField(_("版本"), max_length=20)
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("正文"))
    is_current = models.BooleanField(_("现行版本"), default=False)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("规则文本")
        verbose_name_plural = _("规则文本")
        ordering = ["contest", "kind", "-published_at"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "kind", "version"], name="policy_version_unique"),
            models.UniqueConstraint(
                fields=["contest", "kind"], condition=models.Q(is_current=True), name="one_current_policy"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class PastWinner(models.Model):
    """A first/second/third prize project of an earlier edition: cannot enter again (R-J3)."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="past_winners")
    edition = models.PositiveIntegerField(_("届次"))
    project_name = models.CharField(_("项目名称"), max_length=300)
    organization = models.CharField(_("单位"), max_length=200, blank=True)
    prize = models.CharField(_("奖项"), max_length=40)
    text = models.TextField(_("项目简介"), blank=True)

    class Meta:
        verbose_name = _("往届获奖项目")
        verbose_name_plural = _("往届获奖项目")
        ordering = ["contest", "edition", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "edition", "project_name"], name="past_winner_unique")
        ]

    def __str__(self) -> str:
        return self.project_name


class UncivilWord(models.Model):
    """A word a team name must not contain (R-P7)."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="uncivil_words")
    word = models.CharField(_("词语"), max_length=60)

    class Meta:
        verbose_name = _("不文明用语")
        verbose_name_plural = _("不文明用语")
        constraints = [models.UniqueConstraint(fields=["contest", "word"], name="uncivil_word_unique")]

    def __str__(self) -> str:
        return self.word
