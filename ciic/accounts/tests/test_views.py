"""Sign-up, login (throttled by django-axes), logout, the staff second factor, API tokens."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ciic.accounts.models import ApiToken, User
from ciic.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db

ADDR = {"REMOTE_ADDR": "203.0.113.7"}


def _totp_now(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


# --- sign-up -------------------------------------------------------------------------


def test_sign_up_with_mobile_creates_entrant_and_logs_in(client, contest):
    response = client.post(reverse("accounts:signup"), {
        "identifier": "138 0013 8000", "full_name": "赵敏", "password": "Xk9-long-passphrase"}, **ADDR)
    assert response.status_code == 302
    user = User.objects.get()
    assert user.mobile == "13800138000" and user.email is None
    assert user.role == "entrant"
    assert int(client.session[SESSION_KEY]) == user.pk


def test_sign_up_refuses_taken_email_and_weak_password_next_to_fields(client, team_lead):
    response = client.post(reverse("accounts:signup"), {
        "identifier": "LEAD@example.com", "full_name": "x", "password": "123"}, **ADDR)
    assert response.status_code == 200
    html = response.content.decode()
    assert "该邮箱已注册" in html
    assert 'id="err-password"' in html and "密码" in html
    assert User.objects.count() == 1


def test_a_short_password_is_refused_in_the_readers_language(client, db):
    """Django 5.2's own message has no Simplified Chinese translation: it showed in English."""
    data = {"identifier": "new@example.com", "full_name": "新用户", "password": "7a!"}
    chinese = client.post(reverse("accounts:signup"), data, **ADDR).content.decode()
    assert "密码太短：至少需要 8 个字符" in chinese and "too short" not in chinese
    english = client.post(reverse("accounts:signup"), data, HTTP_ACCEPT_LANGUAGE="en", **ADDR).content.decode()
    assert "This password is too short: it needs at least 8 characters" in english
    assert not User.objects.filter(email="new@example.com").exists()


def test_sign_up_refuses_invalid_mobile(client, db):
    response = client.post(reverse("accounts:signup"), {
        "identifier": "12345", "full_name": "x", "password": "Xk9-long-passphrase"}, **ADDR)
    assert "11 位中国大陆手机号" in response.content.decode()
    assert not User.objects.exists()


# --- login and logout ----------------------------------------------------------------


def test_login_with_email_rotates_session_and_goes_to_dashboard(client, team_lead):
    client.get(reverse("accounts:login"))
    before = client.session.session_key
    response = client.post(reverse("accounts:login"), {"username": "lead@example.com", "password": PASSWORD}, **ADDR)
    assert response.status_code == 302
    assert response.url == reverse("site:dashboard")
    assert client.session.session_key != before
    assert int(client.session[SESSION_KEY]) == team_lead.pk


def test_login_with_mobile_number(client, db):
    user = User.objects.create_user(mobile="13900001111", password=PASSWORD, full_name="孙")
    response = client.post(reverse("accounts:login"), {"username": "+86 139 0000 1111", "password": PASSWORD}, **ADDR)
    assert response.status_code == 302
    assert int(client.session[SESSION_KEY]) == user.pk


def test_login_follows_only_same_site_next(client, team_lead):
    response = client.post(reverse("accounts:login"), {
        "username": "lead@example.com", "password": PASSWORD, "next": "https://evil.example/"}, **ADDR)
    assert response.url == reverse("site:dashboard")


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, team_lead):
    response = client.post(reverse("accounts:login"), {"username": "lead@example.com", "password": "nope"}, **ADDR)
    assert response.status_code == 200
    assert "账号或密码错误" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_login_is_throttled_after_repeated_failures(client, team_lead, settings):
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "lead@example.com", "password": "wrong"}, **ADDR)
    # Locked out: even the right password is refused, with the lockout page.
    response = client.post(url, {"username": "lead@example.com", "password": PASSWORD}, **ADDR)
    assert response.status_code == 429
    assert "登录已暂时锁定" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_logout_is_post_only(client, team_lead):
    client.force_login(team_lead)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert SESSION_KEY not in client.session


# --- second factor -------------------------------------------------------------------


def test_staff_without_second_factor_is_sent_to_2fa(client, secretariat):
    client.force_login(secretariat)
    response = client.get(reverse("entrants:team_list"))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/2fa/")
    assert "next=/teams/" in response.url


def test_staff_login_leads_to_enrollment_then_confirming_a_code_verifies(client, secretariat):
    client.post(reverse("accounts:login"), {"username": "office@example.com", "password": PASSWORD}, **ADDR)
    page = client.get(reverse("accounts:two_factor"))
    assert "开始设置" in page.content.decode()
    assert not TOTPDevice.objects.exists()  # nothing is written by a GET

    client.post(reverse("accounts:two_factor"), {"action": "start"})
    page = client.get(reverse("accounts:two_factor") + "?next=/teams/")
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=secretariat, confirmed=False)
    assert "<svg" in html  # QR code drawn server-side, inline, with no style attribute (CSP)
    assert "style=" not in html
    assert 'class="secret"' in html

    bad = client.post(reverse("accounts:two_factor") + "?next=/teams/", {"action": "confirm", "token": "000000"})
    assert "验证码错误" in bad.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    device.throttle_reset()  # django-otp makes the next try wait after a failure

    ok = client.post(reverse("accounts:two_factor") + "?next=/teams/",
                     {"action": "confirm", "token": _totp_now(device)})
    assert ok.status_code == 302 and ok.url == "/teams/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("site:dashboard")).status_code == 200


def test_staff_with_device_must_enter_a_code(client, secretariat):
    device = TOTPDevice.objects.create(user=secretariat, name="phone", confirmed=True)
    client.force_login(secretariat)
    page = client.get(reverse("accounts:two_factor"))
    assert "验证" in page.content.decode()
    wrong = client.post(reverse("accounts:two_factor"), {"action": "verify", "token": "123456"})
    assert "验证码错误" in wrong.content.decode()
    assert client.get(reverse("site:dashboard")).status_code == 302
    device.refresh_from_db()
    device.throttle_reset()
    ok = client.post(reverse("accounts:two_factor"), {"action": "verify", "token": _totp_now(device)})
    assert ok.status_code == 302
    assert client.get(reverse("site:dashboard")).status_code == 200


def test_two_factor_page_requires_login(client, db):
    response = client.get(reverse("accounts:two_factor"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


# --- API tokens ----------------------------------------------------------------------


def test_api_token_is_shown_once_and_only_its_hash_kept(client, team_lead):
    client.force_login(team_lead)
    response = client.post(reverse("accounts:tokens"), {"name": "同步脚本", "scope": "read"})
    html = response.content.decode()
    token = ApiToken.objects.get(user=team_lead)
    assert token.scope == "read" and token.expires_at is not None
    key = html.split('id="new-key">', 1)[1].split("<", 1)[0]
    assert key.startswith("ciic_") and ApiToken.hash_key(key) == token.key_hash
    assert "no-store" in response["Cache-Control"]
    again = client.get(reverse("accounts:tokens")).content.decode()
    assert key not in again and token.prefix in again


def test_token_can_be_revoked_by_its_owner_only(client, team_lead, other_lead):
    from ciic.accounts.services import issue_api_token

    token, _key = issue_api_token(user=team_lead, name="t")
    client.force_login(other_lead)
    assert client.post(reverse("accounts:revoke_token", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    client.force_login(team_lead)
    assert client.get(reverse("accounts:revoke_token", args=[token.pk])).status_code == 405
    client.post(reverse("accounts:revoke_token", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_pages_refuse_anonymous(client, db):
    assert client.post(reverse("accounts:tokens"), {"name": "x"}).status_code == 302
    assert not ApiToken.objects.exists()


def test_write_views_need_csrf_token(team_lead, contest):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(team_lead)
    assert strict.post(reverse("accounts:tokens"), {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_staff_issue_a_token_only_with_a_current_code(verified, secretariat):
    """A token acts without the second factor, so the page asks staff for a current code."""
    from ciic.api.tests.helpers import current_code

    client = verified(secretariat)
    page = client.get(reverse("accounts:tokens")).content.decode()
    assert 'name="otp_code"' in page
    refused = client.post(reverse("accounts:tokens"), {"name": "脚本", "scope": "write", "otp_code": "123"})
    assert "须重新验证" in refused.content.decode() and not ApiToken.objects.filter(user=secretariat).exists()
    client.post(reverse("accounts:tokens"), {"name": "脚本", "scope": "write", "otp_code": current_code(secretariat)})
    assert ApiToken.objects.filter(user=secretariat, scope="write").count() == 1
