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


class RepresentativeStatus(models.TextChoices):
    """Whether the person named has confirmed (issue 11 §3). Anyone can type anyone's ID
    number, so a person counts as a team's representative, and is held to that one team
    (R-P3), only once they confirm from the text message sent to the mobile number given, or
    once the secretariat resolves a dispute in their favour. Declined and revoked rows stay
    visible to the team, and take no place on it."""

    PENDING = "pending", _("待本人确认")
    CONFIRMED = "confirmed", _("本人已确认")
    DECLINED = "declined", _("本人已拒绝")
    REVOKED = "revoked", _("秘书处已撤销")


# The statuses that take a place on the team (R-P3's limit) and block adding the same person
# to it twice.
ACTIVE_REPRESENTATIVE = (RepresentativeStatus.PENDING, RepresentativeStatus.CONFIRMED)


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("申诉成立")
    REJECTED = "rejected", _("申诉不成立")
