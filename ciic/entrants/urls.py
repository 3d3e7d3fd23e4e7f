from django.urls import path

from . import identity_views, views

app_name = "entrants"
urlpatterns = [
    # Registration wizard (entrants): step 1 the organization, step 2 a team.
    path("register/", views.register, name="register"),
    path("register/preview/", views.organization_preview, name="organization_preview"),
    path("register/representative-row/", views.representative_row, name="representative_row"),
    path("register/directions/", views.direction_list, name="direction_list"),
    path("organizations/<int:pk>/teams/new/", views.team_create, name="team_create"),
    path("organizations/<int:pk>/teams/check/", views.team_check, name="team_check"),
    # Organization and team pages (owner, secretariat, station officer for their station).
    path("organizations/<int:pk>/", views.organization_detail, name="organization_detail"),
    path("organizations/<int:pk>/edit/", views.organization_update, name="organization_update"),
    path("organizations/<int:pk>/verify-central-soe/", views.organization_verify, name="organization_verify"),
    path("teams/<int:pk>/", views.team_detail, name="team_detail"),
    path("teams/<int:pk>/change/", views.team_change, name="team_change"),
    path("teams/<int:pk>/representatives/add/", views.team_add_representative,
         name="team_add_representative"),
    path("teams/<int:pk>/representatives/<int:rep_pk>/remove/", views.team_remove_representative,
         name="team_remove_representative"),
    path("teams/<int:pk>/representatives/<int:rep_pk>/resend/", identity_views.team_resend_confirmation,
         name="team_resend_confirmation"),
    # The person named confirms from the text message's link; the secretariat settles disputes.
    path("r/<str:token>/", identity_views.confirm_representative, name="confirm_representative"),
    path("teams/identity-disputes/", identity_views.identity_disputes, name="identity_disputes"),
    path("teams/identity-disputes/<int:pk>/resolve/", identity_views.identity_dispute_resolve,
         name="identity_dispute_resolve"),
    # The team's members: representatives the lead invites to accounts (members.py).
    path("teams/<int:pk>/representatives/<int:rep_pk>/invite/", views.team_invite, name="team_invite"),
    path("teams/<int:pk>/members/<int:member_pk>/", views.team_member_change, name="team_member_change"),
    path("teams/<int:pk>/invitations/<int:invitation_pk>/revoke/", views.team_invitation_revoke,
         name="team_invitation_revoke"),
    path("teams/invitations/<str:token>/", views.team_invitation, name="team_invitation"),
    # Staff lists and their Excel exports (entrants.list_entrants).
    path("organizations/", views.organization_list, name="organization_list"),
    path("organizations/export.xlsx", views.organization_export, name="organization_export"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/export.xlsx", views.team_export, name="team_export"),
]
