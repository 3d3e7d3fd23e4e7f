"""The holder's own account: the profile, proving the email or mobile number, changing the
password, and resetting a forgotten one (by email link through Django's views, or by a code
texted to the mobile number). Thin views over `services.py` and `verification.py`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from ciic.audit.services import record
from ciic.core.ratelimit import rate_limited

from .forms import MobileForm, MobileResetForm, ProfileForm, SmsCodeForm
from .models import OneTimeCode
from .services import change_password, update_profile
from .verification import (
    confirm_email,
    request_reset_by_mobile,
    reset_links_exhausted,
    reset_password_by_mobile,
    send_email_verification,
    send_mobile_code,
    verify_mobile,
)

# Where the mobile reset keeps the number between its two steps (never shown back in full).
_RESET_MOBILE = "_reset_mobile"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, initial={"full_name": user.full_name})
    if request.method == "POST" and form.is_valid():
        try:
            update_profile(user=user, full_name=form.cleaned_data["full_name"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("个人信息已保存。"))
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("code")
def verify(request: HttpRequest) -> HttpResponse:
    """Prove the account's email (a link is mailed) or mobile number (a code is texted)."""
    user = request.user
    action = request.POST.get("action", "")
    code_form = SmsCodeForm(request.POST if action == "verify_code" else None)
    error = ""
    try:
        if action == "send_email":
            send_email_verification(user=user)
            messages.success(request, _("验证邮件已发送，请查收并打开其中的链接。"))
            return redirect("accounts:verify")
        if action == "send_code":
            send_mobile_code(user=user, purpose=OneTimeCode.Purpose.VERIFY_MOBILE)
            messages.success(request, _("验证码已发送到 %(mobile)s。") % {"mobile": user.masked_mobile})
            return redirect("accounts:verify")
        if action == "verify_code" and code_form.is_valid():
            verify_mobile(user=user, code=code_form.cleaned_data["code"])
            messages.success(request, _("手机号已验证。"))
            return redirect("site:dashboard")
    except ValidationError as exc:
        if action == "verify_code":
            code_form.add_service_errors(exc)
        else:
            error = " ".join(exc.messages)
    return render(request, "accounts/verify.html", {"code_form": code_form, "error": error},
                  status=422 if error or code_form.errors else 200)


@never_cache
@require_GET
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        confirm_email(token=token)
    except ValidationError as exc:
        return render(request, "accounts/verify_email.html", {"error": " ".join(exc.messages)}, status=400)
    return render(request, "accounts/verify_email.html", {"error": ""})


@sensitive_post_parameters()
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        change_password(user=request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)  # this session stays; the others end
        messages.success(request, _("密码已修改。"))
        return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset by email link: the page says the same whether the address is known, and
    whether the address has had its share of links this hour (then nothing is sent)."""

    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        if reset_links_exhausted(form.cleaned_data["email"]):
            return redirect(self.success_url)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        if user.email and user.email_verified_at is None:  # the link reached the address
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
        record(actor=user, action="account.reset_password", target=user, after={"channel": "email"})
        return response


password_reset = PasswordResetView.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
password_reset_confirm = PasswordResetConfirmView.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html")


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("code")
def password_reset_mobile(request: HttpRequest) -> HttpResponse:
    """Step 1: the number. The answer is the same whether it is registered or not."""
    form = MobileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            request_reset_by_mobile(mobile=form.cleaned_data["mobile"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            request.session[_RESET_MOBILE] = form.cleaned_data["mobile"]
            return redirect("accounts:password_reset_mobile_confirm")
    return render(request, "accounts/password_reset_mobile.html", {"form": form})


@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_mobile_confirm(request: HttpRequest) -> HttpResponse:
    """Step 2: the code texted to the number and the new password."""
    mobile = request.session.get(_RESET_MOBILE)
    if not mobile:
        return redirect("accounts:password_reset_mobile")
    form = MobileResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reset_password_by_mobile(mobile=mobile, code=form.cleaned_data["code"],
                                     password=form.cleaned_data["password"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            request.session.pop(_RESET_MOBILE, None)
            messages.success(request, _("密码已重置，请用新密码登录。"))
            return redirect("accounts:login")
    return render(request, "accounts/password_reset_mobile_confirm.html", {"form": form},
                  status=422 if form.errors else 200)
