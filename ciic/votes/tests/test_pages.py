"""The public pages of the popularity vote (R-A2): no login, the finalists with their summary
and video in a random order per visitor that stays put while they browse; in Chinese and in
English; a verified voter votes from the page."""

from __future__ import annotations

import re

from django.test import Client
from django.utils import translation

from ciic.votes.models import Vote

from .conftest import MOBILE, code_in


def order(page: str) -> list[str]:
    return re.findall(r'id="p-(\d+)"', page)


def test_the_ballot_is_public_and_lists_only_the_finalists(ballot, client):
    response = client.get("/vote/")
    assert response.status_code == 200
    page = response.content.decode()
    assert sorted(order(page)) == sorted(str(p.pk) for p in ballot.finalists)
    for project in ballot.finalists:
        assert project.name in page and project.team.organization.name in page
    assert ballot.failed.name not in page and ballot.outsider.name not in page
    assert "第0号项目的概述" in page and "领军组" in page and "新锐组" in page
    assert "工业互联网+质量提升解决方案" in page and "投票进行中" in page
    from django.contrib.sessions.models import Session

    assert not Session.objects.exists()  # an anonymous visitor costs no session row


def test_each_visitor_has_an_order_of_their_own_which_stays_while_they_browse(ballot):
    orders = set()
    for _ in range(12):
        visitor = Client()
        first = order(visitor.get("/vote/").content.decode())
        assert order(visitor.get("/vote/").content.decode()) == first
        orders.add(tuple(first))
    assert len(orders) > 1


def test_the_finalist_page_shows_the_summary_and_plays_the_video(ballot, client):
    page = client.get(f"/vote/p/{ballot.finalists[0].pk}/").content.decode()
    assert "第0号项目的概述：工业互联网平台赋能制造业。" in page
    assert f'src="/vote/p/{ballot.finalists[0].pk}/video/"' in page and "<video" in page
    video = client.get(f"/vote/p/{ballot.finalists[0].pk}/video/", HTTP_RANGE="bytes=0-99")
    assert video.status_code == 206 and video["Content-Type"] == "video/mp4"
    assert b"".join(video.streaming_content) == ballot.video.file.open("rb").read()[:100]
    assert client.get(f"/vote/p/{ballot.finalists[1].pk}/video/").status_code == 404
    assert client.get(f"/vote/p/{ballot.outsider.pk}/").status_code == 404
    assert client.get(f"/vote/p/{ballot.failed.pk}/video/").status_code == 404


def test_the_pages_speak_english(ballot, client):
    client.cookies["django_language"] = "en"
    page = client.get("/vote/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Industrial Internet + Quality Improvement Solutions" in page and "Leaders" in page
    assert '<html lang="en">' in page
    translation.activate("en")
    assert client.get("/vote/verify/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200


def test_a_voter_verifies_on_the_page_and_votes(ballot, client, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/vote/verify/", {"action": "send", "mobile": MOBILE, "next": "/vote/"})
    assert sent.status_code == 200 and 'name="code"' in sent.content.decode()
    assert MOBILE in sent.content.decode()  # kept in the form, not the session
    assert MOBILE not in str(dict(client.session)) and MOBILE not in str(client.cookies)
    wrong = client.post("/vote/verify/", {"action": "verify", "mobile": MOBILE, "code": "000000", "next": "/vote/"})
    if code_in(sms_outbox) != "000000":
        assert wrong.status_code == 400 and "验证码错误" in wrong.content.decode()
    done = client.post("/vote/verify/", {"action": "verify", "mobile": MOBILE, "code": code_in(sms_outbox),
                                         "next": "/vote/"})
    assert done.status_code == 302 and done["Location"] == "/vote/"
    page = client.get("/vote/").content.decode()
    assert "手机号已验证，今天还可投 5 票" in page
    key = re.search(rf'action="/vote/p/{ballot.finalists[1].pk}/vote/".*?name="ballot_key" value="([^"]+)"',
                    page, re.S).group(1)
    voted = client.post(f"/vote/p/{ballot.finalists[1].pk}/vote/", {"ballot_key": key,
                                                                     "next": f"/vote/#p-{ballot.finalists[1].pk}"})
    assert voted.status_code == 302 and voted["Location"] == f"/vote/#p-{ballot.finalists[1].pk}"
    assert Vote.objects.get().project == ballot.finalists[1]
    page = client.get("/vote/").content.decode()
    assert "今天已投" in page and "今天还可投 4 票" in page


def test_live_counts_are_rounded_and_never_exact(ballot, client, voter):
    from ciic.votes import services

    for i in range(3):
        found = voter(f"1390000{i:04d}")
        services.cast_vote(contest=ballot.contest, voter=found, project_id=ballot.finalists[0].pk,
                           ballot_key=f"live-{i:05d}", client=services.Client(f"192.0.2.{i}"))
    page = client.get("/vote/").content.decode()
    assert "不足 100 票" in page and ">3 " not in page
    assert services.live_counts(ballot.contest) == {ballot.finalists[0].pk: 0}


def test_the_ballot_page_runs_a_constant_number_of_queries(ballot, client, django_assert_max_num_queries,
                                                           secretariat):
    """Pinned with three finalists and with six (R-A2 page, style habit 5)."""
    from ciic.review.models import RoundProject
    from ciic.review.tests.test_rounds import make_project

    from .conftest import finalist_list

    client.get("/vote/")  # the browser's seed
    with django_assert_max_num_queries(20) as few:
        client.get("/vote/")
        count = len(few)
    more = [make_project(ballot.contest, 80 + i, stage="finals") for i in range(3)]
    finalist_list(ballot.contest, ballot.contest.stations.get(code="wuxi"), ballot.contest.groups.first(), more,
                  secretariat)
    for project in more:
        RoundProject.objects.create(review_round=ballot.round, project=project,
                                    submission=project.submissions.first())
    from django.core.cache import cache

    cache.clear()
    client.get("/vote/")
    with django_assert_max_num_queries(count):
        page = client.get("/vote/").content.decode()
    assert len(order(page)) == 6
