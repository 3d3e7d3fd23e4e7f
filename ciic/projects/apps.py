from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "ciic.projects"
    verbose_name = _("参赛项目")
