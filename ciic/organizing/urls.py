from django.urls import path

from . import views

app_name = "organizing"
urlpatterns = [
    path("", views.index, name="index"),
    # The unit's contact (R-O1, R-T2)
    path("unit/", views.unit_home, name="unit_home"),
    path("unit/receipt/", views.receipt_submit, name="receipt_submit"),
    path("unit/receipt/form.xlsx", views.receipt_form, name="receipt_form"),
    path("unit/receipt/upload/", views.receipt_upload, name="receipt_upload"),
    path("unit/report/", views.report_submit, name="report_submit"),
    path("unit/report/attachments/", views.report_attach, name="report_attach"),
    path("unit/report/attachments/<int:pk>/delete/", views.report_detach, name="report_detach"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    # The team's recommending unit
    path("invite/<str:code>/", views.invite, name="invite"),
    path("recommend/", views.recommend, name="recommend"),
    # The secretariat
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("receipts.xlsx", views.receipts_export, name="receipts_export"),
    path("ranking/", views.ranking_page, name="ranking"),
    # Matchmaking meetings (R-S1) and benefits (R-A4)
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/register/", views.meeting_register, name="meeting_register"),
    path("meetings/<int:pk>/opt-in/", views.meeting_opt_in, name="meeting_opt_in"),
    path("meetings/<int:pk>/requests/", views.request_create, name="request_create"),
    path("meetings/<int:pk>/schedule/", views.meeting_schedule, name="meeting_schedule"),
    path("meetings/<int:pk>/agenda/", views.agenda, name="agenda"),
    path("meetings/<int:pk>/agenda.ics", views.agenda_ics, name="agenda_ics"),
    path("meetings/<int:pk>/tables.xlsx", views.table_plan, name="table_plan"),
    path("requests/<int:pk>/answer/", views.request_answer, name="request_answer"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("requests/<int:pk>/lock/", views.request_lock, name="request_lock"),
    path("requests/<int:pk>/outcome/", views.request_outcome, name="request_outcome"),
    path("benefits/", views.benefits, name="benefits"),
]
