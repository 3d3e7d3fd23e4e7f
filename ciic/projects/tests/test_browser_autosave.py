"""Autosave tells the team lead what happened to the draft and does not give up: while the
server cannot be reached the page says the save failed and keeps the text, and once it can be
reached again the draft is saved without anyone typing again. Debian's Chromium, live server."""

from __future__ import annotations

import re

import pytest

from ciic.testing.browser import ARTIFACTS, chromium_page

pytestmark = pytest.mark.browser

SAVE = re.compile(r"/projects/\d+/save/$")


def _provoked(msg) -> bool:
    # The saves this test cuts off show as failed loads in the console, and htmx logs them.
    return msg.text.startswith(("Failed to load resource", "htmx:"))


@pytest.fixture
def page(monkeypatch):
    with chromium_page(monkeypatch, ignore_console=_provoked) as page:
        yield page


def _draft(project) -> dict:
    from django.db import connection

    from ciic.projects.models import Draft

    try:
        return Draft.objects.get(project=project).sections
    finally:
        connection.close()


def test_a_failed_autosave_keeps_the_text_and_saves_it_when_the_server_is_back(
        transactional_db, project, live_server, page):
    from playwright.sync_api import expect

    from ciic.testing.personas import PASSWORD

    url = f"{live_server.url}/projects/{project.pk}/"
    page.goto(f"{live_server.url}/accounts/login/?next=/projects/{project.pk}/")
    page.fill("#id_username", "lead@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]:has-text('登录')")
    expect(page).to_have_url(url)

    page.route(SAVE, lambda route: route.abort("internetdisconnected"))
    status = page.locator("#autosave-status")
    text = "断网时写下的项目概述：数据采集、边缘计算与质量追溯。"
    box = page.locator("#id_section_overview")
    box.fill(text)
    expect(status).to_contain_text("保存失败，内容仍在本页", timeout=15_000)
    expect(status).to_have_attribute("data-state", "failed")
    expect(box).to_have_value(text)
    assert _draft(project)["overview"] != text
    page.screenshot(path=str(ARTIFACTS / "autosave-failed.png"))

    page.unroute(SAVE)  # the server is reachable again: the retry saves without another keystroke
    expect(status).to_contain_text("已保存", timeout=20_000)
    expect(status).to_have_attribute("data-state", "saved")
    assert _draft(project)["overview"] == text
