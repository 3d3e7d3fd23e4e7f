from django.urls import path

from . import edition_views, views

app_name = "site"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("rules/", views.rules, name="rules"),
    path("edition/schedule/", edition_views.schedule, name="edition_schedule"),
    path("edition/quotas/", edition_views.quotas, name="edition_quotas"),
    path("edition/local-units/", edition_views.local_units, name="edition_local_units"),
    path("edition/materials/", edition_views.material_limits, name="edition_materials"),
    path("edition/policies/", edition_views.policies, name="edition_policies"),
]
