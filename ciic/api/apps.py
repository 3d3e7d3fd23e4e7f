from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ciic.api"
    verbose_name = "API"
