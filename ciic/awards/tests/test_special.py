"""Special awards (R-A2) and local awards (R-A3): computed from a finals criterion, named by the
secretariat with a reason (a project, or an organizing unit), ties settled by a decision,
confirmed and frozen; each station's own categories handed out along its local results."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from ciic.awards import special as svc
from ciic.awards.enums import AwardScope
from ciic.awards.models import Award, AwardList, LocalAwardCategory
from ciic.notifications.models import Notification
from ciic.review.enums import RoundStatus
from ciic.review.models import Assignment, ReviewRound, RoundResult
from ciic.review.reviews.services import save_review
from ciic.review.rounds.services import create_round
from ciic.review.tests.test_rounds import make_project, spec_round

from .conftest import SCORES

pytestmark = pytest.mark.django_db


def _ballots(finals, technology, *, every_criterion=False):
    """Each project's technology score; with `every_criterion`, every criterion of the form."""
    for p, project in enumerate(finals.projects):
        scores = ({code: technology[p] for code in SCORES} if every_criterion
                  else SCORES | {"technology": technology[p]})
        for expert, user in zip(finals.experts, finals.users, strict=True):
            assignment, _ = Assignment.objects.get_or_create(review_round=finals.round, expert=expert, project=project)
            save_review(assignment=assignment, actor=user, scores=scores, recommendation="advance", submit=True)


def test_a_criterion_award_goes_to_the_best_mean_and_the_vote_waits(finals, contest, secretariat):
    _ballots(finals, [6, 9, 7, 5, 8])
    award_list, outcome = svc.propose_special_awards(contest=contest, actor=secretariat)
    tech = award_list.awards.get(code="tech_innovation")
    assert tech.project == finals.projects[1] and tech.score == 9.0 and "9.0" in tech.reason
    assert "popularity" in outcome.waiting  # no published tally yet
    assert "market_demand" in outcome.waiting  # a committee award not yet named


def test_a_tie_on_a_criterion_needs_a_decision(finals, contest, secretariat):
    _ballots(finals, [9, 9, 7, 5, 8])
    _list, outcome = svc.propose_special_awards(contest=contest, actor=secretariat)
    tie = next(t for t in outcome.ties if t["key"] == "special:tech_innovation")
    assert set(tie["projects"]) == {finals.projects[0].pk, finals.projects[1].pk} and tie["seats"] == 1
    with pytest.raises(ValidationError):
        svc.decide(contest=contest, key=tie["key"], chosen=[finals.projects[2].pk], reason="x", actor=secretariat,
                   tie=tie)
    svc.decide(contest=contest, key=tie["key"], chosen=[finals.projects[0].pk], reason="评委会投票", actor=secretariat,
               tie=tie)
    award_list, outcome = svc.propose_special_awards(contest=contest, actor=secretariat)
    assert award_list.awards.get(code="tech_innovation").project == finals.projects[0]
    assert not [t for t in outcome.ties if t["key"] == "special:tech_innovation"]


def test_named_awards_need_a_reason_and_the_right_recipient(finals, contest, secretariat):
    with pytest.raises(ValidationError) as exc:
        svc.name_winner(contest=contest, code="market_demand", actor=secretariat, reason="", project=finals.projects[0])
    assert "reason" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        svc.name_winner(contest=contest, code="tech_innovation", actor=secretariat, reason="x",
                        project=finals.projects[0])
    assert "code" in exc.value.error_dict  # computed, not named
    with pytest.raises(ValidationError) as exc:
        svc.name_winner(contest=contest, code="organization", actor=secretariat, reason="组织有力",
                        project=finals.projects[0])
    assert "recipient_name" in exc.value.error_dict
    award = svc.name_winner(contest=contest, code="organization", actor=secretariat, reason="报名数量与质量均居首位",
                            recipient_name="浙江省经济和信息化厅")
    assert award.project is None and award.recipient == "浙江省经济和信息化厅"
    svc.name_winner(contest=contest, code="market_demand", actor=secretariat, reason="市场调研", project=finals.projects[2])
    with pytest.raises(ValidationError) as exc:  # count 1: full
        svc.name_winner(contest=contest, code="market_demand", actor=secretariat, reason="又一", project=finals.projects[3])
    assert "code" in exc.value.error_dict


def test_an_award_that_excludes_tier_prizes_skips_their_holders(finals, contest, secretariat):
    from ciic.awards import prizes
    from ciic.contests.models import PrizeTier

    PrizeTier.objects.filter(contest=contest).update(count=1)
    _ballots(finals, [9, 8, 7, 6, 5])
    prizes.propose_awards(contest=contest, actor=secretariat)  # tiers to projects 0, 1, 2
    spec = dict(contest.spec)
    spec["awards"] = dict(spec["awards"], special=[dict(s, with_tier=False) if s["code"] == "tech_innovation" else s
                                                   for s in spec["awards"]["special"]])
    type(contest).objects.filter(pk=contest.pk).update(spec=spec)
    contest.refresh_from_db()
    award_list, _outcome = svc.propose_special_awards(contest=contest, actor=secretariat)
    assert award_list.awards.get(code="tech_innovation").project == finals.projects[3]
    with pytest.raises(ValidationError) as exc:
        svc.name_winner(contest=contest, code="tech_innovation", actor=secretariat, reason="x",
                        project=finals.projects[0])
    assert "code" in exc.value.error_dict


def test_special_awards_are_confirmed_only_when_complete_and_then_frozen(finals, contest, secretariat, monkeypatch):
    _ballots(finals, [6, 9, 7, 5, 8], every_criterion=True)
    monkeypatch.setattr(svc, "tally_provider", lambda c: {finals.projects[4].pk: 1200, finals.projects[0].pk: 800})
    svc.propose_special_awards(contest=contest, actor=secretariat)
    with pytest.raises(ValidationError) as exc:
        svc.confirm_special_awards(contest=contest, actor=secretariat)
    assert "尚未评定完毕" in str(exc.value)
    for spec in svc.special_specs(contest):
        if spec.computed:
            continue
        if spec.recipient == "organizing_unit":
            svc.name_winner(contest=contest, code=spec.code, actor=secretariat, reason="组织有力",
                            recipient_name="宁波市经济和信息化局")
        else:
            svc.name_winner(contest=contest, code=spec.code, actor=secretariat, reason="评委会评定",
                            project=finals.projects[2])
    award_list = svc.confirm_special_awards(contest=contest, actor=secretariat)
    assert award_list.awards.get(code="popularity").project == finals.projects[4]
    assert award_list.snapshot_sha256
    with pytest.raises(DatabaseError), transaction.atomic():
        Award.objects.filter(award_list=award_list).update(reason="改")
    with pytest.raises(ValidationError):
        svc.propose_special_awards(contest=contest, actor=secretariat)


# --- local awards ----------------------------------------------------------------------------


@pytest.fixture
def local_results(contest, station, secretariat):
    projects = [make_project(contest, 20 + i) for i in range(6)]
    review_round = create_round(spec_round=spec_round(contest), station=station, actor=secretariat)
    ReviewRound.objects.filter(pk=review_round.pk).update(status=RoundStatus.CLOSED)
    for i, (project, score) in enumerate(zip(projects, [91, 88, 88, 80, 75, 70], strict=True)):
        RoundResult.objects.create(review_round=review_round, project=project, score=score, rank=i + 1)
    return projects


def test_a_station_defines_its_categories_with_clear_refusals(station, station_officer):
    with pytest.raises(ValidationError) as exc:
        svc.set_local_category(station=station, actor=station_officer, code="一等", name="", count="0",
                               amount="1.234")
    assert {"code", "name", "count", "amount"} <= set(exc.value.error_dict)
    assert not LocalAwardCategory.objects.exists()
    svc.set_local_category(station=station, actor=station_officer, code="first", name="北京赛站一等奖", count=1,
                           amount="5")
    with pytest.raises(ValidationError) as exc:
        svc.set_local_category(station=station, actor=station_officer, code="first", name="重复", count=1)
    assert "code" in exc.value.error_dict


def test_local_awards_follow_the_local_results_and_ties_need_a_decision(local_results, station, station_officer,
                                                                         contest):
    svc.set_local_category(station=station, actor=station_officer, code="first", name="一等奖", count=1, amount="5")
    svc.set_local_category(station=station, actor=station_officer, code="second", name="二等奖", count=1, amount="2")
    svc.set_local_category(station=station, actor=station_officer, code="merit", name="优秀奖", count=2)
    award_list, outcome = svc.propose_local_awards(station=station, actor=station_officer)
    assert [a.project_id for a in award_list.awards.filter(code="first")] == [local_results[0].pk]
    [tie] = outcome.ties  # 88 and 88 for the one second prize
    assert set(tie["projects"]) == {local_results[1].pk, local_results[2].pk}
    with pytest.raises(ValidationError):
        svc.confirm_local_awards(station=station, actor=station_officer)
    svc.decide(contest=contest, key=tie["key"], chosen=[local_results[2].pk], reason="现场答辩表现", actor=station_officer,
               tie=tie)
    award_list, outcome = svc.propose_local_awards(station=station, actor=station_officer)
    assert outcome.final
    codes = {a.project_id: a.code for a in award_list.awards.all()}
    assert codes == {local_results[0].pk: "first", local_results[2].pk: "second",
                     local_results[1].pk: "merit", local_results[3].pk: "merit"}
    assert award_list.awards.get(code="first").amount == Decimal("5")
    award_list = svc.confirm_local_awards(station=station, actor=station_officer)
    assert award_list.status == "confirmed" and award_list.scope == AwardScope.LOCAL
    told = Notification.objects.filter(kind="award_confirmed")
    assert sorted(n.params["award"] for n in told.filter(user=local_results[0].team.lead)) == ["一等奖"]
    assert told.count() == 4  # the four winners; nobody on a proposal
    with pytest.raises(ValidationError):
        svc.set_local_category(station=station, actor=station_officer, code="extra", name="加奖", count=1)
    assert AwardList.objects.filter(scope=AwardScope.LOCAL, station=station).count() == 1


def test_more_local_awards_than_results_are_refused(local_results, station, station_officer):
    svc.set_local_category(station=station, actor=station_officer, code="merit", name="优秀奖", count=7)
    with pytest.raises(ValidationError) as exc:
        svc.propose_local_awards(station=station, actor=station_officer)
    assert "多于有成绩的项目" in str(exc.value)


# --- pages ----------------------------------------------------------------------------------


def test_the_special_awards_page_names_proposes_and_confirms(finals, contest, secretariat, verified, station_officer,
                                                             monkeypatch):
    _ballots(finals, [6, 9, 7, 5, 8], every_criterion=True)
    monkeypatch.setattr(svc, "tally_provider", lambda c: {finals.projects[4].pk: 10})
    assert verified(station_officer).get("/finals/special/").status_code == 403
    office = verified(secretariat)
    # The committee's awards are still to name: the page answers with what is open.
    assert office.post("/finals/special/", {"action": "propose"}).status_code == 200
    page = office.get("/finals/special/").content.decode()
    assert "最佳技术创新奖" in page and finals.projects[1].name in page and "尚待评定" in page
    r = office.post("/finals/special/", {"action": "name", "code": "organization", "reason": "组织有力",
                                         "recipient_name": ""})
    assert r.status_code == 400 and "请填写获奖的组织单位" in r.content.decode()
    for spec in svc.special_specs(contest):
        if spec.computed:
            continue
        data = {"action": "name", "code": spec.code, "reason": "评委会评定"}
        data |= {"recipient_name": "宁波市经济和信息化局"} if spec.recipient == "organizing_unit" else {
            "project": str(finals.projects[2].pk)}
        assert office.post("/finals/special/", data).status_code == 302, spec.code
    assert office.post("/finals/special/", {"action": "confirm"}).status_code == 302
    assert AwardList.objects.get(scope=AwardScope.SPECIAL).status == "confirmed"


def test_the_local_awards_page_is_the_stations_own(local_results, station, station_officer, verified, contest,
                                                   secretariat):
    from django.test import Client

    from ciic.testing.personas import make_user, verified_client

    wuxi_officer = make_user("wuxi@example.com", role="station_officer", station=contest.stations.get(code="wuxi"))
    officer = verified(station_officer)
    r = officer.post("/finals/local/", {"action": "category", "code": "", "name": "一等奖", "count": "1"})
    assert r.status_code == 400 and "代码只能包含" in r.content.decode()
    assert officer.post("/finals/local/", {"action": "category", "code": "first", "name": "一等奖", "count": "1",
                                           "amount": "5"}).status_code == 302
    assert officer.post("/finals/local/", {"action": "propose"}).status_code == 302
    page = officer.get("/finals/local/").content.decode()
    assert local_results[0].name in page and "一等奖" in page
    # Another station's officer sees their own station only, never Beijing's.
    page = verified_client(wuxi_officer, Client()).get("/finals/local/?station=beijing").content.decode()
    assert local_results[0].name not in page
    assert officer.post("/finals/local/", {"action": "confirm"}).status_code == 302
    assert AwardList.objects.get(scope=AwardScope.LOCAL, station=station).status == "confirmed"
    assert verified_client(secretariat, Client()).get("/finals/local/?station=beijing").status_code == 200
