from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationKind(models.TextChoices):
    SOFTWARE_IT = "software_it", _("软件和信息技术服务商")
    INDUSTRIAL = "industrial", _("工业企业")
    CENTRAL_SOE = "central_soe", _("中央企业（集团）及下属公司")
    UNIVERSITY = "university", _("高等院校")
    RESEARCH_INSTITUTE = "research_institute", _("科研院所")
    OTHER = "other", _("其他")


class TeamStatus(models.TextChoices):
    REGISTERED = "registered", _("已报名")
    WITHDRAWN = "withdrawn", _("已退赛")
    DISQUALIFIED = "disqualified", _("已取消资格")
