from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ENTRANT = "entrant", _("参赛团队负责人")
    SECRETARIAT = "secretariat", _("秘书处办公室")
    STATION_OFFICER = "station_officer", _("赛站工作人员")
    EXPERT = "expert", _("评审专家")
    ORGANIZING_CONTACT = "organizing_contact", _("组织单位联系人")


# Roles that see more than their own data must prove a second factor (TOTP).
TWO_FACTOR_ROLES = frozenset({Role.SECRETARIAT, Role.STATION_OFFICER, Role.EXPERT})
