from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ciic.review"
    verbose_name = _("专家评审")

    def ready(self) -> None:
        # Projects sits below review: it asks the gates registered with it who may submit.
        from ciic.projects.gates import register_submission_gate

        from .finalists.services import finals_gate

        register_submission_gate("review.finals", finals_gate)
