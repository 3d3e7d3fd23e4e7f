"""A round's results (R-V1, R-V2, R-G1): aggregation chosen then locked once seen, scores from
submitted and unconflicted reviews only, rankings and cuts per direction × group, ties at the
cut settled only by a recorded decision, stability reproducible. The helpers here are reused by
test_finalists.py, test_archive.py, test_results_views.py and the API tests.

Reviews are created directly (Assignment + Review rows with totals): the scoring services of
the expert workspace are not what is tested here."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ciic.audit.models import AuditEntry
from ciic.contests.models import Direction, Group, Round
from ciic.demo.identifiers import make_credit_code
from ciic.entrants.models import Organization, Team
from ciic.projects.models import Project
from ciic.review.enums import Aggregation, ConflictSource, ExpertKind, RoundStatus
from ciic.review.models import (
    AdvancementRule,
    Assignment,
    ConflictDeclaration,
    Expert,
    Review,
    ReviewRound,
    RoundProject,
    RoundResult,
    TieDecision,
)
from ciic.review.results.services import (
    compute_results,
    decide_tie,
    group_cuts,
    needs_extra_review,
    set_advancement_rule,
    set_aggregation,
)
from ciic.testing.personas import make_user

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)


# --- helpers ---------------------------------------------------------------------------------


def group(contest, code: str) -> Group:
    return Group.objects.get(contest=contest, code=code)


def second_direction(station) -> Direction:
    """A second direction at the station, so one round ranks two directions."""
    return Direction.objects.create(contest=station.contest, number=90 + station.order, code=f"extra-{station.code}",
                                    name="第二方向", description="测试用方向", station=station)


def make_entry(contest, *, station, direction=None, group_code: str = "newcomer", name: str = "") -> Project:
    seq = next(_seq)
    lead = make_user(f"results-lead{seq}@example.com")
    org = Organization.objects.create(contest=contest, name=f"结果测试单位{seq}", kind="software_it",
                                      credit_code=make_credit_code(8000 + seq), group=group(contest, group_code))
    team = Team.objects.create(contest=contest, organization=org, station=station,
                               direction=direction or station.directions.order_by("number").first(),
                               name=f"结果测试队{seq}", lead=lead)
    return Project.objects.create(contest=contest, team=team, name=name or f"结果测试项目{seq}")


def make_round(contest, station, projects, *, code: str = "online_review", status: str = RoundStatus.OPEN,
               aggregation: str = Aggregation.RAW, spread: float = 20.0, previous=None) -> ReviewRound:
    spec_round = Round.objects.get(stage__contest=contest, stage__code="local", code=code)
    review_round = ReviewRound.objects.create(contest=contest, round=spec_round, station=station, status=status,
                                              aggregation=aggregation, disagreement_spread=spread,
                                              form=spec_round.review_form.get("criteria", []), previous=previous)
    RoundProject.objects.bulk_create(RoundProject(review_round=review_round, project=p) for p in projects)
    return review_round


def make_experts(contest, n: int) -> list[Expert]:
    return [Expert.objects.create(contest=contest, name=f"评委{next(_seq)}", employer=f"某研究院{next(_seq)}",
                                  kind=ExpertKind.RESEARCH) for _ in range(n)]


def score(review_round, expert, project, total: float, *, submitted: bool = True, comment: str = "") -> Review:
    assignment = Assignment.objects.create(review_round=review_round, expert=expert, project=project)
    return Review.objects.create(assignment=assignment, total=total, comment=comment or "评语",
                                 scores={"innovation": round(total / 10, 2)},
                                 submitted_at=timezone.now() if submitted else None)


def scored_round(contest, station, table: dict[Project, list[float]], experts: list[Expert], **kwargs) -> ReviewRound:
    """A round whose projects got these totals, the i-th total by the i-th expert."""
    review_round = make_round(contest, station, list(table), **kwargs)
    for project, totals in table.items():
        for expert, total in zip(experts, totals, strict=False):
            score(review_round, expert, project, total)
    return review_round


def messages(exc) -> str:
    return " ".join(m for ms in exc.value.message_dict.values() for m in ms)


def rule_codes(exc) -> set[str]:
    return {e.code for es in exc.value.error_dict.values() for e in es}


@pytest.fixture
def experts(contest):
    return make_experts(contest, 3)


@pytest.fixture
def two_groups(contest, station, experts):
    """Beijing: 3 newcomer projects (90, 80, 70) and 3 leader projects (60, 50, 40)."""
    table = {make_entry(contest, station=station, group_code="newcomer", name=f"新锐{t}"): [t] * 3
             for t in (90, 80, 70)}
    table |= {make_entry(contest, station=station, group_code="leader", name=f"领军{t}"): [t] * 3
              for t in (60, 50, 40)}
    return scored_round(contest, station, table, experts)


# --- scores ----------------------------------------------------------------------------------


def test_results_count_only_submitted_unconflicted_reviews(contest, station, experts, secretariat):
    p = make_entry(contest, station=station)
    review_round = make_round(contest, station, [p])
    score(review_round, experts[0], p, 80)
    score(review_round, experts[1], p, 60)
    score(review_round, experts[2], p, 10, submitted=False)
    [result] = compute_results(review_round=review_round, actor=secretariat)
    assert (result.reviews, result.raw_score, result.spread) == (2, 70.0, 20.0)

    ConflictDeclaration.objects.create(expert=experts[1], project=p, source=ConflictSource.EXPERT,
                                       reason="曾任顾问", declared_by=secretariat)
    [result] = compute_results(review_round=review_round, actor=secretariat)
    assert (result.reviews, result.raw_score) == (1, 80.0)


def test_disagreement_beyond_the_spread_needs_an_extra_review(contest, station, experts, secretariat):
    calm, split = make_entry(contest, station=station), make_entry(contest, station=station)
    review_round = scored_round(contest, station, {calm: [70, 75, 80], split: [40, 70, 95]}, experts, spread=20)
    compute_results(review_round=review_round, actor=secretariat)
    assert [r.project for r in needs_extra_review(review_round)] == [split]
    assert RoundResult.objects.get(project=calm).disagreement is False


def test_rankings_are_separate_per_direction_and_group(contest, station, experts, secretariat):
    other = second_direction(station)
    table = {make_entry(contest, station=station, group_code=g, direction=d): [t] * 3
             for g, d, t in [("newcomer", None, 90), ("newcomer", None, 50), ("leader", None, 70),
                             ("newcomer", other, 60), ("leader", other, 30), ("leader", other, 20)]}
    review_round = scored_round(contest, station, table, experts)
    compute_results(review_round=review_round, actor=secretariat)
    ranks = {r.project.team.organization.group.code + r.project.team.direction.code: [] for r in RoundResult.objects.all()}
    for r in RoundResult.objects.order_by("rank"):
        ranks[r.project.team.organization.group.code + r.project.team.direction.code].append((r.rank, r.raw_score))
    first = station.directions.order_by("number").first().code
    assert ranks[f"newcomer{first}"] == [(1, 90.0), (2, 50.0)]
    assert ranks[f"leader{first}"] == [(1, 70.0)]
    assert ranks[f"newcomer{other.code}"] == [(1, 60.0)]
    assert ranks[f"leader{other.code}"] == [(1, 30.0), (2, 20.0)]
    assert len(group_cuts(review_round)) == 4


def test_calibration_follows_the_round_aggregation(contest, station, secretariat):
    # Expert 0 is lenient by +20: least squares removes the bias, the raw mean does not.
    experts = make_experts(contest, 3)
    a, b, c = (make_entry(contest, station=station) for _ in range(3))
    review_round = make_round(contest, station, [a, b, c], aggregation=Aggregation.LEAST_SQUARES)
    for project, quality, by in [(a, 60, [0, 1]), (b, 65, [1, 2]), (c, 55, [0, 2])]:
        for e in by:
            score(review_round, experts[e], project, quality + (20 if e == 0 else 0))
    compute_results(review_round=review_round, actor=secretariat)
    rows = {r.project: r for r in RoundResult.objects.all()}
    assert rows[b].score > rows[a].score > rows[c].score
    assert rows[a].raw_score > rows[b].raw_score  # the raw mean is fooled by the lenient expert


def test_draft_round_has_no_results_and_closed_results_are_frozen(contest, station, experts, secretariat):
    p = make_entry(contest, station=station)
    draft = make_round(contest, station, [p], status=RoundStatus.DRAFT)
    with pytest.raises(ValidationError):
        compute_results(review_round=draft, actor=secretariat)
    review_round = scored_round(contest, station, {p: [70, 80]}, experts, code="online_roadshow")
    review_round.status = RoundStatus.CLOSED
    review_round.save()
    compute_results(review_round=review_round, actor=secretariat)  # the first computation after closing
    with pytest.raises(ValidationError) as exc:
        compute_results(review_round=review_round, actor=secretariat)
    assert "R-V3" in rule_codes(exc)


# --- aggregation locked once seen --------------------------------------------------------------


def test_aggregation_can_change_until_results_are_seen(contest, station, experts, secretariat):
    review_round = scored_round(contest, station, {make_entry(contest, station=station): [70, 80]}, experts)
    set_aggregation(review_round=review_round, aggregation=Aggregation.ZSCORE, actor=secretariat)
    assert AuditEntry.objects.filter(action="review.aggregation.set").exists()
    compute_results(review_round=review_round, actor=secretariat)
    review_round.refresh_from_db()
    assert review_round.aggregation_locked_at is not None
    with pytest.raises(ValidationError) as exc:
        set_aggregation(review_round=review_round, aggregation=Aggregation.RAW, actor=secretariat)
    assert "R-V2" in rule_codes(exc)
    review_round.refresh_from_db()
    assert review_round.aggregation == Aggregation.ZSCORE


def test_aggregation_of_a_closed_round_cannot_change(contest, station, experts, secretariat):
    review_round = make_round(contest, station, [], status=RoundStatus.CLOSED)
    with pytest.raises(ValidationError):
        set_aggregation(review_round=review_round, aggregation=Aggregation.ZSCORE, actor=secretariat)


# --- advancement, quotas per group, ties ---------------------------------------------------------


def test_advancement_is_per_direction_and_group(contest, station, two_groups, secretariat):
    direction = station.directions.order_by("number").first()
    compute_results(review_round=two_groups, actor=secretariat)
    set_advancement_rule(review_round=two_groups, direction=direction, group=group(contest, "newcomer"),
                         count=2, actor=secretariat)
    set_advancement_rule(review_round=two_groups, direction=direction, group=group(contest, "leader"),
                         proportion=0.34, actor=secretariat)  # 0.34 × 3 = 1.02 -> 1
    advanced = sorted(RoundResult.objects.filter(advanced=True).values_list("project__name", flat=True))
    assert advanced == ["新锐80", "新锐90", "领军60"]
    assert AdvancementRule.objects.count() == 2
    assert AuditEntry.objects.filter(action="review.advancement_rule.set").count() == 2


def test_advancement_rule_needs_exactly_one_of_count_and_proportion(contest, station, two_groups, secretariat):
    direction = station.directions.first()
    with pytest.raises(ValidationError):
        set_advancement_rule(review_round=two_groups, direction=direction, group=group(contest, "leader"),
                             count=1, proportion=0.5, actor=secretariat)
    with pytest.raises(ValidationError):
        set_advancement_rule(review_round=two_groups, direction=direction, group=group(contest, "leader"),
                             proportion=1.5, actor=secretariat)


def test_tie_at_the_cut_advances_nobody_until_decided(contest, station, experts, secretariat):
    a, b, c, d = (make_entry(contest, station=station, name=n) for n in "ABCD")
    review_round = scored_round(contest, station, {a: [90] * 3, b: [80] * 3, c: [80] * 3, d: [50] * 3}, experts)
    direction, newcomer = station.directions.first(), group(contest, "newcomer")
    compute_results(review_round=review_round, actor=secretariat)
    set_advancement_rule(review_round=review_round, direction=direction, group=newcomer, count=2, actor=secretariat)
    [cut] = group_cuts(review_round)
    assert cut.pending and set(cut.tied) == {b.pk, c.pk} and cut.seats_for_tied == 1
    assert set(RoundResult.objects.filter(advanced=True).values_list("project", flat=True)) == {a.pk}

    with pytest.raises(ValidationError):  # one seat: both cannot advance
        decide_tie(review_round=review_round, direction=direction, group=newcomer, advancing=[b, c],
                   reason="并列", actor=secretariat)
    with pytest.raises(ValidationError):  # a reason is required
        decide_tie(review_round=review_round, direction=direction, group=newcomer, advancing=[c], reason="",
                   actor=secretariat)
    decision = decide_tie(review_round=review_round, direction=direction, group=newcomer, advancing=[c],
                          reason="应用成效得分更高", actor=secretariat)
    assert set(RoundResult.objects.filter(advanced=True).values_list("project", flat=True)) == {a.pk, c.pk}
    assert sorted(decision.tied) == sorted([b.pk, c.pk])
    assert AuditEntry.objects.filter(action="review.tie.decide").exists()
    with pytest.raises(ValidationError):  # decided: write-once
        decide_tie(review_round=review_round, direction=direction, group=newcomer, advancing=[b],
                   reason="改变主意", actor=secretariat)
    assert TieDecision.objects.count() == 1


def test_stability_is_reproducible_and_reflects_the_cut(contest, station, secretariat):
    experts = make_experts(contest, 4)
    table = {make_entry(contest, station=station): totals
             for totals in ([95, 90, 92, 94], [70, 72, 71, 69], [71, 69, 70, 72], [30, 35, 32, 31])}
    review_round = scored_round(contest, station, table, experts)
    direction, newcomer = station.directions.first(), group(contest, "newcomer")
    set_advancement_rule(review_round=review_round, direction=direction, group=newcomer, count=2, actor=secretariat)
    compute_results(review_round=review_round, actor=secretariat)
    first = dict(RoundResult.objects.values_list("project_id", "stability"))
    compute_results(review_round=review_round, actor=secretariat)
    assert dict(RoundResult.objects.values_list("project_id", "stability")) == first
    top, mid1, mid2, low = table
    assert first[top.pk] == 1.0 and first[low.pk] == 0.0
    assert 0.0 < first[mid1.pk] < 1.0 and 0.0 < first[mid2.pk] < 1.0


def test_rules_are_final_once_the_next_round_exists(contest, station, two_groups, secretariat):
    compute_results(review_round=two_groups, actor=secretariat)
    make_round(contest, station, [], code="online_roadshow", previous=two_groups)
    with pytest.raises(ValidationError):
        set_advancement_rule(review_round=two_groups, direction=station.directions.first(),
                             group=group(contest, "leader"), count=1, actor=secretariat)


# --- found in review: stale frozen results, ties as shown, withdrawn projects, stability ----------


def test_result_computed_while_open_is_recomputed_once_after_closing(contest, station, experts, secretariat):
    """R-V3: the result of a closed round is the one computed after closing; a computation
    made while the round was open may miss reviews submitted before the close."""
    from ciic.review.rounds.services import close_round

    p = make_entry(contest, station=station)
    review_round = make_round(contest, station, [p])
    score(review_round, experts[0], p, 80)
    late = score(review_round, experts[1], p, 40, submitted=False)
    [result] = compute_results(review_round=review_round, actor=secretariat)
    assert result.reviews == 1
    late.submitted_at = timezone.now()
    late.save()
    close_round(review_round=review_round, actor=secretariat)
    [result] = compute_results(review_round=review_round, actor=secretariat)
    assert (result.reviews, result.raw_score) == (2, 60.0)
    with pytest.raises(ValidationError) as exc:
        compute_results(review_round=review_round, actor=secretariat)
    assert "R-V3" in rule_codes(exc)
    assert AuditEntry.objects.filter(action="review.results.compute").last().after["status"] == RoundStatus.CLOSED


def test_projects_that_show_the_same_score_are_tied_at_the_cut(contest, station, experts, secretariat):
    """R-V2: 80.004 and 79.996 both show as 80.00: neither advances over the other without a
    recorded decision. 80.006 shows as 80.01 and is ranked above them."""
    a, b, c, d = (make_entry(contest, station=station, name=n) for n in "ABCD")
    review_round = scored_round(contest, station, {a: [80.006] * 3, b: [80.004] * 3, c: [79.996] * 3,
                                                   d: [60] * 3}, experts)
    compute_results(review_round=review_round, actor=secretariat)
    set_advancement_rule(review_round=review_round, direction=station.directions.first(),
                         group=group(contest, "newcomer"), count=2, actor=secretariat)
    ranks = dict(RoundResult.objects.values_list("project_id", "rank"))
    assert (ranks[a.pk], ranks[b.pk], ranks[c.pk], ranks[d.pk]) == (1, 2, 2, 4)
    [cut] = group_cuts(review_round)
    assert cut.advancing == (a.pk,) and set(cut.tied) == {b.pk, c.pk} and cut.pending
    assert set(RoundResult.objects.filter(advanced=True).values_list("project", flat=True)) == {a.pk}


def test_the_spec_sets_how_many_decimals_make_a_tie(contest, station, experts, secretariat):
    """R-V2: with 3 decimals (the round's `score_decimals`, from the spec's review form),
    80.004 and 79.996 are told apart: no tie, the better one advances."""
    a, b, c = (make_entry(contest, station=station, name=n) for n in "ABC")
    review_round = scored_round(contest, station, {a: [80.004] * 3, b: [79.996] * 3, c: [60] * 3}, experts)
    assert review_round.score_decimals == 2
    ReviewRound.objects.filter(pk=review_round.pk).update(score_decimals=3)
    review_round.refresh_from_db()
    compute_results(review_round=review_round, actor=secretariat)
    set_advancement_rule(review_round=review_round, direction=station.directions.first(),
                         group=group(contest, "newcomer"), count=1, actor=secretariat)
    ranks = dict(RoundResult.objects.values_list("project_id", "rank"))
    assert (ranks[a.pk], ranks[b.pk], ranks[c.pk]) == (1, 2, 3)
    [cut] = group_cuts(review_round)
    assert cut.advancing == (a.pk,) and not cut.tied


def test_a_tie_decided_for_one_seat_is_pending_again_when_the_block_gets_two(contest, station, experts,
                                                                           secretariat):
    """R-V2: a decision chose one project of the block; with two seats left for the same block
    it no longer settles the tie, and only one of its projects would have advanced."""
    a, b, c, d = (make_entry(contest, station=station) for _ in range(4))
    review_round = scored_round(contest, station, {a: [90] * 3, b: [80] * 3, c: [80] * 3, d: [80] * 3}, experts)
    direction, newcomer = station.directions.first(), group(contest, "newcomer")
    compute_results(review_round=review_round, actor=secretariat)
    set_advancement_rule(review_round=review_round, direction=direction, group=newcomer, count=2, actor=secretariat)
    decide_tie(review_round=review_round, direction=direction, group=newcomer, advancing=[c], reason="路演更好",
               actor=secretariat)
    set_advancement_rule(review_round=review_round, direction=direction, group=newcomer, count=3, actor=secretariat)
    [cut] = group_cuts(review_round)
    assert cut.seats_for_tied == 2 and cut.pending
    assert set(RoundResult.objects.filter(advanced=True).values_list("project", flat=True)) == {a.pk}
    decide_tie(review_round=review_round, direction=direction, group=newcomer, advancing=[b, c], reason="两个名额",
               actor=secretariat)
    assert set(RoundResult.objects.filter(advanced=True).values_list("project", flat=True)) == {a.pk, b.pk, c.pk}


def test_withdrawn_project_is_not_ranked_and_takes_no_seat(contest, station, experts, secretariat):
    """R-V2: seats go to projects still in the contest; a withdrawn one keeps its scores only."""
    from ciic.projects.enums import ProjectStatus

    gone, a, b = (make_entry(contest, station=station) for _ in range(3))
    Project.objects.filter(pk=gone.pk).update(status=ProjectStatus.WITHDRAWN)
    review_round = scored_round(contest, station, {gone: [95] * 3, a: [80] * 3, b: [70] * 3}, experts)
    set_advancement_rule(review_round=review_round, direction=station.directions.first(),
                         group=group(contest, "newcomer"), count=1, actor=secretariat)
    compute_results(review_round=review_round, actor=secretariat)
    rows = {r.project_id: r for r in RoundResult.objects.all()}
    assert rows[gone.pk].rank is None and rows[gone.pk].raw_score == 95.0 and not rows[gone.pk].advanced
    assert rows[gone.pk].stability is None
    assert (rows[a.pk].rank, rows[a.pk].advanced, rows[a.pk].stability) == (1, True, 1.0)
    [cut] = group_cuts(review_round)
    assert [r.project_id for r in cut.unranked] == [gone.pk]


def test_stability_calibrates_experts_on_every_review_of_the_round(contest, station, secretariat):
    """The bootstrap scores are those the ranking uses: least squares learns that expert X is
    20 points more lenient than Y from the leader projects (a group without a rule), so the
    newcomer X scored 85 (quality 75) sits below the one Y scored 70 (quality 80)."""
    x, y = make_experts(contest, 2)
    a, b = (make_entry(contest, station=station, group_code="newcomer") for _ in range(2))
    leaders = [make_entry(contest, station=station, group_code="leader") for _ in range(3)]
    review_round = make_round(contest, station, [a, b, *leaders], aggregation=Aggregation.LEAST_SQUARES)
    score(review_round, x, a, 85)
    score(review_round, y, b, 70)
    for project, quality in zip(leaders, (50, 60, 70), strict=True):
        score(review_round, x, project, quality + 20)
        score(review_round, y, project, quality)
    set_advancement_rule(review_round=review_round, direction=station.directions.first(),
                         group=group(contest, "newcomer"), count=1, actor=secretariat)
    compute_results(review_round=review_round, actor=secretariat)
    rows = {r.project_id: r for r in RoundResult.objects.all()}
    assert rows[b.pk].score > rows[a.pk].score and rows[b.pk].advanced
    # Resampling the leaders' reviews sometimes hides the leniency; on the newcomers alone (the
    # two experts never met there) it is never seen, and A would look certain to advance.
    assert rows[b.pk].stability > 0.5 > rows[a.pk].stability
