from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotesConfig(AppConfig):
    name = "ciic.votes"
    label = "votes"
    verbose_name = _("最佳人气奖投票")
