from django.db import models
from django.utils.translation import gettext_lazy as _


class IdentityKind(models.TextChoices):
    """Who complains under a real name (R-X2): a person, or a unit with its seal."""

    INDIVIDUAL = "individual", _("个人")
    UNIT = "unit", _("单位")


class CaseScope(models.TextChoices):
    """What a complaint is about: a prize in the publicity notice (R-X1), or a project still in
    the local stage (R-P8: results obtained at one's own station are void)."""

    AWARD = "award", _("获奖公示项目")
    LOCAL_STAGE = "local_stage", _("地方赛项目")


class CaseState(models.TextChoices):
    """受理, 核查, 裁定 (R-X2): one state machine, moved only by `cases.transition`."""

    RECEIVED = "received", _("已收到")
    ACCEPTED = "accepted", _("已受理")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    UNDER_VERIFICATION = "under_verification", _("核查中")
    RULED = "ruled", _("已裁定")
    CLOSED = "closed", _("已结案")


# The only moves; anything else is refused, naming the states.
CASE_TRANSITIONS = {
    CaseState.RECEIVED: {CaseState.ACCEPTED, CaseState.NOT_ACCEPTED},
    CaseState.ACCEPTED: {CaseState.UNDER_VERIFICATION},
    CaseState.UNDER_VERIFICATION: {CaseState.RULED},
    CaseState.RULED: {CaseState.CLOSED},
    CaseState.NOT_ACCEPTED: {CaseState.CLOSED},
    CaseState.CLOSED: set(),
}
OPEN_STATES = (CaseState.RECEIVED, CaseState.ACCEPTED, CaseState.UNDER_VERIFICATION, CaseState.RULED)


class Outcome(models.TextChoices):
    UPHELD = "upheld", _("举报属实")
    PARTLY_UPHELD = "partly_upheld", _("举报部分属实")
    DISMISSED = "dismissed", _("举报不属实")


class EvidenceParty(models.TextChoices):
    COMPLAINANT = "complainant", _("举报人")
    OFFICER = "officer", _("核查人员")
