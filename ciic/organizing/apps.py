from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizingConfig(AppConfig):
    name = "ciic.organizing"
    label = "organizing"
    verbose_name = _("组织单位与产业服务")

    def ready(self) -> None:
        from . import rules  # noqa: F401 - registers the permissions
