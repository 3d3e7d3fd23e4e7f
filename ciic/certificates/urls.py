from django.urls import path

from . import views

app_name = "certificates"
urlpatterns = [
    path("", views.certificate_list, name="list"),
    path("mine/", views.mine, name="mine"),
    path("issue/", views.issue, name="issue"),
    path("export.xlsx", views.register_export, name="export"),
    path("batches/new/", views.batch_start, name="batch_start"),
    path("batches/<int:pk>/progress/", views.batch_progress, name="batch_progress"),
    path("batches/<int:pk>/download/", views.batch_download, name="batch_download"),
    path("<int:pk>/pdf/", views.certificate_download, name="pdf"),
    path("<int:pk>/revoke/", views.revoke, name="revoke"),
    # Public: what the certificate's QR code opens.
    path("verify/<str:token>/", views.verify, name="verify"),
]
