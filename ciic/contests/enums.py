from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyKind(models.TextChoices):
    SERVICE_RULES = "service_rules", _("服务规则")
    PLEDGE = "pledge", _("参赛承诺书")


class RoundKind(models.TextChoices):
    ONLINE_REVIEW = "online_review", _("网上评审")
    ONLINE_ROADSHOW = "online_roadshow", _("网上路演")
    OFFLINE_ROADSHOW = "offline_roadshow", _("线下路演")
    ROADSHOW_DEFENSE = "roadshow_defense", _("路演答辩")


class AwardRecipient(models.TextChoices):
    TEAM = "team", _("参赛团队")
    ORGANIZING_UNIT = "organizing_unit", _("组织单位")


class OrganizationKind(models.TextChoices):
    """The kinds of entrant organization the spec's group criteria name (R-G2, R-G3)."""

    SOFTWARE_IT = "software_it", _("软件和信息技术服务商")
    INDUSTRIAL = "industrial", _("工业企业")
    CENTRAL_SOE = "central_soe", _("中央企业（集团）及下属公司")
    UNIVERSITY = "university", _("高等院校")
    RESEARCH_INSTITUTE = "research_institute", _("科研院所")
    OTHER = "other", _("其他")
