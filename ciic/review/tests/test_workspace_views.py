"""The expert's workspace pages and the staff's roadshow page (R-V1, R-P8): a conflicted or
unassigned project is a 404 everywhere, counts leave it out, scores go through the service."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from ciic.accounts.enums import Role
from ciic.review.enums import ConflictSource, RoundStatus
from ciic.review.models import (
    Assignment,
    ConflictDeclaration,
    Review,
    ReviewRevision,
    ReviewRound,
    RoadshowSlot,
)
from ciic.testing.personas import make_user, verified_client

from . import test_reviews as shared

FULL = shared.FULL
# The shared fixtures (a round, the expert and a conflicted project, a peer), used by name.
judge, peer, peer_user = shared.judge, shared.peer, shared.peer_user
review_round, roadshow_round, round_setup = shared.review_round, shared.roadshow_round, shared.round_setup


def _url(setup, index: int, name: str = "review:workspace_project") -> str:
    return reverse(name, args=[setup.round.pk, setup.projects[index].pk])


def _post_scores(scores: dict, **extra) -> dict:
    return {**{f"score_{k}": v for k, v in scores.items()}, **extra}


@pytest.fixture
def judge_client(expert, judge):
    return verified_client(expert)


def test_workspace_lists_assigned_projects_with_progress_and_not_the_conflicted_one(round_setup, judge_client):
    r = judge_client.get(reverse("review:workspace"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "评审项目1" in html and "评审项目2" in html
    assert "评审项目3" not in html
    assert "已提交 0 / 2" in html
    assert '<progress max="2" value="0"' in html


def test_workspace_list_queries_do_not_grow_with_assignments(round_setup, judge, judge_client, entry):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        judge_client.get(reverse("review:workspace"))
    for seq in (4, 5, 6):
        Assignment.objects.create(review_round=round_setup.round, expert=judge,
                                  project=entry(seq, f"项目{seq}的内容。", name=f"评审项目{seq}"))
    with CaptureQueriesContext(connection) as many:
        r = judge_client.get(reverse("review:workspace"))
    assert "已提交 0 / 5" in r.content.decode()
    assert len(many) == len(few)


def test_project_page_shows_the_judged_version_materials_and_the_form(round_setup, judge_client):
    r = judge_client.get(_url(round_setup, 0))
    assert r.status_code == 200
    html = r.content.decode()
    submission = round_setup.projects[0].submissions.get()
    assert "第1个项目的申报内容" in html
    files = [m.file for m in submission.materials.select_related("file") if m.file]
    assert files and all(reverse("projects:download_file", args=[f.pk]) in html for f in files)
    for name in ("创新性", "技术先进性", "应用成效", "商业模式", "团队能力"):
        assert name in html
    assert 'name="score_innovation"' in html and 'min="0" max="10"' in html
    assert "申报利益冲突" in html
    assert "提交本人评分后可查看其他专家的评分" in html


def test_conflicted_project_is_a_404_page_materials_and_scores(round_setup, judge_client, expert):
    conflicted = round_setup.projects[2]
    assert judge_client.get(_url(round_setup, 2)).status_code == 404
    r = judge_client.post(_url(round_setup, 2, "review:workspace_score"),
                          _post_scores(FULL, recommendation="advance", action="submit", confirm="on"))
    assert r.status_code == 404
    assert not Review.objects.exists()
    for m in conflicted.submissions.get().materials.select_related("file"):
        if m.file:
            assert judge_client.get(reverse("projects:download_file", args=[m.file.pk])).status_code == 404
    assert judge_client.post(_url(round_setup, 2, "review:workspace_conflict"), {"reason": "x"}).status_code == 404


def test_assigned_expert_may_download_the_materials(round_setup, judge_client):
    m = next(m for m in round_setup.projects[0].submissions.get().materials.select_related("file") if m.file)
    assert judge_client.get(reverse("projects:download_file", args=[m.file.pk])).status_code == 200


def test_outsiders_do_not_see_an_experts_project(round_setup, peer_user, team_lead, secretariat):
    assert verified_client(peer_user).get(_url(round_setup, 1)).status_code == 404
    assert verified_client(team_lead).get(_url(round_setup, 0)).status_code == 403
    assert verified_client(secretariat).get(reverse("review:workspace")).status_code == 403


def test_anonymous_visitor_is_sent_to_log_in(round_setup, client):
    r = client.get(_url(round_setup, 0))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_saving_a_draft_then_submitting_with_confirmation(round_setup, judge_client):
    url = _url(round_setup, 0, "review:workspace_score")
    r = judge_client.post(url, _post_scores({"innovation": "9"}, action="draft"))
    assert r.status_code == 302
    review = Review.objects.get()
    assert review.scores == {"innovation": 9} and review.submitted_at is None

    r = judge_client.post(url, _post_scores(FULL, recommendation="advance", comment="好", action="submit"))
    assert r.status_code == 422
    assert "请勾选确认后再提交评分" in r.content.decode()
    assert not ReviewRevision.objects.exists()

    r = judge_client.post(url, _post_scores(FULL, recommendation="advance", comment="好", action="submit",
                                            confirm="on"))
    assert r.status_code == 302
    review.refresh_from_db()
    assert review.submitted_at is not None and review.total == pytest.approx(76.5)
    page = judge_client.get(_url(round_setup, 0)).content.decode()
    assert "76.50" in page and "重新提交评分" in page
    listing = judge_client.get(reverse("review:workspace")).content.decode()
    assert "已提交 1 / 2" in listing


def test_an_out_of_range_score_is_shown_next_to_its_field(round_setup, judge_client):
    r = judge_client.post(_url(round_setup, 0, "review:workspace_score"),
                          _post_scores(FULL | {"technology": "12"}, recommendation="advance", action="submit",
                                       confirm="on"))
    assert r.status_code == 422
    html = r.content.decode()
    assert 'id="err-score_technology"' in html
    assert re.search(r'id="err-score_technology"><ul class="errors"><li>“技术先进性”的评分须在 0 到 10 之间', html)
    assert "R-V1" in html
    assert 'value="12"' in html  # what the expert typed stays in the form
    assert not Review.objects.exists()


def test_a_refused_score_form_keeps_the_ticked_confirmation(round_setup, judge_client):
    """The confirmation box came back cleared after a refusal, with everything else kept."""
    r = judge_client.post(_url(round_setup, 0, "review:workspace_score"),
                          _post_scores(FULL | {"technology": "12"}, recommendation="advance", comment="思路清晰",
                                       action="submit", confirm="on"))
    assert r.status_code == 422
    html = r.content.decode()
    assert re.search(r'<input type="checkbox" name="confirm" id="id_confirm" checked>', html)
    assert "思路清晰" in html and 'value="advance" selected' in html


def test_the_score_form_shows_the_weighted_total_as_the_expert_types(round_setup, judge_client):
    """The same total `save_review` stores (scoring.weighted_total), at the round's decimals."""
    url = _url(round_setup, 0, "review:workspace_score_total")
    partial = judge_client.post(url, _post_scores({"innovation": "8", "technology": "7"})).content.decode()
    assert 'id="score-total-live"' in partial and "还有 3 项未评或超出范围" in partial
    out_of_range = judge_client.post(url, _post_scores(FULL | {"team": "11"})).content.decode()
    assert "还有 1 项未评或超出范围" in out_of_range
    full = judge_client.post(url, _post_scores(FULL)).content.decode()
    assert '<strong class="score-total-value">76.50</strong>' in full
    assert not Review.objects.exists()  # nothing saved
    page = judge_client.get(_url(round_setup, 0)).content.decode()
    assert 'hx-post="' + url + '"' in page


def test_outsiders_get_no_total(round_setup, client, peer_user, judge_client):
    assert client.post(_url(round_setup, 0, "review:workspace_score_total"),
                       _post_scores(FULL)).status_code == 302  # anonymous: to login
    not_assigned = _url(round_setup, 1, "review:workspace_score_total")  # the peer reviews the first only
    assert verified_client(peer_user).post(not_assigned, _post_scores(FULL)).status_code == 404
    conflicted = _url(round_setup, 2, "review:workspace_score_total")
    assert judge_client.post(conflicted, _post_scores(FULL)).status_code == 404


def test_after_submitting_the_expert_sees_the_peers_scores(round_setup, judge_client, peer_user):
    from ciic.review.reviews.services import save_review

    save_review(assignment=round_setup.peer, actor=peer_user, scores=FULL | {"team": 2}, recommendation="reject",
                comment="商业模式不清晰", submit=True)
    assert "商业模式不清晰" not in judge_client.get(_url(round_setup, 0)).content.decode()
    judge_client.post(_url(round_setup, 0, "review:workspace_score"),
                      _post_scores(FULL, recommendation="advance", action="submit", confirm="on"))
    html = judge_client.get(_url(round_setup, 0)).content.decode()
    assert "商业模式不清晰" in html and "专家 1" in html
    assert "赵专家" not in html  # peers are not named


def test_no_score_form_once_the_round_is_closed(round_setup, judge_client):
    ReviewRound.objects.filter(pk=round_setup.round.pk).update(status=RoundStatus.CLOSED)
    html = judge_client.get(_url(round_setup, 0)).content.decode()
    assert "本轮评审未开放或已结束" in html and 'name="score_innovation"' not in html
    r = judge_client.post(_url(round_setup, 0, "review:workspace_score"),
                          _post_scores(FULL, recommendation="advance", action="submit", confirm="on"))
    assert r.status_code == 422
    assert not Review.objects.exists()


def test_declaring_a_conflict_takes_the_project_off_the_list(round_setup, judge_client, judge):
    r = judge_client.post(_url(round_setup, 1, "review:workspace_conflict"), {"reason": "曾为该单位提供咨询"})
    assert r.status_code == 302 and r["Location"] == reverse("review:workspace")
    declared = ConflictDeclaration.objects.get(expert=judge, project=round_setup.projects[1])
    assert declared.source == ConflictSource.EXPERT
    html = judge_client.get(reverse("review:workspace")).content.decode()
    assert "评审项目2" not in html and "已提交 0 / 1" in html
    assert judge_client.get(_url(round_setup, 1)).status_code == 404


def test_dashboard_and_navigation_link_to_the_workspace(round_setup, judge_client):
    html = judge_client.get(reverse("site:dashboard")).content.decode()
    assert html.count(f'href="{reverse("review:workspace")}"') == 2


# --- roadshow slots ------------------------------------------------------------------------


def test_secretariat_schedules_a_slot_and_the_team_and_expert_see_it(roadshow_round, round_setup, secretariat,
                                                                    judge, expert, entry):
    staff = verified_client(secretariat)
    url = reverse("review:roadshow_slots", args=[roadshow_round.pk])
    project = round_setup.projects[0]
    assert "评审项目1" in staff.get(url).content.decode()
    r = staff.post(url, {"project": project.pk, "starts_at": "2023-11-20T09:00", "ends_at": "2023-11-20T09:30",
                         "venue": "北京国际会议中心 A 厅", "link": ""})
    assert r.status_code == 302
    slot = RoadshowSlot.objects.get()
    assert slot.starts_at.isoformat() == "2023-11-20T01:00:00+00:00"  # 09:00 Beijing time

    r = staff.post(url, {"project": round_setup.projects[1].pk, "starts_at": "2023-11-20T09:15",
                         "ends_at": "2023-11-20T09:45", "venue": "北京国际会议中心 A 厅"})
    assert r.status_code == 422 and "路演时间重叠" in r.content.decode()

    lead = verified_client(project.team.lead)
    page = lead.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "路演安排" in page and "北京国际会议中心 A 厅" in page and "2023-11-20 09:00" in page

    Assignment.objects.create(review_round=roadshow_round, expert=judge, project=project)
    html = verified_client(expert).get(reverse("review:workspace_project",
                                               args=[roadshow_round.pk, project.pk])).content.decode()
    assert "北京国际会议中心 A 厅" in html and 'name="score_innovation"' in html


def test_only_staff_of_the_rounds_station_schedule_slots(roadshow_round, round_setup, contest, expert, team_lead):
    url = reverse("review:roadshow_slots", args=[roadshow_round.pk])
    other_officer = make_user("wuxi@example.com", role=Role.STATION_OFFICER,
                              station=contest.stations.get(code="wuxi"))
    own_officer = make_user("bj2@example.com", role=Role.STATION_OFFICER,
                            station=contest.stations.get(code="beijing"))
    data = {"project": round_setup.projects[0].pk, "starts_at": "2023-11-20T09:00", "ends_at": "2023-11-20T10:00",
            "venue": "A 厅"}
    for outsider in (other_officer, expert, team_lead):
        assert verified_client(outsider).post(url, data).status_code == 404
    assert not RoadshowSlot.objects.exists()
    assert verified_client(own_officer).post(url, data).status_code == 302
    assert RoadshowSlot.objects.count() == 1


def test_workspace_list_queries_do_not_grow_with_rounds(round_setup, judge, judge_client, contest, station):
    """Each round's heading shows its closing time in the contest's time zone: the contest is
    read with the assignments, not once per round."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        judge_client.get(reverse("review:workspace"))
    for code in ("online_roadshow", "offline_roadshow"):
        extra = shared._round(contest, station, code=code)
        Assignment.objects.create(review_round=extra, expert=judge, project=round_setup.projects[0])
    with CaptureQueriesContext(connection) as three:
        r = judge_client.get(reverse("review:workspace"))
    assert r.content.decode().count('class="card round-progress"') == 3
    assert len(three) == len(one)


def test_a_deactivated_expert_gets_404_for_the_project_and_its_score_form(round_setup, judge, judge_client):
    from ciic.review.models import Expert

    Expert.objects.filter(pk=judge.pk).update(active=False)
    assert judge_client.get(_url(round_setup, 0)).status_code == 404
    r = judge_client.post(_url(round_setup, 0, "review:workspace_score"),
                          _post_scores(FULL, recommendation="advance", action="submit", confirm="on"))
    assert r.status_code == 404
    assert not Review.objects.exists()
    assert "评审项目1" not in judge_client.get(reverse("review:workspace")).content.decode()


def test_a_tampered_project_id_on_the_roadshow_page_is_a_404_not_a_server_error(roadshow_round, secretariat):
    url = reverse("review:roadshow_slots", args=[roadshow_round.pk])
    data = {"starts_at": "2023-11-20T09:00", "ends_at": "2023-11-20T10:00", "venue": "A 厅"}
    for bad in ("abc", "", "1.5", "-1"):
        assert verified_client(secretariat).post(url, {**data, "project": bad}).status_code == 404
    assert not RoadshowSlot.objects.exists()
