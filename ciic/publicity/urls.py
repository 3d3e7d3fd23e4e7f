from django.urls import path

from . import views

app_name = "publicity"
urlpatterns = [
    # Public: the notice, its PDF, complaining, and the complainant's own cases.
    path("", views.notice, name="notice"),
    path("notice.pdf", views.notice_pdf, name="notice_pdf"),
    path("identity/", views.identity_page, name="identity"),
    path("complain/", views.complain, name="complain"),
    path("mine/", views.my_cases, name="my_cases"),
    path("mine/<str:number>/", views.my_case, name="my_case"),
    # The secretariat.
    path("manage/", views.manage_notice, name="manage_notice"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/export.xlsx", views.case_export, name="case_export"),
    path("cases/<str:number>/", views.case_detail, name="case_detail"),
    path("cases/<str:number>/archive.zip", views.case_archive, name="case_archive"),
    path("cases/<str:number>/evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("cases/<str:number>/seal-letter/", views.seal_letter, name="seal_letter"),
]
