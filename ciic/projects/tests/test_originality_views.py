"""The secretariat's originality pages (R-J2, R-J3): runs and pairs, progress polled with HTMX,
verdicts, the Excel export, and disqualification (R-P6, R-J2) seen by the team. Nobody else
knows these pages exist."""

from __future__ import annotations

import io
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ciic.audit.models import AuditEntry
from ciic.engines import originality_testdata as testdata
from ciic.notifications.models import Notification
from ciic.projects.enums import ProjectStatus
from ciic.projects.models import OriginalityPair, OriginalityRun
from ciic.projects.originality_job import execute_run
from ciic.projects.originality_runs import start_run

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
PAGES = [("projects:originality", []), ("projects:originality_run", []),
         ("projects:originality_export", [])]


def planted_pairs(entry, count: int, start: int = 0) -> list:
    """`count` originals each with a lightly edited copy: `count` pairs."""
    projects = []
    for i in range(start, start + count):
        source = testdata.application(random.Random(100 + i), 2500)
        projects += [entry(2 * i + 1, source.text), entry(2 * i + 2, testdata.near_duplicate(
            random.Random(200 + i), source, obfuscate=False).text)]
    return projects


@pytest.fixture
def checked(entry, contest, secretariat, django_capture_on_commit_callbacks):
    """Two planted pairs, checked (immediate backend): (run, projects)."""
    projects = planted_pairs(entry, 2)
    with django_capture_on_commit_callbacks(execute=True):
        run = start_run(contest=contest, actor=secretariat)
    run.refresh_from_db()
    return run, projects


@pytest.fixture
def office(verified, secretariat):
    return verified(secretariat)


def test_secretariat_sees_the_pairs_most_similar_first(checked, office):
    run, _projects = checked
    page = office.get(reverse("projects:originality"))
    assert page.status_code == 200 and page.context["shown"] == run
    pairs = list(page.context["pairs"])
    assert [p.similarity for p in pairs] == sorted((p.similarity for p in pairs), reverse=True)
    html = page.content.decode()
    first = pairs[0]
    assert f"{round(first.similarity * 100)}%" in html
    assert f"<mark>{first.shared_passages[0]}</mark>" in html
    for side in (first.left, first.right):
        assert side.project.name in html and side.project.team.name in html
        assert reverse("projects:version", args=[side.project_id, side.number]) in html
    assert reverse("projects:disqualify", args=[first.left.project_id]) + f"?pair={first.pk}" in html
    assert 'hx-trigger="every 2s"' not in html  # nothing running


def test_pages_are_404_for_everyone_but_the_secretariat(checked, verified, station_officer, client, other_lead):
    run, projects = checked
    pair = run.pairs.first()
    lead = projects[0].team.lead
    for user in (station_officer, lead, other_lead):
        c = verified(user) if user is station_officer else client
        if user is not station_officer:
            c.force_login(user)
        for name, args in PAGES:
            assert c.get(reverse(name, args=args)).status_code == 404, (user, name)
        assert c.get(reverse("projects:originality_progress", args=[run.pk])).status_code == 404
        assert c.post(reverse("projects:originality_run")).status_code == 404
        assert c.post(reverse("projects:originality_judge", args=[pair.pk]), {"verdict": "cleared"}).status_code == 404
    pair.refresh_from_db()
    assert OriginalityRun.objects.count() == 1 and pair.verdict == "pending"


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("projects:originality"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_run_asks_for_confirmation_then_runs(entry, office, contest, django_capture_on_commit_callbacks):
    planted_pairs(entry, 1)
    confirm = office.get(reverse("projects:originality_run"))
    assert confirm.status_code == 200 and "确认运行" in confirm.content.decode()
    assert not OriginalityRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):  # the immediate backend runs it at commit
        office.post(reverse("projects:originality_run"))
    response = office.get(reverse("projects:originality"))
    run = OriginalityRun.objects.get()
    assert (run.status, run.trigger, run.pairs_found) == ("done", "manual", 1)
    assert response.context["shown"] == run


def test_progress_is_polled_while_the_run_waits_in_the_database_queue(entry, office, settings, contest):
    settings.TASKS = DATABASE_TASKS
    planted_pairs(entry, 1)
    office.post(reverse("projects:originality_run"))
    run = OriginalityRun.objects.get()
    assert run.status == "queued"
    html = office.get(reverse("projects:originality")).content.decode()
    progress = reverse("projects:originality_progress", args=[run.pk])
    assert f'hx-get="{progress}"' in html and 'hx-trigger="every 2s"' in html and "<progress" in html
    assert "运行原创性检查</a>" not in html  # one waits already
    polled = office.get(progress, HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in polled and 'hx-trigger="every 2s"' in polled.content.decode()

    execute_run(run.pk)  # the worker
    polled = office.get(progress, HTTP_HX_REQUEST="true")
    assert polled["HX-Refresh"] == "true"
    assert 'hx-trigger' not in polled.content.decode() and 'value="100"' in polled.content.decode()


def test_running_run_shows_its_percentage(checked, office, contest):
    run = OriginalityRun.objects.create(contest=contest, threshold=0.5, status="running", total=40, done=10)
    html = office.get(reverse("projects:originality_progress", args=[run.pk])).content.decode()
    assert 'value="25"' in html and "10 / 40" in html


def test_failed_run_shows_its_error(checked, office, contest):
    run = OriginalityRun.objects.create(contest=contest, threshold=0.0)
    execute_run(run.pk)
    html = office.get(reverse("projects:originality")).content.decode()
    assert "threshold must be in (0, 1]" in html


def test_verdict_form_saves_and_is_audited(checked, office, secretariat):
    run, _projects = checked
    pair = run.pairs.first()
    url = reverse("projects:originality_judge", args=[pair.pk])
    refused = office.post(url, {"verdict": "acted", "note": ""})
    assert refused.status_code == 200 and "请写明处理情况" in refused.content.decode()
    pair.refresh_from_db()
    assert pair.verdict == "pending" and not AuditEntry.objects.filter(action="originality.judge").exists()
    response = office.post(url, {"verdict": "acted", "note": "已约谈两个团队"})
    assert response.status_code == 302 and response["Location"].endswith(f"#pair-{pair.pk}")
    pair.refresh_from_db()
    assert (pair.verdict, pair.verdict_note, pair.judged_by) == ("acted", "已约谈两个团队", secretariat)
    assert AuditEntry.objects.get(action="originality.judge").after["verdict"] == "acted"


def test_excel_export_lists_the_pairs(checked, office):
    from openpyxl import load_workbook

    run, _projects = checked
    response = office.get(reverse("projects:originality_export"), {"run": run.pk})
    assert response["Content-Disposition"] == f'attachment; filename="originality-{run.pk}.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("相似度", "规则", "项目A") and len(rows) == 1 + run.pairs.count()
    best = run.pairs.order_by("-similarity").first()
    assert rows[1][0] == round(best.similarity, 4) and rows[1][1] == "R-J2"
    assert rows[1][2] == best.left.project.name and rows[1][6] == best.right.project.name
    assert rows[1][5] == best.left.number and rows[1][10] == "\n".join(best.shared_passages)
    assert rows[1][11] == "待核查"


def test_page_queries_do_not_grow_with_pairs(entry, contest, secretariat, office, django_capture_on_commit_callbacks):
    planted_pairs(entry, 1)
    with django_capture_on_commit_callbacks(execute=True):
        start_run(contest=contest, actor=secretariat)
    with CaptureQueriesContext(connection) as one:
        office.get(reverse("projects:originality"))
    planted_pairs(entry, 3, start=1)
    with django_capture_on_commit_callbacks(execute=True):
        run = start_run(contest=contest, actor=secretariat)
    run.refresh_from_db()
    assert run.pairs_found == 4
    with CaptureQueriesContext(connection) as many:
        office.get(reverse("projects:originality"))
    assert len(many) == len(one)


def test_staff_project_list_links_the_check_for_the_secretariat_only(checked, office, verified, station_officer):
    url = reverse("projects:originality")
    assert url in office.get(reverse("projects:list")).content.decode()
    assert url not in verified(station_officer).get(reverse("projects:list")).content.decode()


# --- disqualification ------------------------------------------------------------------------


def test_disqualify_page_confirms_then_the_team_sees_the_reason(checked, office, client):
    _run, projects = checked
    project = projects[1]
    url = reverse("projects:disqualify", args=[project.pk])
    page = office.get(url)
    assert page.status_code == 200 and project.name in page.content.decode()
    refused = office.post(url, {"rule": "R-P6", "reason": ""})
    assert refused.status_code == 200 and refused.context["errors"]["reason"]
    response = office.post(url, {"rule": "R-P6", "reason": "申报单位资质材料不实"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.DISQUALIFIED
    assert Notification.objects.filter(user=project.team.lead, kind="project_disqualified").exists()
    assert AuditEntry.objects.filter(action="project.disqualify", object_id=str(project.pk)).exists()

    client.force_login(project.team.lead)
    html = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "已取消资格" in html and "【R-P6】申报单位资质材料不实" in html


def test_disqualify_from_a_pair_marks_it_dealt_with(checked, office):
    run, projects = checked
    pair = run.pairs.get(right__project=projects[1])
    url = reverse("projects:disqualify", args=[projects[1].pk]) + f"?pair={pair.pk}"
    assert 'value="R-J2" checked' in office.get(url).content.decode()
    response = office.post(url, {"rule": "R-J2", "reason": "抄袭第 1 个项目"})
    assert response["Location"].endswith(f"?run={run.pk}#pair-{pair.pk}")
    pair.refresh_from_db()
    assert pair.verdict == OriginalityPair.Verdict.ACTED and "抄袭第 1 个项目" in pair.verdict_note


def test_only_the_secretariat_disqualifies(checked, verified, station_officer, client, other_lead):
    _run, projects = checked
    project = projects[0]
    url = reverse("projects:disqualify", args=[project.pk])
    officer = verified(station_officer)  # sees the Beijing project, may not disqualify it
    assert officer.get(url).status_code == 403
    assert officer.post(url, {"rule": "R-J2", "reason": "x"}).status_code == 403
    client.force_login(project.team.lead)
    assert client.post(url, {"rule": "R-J2", "reason": "x"}).status_code == 403
    client.force_login(other_lead)
    assert client.get(url).status_code == 404
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACTIVE
