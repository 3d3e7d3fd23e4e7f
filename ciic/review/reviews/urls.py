"""URL patterns of the review app's workspace pages (included by ciic/review/urls.py)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("workspace/", views.workspace, name="workspace"),
    path("workspace/<int:round_pk>/<int:project_pk>/", views.project_page, name="workspace_project"),
    path("workspace/<int:round_pk>/<int:project_pk>/score/", views.score, name="workspace_score"),
    path("workspace/<int:round_pk>/<int:project_pk>/score/total/", views.score_total, name="workspace_score_total"),
    path("workspace/<int:round_pk>/<int:project_pk>/conflict/", views.conflict, name="workspace_conflict"),
    path("rounds/<int:round_pk>/roadshow/", views.roadshow, name="roadshow_slots"),
]
