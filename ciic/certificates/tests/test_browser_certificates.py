"""In a browser (Debian's Chromium through Playwright): anyone checks a certificate on a
390-pixel-wide phone, in Chinese and in English, and sees it revoked once it is; the
secretariat starts the batch, watches its progress and gets the zip link without reloading."""

from __future__ import annotations

import pytest

from ciic.testing.browser import ARTIFACTS, chromium_page

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(monkeypatch):
    with chromium_page(monkeypatch, viewport=(390, 844)) as page:
        yield page


@pytest.fixture
def desktop(monkeypatch):
    with chromium_page(monkeypatch) as page:
        yield page


def test_a_phone_checks_a_certificate_in_both_languages_and_sees_it_revoked(transactional_db, awarded, issued,
                                                                             secretariat, live_server, phone):
    from playwright.sync_api import expect

    from ciic.certificates.models import Certificate
    from ciic.certificates.services import revoke_certificate

    certificate = Certificate.objects.get(award__code="tech_innovation")
    phone.goto(f"{live_server.url}/certificates/verify/{certificate.token}/")
    expect(phone.locator(".certificate-check")).to_contain_text("该证书有效")
    expect(phone.locator(".certificate-check")).to_contain_text(certificate.number)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(ARTIFACTS / "certificate-verify-phone.png"), full_page=True)

    phone.click(".lang-switch button[value=en]")
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.locator(".certificate-check")).to_contain_text("Best Technical Innovation Award")
    expect(phone.locator(".certificate-check")).to_contain_text(certificate.contest_name_en)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(ARTIFACTS / "certificate-verify-phone-en.png"), full_page=True)

    revoke_certificate(certificate=certificate, reason="公示期投诉经核查属实", actor=secretariat)
    phone.click(".lang-switch button[value=zh-hans]")
    expect(phone.locator(".certificate-check .alert-error")).to_contain_text("该证书已撤销")
    assert "公示期投诉" not in phone.content()
    phone.screenshot(path=str(ARTIFACTS / "certificate-verify-revoked.png"), full_page=True)


def test_the_secretariat_watches_the_batch_and_gets_the_zip(transactional_db, single, secretariat, live_server,
                                                             desktop, settings):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from playwright.sync_api import expect

    from ciic.certificates.batch_job import execute_batch
    from ciic.certificates.models import CertificateBatch
    from ciic.testing.personas import PASSWORD

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # the test is the worker
    device = TOTPDevice.objects.create(user=secretariat, name="phone", confirmed=True)
    page = desktop
    page.goto(f"{live_server.url}/accounts/login/?next=/certificates/")
    page.fill("#id_username", secretariat.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]:has-text('登录')")
    page.fill("#id_token", f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}")
    page.click("button:has-text('验证')")
    page.click("text=批量生成全部证书")
    page.click("button:has-text('确认生成')")
    expect(page.locator("#certificate-batch")).to_contain_text("排队中")

    execute_batch(CertificateBatch.objects.get().pk)
    # The progress card polls every 2 s and reloads the page once the batch is done.
    expect(page.locator("text=下载全部证书（zip）")).to_be_visible(timeout=10_000)
    with page.expect_download() as download:
        page.click("text=下载全部证书（zip）")
    assert download.value.suggested_filename.endswith(".zip")
    page.screenshot(path=str(ARTIFACTS / "certificates-register.png"), full_page=True)
