from django.db import models
from django.utils.translation import gettext_lazy as _


class ReceiptSource(models.TextChoices):
    ONLINE = "online", _("在线填写")
    EXCEL = "excel", _("上传回执表")


class ParticipantKind(models.TextChoices):
    """Who meets the teams at a matchmaking meeting (R-S1)."""

    INVESTOR = "investor", _("投资机构")
    BUYER = "buyer", _("需求方企业")
    GOVERNMENT = "government", _("政府部门")


class Side(models.TextChoices):
    PARTICIPANT = "participant", _("对接方")
    TEAM = "team", _("参赛团队")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("待答复")
    ACCEPTED = "accepted", _("已接受")
    DECLINED = "declined", _("已谢绝")
    WITHDRAWN = "withdrawn", _("已撤回")


class Outcome(models.TextChoices):
    """What came of a meeting, as each side records it (R-S1)."""

    NONE = "none", _("暂无进展")
    FOLLOW_UP = "follow_up", _("约定后续跟进")
    INTENT = "intent", _("达成合作意向")
    SIGNED = "signed", _("已签约")
    NO_SHOW = "no_show", _("对方未到场")


class BenefitStatus(models.TextChoices):
    """An R-A4 benefit offered to a winner or finalist."""

    OFFERED = "offered", _("已提供")
    ACCEPTED = "accepted", _("团队已接受")
    DECLINED = "declined", _("团队未接受")
    IN_PROGRESS = "in_progress", _("落实中")
    DONE = "done", _("已落实")
