from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizingConfig(AppConfig):
    name = "ciic.organizing"
    label = "organizing"
    verbose_name = _("组织单位与产业服务")

    def ready(self) -> None:
        from ciic.awards.notices import register_recipient_accounts

        from . import rules  # noqa: F401 - registers the permissions
        from .selectors import unit_accounts_for_award

        # The awards app tells a unit of its 优秀组织奖 through the unit's contact accounts.
        register_recipient_accounts(unit_accounts_for_award)
