"""The public results (R-C3): nothing until the secretariat releases it, then only confirmed
lists and drawn orders, by names only, at permanent links per edition."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ciic.audit.models import AuditEntry
from ciic.awards import finals as sessions
from ciic.awards import prizes
from ciic.awards import publication as svc
from ciic.awards.enums import PublicationKind
from ciic.contests.models import PrizeTier
from ciic.review.enums import RoundStatus
from ciic.review.models import Assignment, ReviewRound
from ciic.review.reviews.services import save_review

from .conftest import SCORES

pytestmark = pytest.mark.django_db


def test_nothing_is_public_until_released(finals, contest, secretariat, client):
    base = f"/results/{contest.slug}"
    assert client.get("/results/").status_code == 302
    assert client.get(f"{base}/").status_code == 200
    for page in ("finalists", "running-order", "awards"):
        assert client.get(f"{base}/{page}/").status_code == 404
    with pytest.raises(ValidationError):  # no confirmed awards yet: nothing to publish
        svc.release(contest=contest, kind=PublicationKind.AWARDS, actor=secretariat, publish=True)
    svc.release(contest=contest, kind=PublicationKind.FINALISTS, actor=secretariat, publish=True)
    page = client.get(f"{base}/finalists/").content.decode()
    assert finals.projects[0].name in page and finals.projects[0].team.organization.name in page
    svc.release(contest=contest, kind=PublicationKind.FINALISTS, actor=secretariat, publish=False)
    assert client.get(f"{base}/finalists/").status_code == 404
    assert AuditEntry.objects.filter(action="awards.publication").count() == 2


def test_running_orders_and_awards_once_drawn_and_confirmed(finals, contest, secretariat, client, verified):
    session = sessions.create_session(review_round=finals.round, direction=finals.direction, group=finals.leader,
                                      actor=secretariat, experts=finals.experts)
    sessions.draw(session=session, actor=secretariat, seed="public")
    svc.release(contest=contest, kind=PublicationKind.RUNNING_ORDER, actor=secretariat, publish=True)
    page = client.get(f"/results/{contest.slug}/running-order/").content.decode()
    first = session.entries.get(position=1).project
    assert first.name in page and "public" in page  # the seed, for anyone to check
    PrizeTier.objects.filter(contest=contest).update(count=1)
    for p, project in enumerate(finals.projects):
        for expert, user in zip(finals.experts, finals.users, strict=True):
            assignment, _ = Assignment.objects.get_or_create(review_round=finals.round, expert=expert, project=project)
            save_review(assignment=assignment, actor=user, scores=SCORES | {"innovation": 10 - p},
                        recommendation="advance", submit=True)
    ReviewRound.objects.filter(pk=finals.round.pk).update(status=RoundStatus.CLOSED)
    award_list, _allocation = prizes.propose_awards(contest=contest, actor=secretariat)
    office = verified(secretariat)
    r = office.post("/finals/publish/", {"kind": "awards", "publish": "on"})
    assert r.status_code == 400 and "尚无已确认的内容" in r.content.decode()
    prizes.confirm_awards(award_list=award_list, actor=secretariat)
    assert office.post("/finals/publish/", {"kind": "awards", "publish": "on"}).status_code == 302
    page = client.get(f"/results/{contest.slug}/awards/").content.decode()
    assert "一等奖" in page and finals.projects[0].name in page
    for award in award_list.awards.all():  # names only: no score is published
        assert f"{award.score:.2f}" not in page


def test_only_the_secretariat_publishes(contest, station_officer, verified):
    assert verified(station_officer).get("/finals/publish/").status_code == 403
