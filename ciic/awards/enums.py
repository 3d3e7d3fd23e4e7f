from django.db import models
from django.utils.translation import gettext_lazy as _


class AwardListStatus(models.TextChoices):
    PROPOSED = "proposed", _("待确认")
    CONFIRMED = "confirmed", _("已确认")


class AwardScope(models.TextChoices):
    """Which list an award is on: the finals' tier prizes (R-A1), the special awards (R-A2),
    or one station's local awards (R-A3). Each list is proposed, confirmed and frozen apart."""

    FINALS = "finals", _("总决赛等级奖")
    SPECIAL = "special", _("单项奖")
    LOCAL = "local", _("地方赛奖项")


class AwardKind(models.TextChoices):
    TIER = "tier", _("等级奖")
    SPECIAL = "special", _("单项奖")
    LOCAL = "local", _("地方赛奖项")


class PrizeStatus(models.TextChoices):
    """A prize's money (R-A1, R-X1): paid after the publicity period; revoked prizes are
    reclaimed if already paid. Every change goes through `awards.prizes.transition`."""

    PENDING_PUBLICITY = "pending_publicity", _("公示中")
    PAYABLE = "payable", _("待发放")
    PAID = "paid", _("已发放")
    REVOKED = "revoked", _("已撤销")
    RECLAIM_DUE = "reclaim_due", _("待追回")
    RECLAIMED = "reclaimed", _("已追回")


# The allowed moves of a prize's status; anything else is refused. A prize is revoked (R-X3)
# from any state before it is given back; money already paid, or owed back by the secretariat's
# reckoning, is then due (an amount and a date) and at last reclaimed (the date and a note).
PRIZE_TRANSITIONS = {
    PrizeStatus.PENDING_PUBLICITY: {PrizeStatus.PAYABLE, PrizeStatus.REVOKED},
    PrizeStatus.PAYABLE: {PrizeStatus.PAID, PrizeStatus.REVOKED},
    PrizeStatus.PAID: {PrizeStatus.REVOKED},
    PrizeStatus.REVOKED: {PrizeStatus.RECLAIM_DUE},
    PrizeStatus.RECLAIM_DUE: {PrizeStatus.RECLAIMED},
    PrizeStatus.RECLAIMED: set(),
}
# What counts against the prize pool: every prize not revoked or given back.
COMMITTED = (PrizeStatus.PENDING_PUBLICITY, PrizeStatus.PAYABLE, PrizeStatus.PAID, PrizeStatus.RECLAIM_DUE)


class PublicationKind(models.TextChoices):
    """What the official site publishes once the secretariat releases it (R-C3)."""

    FINALISTS = "finalists", _("晋级全国总决赛名单")
    RUNNING_ORDER = "running_order", _("总决赛出场顺序")
    AWARDS = "awards", _("获奖名单")
