from django.urls import path, re_path

from . import views

app_name = "votes"
urlpatterns = [
    path("", views.ballot, name="ballot"),
    path("p/<int:project_id>/", views.finalist, name="finalist"),
    path("p/<int:project_id>/video/", views.video, name="video"),
    path("p/<int:project_id>/vote/", views.vote, name="vote"),
    path("verify/", views.verify, name="verify"),
    path("leave/", views.leave, name="leave"),
    re_path(r"^captcha/(?P<key>[0-9a-f]{40})/$", views.captcha, name="captcha_image"),
    path("results/", views.results, name="results"),
    # The secretariat.
    path("audit/", views.audit, name="audit"),
    path("audit/run/", views.audit_run, name="audit_run"),
    path("audit/runs/<int:pk>/", views.audit_run_status, name="audit_run_status"),
    path("audit/decide/", views.audit_decide, name="audit_decide"),
    path("audit/publish/", views.audit_publish, name="audit_publish"),
]
