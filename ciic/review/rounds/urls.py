"""URL patterns of the review app's rounds pages (included by ciic/review/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("rounds/", views.round_list, name="round_list"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/settings/", views.round_settings, name="round_settings"),
    path("rounds/<int:pk>/panel/", views.round_panel, name="round_panel"),
    path("rounds/<int:pk>/pairs/", views.round_pair_rule, name="round_pair_rule"),
    path("rounds/<int:pk>/pairs/<int:rule_pk>/remove/", views.round_pair_rule_remove, name="round_pair_rule_remove"),
    path("rounds/<int:pk>/solve/", views.round_solve, name="round_solve"),
    path("rounds/<int:pk>/runs/<int:run_pk>/progress/", views.round_run_progress, name="round_run_progress"),
    path("rounds/<int:pk>/runs/<int:run_pk>/cancel/", views.round_run_cancel, name="round_run_cancel"),
    path("rounds/<int:pk>/assignments/", views.round_assignments, name="round_assignments"),
    path("rounds/<int:pk>/assignments/add/", views.round_assignment_add, name="round_assignment_add"),
    path("rounds/<int:pk>/assignments/<int:assignment_pk>/remove/", views.round_assignment_remove,
         name="round_assignment_remove"),
    path("rounds/<int:pk>/assignments.xlsx", views.round_assignments_export, name="round_assignments_export"),
    path("rounds/<int:pk>/open/", views.round_open, name="round_open"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
]
