"""URL patterns of the review app's finalists pages (included by ciic/review/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("finalists/", views.finalist_index, name="finalist_index"),
    path("finalists/<slug:station_code>/<slug:group_code>/propose/", views.finalist_propose,
         name="finalist_propose"),
    path("finalists/<int:pk>/", views.finalist_confirm, name="finalist_confirm"),
    path("finalists/entries/<int:entry_pk>/diligence/", views.diligence, name="diligence"),
    path("finalists/entries/<int:entry_pk>/replace/", views.finalist_replace, name="finalist_replace"),
]
