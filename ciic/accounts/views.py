"""Sign-up, login, logout, the second factor for staff, and API tokens.

Writes go through `ciic.accounts.services`; login goes through `authenticate(request=...)` so
django-axes can count failures and lock out (its response replaces ours when it does).
"""

from __future__ import annotations

import base64

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from ciic.core.ratelimit import rate_limited

from .forms import CodeForm, LoginForm, SignUpForm, TokenForm
from .models import ApiToken, OneTimeCode
from .services import (
    confirm_totp,
    issue_api_token,
    revoke_api_token,
    sign_up,
    start_totp_enrollment,
)
from .verification import send_email_verification, send_mobile_code

BACKEND = "ciic.accounts.backends.EmailOrMobileBackend"


def _next_url(request: HttpRequest) -> str:
    """Where to go after logging in: a same-site `next`, else the dashboard."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("signup")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = sign_up(identifier=form.cleaned_data["identifier"],
                           password=form.cleaned_data["password"],
                           full_name=form.cleaned_data["full_name"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            auth_login(request, user, backend=BACKEND)
            # The address is proved next: a link by email, or a code by text message.
            if user.email:
                send_email_verification(user=user)
                messages.success(request, _("账号已创建。验证邮件已发送，请打开其中的链接完成验证。"))
            else:
                send_mobile_code(user=user, purpose=OneTimeCode.Purpose.VERIFY_MOBILE)
                messages.success(request, _("账号已创建。验证码已发送到您的手机，请填写完成验证。"))
            return redirect("accounts:verify")
    return render(request, "accounts/signup.html", {"form": form, "next": _next_url(request)})


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(request=request, username=form.cleaned_data["username"],
                            password=form.cleaned_data["password"])
        if user is None:
            form.add_error(None, _("账号或密码错误。多次失败后账号将被暂时锁定。"))
        else:
            # login() rotates the session key and the CSRF token.
            auth_login(request, user)
            return redirect(_next_url(request))
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})


logout = auth_views.LogoutView.as_view()  # POST only (Django 5)


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    return svg[svg.index("<svg"):]


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Staff prove a second factor here. With no confirmed device: enrol a TOTP app first."""
    user = request.user
    next_url = _next_url(request)
    confirmed = list(devices_for_user(user, confirmed=True))
    action = request.POST.get("action", "")

    if confirmed:
        form = CodeForm(request.POST if action == "verify" else None)
        if action == "verify" and form.is_valid():
            for device in confirmed:
                if device.verify_token(form.cleaned_data["token"]):
                    otp_login(request, device)
                    return redirect(next_url)
            form.add_error("token", _("验证码错误或已过期；多次错误后需稍候再试。"))
        return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})

    if action == "start":
        start_totp_enrollment(user=user)
        return redirect(request.get_full_path())
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    form = CodeForm(request.POST if action == "confirm" else None)
    if action == "confirm" and device is not None and form.is_valid():
        if confirm_totp(user=user, device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            messages.success(request, _("双因素认证已启用。"))
            return redirect(next_url)
        form.add_error("token", _("验证码错误：请确认手机时间准确后重试。"))
    context = {"form": form, "next": next_url, "device": device}
    if device is not None:
        context["qr_svg"] = _qr_svg(device.config_url)
        context["secret"] = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "accounts/two_factor_enroll.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None, user=request.user)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = issue_api_token(user=request.user, name=form.cleaned_data["name"],
                                              scope=form.cleaned_data["scope"],
                                              otp_code=form.cleaned_data.get("otp_code"))
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            form = TokenForm(user=request.user)
    context = {
        "form": form,
        "new_key": new_key,
        "days": settings.API_TOKEN_DAYS,
        "tokens": request.user.api_tokens.order_by("-created_at"),
    }
    response = render(request, "accounts/tokens.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user, revoked_at__isnull=True)
    revoke_api_token(token=token, actor=request.user)
    messages.success(request, _("令牌“%(name)s”已吊销。") % {"name": token.name})
    return redirect("accounts:tokens")
