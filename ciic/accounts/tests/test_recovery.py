"""Proving an address and recovering an account: the email link, the text-message code, the
password change and the two ways to reset a forgotten password; throttled, audited, and silent
about which accounts exist."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from ciic.accounts.models import OneTimeCode, User
from ciic.audit.models import AuditEntry
from ciic.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db

ADDR = {"REMOTE_ADDR": "203.0.113.8"}
NEW_PASSWORD = "Kite-47-harbour-lamp"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The reset-link counts live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what a view queues after commit (the mail, the text message) as it would in production."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _code(sms_outbox) -> str:
    return re.search(r"验证码 (\d{6})", sms_outbox[-1].text).group(1)


def _sign_up(client, on_commit, identifier: str):
    with on_commit():
        response = client.post(reverse("accounts:signup"), {
            "identifier": identifier, "full_name": "钱多多", "password": "Xk9-long-passphrase"}, **ADDR)
    assert response.status_code == 302 and response.url == reverse("accounts:verify")
    return User.objects.get(full_name="钱多多")


def test_signing_up_with_email_mails_a_link_that_proves_it(client, on_commit, db):
    user = _sign_up(client, on_commit, "qian@example.com")
    assert user.email_verified_at is None and not user.has_verified_contact
    link = re.search(r"http://\S+/accounts/verify-email/\S+/", mail.outbox[-1].body).group(0)
    path = link.split("127.0.0.1:8000", 1)[-1] if "127.0.0.1:8000" in link else link[link.index("/accounts/"):]
    tampered = client.get(path[:-3] + "xx/")
    assert tampered.status_code == 400 and "验证链接无效" in tampered.content.decode()
    assert client.get(path).status_code == 200
    user.refresh_from_db()
    assert user.email_verified_at is not None and user.has_verified_contact
    assert AuditEntry.objects.filter(action="account.verify_email", object_id=str(user.pk)).exists()


def test_an_email_link_stops_working_once_the_address_changes(client, on_commit, db):
    from ciic.accounts.verification import confirm_email, email_token

    user = _sign_up(client, on_commit, "old@example.com")
    token = email_token(user)
    User.objects.filter(pk=user.pk).update(email="new@example.com")
    with pytest.raises(Exception, match="验证链接无效"):
        confirm_email(token=token)


def test_signing_up_with_a_mobile_texts_a_code_and_wrong_guesses_run_out(client, on_commit, sms_outbox, db):
    user = _sign_up(client, on_commit, "13900139001")
    assert len(sms_outbox) == 1 and sms_outbox[0].to == "13900139001"
    code = _code(sms_outbox)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        response = client.post(reverse("accounts:verify"), {"action": "verify_code", "code": wrong}, **ADDR)
        assert response.status_code == 422 and "验证码错误或已过期" in response.content.decode()
    # Five wrong guesses used the code up: even the right one is refused now.
    assert client.post(reverse("accounts:verify"), {"action": "verify_code", "code": code}).status_code == 422
    user.refresh_from_db()
    assert user.mobile_verified_at is None
    assert OneTimeCode.objects.get(user=user).attempts == 5

    OneTimeCode.objects.update(created_at="2000-01-01T00:00:00Z")  # past the resend pause
    with on_commit():
        client.post(reverse("accounts:verify"), {"action": "send_code"})
    response = client.post(reverse("accounts:verify"), {"action": "verify_code", "code": _code(sms_outbox)})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.mobile_verified_at is not None
    entries = AuditEntry.objects.filter(object_id=str(user.pk))
    assert all("13900139001" not in str(e.after) and _code(sms_outbox) not in str(e.after) for e in entries)


def test_codes_are_not_sent_twice_within_a_minute(client, on_commit, sms_outbox, db):
    _sign_up(client, on_commit, "13900139002")
    with on_commit():
        again = client.post(reverse("accounts:verify"), {"action": "send_code"})
    assert again.status_code == 422 and "秒后再试" in again.content.decode()
    assert len(sms_outbox) == 1


def test_an_unverified_account_cannot_register_an_organization(client, on_commit, contest, org_input, db):
    from django.core.exceptions import ValidationError

    from ciic.entrants.services import register_organization

    user = _sign_up(client, on_commit, "13900139003")
    with pytest.raises(ValidationError) as refused:
        register_organization(contest=contest, actor=user, data=org_input(41))
    assert refused.value.message_dict["__all__"] == ["请先验证账号的电子邮箱或手机号，再报名参赛"]
    page = client.get(reverse("entrants:register")).content.decode()
    assert "报名前请先验证您的电子邮箱或手机号" in page


def test_a_forgotten_password_is_reset_by_email_link(client, on_commit, team_lead):
    with on_commit():
        assert client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"}).status_code == 302
    assert mail.outbox == []  # the page answered the same, and nothing was sent
    with on_commit():
        client.post(reverse("accounts:password_reset"), {"email": "lead@example.com"})
    path = re.search(r"(/accounts/password/reset/[^/\s]+/[^/\s]+/)", mail.outbox[-1].body).group(1)
    form = client.get(path, follow=True)
    assert "设置新密码" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    team_lead.refresh_from_db()
    assert team_lead.check_password(NEW_PASSWORD)
    assert AuditEntry.objects.filter(action="account.reset_password", after__channel="email").exists()
    assert client.get(path, follow=True).context["validlink"] is False  # a link works once


def test_reset_links_to_one_address_are_limited_per_hour(client, on_commit, team_lead):
    for _ in range(7):
        with on_commit():
            assert client.post(reverse("accounts:password_reset"), {"email": "lead@example.com"}).status_code == 302
    assert len(mail.outbox) == 5


def test_a_forgotten_password_is_reset_by_a_texted_code(client, on_commit, sms_outbox, db):
    from ciic.testing.personas import make_user

    user = make_user("mobile@example.com")
    user.set_mobile("13700137000")
    user.save()
    start = reverse("accounts:password_reset_mobile")
    with on_commit():
        unknown = client.post(start, {"mobile": "13700137999"})
    assert unknown.status_code == 302 and sms_outbox == []  # the same answer, no message
    with on_commit():
        client.post(start, {"mobile": "137 0013 7000"})
    confirm = reverse("accounts:password_reset_mobile_confirm")
    wrong = client.post(confirm, {"code": "12345x", "password": NEW_PASSWORD})
    assert wrong.status_code == 422 and "验证码错误或已过期" in wrong.content.decode()
    weak = client.post(confirm, {"code": _code(sms_outbox), "password": "123"})
    assert weak.status_code == 422 and "密码太短" in weak.content.decode()
    assert client.post(confirm, {"code": _code(sms_outbox), "password": NEW_PASSWORD}).status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and user.mobile_verified_at is not None


def test_changing_the_password_needs_the_old_one_and_keeps_this_session(client, team_lead):
    client.force_login(team_lead)
    url = reverse("accounts:password_change")
    wrong = client.post(url, {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert wrong.status_code == 200 and 'id="err-old_password"' in wrong.content.decode()
    ok = client.post(url, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert ok.status_code == 302
    team_lead.refresh_from_db()
    assert team_lead.check_password(NEW_PASSWORD)
    assert client.get(reverse("accounts:profile")).status_code == 200  # still logged in here
    assert AuditEntry.objects.filter(action="account.change_password").exists()


def test_the_profile_changes_the_name_and_masks_the_mobile(client, team_lead):
    team_lead.set_mobile("13600136000")
    team_lead.save()
    client.force_login(team_lead)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "136****6000" in page and "13600136000" not in page
    assert client.post(reverse("accounts:profile"), {"full_name": "张伟明"}).status_code == 302
    team_lead.refresh_from_db()
    assert team_lead.full_name == "张伟明"
    assert AuditEntry.objects.get(action="account.update_profile").after["full_name"] == "张伟明"


def test_account_pages_need_a_login(client, db):
    for name in ("accounts:profile", "accounts:verify", "accounts:password_change"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
