from django.urls import path

from . import downloads, tus, views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("export.xlsx", views.project_export, name="export"),
    path("team/<int:team_pk>/", views.team_project, name="team_project"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/save/", views.save, name="save"),
    path("<int:pk>/materials/<slug:type_code>/", views.material, name="material"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/versions/<int:number>/", views.version, name="version"),
    path("files/<int:pk>/", downloads.download_file, name="download_file"),
    path("tus/", tus.tus_collection, name="tus"),
    path("tus/<uuid:upload_id>", tus.tus_upload, name="tus_upload"),
]
