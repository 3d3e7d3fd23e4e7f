"""URL patterns of the review app's results pages (included by ciic/review/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("results/", views.results_list, name="results_list"),
    path("rounds/<int:pk>/results/", views.round_results, name="round_results"),
    path("rounds/<int:pk>/results/aggregation/", views.round_aggregation, name="round_aggregation"),
    path("rounds/<int:pk>/results/compute/", views.round_compute, name="round_compute"),
    path("rounds/<int:pk>/results/rules/", views.round_rule, name="round_rule"),
    path("rounds/<int:pk>/results/ties/", views.round_tie, name="round_tie"),
    path("rounds/<int:pk>/results.xlsx", views.round_results_export, name="round_results_export"),
    path("rounds/<int:pk>/archive/", views.round_archive, name="round_archive"),
    path("rounds/<int:pk>/archive.zip", views.round_archive_download, name="round_archive_download"),
]
