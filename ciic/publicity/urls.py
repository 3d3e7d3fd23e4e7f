from django.urls import path, re_path

from . import views

# A case's public number (JB2023-001): anything else is a 404 before a view runs.
NUMBER = r"[A-Za-z0-9-]{1,40}"

app_name = "publicity"
urlpatterns = [
    # Public: the notice, its PDF, complaining, and the complainant's own cases.
    path("", views.notice, name="notice"),
    path("notice.pdf", views.notice_pdf, name="notice_pdf"),
    path("identity/", views.identity_page, name="identity"),
    path("complain/", views.complain, name="complain"),
    path("mine/", views.my_cases, name="my_cases"),
    re_path(rf"^mine/(?P<number>{NUMBER})/$", views.my_case, name="my_case"),
    # The secretariat.
    path("manage/", views.manage_notice, name="manage_notice"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/export.xlsx", views.case_export, name="case_export"),
    re_path(rf"^cases/(?P<number>{NUMBER})/$", views.case_detail, name="case_detail"),
    re_path(rf"^cases/(?P<number>{NUMBER})/archive\.zip$", views.case_archive, name="case_archive"),
    re_path(rf"^cases/(?P<number>{NUMBER})/evidence/(?P<pk>[0-9]{{1,12}})/$", views.evidence_download, name="evidence"),
    re_path(rf"^cases/(?P<number>{NUMBER})/seal-letter/$", views.seal_letter, name="seal_letter"),
]
