from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EntrantsConfig(AppConfig):
    name = "ciic.entrants"
    verbose_name = _("参赛单位与团队")
