"""Staff pages for review rounds: the list, creating a round, the round's page with the solve,
its progress and figures (or the infeasibility explanation), the assignment table with manual
edits, the Excel export, closing. The secretariat manages every round, a station officer only
their station's; everyone else gets a 404."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from ciic.accounts.enums import Role
from ciic.audit.models import AuditEntry
from ciic.review.enums import JobStatus, PairRule, RoundStatus
from ciic.review.models import Assignment, AssignmentRun, ReviewRound
from ciic.review.rounds.services import add_assignment, create_round, set_pair_rule, set_panel
from ciic.testing.personas import make_user

from .test_rounds import declare, make_expert, make_project, spec_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects(contest):
    return [make_project(contest, i) for i in range(1, 5)]


@pytest.fixture
def review_round(contest, station, projects, secretariat):
    return create_round(spec_round=spec_round(contest), station=station, actor=secretariat,
                        experts_per_project=2, max_load=3)


@pytest.fixture
def experts(contest, station, review_round, secretariat):
    found = [make_expert(contest, i, station=station, directions=[station.directions.first()]) for i in range(4)]
    set_panel(review_round=review_round, experts=found, actor=secretariat)
    return found


@pytest.fixture
def wuxi_round(contest, secretariat):
    wuxi = contest.stations.get(code="wuxi")
    make_project(contest, 20, station=wuxi)
    return create_round(spec_round=spec_round(contest), station=wuxi, actor=secretariat)


def test_outsiders_do_not_know_the_pages(review_round, verified, team_lead, expert):
    from django.test import Client

    urls = [reverse("review:round_list"), reverse("review:round_detail", args=[review_round.pk]),
            reverse("review:round_assignments", args=[review_round.pk])]
    for user in (team_lead, expert):
        for url in urls:
            assert verified(user).get(url).status_code == 404, (user, url)
    assert Client().get(urls[0]).status_code == 302  # to the login page


def test_station_officer_manages_only_their_station(review_round, wuxi_round, verified, station_officer, contest):
    officer = verified(station_officer)
    page = officer.get(reverse("review:round_list"))
    assert page.status_code == 200
    assert list(page.context["rounds"]) == [review_round]
    assert officer.get(reverse("review:round_detail", args=[review_round.pk])).status_code == 200
    for name in ("review:round_detail", "review:round_assignments", "review:round_assignments_export"):
        assert officer.get(reverse(name, args=[wuxi_round.pk])).status_code == 404
    assert officer.post(reverse("review:round_solve", args=[wuxi_round.pk]), {"mode": "max_total"}).status_code == 404
    # Creating for another station (or contest-wide) is refused.
    response = officer.post(reverse("review:round_create"), {
        "round": spec_round(contest, "local", "online_roadshow").pk, "station": wuxi_round.station_id})
    assert response.status_code == 200
    assert ReviewRound.objects.count() == 2


def test_secretariat_creates_a_round(contest, station, projects, verified, secretariat):
    response = verified(secretariat).post(reverse("review:round_create"), {
        "round": spec_round(contest).pk, "station": station.pk, "experts_per_project": "3", "max_load": "10"})
    review_round = ReviewRound.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("review:round_detail", args=[review_round.pk])
    assert review_round.experts_per_project == 3 and review_round.entries.count() == len(projects)


def test_create_shows_the_refusal(contest, projects, verified, secretariat):
    response = verified(secretariat).post(reverse("review:round_create"), {"round": spec_round(contest).pk,
                                                                          "station": ""})
    assert response.status_code == 200
    assert "请选择赛站" in response.content.decode()
    assert not ReviewRound.objects.exists()


def test_solve_from_the_page_shows_progress_and_figures(review_round, experts, verified, secretariat,
                                                         django_capture_on_commit_callbacks):
    client = verified(secretariat)
    confirm = client.get(reverse("review:round_solve", args=[review_round.pk]) + "?mode=fair")
    assert confirm.status_code == 200 and "确认开始计算" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("review:round_solve", args=[review_round.pk]), {"mode": "max_total"})
    assert response.status_code == 302
    run = AssignmentRun.objects.get()
    assert run.status == JobStatus.DONE, run.message
    progress = client.get(reverse("review:round_run_progress", args=[review_round.pk, run.pk]), HTTP_HX_REQUEST="true")
    assert progress["HX-Refresh"] == "true"
    page = client.get(reverse("review:round_detail", args=[review_round.pk])).content.decode()
    assert "总匹配度" in page and "匹配度最低的项目" in page
    assert Assignment.objects.filter(review_round=review_round).count() == 8


def test_queued_run_is_polled(review_round, experts, verified, secretariat):
    run = AssignmentRun.objects.create(review_round=review_round, mode="max_total")
    page = verified(secretariat).get(reverse("review:round_detail", args=[review_round.pk])).content.decode()
    assert f'hx-get="{reverse("review:round_run_progress", args=[review_round.pk, run.pk])}"' in page
    assert 'hx-trigger="every 2s"' in page


def test_infeasible_round_shows_why(review_round, experts, projects, verified, secretariat,
                                    django_capture_on_commit_callbacks, station):
    for expert in experts[1:]:
        for project in projects:
            set_pair_rule(review_round=review_round, expert=expert, project=project, rule=PairRule.FORBID,
                          actor=secretariat)
    client = verified(secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("review:round_solve", args=[review_round.pk]), {"mode": "max_total"})
    page = client.get(reverse("review:round_detail", args=[review_round.pk])).content.decode()
    assert "无法完成分配" in page and station.directions.first().name in page


def test_manual_add_of_a_conflicted_pair_is_refused_on_the_page(review_round, experts, projects, verified,
                                                                secretariat):
    declare(experts[0], projects[0], secretariat, reason="与项目负责人为同学")
    client = verified(secretariat)
    response = client.post(reverse("review:round_assignment_add", args=[review_round.pk]),
                           {"expert": experts[0].pk, "project": projects[0].pk}, follow=True)
    assert "与项目负责人为同学" in response.content.decode()
    assert not Assignment.objects.exists()
    client.post(reverse("review:round_assignment_add", args=[review_round.pk]),
                {"expert": experts[1].pk, "project": projects[0].pk})
    assert Assignment.objects.get().expert == experts[1]


def test_assignment_table_query_count_does_not_grow(review_round, experts, projects, verified, secretariat):
    client = verified(secretariat)
    url = reverse("review:round_assignments", args=[review_round.pk])
    add_assignment(review_round=review_round, expert=experts[0], project=projects[0], actor=secretariat)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for expert in experts[1:]:
        for project in projects[1:]:
            add_assignment(review_round=review_round, expert=expert, project=project, actor=secretariat)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert page.content.decode().count("取消分配</button>") == 10
    assert len(many) == len(one)


def test_export_lists_every_assignment(review_round, experts, projects, verified, secretariat):
    add_assignment(review_round=review_round, expert=experts[0], project=projects[0], actor=secretariat)
    response = verified(secretariat).get(reverse("review:round_assignments_export", args=[review_round.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows[1][1] == projects[0].name and rows[1][4] == experts[0].name
    assert [r[0] for r in wb.worksheets[1].iter_rows(min_row=2, values_only=True)] == [e.name for e in experts]


def test_close_page_forces_with_a_reason(review_round, experts, projects, verified, secretariat):
    for i, project in enumerate(projects):
        for expert in (experts[i % 4], experts[(i + 1) % 4]):
            add_assignment(review_round=review_round, expert=expert, project=project, actor=secretariat)
    client = verified(secretariat)
    client.post(reverse("review:round_open", args=[review_round.pk]))
    review_round.refresh_from_db()
    assert review_round.status == RoundStatus.OPEN
    url = reverse("review:round_close", args=[review_round.pk])
    assert "8 份评分未提交" in client.get(url).content.decode()
    refused = client.post(url, {"force": "on"})
    assert refused.status_code == 200 and "强制结束须写明理由" in refused.content.decode()
    assert client.post(url, {"force": "on", "reason": "专家时间冲突"}).status_code == 302
    review_round.refresh_from_db()
    assert review_round.status == RoundStatus.CLOSED
    assert AuditEntry.objects.get(action="review.round.close").after["reason"] == "专家时间冲突"


def test_panel_page_saves_the_panel_and_loads(contest, review_round, station, verified, secretariat):
    experts = [make_expert(contest, i, station=station) for i in range(3)]
    other = make_expert(contest, 9, station=contest.stations.get(code="wuxi"))
    client = verified(secretariat)
    page = client.get(reverse("review:round_panel", args=[review_round.pk])).content.decode()
    assert experts[0].name in page and other.name not in page
    client.post(reverse("review:round_panel", args=[review_round.pk]),
                {"experts": [experts[0].pk, experts[1].pk], f"load-{experts[1].pk}": "7"})
    members = {m.expert_id: m.max_load for m in review_round.panel.all()}
    assert members == {experts[0].pk: None, experts[1].pk: 7}


def test_another_station_officer_cannot_create_here(contest, station, projects, verified):
    officer = make_user("wuxi-officer@example.com", role=Role.STATION_OFFICER,
                        station=contest.stations.get(code="wuxi"))
    response = verified(officer).post(reverse("review:round_create"), {"round": spec_round(contest).pk,
                                                                       "station": station.pk})
    assert response.status_code == 200 and not ReviewRound.objects.exists()


def test_a_load_that_is_not_a_number_is_refused_naming_the_expert(review_round, experts, verified, secretariat):
    """A mistyped personal load used to reset the expert to the round's load silently; now the
    page refuses it, names the expert, and saves nothing (the panel and loads go together)."""
    from ciic.review.rounds.services import set_expert_load

    set_expert_load(member=review_round.panel.get(expert=experts[0]), max_load=2, actor=secretariat)
    office = verified(secretariat)
    data = {"experts": [e.pk for e in experts[:3]], f"load-{experts[0].pk}": "两个"}
    response = office.post(reverse("review:round_panel", args=[review_round.pk]), data)
    assert response.status_code == 200
    assert experts[0].name in response.context["errors"]["max_load"][0]["message"]
    assert review_round.panel.get(expert=experts[0]).max_load == 2
    assert review_round.panel.count() == 4  # experts[3] not removed either
    assert AuditEntry.objects.filter(action="review.round.panel").count() == 1  # the fixture's only


def test_a_refused_load_leaves_the_panel_as_it_was(review_round, experts, projects, verified, secretariat):
    """Atomic: the panel change and the loads are saved together or not at all."""
    for project in projects[:2]:
        add_assignment(review_round=review_round, expert=experts[0], project=project, actor=secretariat)
    office = verified(secretariat)
    data = {"experts": [e.pk for e in experts[:3]], f"load-{experts[0].pk}": "1"}  # below the 2 assigned
    response = office.post(reverse("review:round_panel", args=[review_round.pk]), data)
    assert response.status_code == 200 and "max_load" in response.context["errors"]
    assert review_round.panel.count() == 4


def test_saving_the_panel_keeps_a_member_deactivated_since_joining(review_round, experts, projects, verified,
                                                                   secretariat):
    """R-V5: the page lists a member who is no longer active, so saving it for another reason
    does not drop them, nor their assignments, without anyone seeing it."""
    add_assignment(review_round=review_round, expert=experts[1], project=projects[0], actor=secretariat)
    experts[1].active = False
    experts[1].save(update_fields=["active"])
    office = verified(secretariat)
    page = office.get(reverse("review:round_panel", args=[review_round.pk]))
    assert experts[1].pk in [e.pk for e in page.context["experts"]]
    response = office.post(reverse("review:round_panel", args=[review_round.pk]),
                           {"experts": [e.pk for e in experts]})
    assert response.status_code == 302
    assert review_round.panel.filter(expert=experts[1]).exists()
    assert Assignment.objects.filter(expert=experts[1], project=projects[0]).exists()
    response = office.post(reverse("review:round_panel", args=[review_round.pk]),  # taken off on purpose
                           {"experts": [e.pk for e in experts if e != experts[1]]})
    assert response.status_code == 302 and not review_round.panel.filter(expert=experts[1]).exists()


def test_creating_a_round_refuses_a_k_that_is_not_a_number(contest, station, projects, verified, secretariat):
    """Bad input is an error on the field, not the default k in its place."""
    response = verified(secretariat).post(reverse("review:round_create"), {
        "round": spec_round(contest).pk, "station": station.pk, "experts_per_project": "五", "max_load": "10"})
    assert response.status_code == 200
    assert "experts_per_project" in response.context["errors"]
    assert not ReviewRound.objects.exists()


def test_opening_a_round_is_confirmed_on_its_own_page(review_round, experts, projects, verified, secretariat):
    """R-V1: opening fixes k and shows the projects to the experts, so it is confirmed first; a
    round with a project short of experts is refused on the page and stays a draft."""
    client = verified(secretariat)
    url = reverse("review:round_open", args=[review_round.pk])
    page = client.get(url).content.decode()
    assert "确认开始评审" in page and "4 个项目的评审专家不足 2 位" in page
    refused = client.post(url)
    assert refused.status_code == 200 and "请先完成分配" in refused.content.decode()
    review_round.refresh_from_db()
    assert review_round.status == RoundStatus.DRAFT
    for i, project in enumerate(projects):
        for expert in (experts[i % 4], experts[(i + 1) % 4]):
            add_assignment(review_round=review_round, expert=expert, project=project, actor=secretariat)
    page = client.get(url).content.decode()
    assert "不足" not in page and ">8<" in page.replace(" ", "")  # eight assignments
    assert client.post(url).status_code == 302
    review_round.refresh_from_db()
    assert review_round.status == RoundStatus.OPEN
    assert client.get(url)["Location"] == reverse("review:round_detail", args=[review_round.pk])
    assert AuditEntry.objects.filter(action="review.round.open").count() == 1
