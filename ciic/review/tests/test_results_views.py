"""The staff pages for results, advancement, finalists, due diligence and the archive: who may
open them, the aggregation locked once results are seen, the tie form, the exports, the
confirmation steps, and a constant number of queries on the results page."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from ciic.accounts.enums import Role
from ciic.contests.models import StationQuota
from ciic.contests.tests.helpers import spec_2023
from ciic.review.enums import Aggregation, FinalistStatus, RoundStatus
from ciic.review.models import DueDiligence, FinalistEntry, FinalistList, RoundArchive, TieDecision
from ciic.review.results.services import compute_results, set_advancement_rule
from ciic.testing.personas import make_user, verified_client

from .test_results import group, make_entry, make_experts, make_round, score, scored_round

# R-P9: the 2023 spec's due-diligence checklist, as the contest loads it.
CHECKLIST = [(i["code"], i["name"]) for i in spec_2023()["due_diligence_checklist"]]

pytestmark = pytest.mark.django_db


@pytest.fixture
def tied_round(contest, station, secretariat):
    """Beijing newcomers scoring 90, 80, 80, 50 with 2 seats: a tie at the cut."""
    experts = make_experts(contest, 3)
    table = {make_entry(contest, station=station, name=f"项目{n}"): [t] * 3
             for n, t in zip("ABCD", (90, 80, 80, 50), strict=True)}
    review_round = scored_round(contest, station, table, experts, code="offline_roadshow")
    set_advancement_rule(review_round=review_round, direction=station.directions.first(),
                         group=group(contest, "newcomer"), count=2, actor=secretariat)
    return review_round, list(table)


@pytest.fixture
def wuxi_officer(contest):
    return make_user("wuxi-officer@example.com", role=Role.STATION_OFFICER, station=contest.stations.get(code="wuxi"))


def test_outsiders_get_404(verified, tied_round, team_lead, expert, wuxi_officer):
    review_round, _projects = tied_round
    urls = [reverse("review:round_results", args=[review_round.pk]),
            reverse("review:round_results_export", args=[review_round.pk]),
            reverse("review:round_archive", args=[review_round.pk])]
    for user in (team_lead, expert, wuxi_officer):
        client = verified(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(reverse("review:round_compute", args=[review_round.pk])).status_code == 404
    assert verified(team_lead).get(reverse("review:finalist_index")).status_code == 404


def test_results_page_locks_aggregation_and_shows_the_groups(verified, tied_round, station_officer):
    review_round, projects = tied_round
    client = verified(station_officer)
    url = reverse("review:round_results", args=[review_round.pk])
    assert client.post(reverse("review:round_aggregation", args=[review_round.pk]),
                       {"aggregation": Aggregation.ZSCORE}).status_code == 302
    page = client.get(url).content.decode()
    assert "计算结果" in page and "<fieldset disabled" not in page
    client.post(reverse("review:round_compute", args=[review_round.pk]))
    page = client.get(url).content.decode()
    review_round.refresh_from_db()
    assert review_round.aggregation_locked_at is not None and review_round.aggregation == Aggregation.ZSCORE
    assert "<fieldset disabled" in page and "晋级线处并列" in page and "<svg" in page
    assert all(p.name in page for p in projects)
    client.post(reverse("review:round_aggregation", args=[review_round.pk]), {"aggregation": Aggregation.RAW})
    review_round.refresh_from_db()
    assert review_round.aggregation == Aggregation.ZSCORE


def test_tie_decision_form_and_export(verified, tied_round, station_officer):
    review_round, (a, b, c, _d) = tied_round
    client = verified(station_officer)
    client.post(reverse("review:round_compute", args=[review_round.pk]))
    url = reverse("review:round_tie", args=[review_round.pk])
    data = {"direction": b.team.direction_id, "group": b.team.organization.group_id, "advancing": [c.pk]}
    client.post(url, {**data, "reason": ""})
    assert not TieDecision.objects.exists()
    client.post(url, {**data, "reason": "路演答辩更充分"})
    assert TieDecision.objects.get().reason == "路演答辩更充分"

    response = client.get(reverse("review:round_results_export", args=[review_round.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    advanced = {row[3] for row in sheet.iter_rows(min_row=2, values_only=True) if row[13]}
    assert advanced == {a.name, c.name}


def test_results_page_query_count_is_constant(verified, contest, station, secretariat, station_officer):
    def queries(n: int) -> int:
        experts = make_experts(contest, 2)
        table = {make_entry(contest, station=station): [50 + i, 52 + i] for i in range(n)}
        review_round = scored_round(contest, station, table, experts,
                                    code="online_review" if n == 1 else "online_roadshow")
        compute_results(review_round=review_round, actor=secretariat)
        client = verified(station_officer)
        client.get(reverse("review:round_results", args=[review_round.pk]))  # lock first
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("review:round_results", args=[review_round.pk])).status_code == 200
        return len(ctx)

    assert queries(1) == queries(8)


def test_archive_button_and_download(verified, tied_round, station_officer):
    review_round, (_a, b, _c, _d) = tied_round
    client = verified(station_officer)
    client.post(reverse("review:round_compute", args=[review_round.pk]))
    client.post(reverse("review:round_tie", args=[review_round.pk]), {
        "direction": b.team.direction_id, "group": b.team.organization.group_id, "advancing": [b.pk], "reason": "x"})
    review_round.status = RoundStatus.CLOSED
    review_round.save()
    assert "确认归档" in client.get(reverse("review:round_archive", args=[review_round.pk])).content.decode()
    client.post(reverse("review:round_archive", args=[review_round.pk]))
    archive = RoundArchive.objects.get()
    response = client.get(reverse("review:round_archive_download", args=[review_round.pk]))
    body = b"".join(response.streaming_content)
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert "校验通过" in client.get(reverse("review:round_results", args=[review_round.pk])).content.decode()
    assert archive.sha256 in client.get(reverse("review:round_results", args=[review_round.pk])).content.decode()


def test_advancement_rules_read_as_a_count_or_a_share_and_lock_once_archived(verified, tied_round, station_officer):
    """60 % read as 60 projects (the two inputs stacked under one column), and a locked form
    still looked usable."""
    review_round, (_a, b, _c, _d) = tied_round
    client = verified(station_officer)
    page = client.get(reverse("review:round_results", args=[review_round.pk])).content.decode()
    form = page[page.index('class="rule-row"'):]
    form = form[:form.index("</form>")]
    assert "晋级 <input" in form and "个</label>" in form and "> %</label>" in form
    assert "disabled" not in form
    client.post(reverse("review:round_compute", args=[review_round.pk]))
    client.post(reverse("review:round_tie", args=[review_round.pk]), {
        "direction": b.team.direction_id, "group": b.team.organization.group_id, "advancing": [b.pk], "reason": "x"})
    review_round.status = RoundStatus.CLOSED
    review_round.save()
    client.post(reverse("review:round_archive", args=[review_round.pk]))
    assert RoundArchive.objects.filter(review_round=review_round).exists()
    page = client.get(reverse("review:round_results", args=[review_round.pk])).content.decode()
    form = page[page.index('class="rule-row"'):]
    assert "本轮已归档，晋级规则与决定不能再更改" in page
    assert 'class="button button-small" disabled>' in form[:form.index("</form>")]


def test_finalists_proposed_confirmed_checked_and_replaced(verified, contest, station, tied_round, station_officer,
                                                           secretariat, wuxi_officer):
    review_round, (a, b, c, _d) = tied_round
    compute_results(review_round=review_round, actor=secretariat)
    from ciic.review.results.services import decide_tie

    decide_tie(review_round=review_round, direction=station.directions.first(), group=group(contest, "newcomer"),
               advancing=[b], reason="x", actor=secretariat)
    review_round.status = RoundStatus.CLOSED
    review_round.save()
    newcomer = group(contest, "newcomer")
    StationQuota.objects.filter(station=station, group=newcomer).update(finalists=1)
    propose = reverse("review:finalist_propose", args=[station.code, newcomer.code])
    assert verified(wuxi_officer).get(propose).status_code == 404
    assert verified(secretariat).get(propose).status_code == 404  # the station officer proposes

    officer = verified_client(station_officer)  # two sessions at once
    page = officer.get(propose).content.decode()
    assert a.name in page and b.name in page and c.name not in page
    preview = officer.post(propose, {"projects": [a.pk], f"position-{a.pk}": 1}).content.decode()
    assert "确认推荐" in preview and not FinalistList.objects.exists()  # the confirmation step
    officer.post(propose, {"ordered": [a.pk], "confirm": "1"})
    finalist_list = FinalistList.objects.get()
    assert list(finalist_list.entries.values_list("project", flat=True)) == [a.pk]

    confirm = reverse("review:finalist_confirm", args=[finalist_list.pk])
    assert officer.post(confirm).status_code == 404
    office = verified_client(secretariat)
    assert "确认名单" in office.get(confirm).content.decode()
    office.post(confirm)
    finalist_list.refresh_from_db()
    assert finalist_list.status == FinalistStatus.CONFIRMED
    assert "校验通过" in office.get(confirm).content.decode()

    entry = finalist_list.entries.get()
    dd_url = reverse("review:diligence", args=[entry.pk])
    assert officer.get(dd_url).status_code == 404
    form = {"passed": "fail", "findings": "应用证明为虚构", **{f"ok-{code}": "1" for code, _n in CHECKLIST}}
    form["ok-application"] = "0"
    refused = office.post(dd_url, {**form, "passed": "maybe"})  # a tampered verdict: refused, nothing stored
    assert refused.status_code == 200 and "结论只能是通过、不通过或暂存" in refused.content.decode()
    assert not DueDiligence.objects.filter(project=a).exclude(passed=None).exists()
    office.post(dd_url, form)
    assert DueDiligence.objects.get(project=a).passed is False
    page = office.get(dd_url).content.decode()
    assert b.name in page and "确认递补" in page
    # R-P9: the checklist is spec data with English names; the record keeps the Chinese ones.
    english = office.get(dd_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<li>Proof of application: " in english and "<li>应用证明" not in english
    assert [i["name"] for i in DueDiligence.objects.get(project=a).checklist] == [n for _c, n in CHECKLIST]
    office.post(reverse("review:finalist_replace", args=[entry.pk]), {"project": b.pk, "reason": "按排名递补"})
    assert FinalistEntry.objects.get(replaces=entry).project == b
    assert b.name in office.get(reverse("review:finalist_index")).content.decode()


def test_staff_member_who_is_a_conflicted_expert_never_sees_the_ranking(verified, contest, tied_round,
                                                                        station_officer, secretariat):
    """R-P8: a conflicted expert sees nothing about the project, not even its rank, also when
    the same person manages the round's results (404, the round is not listed)."""
    from ciic.review.enums import ConflictSource, ExpertKind
    from ciic.review.models import ConflictDeclaration, Expert

    review_round, (a, *_rest) = tied_round
    client = verified(station_officer)
    url = reverse("review:round_results", args=[review_round.pk])
    assert client.get(url).status_code == 200
    me = Expert.objects.create(contest=contest, user=station_officer, name="北京赛站", employer="某研究院",
                               kind=ExpertKind.RESEARCH)
    assert client.get(url).status_code == 200  # an expert profile alone hides nothing
    ConflictDeclaration.objects.create(expert=me, project=a, source=ConflictSource.EXPERT, reason="曾任顾问",
                                       declared_by=secretariat)
    for name in ("round_results", "round_results_export", "round_archive"):
        assert client.get(reverse(f"review:{name}", args=[review_round.pk])).status_code == 404, name
    assert client.post(reverse("review:round_compute", args=[review_round.pk])).status_code == 404
    assert url not in client.get(reverse("review:results_list")).content.decode()
    assert url in verified(secretariat).get(reverse("review:results_list")).content.decode()


def test_results_page_warns_when_least_squares_scores_come_from_separate_panels(verified, contest, station,
                                                                                station_officer, secretariat):
    """Two panels of experts that share no project: least squares cannot compare their
    leniency, and the page says so (only for that aggregation)."""
    x, y, u, v = make_experts(contest, 4)
    a, b, c, d = (make_entry(contest, station=station) for _ in range(4))
    review_round = make_round(contest, station, [a, b, c, d], aggregation=Aggregation.LEAST_SQUARES)
    for project, panel, totals in ((a, (x, y), (80, 70)), (b, (x, y), (60, 65)), (c, (u, v), (75, 70)),
                                   (d, (u, v), (55, 50))):
        for expert, total in zip(panel, totals, strict=True):
            score(review_round, expert, project, total)
    compute_results(review_round=review_round, actor=secretariat)
    url = reverse("review:round_results", args=[review_round.pk])
    assert "2 个互不相连的部分" in verified(station_officer).get(url).content.decode()
    score(review_round, x, c, 72)  # x links the panels
    compute_results(review_round=review_round, actor=secretariat)
    assert "互不相连" not in verified(station_officer).get(url).content.decode()
