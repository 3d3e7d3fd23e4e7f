"""Every page the public, a team or an expert uses fits a phone: at 390 × 844 the document is
no wider than the screen, in Chinese and in English (the team page was 580 pixels wide and a
version's page 886, so they scrolled sideways), and the navigation folds behind a menu button.
Debian's Chromium driven by Playwright against the live server."""

from __future__ import annotations

import re

import pytest

from ciic.review.tests import test_reviews as shared
from ciic.testing.browser import ARTIFACTS, chromium_page

pytestmark = pytest.mark.browser

# The shared review fixtures (a round, the expert and a conflicted project, a peer), used by name.
judge, peer, peer_user = shared.judge, shared.peer, shared.peer_user
review_round, round_setup = shared.review_round, shared.round_setup

WIDTH, HEIGHT = 390, 844
WIDER_THAN_THE_SCREEN = "document.documentElement.scrollWidth"
# The elements that stick out, to say what to fix when the test fails.
STICKING_OUT = f"""() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > {WIDTH} + 1 && e.children.length === 0)
  .slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 40))"""


@pytest.fixture
def page(monkeypatch):
    with chromium_page(monkeypatch, viewport=(WIDTH, HEIGHT)) as page:
        yield page


@pytest.fixture
def totp_device(expert):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=expert, name="phone", confirmed=True)


def _log_in(page, url: str, email: str) -> None:
    from ciic.testing.personas import PASSWORD

    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]:has-text('登录')")


def _fits(page, url: str, paths: list[str]) -> list[str]:
    """The pages, in Chinese then English, that are wider than the phone."""
    too_wide = []
    for language in ("zh-hans", "en"):
        page.set_extra_http_headers({"Accept-Language": language})
        for path in paths:
            response = page.goto(url + path)
            assert response.status == 200, (path, response.status)
            width = page.evaluate(WIDER_THAN_THE_SCREEN)
            if width > WIDTH:
                too_wide.append(f"{language} {path}: {width} px ({page.evaluate(STICKING_OUT)})")
    return too_wide


def test_the_public_and_a_team_lead_use_every_page_on_a_phone(submitted_project, live_server, page):
    from playwright.sync_api import expect

    project = submitted_project
    team = project.team
    url = live_server.url
    assert _fits(page, url, ["/", "/rules/", "/accounts/login/", "/accounts/signup/"]) == []

    _log_in(page, url, "lead@example.com")
    # The navigation folds behind the menu button, and opens with it.
    nav, toggle = page.locator("#main-nav"), page.locator(".nav-toggle")
    expect(toggle).to_be_visible()
    expect(nav).to_be_hidden()
    toggle.click()
    expect(nav).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.screenshot(path=str(ARTIFACTS / "phone-menu.png"))

    paths = ["/dashboard/", "/register/", f"/organizations/{team.organization_id}/", f"/teams/{team.pk}/",
             f"/projects/{project.pk}/", f"/projects/{project.pk}/submit/", f"/projects/{project.pk}/versions/1/",
             "/notifications/", "/accounts/tokens/"]
    assert _fits(page, url, paths) == []
    page.goto(f"{url}/teams/{team.pk}/")
    page.screenshot(path=str(ARTIFACTS / "phone-team.png"), full_page=True)


def test_an_expert_scores_on_a_phone(transactional_db, contest, round_setup, totp_device, live_server, page):
    from django_otp.oath import totp
    from playwright.sync_api import expect

    url = live_server.url
    _log_in(page, url, "expert@example.com")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/"))
    assert _fits(page, url, ["/accounts/2fa/"]) == []
    page.set_extra_http_headers({"Accept-Language": "zh-hans"})
    page.goto(f"{url}/accounts/2fa/")
    device = totp_device
    page.fill("#id_token", f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}")
    page.click("button:has-text('验证')")
    first = round_setup.projects[0]
    paths = ["/review/workspace/", f"/review/workspace/{round_setup.round.pk}/{first.pk}/"]
    assert _fits(page, url, paths) == []
