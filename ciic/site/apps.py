from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The pages that gather every app: the public home page and each user's dashboard."""

    name = "ciic.site"
    label = "site"
