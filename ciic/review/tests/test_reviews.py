"""Scoring by experts (R-V1) and what each expert may see (R-P8): `reviews/services.py` and the
workspace selectors. The fixtures here (a round with three projects, the expert assigned to all
three but conflicted with the third, and a peer expert) are reused by the workspace, browser and
API tests."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ciic.accounts.enums import Role
from ciic.audit.models import AuditEntry
from ciic.contests.models import Round
from ciic.review.conflicts import declare_conflict
from ciic.review.enums import ConflictSource, RoundStatus
from ciic.review.models import (
    Assignment,
    ConflictDeclaration,
    Expert,
    Review,
    ReviewRevision,
    ReviewRound,
    RoadshowSlot,
    RoundProject,
)
from ciic.review.reviews.services import clear_slot, save_review, schedule_slot
from ciic.review.selectors import peer_reviews, visible_assignment, workspace_rounds
from ciic.testing.personas import make_user

FULL = {"innovation": 8, "technology": 7, "application": 9, "business_model": 6, "team": 8}
# 25/25/20/15/15 weights, 0-10 ranges: (8*25 + 7*25 + 9*20 + 6*15 + 8*15) / 100 * 10
FULL_TOTAL = 76.5


def _round(contest, station, code: str = "online_review", **extra) -> ReviewRound:
    spec_round = Round.objects.get(stage__contest=contest, stage__code="local", code=code)
    values = dict(contest=contest, round=spec_round, station=station, status=RoundStatus.OPEN,
                  form=spec_round.review_form["criteria"], recommendations=spec_round.review_form["recommendations"],
                  closes_at=timezone.now() + dt.timedelta(days=7))
    values.update(extra)
    return ReviewRound.objects.create(**values)


@pytest.fixture
def review_round(contest, station):
    return _round(contest, station)


@pytest.fixture
def judge(contest, expert):
    """The expert persona's profile in the pool."""
    return Expert.objects.create(contest=contest, user=expert, name="王专家", employer="中国信息通信研究院",
                                 kind="research")


@pytest.fixture
def peer_user(db):
    return make_user("peer@example.com", role=Role.EXPERT, full_name="赵专家")


@pytest.fixture
def peer(contest, peer_user):
    return Expert.objects.create(contest=contest, user=peer_user, name="赵专家", employer="某投资有限公司",
                                 kind="investment")


@pytest.fixture
def round_setup(review_round, judge, peer, entry, secretariat):
    """Three projects in the round. The judge is assigned to all three but conflicted with the
    third (a staff declaration made after assigning); the peer is assigned to the first."""
    projects = [entry(seq, f"第{seq}个项目的申报内容。\n\n工业互联网平台与质量追溯。", name=f"评审项目{seq}")
                for seq in (1, 2, 3)]
    for project in projects:
        RoundProject.objects.create(review_round=review_round, project=project,
                                    submission=project.submissions.order_by("-number").first())
    mine = [Assignment.objects.create(review_round=review_round, expert=judge, project=p) for p in projects]
    theirs = Assignment.objects.create(review_round=review_round, expert=peer, project=projects[0])
    ConflictDeclaration.objects.create(expert=judge, project=projects[2], source=ConflictSource.STAFF,
                                       reason="曾任该单位顾问", declared_by=secretariat)
    return SimpleNamespace(round=review_round, projects=projects, first=mine[0], second=mine[1],
                           conflicted=mine[2], peer=theirs)


def _codes(exc: ValidationError) -> dict[str, set[str]]:
    return {field: {e.code for e in errs} for field, errs in exc.error_dict.items()}


# --- scoring -------------------------------------------------------------------------------


def test_submit_computes_the_weighted_total_and_keeps_a_revision(round_setup, expert):
    review = save_review(assignment=round_setup.first, actor=expert, scores=FULL, comment="技术扎实",
                         recommendation="advance", submit=True)
    assert review.total == pytest.approx(FULL_TOTAL)
    assert review.submitted_at is not None
    revision = ReviewRevision.objects.get(review=review)
    assert (revision.scores, revision.total, revision.recommendation) == (FULL, pytest.approx(FULL_TOTAL), "advance")
    entry = AuditEntry.objects.filter(action="review.submit").get()
    assert entry.after["total"] == pytest.approx(FULL_TOTAL)


def test_form_values_typed_as_text_are_read_as_numbers(round_setup, expert):
    review = save_review(assignment=round_setup.first, actor=expert, submit=True, recommendation="consider",
                         scores={k: str(v) for k, v in FULL.items()} | {"team": "8.0"})
    assert review.scores == FULL
    assert review.total == pytest.approx(FULL_TOTAL)


def test_a_draft_may_be_partial_and_writes_no_revision(round_setup, expert):
    review = save_review(assignment=round_setup.first, actor=expert, scores={"innovation": 9, "team": ""},
                         comment="", recommendation="", submit=False)
    assert review.scores == {"innovation": 9}
    assert review.total is None and review.submitted_at is None
    assert not ReviewRevision.objects.exists()
    assert AuditEntry.objects.filter(action="review.save_draft").count() == 1


def test_submitting_without_every_criterion_is_refused_naming_the_criterion(round_setup, expert):
    partial = {k: v for k, v in FULL.items() if k != "team"}
    with pytest.raises(ValidationError) as exc:
        save_review(assignment=round_setup.first, actor=expert, scores=partial, recommendation="advance", submit=True)
    assert _codes(exc.value) == {"scores.team": {"R-V1"}}
    assert "团队能力" in exc.value.error_dict["scores.team"][0].messages[0]
    assert not Review.objects.exists() and not ReviewRevision.objects.exists()


def test_an_out_of_range_score_is_refused_and_nothing_is_saved(round_setup, expert):
    audit = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        save_review(assignment=round_setup.first, actor=expert, scores=FULL | {"technology": 11, "team": -1},
                    recommendation="advance", submit=True)
    assert _codes(exc.value) == {"scores.technology": {"R-V1"}, "scores.team": {"R-V1"}}
    assert "0 到 10" in exc.value.error_dict["scores.technology"][0].messages[0]
    with pytest.raises(ValidationError) as exc:
        save_review(assignment=round_setup.first, actor=expert, scores={"technology": 10.5}, submit=False)
    assert _codes(exc.value) == {"scores.technology": {"R-V1"}}
    assert not Review.objects.exists()
    assert AuditEntry.objects.count() == audit


def test_text_scores_and_unknown_criteria_are_refused(round_setup, expert):
    with pytest.raises(ValidationError) as exc:
        save_review(assignment=round_setup.first, actor=expert, scores=FULL | {"team": "很好", "luck": 3},
                    recommendation="advance", submit=True)
    assert _codes(exc.value) == {"scores.team": {"R-V1"}, "scores.luck": {"R-V1"}}


def test_the_recommendation_must_be_one_of_the_rounds_and_is_needed_to_submit(round_setup, expert):
    with pytest.raises(ValidationError) as exc:
        save_review(assignment=round_setup.first, actor=expert, scores=FULL, recommendation="maybe", submit=True)
    assert _codes(exc.value) == {"recommendation": {"R-V1"}}
    with pytest.raises(ValidationError) as exc:
        save_review(assignment=round_setup.first, actor=expert, scores=FULL, recommendation="", submit=True)
    assert _codes(exc.value) == {"recommendation": {"R-V1"}}
    assert not Review.objects.exists()


def test_revising_after_submitting_adds_a_revision_and_keeps_the_first(round_setup, expert):
    first = save_review(assignment=round_setup.first, actor=expert, scores=FULL, recommendation="advance", submit=True)
    second = save_review(assignment=round_setup.first, actor=expert, scores=FULL | {"team": 10},
                         recommendation="advance", comment="复核后上调", submit=True)
    assert first.pk == second.pk
    revisions = list(ReviewRevision.objects.filter(review=second))
    assert [r.scores["team"] for r in revisions] == [8, 10]
    assert revisions[1].comment == "复核后上调"
    assert second.total == pytest.approx(FULL_TOTAL + 3.0)
    # A submitted review is not turned back into a draft.
    with pytest.raises(ValidationError) as exc:
        save_review(assignment=round_setup.first, actor=expert, scores={"team": 1}, submit=False)
    assert _codes(exc.value) == {"__all__": {"R-V1"}}
    second.refresh_from_db()
    assert second.scores["team"] == 10 and second.submitted_at is not None


def test_no_scoring_once_the_round_is_closed(round_setup, expert):
    save_review(assignment=round_setup.first, actor=expert, scores={"team": 5}, submit=False)
    ReviewRound.objects.filter(pk=round_setup.round.pk).update(status=RoundStatus.CLOSED)
    round_setup.first.review_round.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        save_review(assignment=round_setup.first, actor=expert, scores=FULL, recommendation="advance", submit=True)
    assert _codes(exc.value) == {"__all__": {"R-V1"}}
    assert Review.objects.get().submitted_at is None


def test_no_scoring_after_the_closing_time_even_if_still_marked_open(round_setup, expert):
    after = round_setup.round.closes_at + dt.timedelta(seconds=1)
    with pytest.raises(ValidationError) as exc:
        save_review(assignment=round_setup.first, actor=expert, scores=FULL, recommendation="advance", submit=True,
                    now=after)
    assert _codes(exc.value) == {"__all__": {"R-V1"}}
    assert not Review.objects.exists()


def test_only_the_assigned_expert_scores(round_setup, peer_user, team_lead):
    for outsider in (peer_user, team_lead):
        with pytest.raises(PermissionDenied):
            save_review(assignment=round_setup.first, actor=outsider, scores=FULL, recommendation="advance",
                        submit=True)
    assert not Review.objects.exists()


def test_a_conflicted_expert_scores_nothing_even_when_assigned(round_setup, expert):
    with pytest.raises(PermissionDenied):
        save_review(assignment=round_setup.conflicted, actor=expert, scores=FULL, recommendation="advance",
                    submit=True)
    assert not Review.objects.exists()


# --- what the expert sees ------------------------------------------------------------------


def test_workspace_counts_exclude_the_conflicted_project(round_setup, expert):
    save_review(assignment=round_setup.first, actor=expert, scores=FULL, recommendation="advance", submit=True)
    [progress] = workspace_rounds(expert)
    assert (progress.submitted, progress.assigned, progress.percent) == (1, 2, 50)
    assert [a.project for a in progress.assignments] == round_setup.projects[:2]


def test_a_conflicted_or_unassigned_project_is_not_visible(round_setup, expert, peer_user):
    rid = round_setup.round.pk
    first, second, third = (p.pk for p in round_setup.projects)
    assert visible_assignment(expert, round_id=rid, project_id=first) == round_setup.first
    assert visible_assignment(expert, round_id=rid, project_id=third) is None
    assert visible_assignment(peer_user, round_id=rid, project_id=second) is None


def test_a_draft_round_is_not_shown(round_setup, expert):
    ReviewRound.objects.filter(pk=round_setup.round.pk).update(status=RoundStatus.DRAFT)
    assert workspace_rounds(expert) == []
    assert visible_assignment(expert, round_id=round_setup.round.pk, project_id=round_setup.projects[0].pk) is None


def test_peers_scores_stay_hidden_until_the_expert_submits(round_setup, expert, peer_user):
    save_review(assignment=round_setup.peer, actor=peer_user, scores=FULL, recommendation="advance", submit=True)
    mine = visible_assignment(expert, round_id=round_setup.round.pk, project_id=round_setup.projects[0].pk)
    assert peer_reviews(mine) is None
    save_review(assignment=round_setup.first, actor=expert, scores={"team": 3}, submit=False)
    assert peer_reviews(visible_assignment(expert, round_id=round_setup.round.pk,
                                           project_id=round_setup.projects[0].pk)) is None
    save_review(assignment=round_setup.first, actor=expert, scores=FULL, recommendation="reject", submit=True)
    mine = visible_assignment(expert, round_id=round_setup.round.pk, project_id=round_setup.projects[0].pk)
    [theirs] = peer_reviews(mine)
    assert theirs.assignment == round_setup.peer and theirs.total == pytest.approx(FULL_TOTAL)


def test_without_blind_review_peers_scores_show_only_after_the_round_closes(round_setup, expert, peer_user):
    ReviewRound.objects.filter(pk=round_setup.round.pk).update(blind_until_submitted=False)
    save_review(assignment=round_setup.peer, actor=peer_user, scores=FULL, recommendation="advance", submit=True)
    save_review(assignment=round_setup.first, actor=expert, scores=FULL, recommendation="advance", submit=True)
    args = dict(round_id=round_setup.round.pk, project_id=round_setup.projects[0].pk)
    assert peer_reviews(visible_assignment(expert, **args)) is None
    ReviewRound.objects.filter(pk=round_setup.round.pk).update(status=RoundStatus.CLOSED)
    assert len(peer_reviews(visible_assignment(expert, **args))) == 1


def test_a_peer_who_declared_a_conflict_after_scoring_is_left_out(round_setup, expert, peer, peer_user):
    save_review(assignment=round_setup.peer, actor=peer_user, scores=FULL, recommendation="advance", submit=True)
    save_review(assignment=round_setup.first, actor=expert, scores=FULL, recommendation="advance", submit=True)
    declare_conflict(expert=peer, project=round_setup.projects[0], actor=peer_user, reason="近亲属在该单位任职")
    args = dict(round_id=round_setup.round.pk, project_id=round_setup.projects[0].pk)
    assert peer_reviews(visible_assignment(expert, **args)) == []
    assert visible_assignment(peer_user, **args) is None


def test_declaring_a_conflict_removes_the_project_from_the_workspace(round_setup, expert, judge):
    item = declare_conflict(expert=judge, project=round_setup.projects[1], actor=expert, reason="曾参与该项目咨询")
    assert item.source == ConflictSource.EXPERT
    [progress] = workspace_rounds(expert)
    assert [a.project for a in progress.assignments] == [round_setup.projects[0]]
    assert AuditEntry.objects.filter(action__contains="conflict").exists()


def test_declaring_a_conflict_needs_a_reason(round_setup, judge, expert):
    with pytest.raises(ValidationError):
        declare_conflict(expert=judge, project=round_setup.projects[1], actor=expert, reason=" ")
    assert not ConflictDeclaration.objects.filter(source=ConflictSource.EXPERT).exists()


# --- roadshow slots ------------------------------------------------------------------------


@pytest.fixture
def roadshow_round(contest, station, round_setup):
    rr = _round(contest, station, code="offline_roadshow")
    for p in round_setup.projects:
        RoundProject.objects.create(review_round=rr, project=p)
    return rr


def _at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2023, 11, 20, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_slots_at_one_venue_never_overlap(roadshow_round, round_setup, secretariat):
    a, b, c = round_setup.projects
    schedule_slot(review_round=roadshow_round, project=a, actor=secretariat, starts_at=_at(9), ends_at=_at(9, 30),
                  venue="北京国际会议中心 A 厅")
    with pytest.raises(ValidationError) as exc:
        schedule_slot(review_round=roadshow_round, project=b, actor=secretariat, starts_at=_at(9, 15),
                      ends_at=_at(9, 45), venue="北京国际会议中心 A 厅")
    assert _codes(exc.value) == {"starts_at": {"R-V1"}}
    assert "评审项目1" in exc.value.error_dict["starts_at"][0].messages[0]
    # Back to back, or at the same time in another hall, is fine.
    schedule_slot(review_round=roadshow_round, project=b, actor=secretariat, starts_at=_at(9, 30),
                  ends_at=_at(10), venue="北京国际会议中心 A 厅")
    schedule_slot(review_round=roadshow_round, project=c, actor=secretariat, starts_at=_at(9), ends_at=_at(9, 30),
                  venue="B 厅")
    # Moving a project's own slot does not clash with itself.
    schedule_slot(review_round=roadshow_round, project=a, actor=secretariat, starts_at=_at(8, 45), ends_at=_at(9, 15),
                  venue="北京国际会议中心 A 厅")
    assert RoadshowSlot.objects.filter(review_round=roadshow_round).count() == 3
    assert AuditEntry.objects.filter(action="review.roadshow.schedule").count() == 4


def test_a_slot_needs_an_end_after_its_start_and_a_link_or_venue(roadshow_round, round_setup, secretariat):
    project = round_setup.projects[0]
    with pytest.raises(ValidationError) as exc:
        schedule_slot(review_round=roadshow_round, project=project, actor=secretariat, starts_at=_at(10),
                      ends_at=_at(9), link="http://meeting.example.com/1")
    assert _codes(exc.value) == {"ends_at": {"R-V1"}, "link": {"R-V1"}}
    with pytest.raises(ValidationError) as exc:
        schedule_slot(review_round=roadshow_round, project=project, actor=secretariat, starts_at=_at(9),
                      ends_at=_at(10))
    assert _codes(exc.value) == {"venue": {"R-V1"}}
    assert not RoadshowSlot.objects.exists()


def test_online_slots_overlap_is_refused_and_a_slot_can_be_cleared(roadshow_round, round_setup, secretariat):
    a, b, _c = round_setup.projects
    schedule_slot(review_round=roadshow_round, project=a, actor=secretariat, starts_at=_at(14), ends_at=_at(15),
                  link="https://meeting.example.com/a")
    with pytest.raises(ValidationError):
        schedule_slot(review_round=roadshow_round, project=b, actor=secretariat, starts_at=_at(14, 30),
                      ends_at=_at(15, 30), link="https://meeting.example.com/b")
    clear_slot(review_round=roadshow_round, project=a, actor=secretariat)
    schedule_slot(review_round=roadshow_round, project=b, actor=secretariat, starts_at=_at(14, 30),
                  ends_at=_at(15, 30), link="https://meeting.example.com/b")
    assert list(RoadshowSlot.objects.values_list("project", flat=True)) == [b.pk]


def test_a_project_outside_the_round_gets_no_slot(contest, station, round_setup, secretariat):
    other = _round(contest, station, code="online_roadshow")
    with pytest.raises(ValidationError) as exc:
        schedule_slot(review_round=other, project=round_setup.projects[0], actor=secretariat, starts_at=_at(9),
                      ends_at=_at(10), venue="A 厅")
    assert _codes(exc.value) == {"__all__": {"R-V1"}}


# --- state re-checked when writing ---------------------------------------------------------


def test_a_round_closed_after_the_page_was_loaded_refuses_the_save(round_setup, expert):
    """R-V1: revisions stop when the round closes. The assignment (and its round) was read
    before the close, as a view or an API call does; the save re-reads the locked round."""
    stale = visible_assignment(expert, round_id=round_setup.round.pk, project_id=round_setup.projects[0].pk)
    assert stale.review_round.status == RoundStatus.OPEN
    ReviewRound.objects.filter(pk=round_setup.round.pk).update(status=RoundStatus.CLOSED)
    audit = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        save_review(assignment=stale, actor=expert, scores=FULL, recommendation="advance", submit=True)
    assert _codes(exc.value) == {"__all__": {"R-V1"}}
    assert not Review.objects.exists() and AuditEntry.objects.count() == audit


def test_an_assignment_removed_after_the_page_was_loaded_refuses_the_save(round_setup, expert):
    stale = visible_assignment(expert, round_id=round_setup.round.pk, project_id=round_setup.projects[1].pk)
    Assignment.objects.filter(pk=stale.pk).delete()
    with pytest.raises(PermissionDenied):
        save_review(assignment=stale, actor=expert, scores=FULL, recommendation="advance", submit=True)
    assert not Review.objects.exists()


def test_a_deactivated_expert_sees_nothing_and_scores_nothing(round_setup, expert, judge):
    """An expert no longer allowed to take part in review (`active` off) keeps their record but
    loses the workspace: no projects, no page, no scoring."""
    save_review(assignment=round_setup.first, actor=expert, scores=FULL, recommendation="advance", submit=True)
    Expert.objects.filter(pk=judge.pk).update(active=False)
    assert workspace_rounds(expert) == []
    assert visible_assignment(expert, round_id=round_setup.round.pk, project_id=round_setup.projects[0].pk) is None
    round_setup.first.expert.refresh_from_db()
    with pytest.raises(PermissionDenied):
        save_review(assignment=round_setup.first, actor=expert, scores=FULL | {"team": 1}, recommendation="advance",
                    submit=True)
    review = Review.objects.get()
    assert review.scores == FULL and review.revisions.count() == 1  # the record stays


def test_a_deactivated_expert_cannot_download_the_materials(round_setup, expert, judge):
    from ciic.review.selectors import assigned_unconflicted

    project = round_setup.projects[0]
    assert assigned_unconflicted(judge, project)
    Expert.objects.filter(pk=judge.pk).update(active=False)
    judge.refresh_from_db()
    assert not assigned_unconflicted(judge, project)
