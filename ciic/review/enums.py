from django.db import models
from django.utils.translation import gettext_lazy as _


class ExpertKind(models.TextChoices):
    """Where an expert works (R-V5: research institutes, investment firms, industry bodies, enterprises)."""

    RESEARCH = "research", _("科研院所")
    INVESTMENT = "investment", _("投资机构")
    INDUSTRY_BODY = "industry_body", _("行业组织")
    ENTERPRISE = "enterprise", _("企业")


class ConflictSource(models.TextChoices):
    EMPLOYER = "employer", _("专家任职于参赛单位")
    FAMILY = "family", _("专家任职于参赛单位的关联单位")
    EXPERT = "expert", _("专家申报")
    TEAM = "team", _("团队申报")
    STAFF = "staff", _("工作人员认定")


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    OPEN = "open", _("评审中")
    CLOSED = "closed", _("已结束")


class Aggregation(models.TextChoices):
    RAW = "raw", _("加权平均分")
    ZSCORE = "zscore", _("按专家标准化")
    LEAST_SQUARES = "least_squares", _("最小二乘校准（项目水平 + 专家宽严）")
    # R-V4: the roadshow finals' usual score: one highest and one lowest ballot dropped.
    TRIMMED_MEAN = "trimmed_mean", _("去掉一个最高分和一个最低分后的平均分")


class AssignmentSource(models.TextChoices):
    SOLVER = "solver", _("自动分配")
    PINNED = "pinned", _("指定")
    MANUAL = "manual", _("手工调整")


class PairRule(models.TextChoices):
    PIN = "pin", _("必须分配")
    FORBID = "forbid", _("禁止分配")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("运行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class FinalistStatus(models.TextChoices):
    PROPOSED = "proposed", _("赛站已推荐")
    CONFIRMED = "confirmed", _("秘书处已确认")


class AvoidanceKind(models.TextChoices):
    """What a team names when it asks that someone not review it (teams do not see the pool)."""

    ORGANIZATION = "organization", _("单位")
    PERSON = "person", _("个人")
