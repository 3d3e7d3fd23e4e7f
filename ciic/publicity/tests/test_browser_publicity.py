"""A complaint end to end in the browser (issue 13): a visitor on a phone proves an identity,
files a complaint with a PDF of evidence and sees the case received; the committee accepts it
on a desktop and the complainant sees the new state. Debian's Chromium through Playwright."""

from __future__ import annotations

import pytest

from ciic.testing.browser import ARTIFACTS, chromium_page

from .conftest import ID_NUMBER, MOBILE, PDF, texted_code

pytestmark = pytest.mark.browser


@pytest.fixture
def published(transactional_db, notice_ready, contest, secretariat):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ciic.publicity import notices

    notice = notices.publish_notice(contest=contest, actor=secretariat)
    device = TOTPDevice.objects.create(user=secretariat, name="phone", confirmed=True)
    return notice, device


@pytest.fixture
def phone(monkeypatch):
    with chromium_page(monkeypatch, viewport=(390, 844)) as page:
        yield page


def _login(page, url: str, email: str, next_url: str) -> None:
    from ciic.testing.personas import PASSWORD

    page.goto(f"{url}/accounts/login/?next={next_url}")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]:has-text('登录')")


def test_a_visitor_complains_and_sees_the_committee_accept(published, complainant, live_server, phone, sms_outbox,
                                                           tmp_path):
    from django_otp.oath import totp
    from playwright.sync_api import expect

    from ciic.publicity.models import Case

    notice, device = published
    url = live_server.url
    entry = notice.entries[0]
    _login(phone, url, complainant.email, "/publicity/complain/")
    expect(phone.locator("h1")).to_contain_text("举报人身份确认")  # anonymous complaints are invalid
    phone.fill("#i-name", "张三")
    phone.fill("#i-mobile", MOBILE)
    phone.click("button[value=send_code]")
    expect(phone.locator(".messages")).to_contain_text("验证码已发送")
    phone.fill("#i-id", ID_NUMBER)
    phone.fill("#i-code", texted_code(sms_outbox))
    phone.click("button[value=individual]")
    expect(phone.locator("h1")).to_contain_text("实名举报")
    # The refusal is explained as the user fills the form in.
    phone.select_option("#c-ground", "evaluation")
    expect(phone.locator("#ground-help")).to_contain_text("不属于举报受理范围")
    phone.select_option("#c-project", str(entry["project_id"]))
    phone.select_option("#c-ground", "false_information")
    expect(phone.locator("#ground-help")).to_be_hidden()
    phone.fill("#c-facts", "申报书中的销售收入与该公司公开年报不符。")
    evidence = tmp_path / "年报对比.pdf"
    evidence.write_bytes(PDF)
    phone.set_input_files("#c-files", str(evidence))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(ARTIFACTS / "publicity-complain-phone.png"), full_page=True)
    phone.click("#c-submit")
    expect(phone.locator("#case-state")).to_have_text("已收到")
    case = Case.objects.get()
    expect(phone.locator("h1")).to_contain_text(case.number)
    expect(phone.locator("body")).to_contain_text("年报对比.pdf")

    desk = phone.context.browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    _login(desk, url, "office@example.com", f"/publicity/cases/{case.number}/")
    desk.fill("#id_token", f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}")
    desk.click("button:has-text('验证')")
    expect(desk.locator("body")).to_contain_text("张三")
    desk.click("button[value=accept]")
    expect(desk.locator("#case-state")).to_have_text("已受理")
    desk.screenshot(path=str(ARTIFACTS / "publicity-case-desktop.png"), full_page=True)

    phone.reload()
    expect(phone.locator("#case-state")).to_have_text("已受理")
