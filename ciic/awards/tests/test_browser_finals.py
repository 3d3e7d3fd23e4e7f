"""In the hall (R-V4, issue 12): a judge on a phone-sized screen opens the team on stage, scores
it and submits (sealed); the big screen at 1920×1080 shows the team and, the scores released,
its trimmed-mean score once the last ballot is in. Debian's Chromium through Playwright."""

from __future__ import annotations

import re

import pytest

from ciic.testing.browser import ARTIFACTS, chromium_page

from .conftest import SCORES

pytestmark = pytest.mark.browser


@pytest.fixture
def hall(transactional_db, finals, secretariat):
    """The session drawn, its first team on stage, four of five ballots in, scores released."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ciic.awards import finals as svc
    from ciic.review.models import Assignment
    from ciic.review.reviews.services import save_review

    session = svc.create_session(review_round=finals.round, direction=finals.direction, group=finals.leader,
                                 actor=secretariat, experts=finals.experts, chair=secretariat)
    session = svc.draw(session=session, actor=secretariat, seed="browser")
    entry = session.entries.get(position=1)
    svc.put_on_stage(session=session, entry=entry, actor=secretariat)
    for i, (expert, user) in enumerate(zip(finals.experts[1:], finals.users[1:], strict=True)):
        save_review(assignment=Assignment.objects.get(expert=expert, project=entry.project), actor=user,
                    scores=SCORES | {"team": 4 + i}, recommendation="advance", submit=True)
    svc.release_scores(session=session, actor=secretariat, release=True)
    device = TOTPDevice.objects.create(user=finals.users[0], name="phone", confirmed=True)
    return session, entry, device


@pytest.fixture
def page(monkeypatch):
    with chromium_page(monkeypatch, viewport=(390, 844)) as page:
        yield page


def test_a_judge_scores_on_a_phone_and_the_big_screen_shows_the_score(hall, live_server, page):
    from django_otp.oath import totp
    from playwright.sync_api import expect

    from ciic.testing.personas import PASSWORD

    session, entry, device = hall
    url = live_server.url
    screen = page.context.new_page()
    screen.set_viewport_size({"width": 1920, "height": 1080})
    screen.goto(f"{url}/finals/sessions/{session.pk}/screen/")
    expect(screen.locator(".screen-project")).to_contain_text(entry.project.name)
    expect(screen.locator(".screen-scores")).to_contain_text("4/5")
    expect(screen.locator(".screen-timer")).to_have_text(re.compile(r"^\+?\d+:\d\d$"))

    page.bring_to_front()
    page.goto(f"{url}/accounts/login/?next=/finals/sessions/{session.pk}/now/")
    page.fill("#id_username", "judge0@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]:has-text('登录')")
    page.fill("#id_token", f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}")
    page.click("button:has-text('验证')")
    expect(page.locator(".stage-project")).to_contain_text(entry.project.name)
    # Nothing wider than the phone: the page does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "finals-phone-now.png"), full_page=True)
    page.click("text=为该团队评分")
    for code, value in SCORES.items():
        page.fill(f"#id_score_{code}", str(value))
    page.select_option("#id_recommendation", "advance")
    page.check("#id_confirm")
    page.click("button[value=submit]")
    expect(page.locator(".messages")).to_contain_text("评分已提交并封存")
    expect(page.locator("#score")).to_contain_text("评分已封存")
    expect(page.locator("button[value=submit]")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "finals-phone-sealed.png"), full_page=True)

    # The screen refreshes itself: the score appears once the last ballot is in.
    screen.bring_to_front()
    expect(screen.locator(".screen-scores td.num").first).to_have_text(re.compile(r"^\d+\.\d\d$"), timeout=10_000)
    # Light text on the hall's dark background, never on a white table.
    assert screen.evaluate("getComputedStyle(document.querySelector('.screen-scores table')).backgroundColor") \
        == "rgba(0, 0, 0, 0)"
    assert screen.evaluate("document.documentElement.scrollWidth") <= 1920
    screen.screenshot(path=str(ARTIFACTS / "finals-big-screen.png"))
