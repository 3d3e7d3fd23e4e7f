from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data and its management commands (`demo_setup`, `seed_demo`, `demo_otp`)."""

    name = "ciic.demo"
    label = "demo"
