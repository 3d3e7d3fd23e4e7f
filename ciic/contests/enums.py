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
