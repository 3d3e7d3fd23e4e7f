from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ciic.certificates"
    verbose_name = _("获奖证书")

    def ready(self) -> None:
        from . import rules  # noqa: F401 - registers the permissions
