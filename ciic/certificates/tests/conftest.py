"""Award lists to certify, built as the awards app leaves them: each list proposed with its
awards, then confirmed (the database refuses awards added to a confirmed list).

`awarded` holds, confirmed: the finals' tier prizes (first to the persona team lead's project,
second and third to two other teams), the special awards (a team's 最佳技术创新奖 and the
优秀组织奖 to an organizing unit named on the award), and Beijing's local awards (one);
proposed only: Wuxi's local awards (one), which must get no certificate."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import timezone

from ciic.awards.enums import AwardKind, AwardListStatus, AwardScope
from ciic.awards.models import Award, AwardList
from ciic.review.models import ReviewRound
from ciic.review.tests.test_rounds import make_project, spec_round

ORGANIZING_UNIT = "浙江省经济和信息化厅"


def award_list(contest, scope, rows, *, actor, review_round, station=None, confirm=True) -> AwardList:
    made = AwardList.objects.create(contest=contest, scope=scope, station=station, review_round=review_round,
                                    method="test", proposed_by=actor)
    for row in rows:
        Award.objects.create(award_list=made, **row)
    if confirm:
        AwardList.objects.filter(pk=made.pk).update(status=AwardListStatus.CONFIRMED, confirmed_by=actor,
                                                    confirmed_at=timezone.now())
        made.refresh_from_db()
    return made


@pytest.fixture
def awarded(contest, project, secretariat):
    review_round = ReviewRound.objects.create(contest=contest, round=spec_round(contest, "finals", "roadshow_defense"))
    beijing, wuxi = contest.stations.get(code="beijing"), contest.stations.get(code="wuxi")
    second, third, local = (make_project(contest, seq, submitted=False) for seq in (61, 62, 63))
    wuxi_project = make_project(contest, 64, station=wuxi, submitted=False)
    tiers = {t.code: t for t in contest.prize_tiers.all()}

    def tier(code, rank, winner):
        return dict(kind=AwardKind.TIER, code=code, name=tiers[code].name, project=winner, rank=rank,
                    score=90 - rank, amount=tiers[code].amount)

    lists = dict(review_round=review_round, actor=secretariat)
    finals = award_list(contest, AwardScope.FINALS, [tier("first", 1, project), tier("second", 2, second),
                                                     tier("third", 3, third)], **lists)
    special = award_list(contest, AwardScope.SPECIAL, [
        dict(kind=AwardKind.SPECIAL, code="tech_innovation", name="最佳技术创新奖", project=second),
        dict(kind=AwardKind.SPECIAL, code="organization", name="优秀组织奖", recipient_name=ORGANIZING_UNIT),
    ], **lists)
    local_list = award_list(contest, AwardScope.LOCAL, [
        dict(kind=AwardKind.LOCAL, code="excellence", name="北京赛站优胜奖", project=local)], station=beijing, **lists)
    proposed = award_list(contest, AwardScope.LOCAL, [
        dict(kind=AwardKind.LOCAL, code="excellence", name="无锡赛站优胜奖", project=wuxi_project)], station=wuxi,
        confirm=False, **lists)
    return SimpleNamespace(finals=finals, special=special, local=local_list, proposed=proposed,
                           review_round=review_round, projects=[project, second, third, local],
                           first=finals.awards.get(code="first"))


@pytest.fixture
def issued(awarded, contest, secretariat):
    from ciic.certificates.services import issue_certificates

    return issue_certificates(contest=contest, actor=secretariat)


@pytest.fixture
def single(contest, project, secretariat):
    """One confirmed list with one award (the persona lead's first prize): one PDF to build,
    for tests of the batch's workings rather than of its contents."""
    review_round = ReviewRound.objects.create(contest=contest, round=spec_round(contest, "finals", "roadshow_defense"))
    first = contest.prize_tiers.get(code="first")
    return award_list(contest, AwardScope.FINALS, [dict(kind=AwardKind.TIER, code="first", name=first.name,
                                                        project=project, rank=1, score=90, amount=first.amount)],
                      actor=secretariat, review_round=review_round)
