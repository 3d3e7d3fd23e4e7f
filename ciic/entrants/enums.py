from django.db import models
from django.utils.translation import gettext_lazy as _


class TeamStatus(models.TextChoices):
    REGISTERED = "registered", _("已报名")
    WITHDRAWN = "withdrawn", _("已退赛")
    DISQUALIFIED = "disqualified", _("已取消资格")


class GroupStatus(models.TextChoices):
    """How an organization's group was settled (R-G2, R-G3). A unit that declares itself a
    central SOE (kind `central_soe`) but that no list holds, itself or up its parent chain,
    is not placed silently: it waits, without a group, for the secretariat's verification."""

    DERIVED = "derived", _("按条件判定")
    PENDING = "pending", _("待核实")
    CONFIRMED = "confirmed", _("已核实为中央企业")
    REJECTED = "rejected", _("已核实不属于中央企业")
