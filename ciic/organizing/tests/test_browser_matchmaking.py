"""The capital meeting on a phone (R-S1, issue 14 §3): an investor asks a finalist team to
meet, the team's lead accepts, the secretariat runs the schedule, and both agendas show the
same slot and table. Debian's Chromium through Playwright, 390 px wide."""

from __future__ import annotations

import datetime as dt

import pytest

from ciic.awards.tests.conftest import finals  # noqa: F401 - the fixture
from ciic.testing.browser import ARTIFACTS, chromium_page

pytestmark = pytest.mark.browser


@pytest.fixture
def capital_meeting(transactional_db, finals, secretariat):  # noqa: F811
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ciic.organizing import meetings
    from ciic.testing.personas import make_user

    meeting = meetings.create_meeting(contest=finals.round.contest, kind="investment", title="资本相亲会",
                                      starts_at=timezone.now() + dt.timedelta(days=2), venue="宁波国际会议中心",
                                      slots=4, tables=3, actor=secretariat)
    investor = make_user("vc@example.com", full_name="投资人")
    meetings.register_participant(meeting=meeting, user=investor, kind="investor", organization="甬江创投",
                                  capacity=2, keywords="质量")
    team = finals.projects[0].team
    profile = meetings.opt_in_team(meeting=meeting, team=team, summary="质量追溯平台", capacity=2, actor=team.lead)
    device = TOTPDevice.objects.create(user=secretariat, name="phone", confirmed=True)
    return meeting, investor, team, profile, device


@pytest.fixture
def page(monkeypatch):
    with chromium_page(monkeypatch, viewport=(390, 844)) as page:
        yield page


def login(page, url: str, email: str, next_path: str, device=None) -> None:
    from django_otp.oath import totp

    from ciic.testing.personas import PASSWORD

    page.context.clear_cookies()
    page.goto(f"{url}/accounts/login/?next={next_path}")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]:has-text('登录')")
    if device is not None:
        page.fill("#id_token", f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}")
        page.click("button:has-text('验证')")


def test_investor_and_team_see_the_same_slot_and_table(capital_meeting, live_server, page):
    from playwright.sync_api import expect

    meeting, investor, team, profile, device = capital_meeting
    url, detail = live_server.url, f"/organizing/meetings/{meeting.pk}/"

    login(page, url, investor.email, detail)
    card = page.locator(f"#profile-{profile.pk}")
    expect(card).to_contain_text(team.name)
    card.locator("button:has-text('请求洽谈')").click()
    expect(page.locator("#my-requests")).to_contain_text("待答复")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    login(page, url, team.lead.email, detail)
    page.locator("#my-requests button:has-text('接受')").click()
    expect(page.locator("#my-requests")).to_contain_text("已接受")

    login(page, url, "office@example.com", detail, device=device)
    page.click("button:has-text('运行排期')")
    expect(page.locator(".messages")).to_contain_text("已排期：1 场洽谈")

    seen = []
    for email in (investor.email, team.lead.email):
        login(page, url, email, f"/organizing/meetings/{meeting.pk}/agenda/")
        item = page.locator(".agenda-item")
        expect(item).to_have_count(1)
        seen.append((item.locator(".slot-time").inner_text(), item.locator(".slot-table").inner_text()))
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "matchmaking-agenda-phone.png"), full_page=True)
    assert seen[0] == seen[1]
    assert "第" in seen[0][1] and "桌" in seen[0][1]


def test_unit_workbench_fits_a_phone(transactional_db, unit, unit_contact, team, team_lead, live_server, page):
    from playwright.sync_api import expect

    from ciic.organizing.models import Recommendation

    Recommendation.objects.create(team=team, unit=unit, created_by=team_lead)
    login(page, live_server.url, unit_contact.email, "/organizing/unit/")
    page.fill("#r-name", "王联络")
    page.fill("#r-title", "处长")
    page.fill("#r-info", "0571-87051234")
    page.click("button:has-text('在线报送')")
    expect(page.locator(".messages")).to_contain_text("联系人回执已报送")
    expect(page.locator("#teams")).to_contain_text(team.name)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "organizing-unit-phone.png"), full_page=True)
