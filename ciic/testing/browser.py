"""Browser tests: Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@contextlib.contextmanager
def chromium_page(monkeypatch, *, init_script: str | None = None,
                  ignore_console: Callable[[object], bool] = lambda msg: False,
                  viewport: tuple[int, int] = (1280, 900)) -> Iterator[object]:
    """A fresh page; fails the test if the page logged a script error or a console error
    (unless `ignore_console(msg)` says that error was provoked on purpose)."""
    # Playwright's sync API runs an event loop in this thread; Django's ORM (the live server's
    # test database set-up and teardown) must still be usable while it does.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE", "true"))
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's Chromium is not installed: `make browser` installs it")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(10_000)
        if init_script:
            page.add_init_script(init_script)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: msg.type == "error" and not ignore_console(msg) and errors.append(msg.text))
        yield page
        browser.close()
        assert not errors, f"browser errors: {errors}"
