"""A newcomer signs up, registers an organization and a team, and meets the R-P3 limit:
Debian's Chromium driven by Playwright against the live server, HTMX and all."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from ciic.demo.identifiers import make_credit_code, make_id_number, make_mobile
from ciic.testing.browser import ARTIFACTS, chromium_page

pytestmark = pytest.mark.browser



@pytest.fixture
def page(monkeypatch):
    with chromium_page(monkeypatch) as page:
        yield page


def _fill_rep(page, index: int, seq: int) -> None:
    page.fill(f"#rep-{index}-name", f"代表{seq}")
    page.fill(f"#rep-{index}-id_number", make_id_number(seq))
    page.fill(f"#rep-{index}-mobile", make_mobile(seq))
    page.fill(f"#rep-{index}-email", f"rep{seq}@example.com")


def test_newcomer_registers_and_meets_the_representative_limit(transactional_db, contest, live_server, page):
    from playwright.sync_api import expect

    url = live_server.url

    # Sign up: logged in, asked to prove the address; the link in the email does it.
    page.goto(f"{url}/accounts/signup/")
    page.fill("#id_identifier", "newcomer@example.com")
    page.fill("#id_full_name", "陈新")
    page.fill("#id_password", "Zhi-zao-2023-pass")
    page.click("button[type=submit]:has-text('注册')")
    expect(page).to_have_url(f"{url}/accounts/verify/")
    expect(page.locator(".messages")).to_contain_text("验证邮件已发送")
    link = re.search(r"/accounts/verify-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(url + link)
    expect(page.locator("main")).to_contain_text("电子邮箱已验证")
    page.click("text=进入工作台")
    expect(page).to_have_url(f"{url}/dashboard/")
    expect(page.locator("h1")).to_have_text("工作台")

    # Step 1: the group appears, with its reason, as the user types.
    page.click("text=开始报名")
    expect(page).to_have_url(f"{url}/register/")
    page.fill("#id_name", "宁波海曙智能装备有限公司")
    page.fill("#id_credit_code", make_credit_code(4242, region="330203"))
    page.select_option("#id_kind", "industrial")
    page.fill("#id_headcount", "1200")
    page.fill("#id_annual_revenue", "30000")
    group = page.locator("#org-preview .preview-group")
    expect(group).to_have_text("领军组")
    expect(page.locator("#org-preview .group-reason")).to_contain_text("从业人数 1,200 > 1,000")
    page.screenshot(path=str(ARTIFACTS / "wizard-organization.png"), full_page=True)

    # A typo in the credit code is explained next to the field, with its rule ID.
    page.fill("#id_credit_code", "91330203MA2")
    expect(page.locator("#err-credit_code")).to_contain_text("R-P1")
    credit_field = page.locator(".field", has=page.locator("#id_credit_code"))
    expect(credit_field).to_have_class(re.compile(r"\bhas-error\b"))
    page.fill("#id_credit_code", make_credit_code(4242, region="330203"))
    expect(page.locator("#err-credit_code")).to_be_empty()
    expect(credit_field).not_to_have_class(re.compile(r"\bhas-error\b"))  # the red border goes with the error
    page.click("button:has-text('注册单位并继续')")
    expect(page).to_have_url(re.compile(r"/organizations/\d+/teams/new/$"))
    expect(page.locator(".badge-group").first).to_have_text("领军组")

    # Step 2: choosing a station narrows the directions to the one it organizes.
    page.select_option("#id_station", label="宁波赛站")
    expect(page.locator("#direction-choices input[type=radio]")).to_have_count(1)
    expect(page.locator("#direction-choices input[type=radio]")).to_be_checked()
    expect(page.locator("#direction-choices")).to_contain_text("工业大脑")
    page.fill("#id_name", "海曙工业大脑队")
    _fill_rep(page, 0, 501)
    page.click("#add-rep-button")
    expect(page.locator("#rep-rows .rep-row")).to_have_count(2)
    _fill_rep(page, 1, 502)
    check = page.locator("#team-check")
    expect(check).to_contain_text("R-P5")  # the policies are not yet accepted
    for box in page.locator("input[name=accept_policies]").all():
        box.check()
    expect(check).to_contain_text("所有报名条件均已满足")
    page.screenshot(path=str(ARTIFACTS / "wizard-team.png"), full_page=True)
    page.click("button:has-text('提交报名')")
    expect(page).to_have_url(re.compile(r"/teams/\d+/\?registered=1$"))
    expect(page.locator(".steps .is-current")).to_have_text("完成")  # step 3 of the wizard
    expect(page.locator("h1")).to_contain_text("海曙工业大脑队")
    expect(page.locator("#representatives h2")).to_contain_text("2/5")

    # The team page: add representatives up to five; the sixth is refused (R-P3).
    for seq in range(503, 507):
        page.fill("#id_name", f"代表{seq}")
        page.fill("#id_id_number", make_id_number(seq))
        page.fill("#id_mobile", make_mobile(seq))
        page.fill("#id_email", f"rep{seq}@example.com")
        page.click("#add-representative button[type=submit]")
        if seq < 506:
            expect(page.locator("#representatives h2")).to_contain_text(f"{seq - 500}/5")
    section = page.locator("#representatives")
    expect(section).to_contain_text("每个团队的参赛代表不超过 5 人（现为 6 人）")
    expect(section.locator(".rule").filter(has_text="R-P3").first).to_be_visible()
    expect(page.locator("#representatives h2")).to_contain_text("5/5")
    # ID numbers and phones are masked on the page.
    expect(section).not_to_contain_text(make_id_number(503))
    expect(section).to_contain_text(make_mobile(503)[:3] + "****" + make_mobile(503)[-4:])
    page.screenshot(path=str(ARTIFACTS / "team-page-r-p3.png"), full_page=True)


def test_home_page_and_language_switch(transactional_db, contest, live_server, page):
    from playwright.sync_api import expect

    page.goto(live_server.url + "/")
    expect(page.locator("h1")).to_have_text("第五届中国工业互联网大赛")
    expect(page.locator("#directions article")).to_have_count(5)
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)
    page.click(".lang-switch button[value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("China Industrial Internet Contest 2023")


@pytest.fixture
def totp_device(secretariat):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=secretariat, name="phone", confirmed=True)


# Database work happens in fixtures listed before `page`: once Playwright's loop runs, the
# ORM in the test body would open a connection that outlives the test database.
def test_secretariat_passes_second_factor_and_sees_the_team_list(
        transactional_db, contest, team, totp_device, live_server, page):
    from django_otp.oath import totp
    from playwright.sync_api import expect

    from ciic.testing.personas import PASSWORD

    device = totp_device
    page.goto(live_server.url + "/accounts/login/?next=/teams/")
    page.fill("#id_username", "office@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]:has-text('登录')")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/\?next=/teams/$"))
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    page.fill("#id_token", code)
    page.click("button:has-text('验证')")
    expect(page).to_have_url(live_server.url + "/teams/")
    expect(page.locator("table")).to_contain_text(team.name)
    expect(page.locator(".count")).to_contain_text("共 1 支团队")
    page.screenshot(path=str(ARTIFACTS / "team-list.png"), full_page=True)


def test_station_officer_enrolls_an_authenticator_from_the_page(
        transactional_db, contest, team, station_officer, live_server, page):
    import base64

    from django_otp.oath import totp
    from playwright.sync_api import expect

    from ciic.testing.personas import PASSWORD

    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "beijing@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]:has-text('登录')")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/\?next=/dashboard/$"))
    page.click("button:has-text('开始设置')")
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.locator("code.secret").inner_text().strip()
    page.screenshot(path=str(ARTIFACTS / "two-factor-enroll.png"), full_page=True)
    # The code an authenticator app would show for the secret printed on the page.
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("#id_token", f"{totp(key):06d}")
    page.click("button:has-text('确认绑定')")
    expect(page).to_have_url(live_server.url + "/dashboard/")
    expect(page.locator(".messages")).to_contain_text("双因素认证已启用")
    page.click("nav >> text=参赛团队")
    expect(page.locator("table")).to_contain_text(team.name)
