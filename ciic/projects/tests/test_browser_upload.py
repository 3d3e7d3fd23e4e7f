"""A team lead uploads the project video from the project page through tus-js-client, loses the
page mid-way, resumes from the server's offset and submits version 2 (R-J4, R-J6, R-J7):
Debian's Chromium driven by Playwright against the live server."""

from __future__ import annotations

import contextlib
import hashlib
import math
import random
import re
from pathlib import Path

import pytest

from ciic.testing.browser import ARTIFACTS, chromium_page

pytestmark = pytest.mark.browser

CHUNK = 256 * 1024
CHUNKS_BEFORE_RELOAD = 3
TUS_UPLOAD = re.compile(r"/projects/tus/[0-9a-f-]{36}$")
TUS_ANY = re.compile(r"/projects/tus/")
STORED_UPLOADS = "Object.keys(localStorage).filter((key) => key.startsWith('tus::'))"  # tus-js-client's

# Records every value the page gives its <progress> bars, to see them advance.
RECORD_PROGRESS = """
const value = Object.getOwnPropertyDescriptor(HTMLProgressElement.prototype, "value");
window.__progress = [];
Object.defineProperty(HTMLProgressElement.prototype, "value", {
  configurable: true, get: value.get,
  set(v) { window.__progress.push(Number(v)); value.set.call(this, v); },
});
"""


def _provoked(msg) -> bool:
    # Chromium logs the cut connections and the 422 these tests provoke as failed loads.
    # Chromium does not always give the resource's address with the message; the status is in its text.
    return msg.text.startswith("Failed to load resource") and (
        bool(TUS_ANY.search(msg.location.get("url", ""))) or "status of 422" in msg.text)


@pytest.fixture
def page(monkeypatch):
    with chromium_page(monkeypatch, init_script=RECORD_PROGRESS, ignore_console=_provoked) as page:
        yield page


@pytest.fixture
def video(tmp_path, samples) -> Path:
    """A 3 MB file whose content really is an MP4: twelve chunks and a bit."""
    path = tmp_path / "项目演示视频.mp4"
    path.write_bytes(samples["mp4"] + random.randbytes(3 * 1024 * 1024))
    return path


def _log_in(page, url: str, next_url: str) -> None:
    from ciic.testing.personas import PASSWORD

    page.goto(f"{url}/accounts/login/?next={next_url}")
    page.fill("#id_username", "lead@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]:has-text('登录')")


@contextlib.contextmanager
def _orm():
    """For the ORM in a test body: while Playwright's loop runs, Django gives this code a
    connection of its own, not the fixtures' one; closed here, or it would outlive the test
    database (PostgreSQL refuses to drop a database in use)."""
    from django.db import connection

    try:
        yield
    finally:
        connection.close()


def _upload_state() -> list[tuple]:
    from ciic.projects.models import Upload

    with _orm():
        return list(Upload.objects.values_list("offset", "length", "finished_at"))


def test_interrupted_upload_resumes_after_a_reload_and_counts_in_version_2(
        transactional_db, submitted_project, video, live_server, page):
    from playwright.sync_api import expect

    from ciic.projects.models import DraftMaterial

    project_url = f"/projects/{submitted_project.pk}/"
    data = video.read_bytes()
    size, sha256 = len(data), hashlib.sha256(data).hexdigest()
    offsets: list[str] = []  # Upload-Offset of every PATCH the page sends
    page.on("request", lambda r: r.method == "PATCH" and offsets.append(r.headers["upload-offset"]))

    _log_in(page, live_server.url, project_url)
    expect(page).to_have_url(live_server.url + project_url)
    expect(page.locator("#materials .upload-hint")).to_contain_text("重新选择同一文件即可从中断处继续")
    row = page.locator("#material-video")
    expect(row.locator(".material-current")).to_contain_text("video.mp4")  # from version 1
    page.locator("#materials").evaluate("(el, size) => { el.dataset.chunkSize = String(size); }", CHUNK)

    # The first chunks go through, then the connection drops (tus-js-client retries in vain)
    # and the page is reloaded, as when a laptop lid closes or a tab is refreshed mid-upload.
    done_before = CHUNKS_BEFORE_RELOAD * CHUNK
    passed = []

    def cut_after_some_chunks(route):
        if route.request.method == "PATCH":
            if len(passed) == CHUNKS_BEFORE_RELOAD:
                route.abort("connectionreset")
                return
            passed.append(route.request)
        route.continue_()

    page.route(TUS_UPLOAD, cut_after_some_chunks)
    with page.expect_request(lambda r: r.method == "PATCH" and r.headers["upload-offset"] == str(done_before)):
        row.locator("input[type=file]").set_input_files(video)
    expect(row.locator(".upload-status")).to_contain_text("正在上传：项目演示视频.mp4")
    expect(row.locator(".upload-progress")).to_be_visible()
    seen = page.evaluate("window.__progress")
    before_cut = seen[:seen.index(done_before) + 1]  # then the retries start again from there
    assert before_cut == sorted(before_cut), seen  # the bar advanced, chunk by chunk
    assert len({v for v in before_cut if 0 < v < size}) >= CHUNKS_BEFORE_RELOAD
    expect(row.locator(".upload-bytes")).to_contain_text(" / 3.0 MB")
    page.screenshot(path=str(ARTIFACTS / "upload-progress.png"), full_page=True)

    page.reload()
    page.unroute(TUS_UPLOAD)
    # The server kept the chunks that arrived; the page says which file to choose again.
    [(offset, length, finished_at)] = _upload_state()
    assert (offset, length, finished_at) == (done_before, size, None)
    percent = math.floor(done_before * 100 / size)
    expect(row.locator(".upload-status")).to_have_text(
        f"上次未完成的上传：项目演示视频.mp4（已完成 {percent}%）。重新选择同一文件即可继续。")

    # Choosing the same file again continues from the server's offset, not from zero.
    page.locator("#materials").evaluate("(el, size) => { el.dataset.chunkSize = String(size); }", CHUNK)
    held = []  # the first PATCH waits until the page has been read

    def hold_first_chunk(route):
        if route.request.method == "PATCH" and not held:
            held.append(route)
        else:
            route.continue_()

    page.route(TUS_UPLOAD, hold_first_chunk)
    with page.expect_request(lambda r: r.method == "PATCH"):
        row.locator("input[type=file]").set_input_files(video)
    expect(row.locator(".upload-status")).to_have_text(f"继续上传（已完成 {percent}%）")
    expect(row.locator(".upload-percent")).to_have_text(f"{percent}%")
    page.screenshot(path=str(ARTIFACTS / "upload-resuming.png"), full_page=True)
    assert held[0].request.headers["upload-offset"] == str(done_before)
    held[0].continue_()
    page.unroute(TUS_UPLOAD)

    expect(row.locator(".upload-status")).to_have_text("上传完成，文件已通过检查", timeout=15_000)
    expect(row.locator(".upload-percent")).to_have_text("100%")
    expect(row.locator(".material-current")).to_contain_text("项目演示视频.mp4")
    expect(row.locator(".material-current")).to_contain_text("3.0 MB")  # the size, not the raw hash
    expect(row.locator(".material-current .sha256")).to_have_count(0)
    assert page.evaluate(STORED_UPLOADS) == []  # nothing left to resume
    page.screenshot(path=str(ARTIFACTS / "upload-done.png"), full_page=True)

    # One upload, resumed: each byte was sent once, and the stored file is the local one.
    # (the PATCHes at the cut are tus-js-client's retries, refused before reaching the server)
    assert [int(o) for o in offsets] == sorted(int(o) for o in offsets)
    assert sorted(set(offsets), key=int) == [str(n) for n in range(0, size, CHUNK)]
    [(offset, length, finished_at)] = _upload_state()
    assert offset == length == size and finished_at is not None
    with _orm():
        stored = DraftMaterial.objects.select_related("file").get(project=submitted_project,
                                                                  material_type__code="video").file
    assert (stored.sha256, stored.size) == (sha256, size)

    # Submit: the confirmation page, then version 2 counts for the stage (R-J4, R-J6).
    page.click("text=提交新版本")
    expect(page.locator("h1")).to_have_text("确认提交")
    expect(page.locator(".card")).to_contain_text("第 2 版")
    page.click("button:has-text('确认提交')")
    expect(page).to_have_url(re.compile(r"/versions/2/$"))
    expect(page.locator("h1 .badge-group")).to_have_text("计入评审")
    expect(page.locator("table")).to_contain_text(sha256)
    page.goto(live_server.url + project_url)
    versions = page.locator("aside li")
    expect(versions.filter(has_text="第 2 版").locator(".badge-group")).to_have_text("计入评审")
    expect(versions.filter(has_text="第 1 版").locator(".badge-group")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "upload-version-2.png"), full_page=True)


@pytest.fixture
def fake_video(tmp_path, samples) -> Path:
    """A program named like a video: its content is checked once all of it has arrived."""
    path = tmp_path / "演示.mp4"
    path.write_bytes(samples["exe"] + random.randbytes(100_000))
    return path


def test_refused_content_is_explained_in_the_row(transactional_db, project, fake_video, live_server, page):
    """R-J7: the server's 422 after the last chunk is shown with its rule; nothing is kept and
    the browser forgets the upload."""
    from playwright.sync_api import expect

    project_url = f"/projects/{project.pk}/"
    _log_in(page, live_server.url, project_url)
    row = page.locator("#material-video")
    # Choosing the file uploads it: no second "upload" button to press (and after a refusal,
    # pressing it replaced the reason with "请选择要上传的文件").
    expect(row.locator("button.upload-submit")).to_be_hidden()
    row.locator("input[type=file]").set_input_files(fake_video)
    expect(row.locator(".upload-status")).to_have_text("文件未被接受：")
    error = row.locator(".upload-errors li[data-field=file]")
    expect(error).to_contain_text("文件内容不是允许的格式（允许：mp4；检测到：exe）")
    expect(error.locator(".rule")).to_have_text("R-J7")
    expect(row).to_have_class(re.compile(r"\bhas-error\b"))
    expect(row.locator(".upload-progress")).to_be_hidden()
    expect(row.locator("input[type=file]")).to_be_enabled()
    expect(row.locator(".material-current")).to_be_empty()
    assert page.evaluate(STORED_UPLOADS) == []
    assert _upload_state() == []
    page.screenshot(path=str(ARTIFACTS / "upload-refused.png"), full_page=True)
