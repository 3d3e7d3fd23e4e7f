"""A voter on a phone (390 px wide) proves a mobile number with the texted code and votes
(R-A2, issue 12 §4). Debian's Chromium through Playwright."""

from __future__ import annotations

import pytest

from ciic.testing.browser import ARTIFACTS, chromium_page
from ciic.votes.models import Vote

from .conftest import MOBILE, code_in

pytestmark = pytest.mark.browser


@pytest.fixture
def page(monkeypatch):
    with chromium_page(monkeypatch, viewport=(390, 844)) as page:
        yield page


def test_a_voter_verifies_a_number_on_a_phone_and_votes(transactional_db, ballot, live_server, page, sms_outbox):
    from playwright.sync_api import expect

    target = ballot.finalists[1]
    page.goto(f"{live_server.url}/vote/")
    expect(page.locator(".vote-card")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "vote-phone-ballot.png"), full_page=True)

    page.click("a.button:has-text('验证手机号')")
    page.fill("#id_mobile", MOBILE)
    page.click("button[value=send]")
    expect(page.locator("#id_code")).to_be_visible()
    assert len(sms_outbox) == 1 and sms_outbox[0].to == MOBILE
    page.fill("#id_code", code_in(sms_outbox))
    page.click("button[value=verify]")
    expect(page.locator(".messages")).to_contain_text("手机号已验证")
    expect(page.locator(".vote-status")).to_contain_text("今天还可投 5 票")

    card = page.locator(f"#p-{target.pk}")
    card.locator("button:has-text('投票')").click()
    expect(page.locator(".messages")).to_contain_text("投票成功")
    expect(page.locator(f"#p-{target.pk}")).to_contain_text("今天已投")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "vote-phone-voted.png"), full_page=True)
    assert list(Vote.objects.values_list("project_id", flat=True)) == [target.pk]

    page.goto(f"{live_server.url}/vote/p/{ballot.finalists[0].pk}/")
    expect(page.locator("video.vote-video")).to_be_visible()
    assert page.evaluate("document.querySelector('video.vote-video').getBoundingClientRect().width") <= 390

    # In English, on the same phone.
    page.click("button[value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"{live_server.url}/vote/")
    expect(page.locator(".vote-card")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "vote-phone-english.png"), full_page=True)
