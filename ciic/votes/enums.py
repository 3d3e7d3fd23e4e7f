from django.db import models
from django.utils.translation import gettext_lazy as _


class VoteStatus(models.TextChoices):
    """A vote counts unless a detector holds it; a held vote counts once the secretariat
    clears it, never once voided (R-A2, issue 12 §4)."""

    COUNTED = "counted", _("计入")
    HELD = "held", _("待审核")
    CLEARED = "cleared", _("审核通过")
    VOIDED = "voided", _("已作废")


COUNTING = (VoteStatus.COUNTED, VoteStatus.CLEARED)


class Reason(models.TextChoices):
    """Why votes are held: the detectors of ciic/engines/brushing.py."""

    BURST = "burst", _("突发激增")
    PREFIX = "prefix", _("同一网段大量号码")
    BLOCKS = "blocks", _("连号号段")
    DENSE = "dense", _("协同投票群组")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("待审核")
    CLEARED = "cleared", _("已放行")
    VOIDED = "voided", _("已作废")


class Decision(models.TextChoices):
    CLEAR = "clear", _("放行（计入）")
    VOID = "void", _("作废（不计入）")
