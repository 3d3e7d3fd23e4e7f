from django.urls import path

from . import public_views

app_name = "results"
urlpatterns = [
    path("", public_views.results_home, name="home"),
    # Permanent links: one set per edition, by the contest's slug.
    path("<slug:slug>/", public_views.results_index, name="index"),
    path("<slug:slug>/finalists/", public_views.results_finalists, name="finalists"),
    path("<slug:slug>/running-order/", public_views.results_running_order, name="running_order"),
    path("<slug:slug>/awards/", public_views.results_awards, name="awards"),
]
