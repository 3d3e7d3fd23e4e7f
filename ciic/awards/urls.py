from django.urls import path

from . import public_views, views

app_name = "awards"
urlpatterns = [
    path("", views.session_list, name="session_list"),
    path("mine/", views.my_sessions, name="my_sessions"),
    path("awards/", views.awards_page, name="awards"),
    path("special/", views.special_awards_page, name="special"),
    path("local/", views.local_awards_page, name="local"),
    path("publish/", public_views.publish, name="publish"),
    path("prizes/", views.ledger, name="ledger"),
    path("prizes/export.xlsx", views.ledger_export, name="ledger_export"),
    path("sessions/<int:pk>/", views.session_console, name="session"),
    path("sessions/<int:pk>/draw/", views.session_draw, name="session_draw"),
    path("sessions/<int:pk>/stage/", views.session_stage, name="session_stage"),
    path("sessions/<int:pk>/release/", views.session_release, name="session_release"),
    path("sessions/<int:pk>/ballots/<int:ballot_pk>/reopen/", views.session_reopen, name="session_reopen"),
    # The expert's phone and the hall's big screen.
    path("sessions/<int:pk>/now/", views.session_now, name="session_now"),
    path("sessions/<int:pk>/screen/", views.session_screen, name="session_screen"),
]
