from django.urls import path

from . import downloads, further_views, originality_views, tus, views

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
    path("<int:pk>/versions/<int:number>/pdf/", views.version_pdf, name="version_pdf"),
    path("form-template.docx", views.form_template, name="form_template"),
    path("<int:pk>/requests/new/", further_views.request_new, name="request_new"),
    path("requests/<int:rpk>/", further_views.request_detail, name="request_detail"),
    path("requests/<int:rpk>/file/", further_views.request_file, name="request_file"),
    path("requests/<int:rpk>/link/", further_views.request_link, name="request_link"),
    path("requests/<int:rpk>/answer/", further_views.request_answer, name="request_answer"),
    path("requests/<int:rpk>/cancel/", further_views.request_cancel, name="request_cancel"),
    path("<int:pk>/disqualify/", originality_views.disqualify, name="disqualify"),
    path("originality/", originality_views.originality, name="originality"),
    path("originality/run/", originality_views.originality_run, name="originality_run"),
    path("originality/runs/<int:run_pk>/progress/", originality_views.originality_progress,
         name="originality_progress"),
    path("originality/pairs/<int:pair_pk>/judge/", originality_views.originality_judge, name="originality_judge"),
    path("originality/export.xlsx", originality_views.originality_export, name="originality_export"),
    path("files/<int:pk>/", downloads.download_file, name="download_file"),
    path("tus/", tus.tus_collection, name="tus"),
    path("tus/<uuid:upload_id>", tus.tus_upload, name="tus_upload"),
]
