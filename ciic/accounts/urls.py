from django.urls import path

from . import account_views, views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    # RequireTwoFactorMiddleware lets unverified staff reach only /accounts/2fa/.
    path("2fa/", views.two_factor, name="two_factor"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.revoke_token, name="revoke_token"),
    # The holder's own account (account_views.py).
    path("profile/", account_views.profile, name="profile"),
    path("verify/", account_views.verify, name="verify"),
    path("verify-email/<str:token>/", account_views.verify_email, name="verify_email"),
    path("password/", account_views.password_change, name="password_change"),
    path("password/reset/", account_views.password_reset, name="password_reset"),
    path("password/reset/sent/", account_views.password_reset_done, name="password_reset_done"),
    path("password/reset/done/", account_views.password_reset_complete, name="password_reset_complete"),
    path("password/reset/mobile/", account_views.password_reset_mobile, name="password_reset_mobile"),
    path("password/reset/mobile/code/", account_views.password_reset_mobile_confirm,
         name="password_reset_mobile_confirm"),
    # After the fixed paths above: its two free segments would take "mobile/code/".
    path("password/reset/<uidb64>/<token>/", account_views.password_reset_confirm, name="password_reset_confirm"),
]
