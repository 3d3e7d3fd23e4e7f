from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectStatus(models.TextChoices):
    ACTIVE = "active", _("参赛中")
    WITHDRAWN = "withdrawn", _("已退赛")
    DISQUALIFIED = "disqualified", _("已取消资格")
