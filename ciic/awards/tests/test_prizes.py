"""The finals prizes (R-A1): standings by the published tie-break keys, the proposal, ties that
need a decision, confirmation frozen by the database, and the ledger within the pool."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from ciic.audit.models import AuditEntry
from ciic.awards import prizes as svc
from ciic.awards.enums import PrizeStatus
from ciic.awards.models import Award, AwardList, Prize
from ciic.contests.models import PrizeTier
from ciic.review.enums import RoundStatus
from ciic.review.models import Assignment, ReviewRound
from ciic.review.reviews.services import save_review

from .conftest import SCORES

pytestmark = pytest.mark.django_db


def _tiers(contest, first=1, second=1, third=2):
    PrizeTier.objects.filter(contest=contest, code="first").update(count=first)
    PrizeTier.objects.filter(contest=contest, code="second").update(count=second)
    PrizeTier.objects.filter(contest=contest, code="third").update(count=third)


def _score_all(finals, sheets):
    """sheets[project index] -> the scores every expert gives it (a different team score per
    expert, so trimming matters)."""
    for p, project in enumerate(finals.projects):
        for i, (expert, user) in enumerate(zip(finals.experts, finals.users, strict=True)):
            assignment, _ = Assignment.objects.get_or_create(review_round=finals.round, expert=expert, project=project)
            save_review(assignment=assignment, actor=user, scores=sheets[p] | {"team": min(10, sheets[p]["team"] + i % 2)},
                        recommendation="advance", submit=True)


def _close(finals):
    ReviewRound.objects.filter(pk=finals.round.pk).update(status=RoundStatus.CLOSED)
    finals.round.refresh_from_db()


@pytest.fixture
def scored(finals, contest):
    _tiers(contest)
    _score_all(finals, [SCORES | {"innovation": 10 - p} for p in range(5)])  # project 0 best ... 4 worst
    return finals


def test_standings_rank_by_score_and_show_the_margin(scored):
    rows = svc.standings(scored.round)
    assert [r.project.pk for r in rows] == [p.pk for p in scored.projects]
    assert [r.rank for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].margin == pytest.approx(rows[0].score - rows[1].score)
    assert rows[0].cell[1] == scored.leader.code and rows[4].cell[1] == scored.newcomer.code


def test_the_proposal_gives_the_spec_counts_and_confirming_freezes_it(scored, contest, secretariat):
    award_list, allocation = svc.propose_awards(contest=contest, actor=secretariat)
    assert allocation.final
    codes = dict(award_list.awards.values_list("project_id", "code"))
    assert codes == {scored.projects[0].pk: "first", scored.projects[1].pk: "second",
                     scored.projects[2].pk: "third", scored.projects[3].pk: "third"}
    with pytest.raises(ValidationError) as exc:  # the round is still open
        svc.confirm_awards(award_list=award_list, actor=secretariat)
    assert "尚未结束" in str(exc.value)
    _close(scored)
    award_list = svc.confirm_awards(award_list=award_list, actor=secretariat)
    assert svc.verify_snapshot(award_list)
    assert AuditEntry.objects.get(action="awards.confirm").after["snapshot_sha256"] == award_list.snapshot_sha256
    prizes = Prize.objects.filter(contest=contest).order_by("award__rank")
    assert [p.amount for p in prizes] == [Decimal("100"), Decimal("30"), Decimal("10"), Decimal("10")]
    assert all(p.status == PrizeStatus.PENDING_PUBLICITY for p in prizes)
    assert prizes[0].payee == scored.projects[0].team.organization
    # Frozen: the database refuses any change, whatever code runs.
    with pytest.raises(DatabaseError), transaction.atomic():
        Award.objects.filter(award_list=award_list).update(code="first")
    with pytest.raises(DatabaseError), transaction.atomic():
        AwardList.objects.filter(pk=award_list.pk).update(method="fixed")
    with pytest.raises(ValidationError):
        svc.propose_awards(contest=contest, actor=secretariat)


def test_a_tie_on_every_key_needs_a_recorded_decision(finals, contest, secretariat):
    _tiers(contest, first=1, second=1, third=1)
    sheets = [SCORES | {"innovation": 10 - p} for p in range(5)]
    sheets[2] = sheets[3] = SCORES | {"innovation": 7}  # 3rd and 4th equal on score, technology, median
    _score_all(finals, sheets)
    _close(finals)
    award_list, allocation = svc.propose_awards(contest=contest, actor=secretariat)
    [tie] = allocation.ties
    assert set(tie.projects) == {finals.projects[2].pk, finals.projects[3].pk} and tie.seats == 1
    with pytest.raises(ValidationError) as exc:
        svc.confirm_awards(award_list=award_list, actor=secretariat)
    assert "并列" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        svc.decide_tie(contest=contest, key=tie.key, chosen=[finals.projects[0].pk], reason="x", actor=secretariat)
    assert "chosen" in exc.value.error_dict
    svc.decide_tie(contest=contest, key=tie.key, chosen=[finals.projects[3].pk], reason="评审委员会投票 7:4",
                   actor=secretariat)
    with pytest.raises(ValidationError) as exc:  # the proposal predates the decision
        svc.confirm_awards(award_list=award_list, actor=secretariat)
    assert "重新生成" in str(exc.value)
    award_list, allocation = svc.propose_awards(contest=contest, actor=secretariat)
    assert allocation.final and allocation.awards[finals.projects[3].pk] == "third"
    assert finals.projects[2].pk not in allocation.awards
    svc.confirm_awards(award_list=award_list, actor=secretariat)


def test_an_unfillable_allocation_is_refused_with_the_reason(scored, contest, secretariat):
    _tiers(contest, first=2, second=2, third=2)  # 6 prizes, 5 finalists
    with pytest.raises(ValidationError) as exc:
        svc.propose_awards(contest=contest, actor=secretariat)
    assert "6 prizes but only 5 finalists" in str(exc.value)
    assert not AwardList.objects.exists()


def test_the_pool_is_never_exceeded(scored, contest, secretariat):
    _close(scored)
    award_list, _allocation = svc.propose_awards(contest=contest, actor=secretariat)
    type(contest).objects.filter(pk=contest.pk).update(prize_pool=Decimal("100"))
    award_list.contest.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        svc.confirm_awards(award_list=award_list, actor=secretariat)
    assert "超过奖金池" in str(exc.value)
    assert not Prize.objects.exists()


def test_the_ledger_moves_only_along_its_transitions(scored, contest, secretariat):
    _close(scored)
    award_list, _allocation = svc.propose_awards(contest=contest, actor=secretariat)
    svc.confirm_awards(award_list=award_list, actor=secretariat)
    prize = Prize.objects.order_by("award__rank").first()
    with pytest.raises(ValidationError):
        svc.transition(prize=prize, to=PrizeStatus.PAID, actor=secretariat, reason="跳过公示")
    with pytest.raises(ValidationError) as exc:
        svc.transition(prize=prize, to=PrizeStatus.PAYABLE, actor=secretariat, reason="")
    assert "reason" in exc.value.error_dict
    prize = svc.transition(prize=prize, to=PrizeStatus.PAYABLE, actor=secretariat, reason="公示期满无异议")
    prize = svc.transition(prize=prize, to=PrizeStatus.PAID, actor=secretariat, reason="银行回单 2024-01-10")
    with pytest.raises(ValidationError):  # revoked first (R-X3)
        svc.transition(prize=prize, to=PrizeStatus.RECLAIM_DUE, actor=secretariat, reason="投诉查实",
                       amount="100", on=dt.date(2024, 3, 1))
    prize = svc.transition(prize=prize, to=PrizeStatus.REVOKED, actor=secretariat, reason="投诉查实")
    assert svc.committed_total(contest) == Decimal("50")
    for amount in ("0", "100.001", "101", "NaN", "1e400", "abc", None):
        with pytest.raises(ValidationError) as exc:
            svc.transition(prize=prize, to=PrizeStatus.RECLAIM_DUE, actor=secretariat, reason="追回",
                           amount=amount, on=dt.date(2024, 3, 1))
        assert "amount" in exc.value.error_dict, amount
    with pytest.raises(ValidationError) as exc:
        svc.transition(prize=prize, to=PrizeStatus.RECLAIM_DUE, actor=secretariat, reason="追回", amount="100")
    assert "on" in exc.value.error_dict
    prize = svc.transition(prize=prize, to=PrizeStatus.RECLAIM_DUE, actor=secretariat, reason="追回",
                           amount="100", on=dt.date(2024, 3, 1))
    assert (prize.reclaim_amount, prize.reclaim_due_on) == (Decimal("100"), dt.date(2024, 3, 1))
    assert svc.committed_total(contest) == Decimal("150")  # owed back: still out until reclaimed
    prize = svc.transition(prize=prize, to=PrizeStatus.RECLAIMED, actor=secretariat, reason="已退回",
                           on=dt.date(2024, 2, 20))
    assert prize.reclaimed_on == dt.date(2024, 2, 20)
    assert svc.committed_total(contest) == Decimal("50")
    assert AuditEntry.objects.filter(action="awards.prize.transition").count() == 5
    assert AuditEntry.objects.filter(action="awards.prize.transition").order_by("-pk").first().after[
        "reclaimed_on"] == "2024-02-20"


# --- pages ----------------------------------------------------------------------------------


def test_the_awards_page_proposes_settles_and_confirms(finals, contest, secretariat, verified, team_lead):
    _tiers(contest, first=1, second=1, third=1)
    sheets = [SCORES | {"innovation": 10 - p} for p in range(5)]
    sheets[2] = sheets[3] = SCORES | {"innovation": 7}
    _score_all(finals, sheets)
    _close(finals)
    assert verified(team_lead).get("/finals/awards/").status_code == 403
    office = verified(secretariat)
    page = office.get("/finals/awards/").content.decode()
    assert finals.projects[0].name in page and "需要处理的并列" in page
    assert office.post("/finals/awards/", {"action": "propose"}).status_code == 302
    r = office.post("/finals/awards/", {"action": "confirm"})
    assert r.status_code == 400 and "尚有并列未处理" in r.content.decode()
    key = svc.current_allocation(contest).ties[0].key
    r = office.post("/finals/awards/", {"action": "decide", "key": key, "chosen": [str(finals.projects[2].pk)],
                                        "reason": ""})
    assert r.status_code == 400 and "请填写理由" in r.content.decode()
    r = office.post("/finals/awards/", {"action": "decide", "key": key, "chosen": [str(finals.projects[2].pk)],
                                        "reason": "委员会复议"})
    assert r.status_code == 302
    assert office.post("/finals/awards/", {"action": "confirm"}).status_code == 302
    assert AwardList.objects.get().status == "confirmed"
    page = office.get("/finals/prizes/").content.decode()
    assert finals.projects[0].team.organization.name in page
    prize = Prize.objects.order_by("award__rank").first()
    r = office.post("/finals/prizes/", {"prize": str(prize.pk), "status": "paid", "reason": "x"})
    assert r.status_code == 400 and "不能从" in r.content.decode()
    r = office.post("/finals/prizes/", {"prize": str(prize.pk), "status": "payable", "reason": "公示期满"})
    assert r.status_code == 302
    assert office.post("/finals/prizes/", {"prize": str(prize.pk), "status": "revoked", "reason": "投诉查实"}).status_code == 302
    r = office.post("/finals/prizes/", {"prize": str(prize.pk), "status": "reclaim_due", "reason": "追回",
                                        "amount": "999", "on": "2024-13-01"})
    html = r.content.decode()
    assert r.status_code == 400 and "追回金额应大于 0" in html and "日期格式不正确" in html
    assert Prize.objects.get(pk=prize.pk).status == "revoked"
    r = office.post("/finals/prizes/", {"prize": str(prize.pk), "status": "reclaim_due", "reason": "追回",
                                        "amount": "100", "on": "2024-03-01"})
    assert r.status_code == 302 and "追回 100.00 万元，期限 2024-03-01" in office.get("/finals/prizes/").content.decode()
    export = office.get("/finals/prizes/export.xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_confirming_tells_each_winning_team_and_nobody_else(scored, contest, secretariat):
    from ciic.notifications.models import Notification

    award_list, _ = svc.propose_awards(contest=contest, actor=secretariat)
    assert not Notification.objects.filter(kind="prize_confirmed").exists()  # a proposal tells nobody
    _close(scored)
    svc.confirm_awards(award_list=award_list, actor=secretariat)
    told = Notification.objects.filter(kind="prize_confirmed")
    leads = {p.team.lead_id for p in scored.projects}
    winners = {p.team.lead_id for p in scored.projects[:4]}
    assert set(told.values_list("user_id", flat=True)) == winners
    assert not told.filter(user_id__in=leads - winners).exists()
    first = told.get(user=scored.projects[0].team.lead)
    assert first.params["award"] == award_list.awards.get(project=scored.projects[0]).name
    assert first.params["days"] == contest.publicity_days


def test_revoking_an_award_revokes_its_prize_tells_the_team_and_marks_the_public_list(scored, contest, secretariat,
                                                                                       client):
    from ciic.awards import publication
    from ciic.awards.enums import PublicationKind
    from ciic.awards.models import AwardRevocation
    from ciic.notifications.models import Notification

    _close(scored)
    award_list, _allocation = svc.propose_awards(contest=contest, actor=secretariat)
    proposed = award_list.awards.get(code="first")
    with pytest.raises(ValidationError):  # nothing to take back before confirmation
        svc.revoke_award(award=proposed, reason="投诉查实", basis="TS-1", actor=secretariat)
    svc.confirm_awards(award_list=award_list, actor=secretariat)
    first = award_list.awards.get(code="first")
    with pytest.raises(ValidationError) as exc:
        svc.revoke_award(award=first, reason=" ", basis="TS-1", actor=secretariat)
    assert "reason" in exc.value.error_dict and not AwardRevocation.objects.exists()
    svc.revoke_award(award=first, reason="举报查实：提供虚假材料", basis="JB2023-001", actor=secretariat)
    assert Prize.objects.get(award=first).status == PrizeStatus.REVOKED
    assert svc.committed_total(contest) == Decimal("50")
    with pytest.raises(ValidationError):
        svc.revoke_award(award=first, reason="再次", basis="JB2023-001", actor=secretariat)
    told = Notification.objects.get(kind="award_revoked", user=first.project.team.lead)
    assert told.params["basis"] == "JB2023-001"
    assert AuditEntry.objects.filter(action="awards.revoke").count() == 1
    first.refresh_from_db()
    assert first.code == "first"  # the frozen row is unchanged; the revocation is its own record
    publication.release(contest=contest, kind=PublicationKind.AWARDS, actor=secretariat, publish=True)
    page = client.get(f"/results/{contest.slug}/awards/").content.decode()
    assert "已撤销" in page and "JB2023-001" in page
