from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ciic.awards"
    verbose_name = _("总决赛与奖项")

    def ready(self) -> None:
        from . import rules  # noqa: F401 - registers the permissions
