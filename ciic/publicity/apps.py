from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicityConfig(AppConfig):
    name = "ciic.publicity"
    label = "publicity"
    verbose_name = _("获奖公示与投诉")

    def ready(self) -> None:
        from . import rules  # noqa: F401 - registers the permissions
