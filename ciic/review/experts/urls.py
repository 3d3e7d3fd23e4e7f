"""URL patterns of the review app's experts pages (included by ciic/review/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("experts/", views.expert_list, name="expert_list"),
    path("experts/export.xlsx", views.expert_export, name="expert_export"),
    path("experts/new/", views.expert_new, name="expert_new"),
    path("experts/import/", views.expert_import, name="expert_import"),
    path("experts/import/template.xlsx", views.expert_import_template, name="expert_import_template"),
    path("experts/<int:pk>/", views.expert_detail, name="expert_detail"),
    path("experts/<int:pk>/edit/", views.expert_edit, name="expert_edit"),
    path("experts/<int:pk>/invite/", views.expert_invite, name="expert_invite"),
    path("experts/<int:pk>/active/", views.expert_active, name="expert_active"),
    # The invitation's one-time link to choose a password (Django's reset token).
    path("experts/welcome/<uidb64>/<token>/", views.expert_set_password, name="expert_set_password"),
    path("conflicts/", views.conflict_list, name="conflict_list"),
    path("conflicts/record/", views.conflict_record, name="conflict_record"),
    path("conflicts/dismiss/", views.conflict_dismiss, name="conflict_dismiss"),
    path("conflicts/dismissals/<int:pk>/restore/", views.conflict_restore, name="conflict_restore"),
    path("conflicts/declare/", views.conflict_declare_expert, name="conflict_declare_expert"),
    path("projects/<int:project_pk>/avoidances/", views.team_avoidance, name="team_avoidance"),
]
