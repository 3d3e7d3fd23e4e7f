"""An expert logs in with two-factor (TOTP), scores an assigned project, sees it counted in the
progress, and finds a conflicted project's page missing (R-V1, R-P8): Debian's Chromium driven
by Playwright against the live server."""

from __future__ import annotations

import re

import pytest

from ciic.testing.browser import ARTIFACTS, chromium_page

from . import test_reviews as shared

FULL = shared.FULL
# The shared fixtures (a round, the expert and a conflicted project, a peer), used by name.
judge, peer, peer_user = shared.judge, shared.peer, shared.peer_user
review_round, round_setup = shared.review_round, shared.round_setup

pytestmark = pytest.mark.browser


def _provoked(msg) -> bool:
    # The unconfirmed submission (422) and the conflicted project's address (404) are refused
    # on purpose: Chromium logs both as failed loads.
    return msg.text.startswith("Failed to load resource") and ("status of 422" in msg.text
                                                             or "status of 404" in msg.text)


@pytest.fixture
def page(monkeypatch):
    with chromium_page(monkeypatch, ignore_console=_provoked) as page:
        yield page


@pytest.fixture
def totp_device(expert):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=expert, name="phone", confirmed=True)


# Database work happens in fixtures listed before `page`: once Playwright's loop runs, the
# ORM in the test body would open a connection that outlives the test database.
def test_expert_scores_an_assigned_project_and_cannot_open_a_conflicted_one(
        transactional_db, contest, round_setup, totp_device, live_server, page):
    from django_otp.oath import totp
    from playwright.sync_api import expect

    from ciic.testing.personas import PASSWORD

    url = live_server.url
    first, _second, conflicted = round_setup.projects
    workspace = f"{url}/review/workspace/"

    page.goto(f"{url}/accounts/login/?next=/review/workspace/")
    page.fill("#id_username", "expert@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]:has-text('登录')")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/\?next=/review/workspace/$"))
    device = totp_device
    page.fill("#id_token", f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}")
    page.click("button:has-text('验证')")
    expect(page).to_have_url(workspace)

    # Two assigned projects: the conflicted third is neither listed nor counted.
    progress = page.locator(".round-progress .progress-count")
    expect(progress).to_have_text("已提交 0 / 2")
    expect(page.locator("main table")).not_to_contain_text(conflicted.name)

    page.click(f"text={first.name}")
    expect(page.locator("h1")).to_have_text(first.name)
    expect(page.locator("#application")).to_contain_text("第1个项目的申报内容")
    expect(page.locator("#materials a").first).to_be_visible()
    live = page.locator("#score-total-live")
    expect(live).to_contain_text("还有 5 项未评")
    for code, value in FULL.items():
        page.fill(f"#id_score_{code}", str(value))
    expect(live.locator(".score-total-value")).to_have_text("76.50")  # as the expert types
    page.select_option("#id_recommendation", "advance")
    page.fill("#id_comment", "平台架构清晰，落地案例充分。")
    # Submitting needs the confirmation box: without it the page says so and saves nothing.
    page.click("button[value=submit]")
    expect(page.locator("#err-confirm")).to_contain_text("请勾选确认后再提交评分")
    # The refusal is summed up at the top, with the focus on it and a link to the box.
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("请勾选确认后再提交评分")
    assert page.evaluate("document.querySelector('.error-summary').getBoundingClientRect().top") < 400
    page.screenshot(path=str(ARTIFACTS / "review-refused-summary.png"))
    summary.locator("a").first.click()
    expect(page.locator("#id_confirm")).to_be_focused()
    expect(page.locator("#id_comment")).to_have_value("平台架构清晰，落地案例充分。")
    page.check("#id_confirm")
    page.click("button[value=submit]")
    expect(page.locator(".messages")).to_contain_text("评分已提交")
    expect(page.locator("#score .score-total")).to_have_text("76.50")
    page.screenshot(path=str(ARTIFACTS / "review-scored.png"), full_page=True)

    page.click("text=← 评审工作台")
    expect(progress).to_have_text("已提交 1 / 2")
    expect(page.locator("main table")).to_contain_text("已提交")
    page.screenshot(path=str(ARTIFACTS / "review-workspace.png"), full_page=True)

    response = page.goto(f"{url}/review/workspace/{round_setup.round.pk}/{conflicted.pk}/")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text(conflicted.name)
