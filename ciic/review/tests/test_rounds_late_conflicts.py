"""A conflict of interest recorded after an expert was assigned (R-P8): declared by the expert,
the team or staff, or detected. The assignment and any review stay on record (R-V3), but the
expert no longer counts as one of the project's k (R-V1): the staff figures show the project
short with the conflicted expert marked "to replace", opening waits for a replacement, closing
does not wait for that review, a re-solve assigns a replacement instead of refusing, and the
round's staff are told. Also: a panel member deactivated since joining gets no new assignment."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ciic.accounts.enums import Role
from ciic.audit.models import AuditEntry
from ciic.notifications.models import Notification
from ciic.review.conflicts import declare_avoidance, record_conflict
from ciic.review.enums import AvoidanceKind, JobStatus, PairRule, RoundStatus
from ciic.review.models import Assignment, Expert, Review, ReviewRound
from ciic.review.rounds.services import (
    add_assignment,
    close_round,
    open_round,
    pending_reviews,
    set_pair_rule,
    short_projects,
)
from ciic.review.rounds.solving import read_round
from ciic.review.selectors import round_assignment_rows, round_project_figures
from ciic.testing.personas import make_user

from .test_assigning import pairs
from .test_rounds import declare

pytestmark = pytest.mark.django_db

BADGE = ">利益冲突，需替换</span>"


def fill(review_round, experts, projects, actor, start: int = 0) -> None:
    """Two experts per project by hand (k = 2), each expert within the load of 3 (the projects
    from `start` on, when the first ones were filled before)."""
    for i, project in enumerate(projects[start:], start):
        for expert in (experts[i % len(experts)], experts[(i + 1) % len(experts)]):
            add_assignment(review_round=review_round, expert=expert, project=project, actor=actor)


def figures_of(review_round, project):
    return next(e for e in round_project_figures(review_round) if e.project_id == project.pk)


# --- 1. the figures: a conflicted assignment does not count toward k --------------------------


def test_a_conflict_declared_after_assigning_leaves_the_project_short(review_round, experts, projects,
                                                                        secretariat):
    """R-P8, R-V1: the conflicted assignment stays on record (R-V3) but the project counts one
    expert of its two, and the figures say one assigned expert is conflicted."""
    fill(review_round, experts, projects, secretariat)
    Assignment.objects.update(affinity=1.0)
    conflicted = Assignment.objects.get(expert=experts[0], project=projects[0])
    Review.objects.create(assignment=conflicted, submitted_at=timezone.now(), total=90)
    assert short_projects(review_round) == []
    assert (figures_of(review_round, projects[0]).experts, figures_of(review_round, projects[0]).conflicted) == (2, 0)

    declare(experts[0], projects[0], secretariat)

    assert Assignment.objects.filter(pk=conflicted.pk).exists()
    assert short_projects(review_round) == [(projects[0].pk, 1)]
    entry = figures_of(review_round, projects[0])
    assert (entry.experts, entry.conflicted, entry.short) == (1, 1, True)
    assert entry.affinity == pytest.approx(1.0)  # the conflicted assignment's affinity is not counted
    assert entry.submitted == 0  # nor its review, which counts for nothing
    other = figures_of(review_round, projects[1])
    assert (other.experts, other.conflicted, other.short) == (2, 0, False)


def test_the_assignment_rows_mark_the_conflicted_assignment_with_its_reason(review_round, experts, projects,
                                                                           secretariat):
    """R-P8: staff see which assignment needs replacing, and why."""
    fill(review_round, experts, projects, secretariat)
    declare(experts[0], projects[0], secretariat, reason="曾为该项目提供咨询")
    rows = round_assignment_rows(review_round)
    marked = [(a.expert_id, a.project_id) for a in rows if a.conflicted]
    assert marked == [(experts[0].pk, projects[0].pk)]
    assert "曾为该项目提供咨询" in next(a for a in rows if a.conflicted).conflicted[0]


def test_the_staff_figures_look_conflicts_up_in_one_batch(review_round, experts, projects, secretariat):
    """R-P8, R-V1: the conflict check is batched per round, not one query per assignment: three
    times the assignments and five times the conflicts take the same queries."""
    fill(review_round, experts, projects[:2], secretariat)
    declare(experts[0], projects[0], secretariat)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            short_projects(review_round)
            round_project_figures(review_round)
            round_assignment_rows(review_round)
            pending_reviews(review_round)
        return len(ctx.captured_queries)

    few = queries()
    fill(review_round, experts, projects, secretariat, start=2)
    for i in range(1, 5):
        declare(experts[(i + 1) % 5], projects[i], secretariat)
    assert queries() == few


def test_the_round_pages_show_the_conflicted_assignment_and_the_count(review_round, experts, projects,
                                                                     secretariat, verified):
    """R-P8, R-V1: a badge on the conflicted assignment's row, a count on the round page."""
    fill(review_round, experts, projects, secretariat)
    client = verified(secretariat)
    listing = client.get(reverse("review:round_assignments", args=[review_round.pk])).content.decode()
    detail = client.get(reverse("review:round_detail", args=[review_round.pk])).content.decode()
    assert BADGE not in listing and "存在利益冲突，其评审不计入成绩" not in detail

    declare(experts[0], projects[0], secretariat)
    listing = client.get(reverse("review:round_assignments", args=[review_round.pk])).content.decode()
    detail = client.get(reverse("review:round_detail", args=[review_round.pk])).content.decode()
    assert listing.count(BADGE) == 1
    assert "1 位已分配的专家与所评项目存在利益冲突，其评审不计入成绩" in detail
    assert "1 位利益冲突，需替换" in detail


# --- 2 and 3. opening and closing ------------------------------------------------------------


def test_open_waits_for_a_replacement_of_a_conflicted_assignment(review_round, experts, projects, secretariat):
    """R-V1, R-P8: a project whose expert is conflicted has fewer than k; a replacement added by
    hand lets the round open."""
    fill(review_round, experts, projects, secretariat)
    declare(experts[0], projects[0], secretariat)
    with pytest.raises(ValidationError, match="1 个项目的评审专家不足 2 位"):
        open_round(review_round=review_round, actor=secretariat)
    add_assignment(review_round=review_round, expert=experts[3], project=projects[0], actor=secretariat)
    assert open_round(review_round=review_round, actor=secretariat).status == RoundStatus.OPEN


def _open_and_submit_all_but(review_round, experts, projects, actor, *unsubmitted):
    fill(review_round, experts, projects, actor)
    open_round(review_round=review_round, actor=actor)
    for assignment in Assignment.objects.filter(review_round=review_round):
        pair = (assignment.expert_id, assignment.project_id)
        started = pair in {(e.pk, p.pk) for e, p in unsubmitted}
        Review.objects.create(assignment=assignment, submitted_at=None if started else timezone.now(),
                              total=None if started else 80)


def test_close_does_not_wait_for_a_conflicted_review(review_round, experts, projects, secretariat):
    """R-V3, R-P8: the conflicted expert's unsubmitted review counts for nothing, so closing is
    not forced for it."""
    _open_and_submit_all_but(review_round, experts, projects, secretariat, (experts[0], projects[0]))
    declare(experts[0], projects[0], secretariat)
    assert pending_reviews(review_round) == []
    close_round(review_round=review_round, actor=secretariat)
    assert ReviewRound.objects.get(pk=review_round.pk).status == RoundStatus.CLOSED
    entry = AuditEntry.objects.get(action="review.round.close")
    assert entry.after["forced"] is False and entry.after["unsubmitted"] == []
    assert Review.objects.filter(assignment__expert=experts[0], assignment__project=projects[0]).exists()


def test_a_forced_close_records_only_the_real_pending_reviews(review_round, experts, projects, secretariat,
                                                              verified):
    """R-V3, R-P8: the close page counts, and the forced close records, the unsubmitted reviews
    of unconflicted experts only."""
    _open_and_submit_all_but(review_round, experts, projects, secretariat,
                             (experts[0], projects[0]), (experts[2], projects[1]))
    declare(experts[0], projects[0], secretariat)
    page = verified(secretariat).get(reverse("review:round_close", args=[review_round.pk]))
    assert page.context["pending"] == 1
    with pytest.raises(ValidationError, match="还有 1 份评分未提交"):
        close_round(review_round=review_round, actor=secretariat)
    close_round(review_round=review_round, actor=secretariat, force=True, reason="专家未能按时完成")
    entry = AuditEntry.objects.get(action="review.round.close")
    assert entry.after["forced"] is True
    assert entry.after["unsubmitted"] == [[experts[2].pk, projects[1].pk]]


# --- 4. re-solving ---------------------------------------------------------------------------


def test_resolve_replaces_a_conflicted_started_review_instead_of_refusing(review_round, experts, projects,
                                                                          secretariat, solve):
    """R-P8, R-V3, R-V1: a started review of a pair conflicted since stays on record, is not
    fixed into the solve nor counted as one of the k, and the solve assigns a replacement."""
    assert solve(review_round, secretariat).status == JobStatus.DONE
    started = Assignment.objects.filter(review_round=review_round).order_by("pk").first()
    Review.objects.create(assignment=started)
    declare(started.expert, started.project, secretariat)
    data = read_round(review_round)
    assert started.pk not in data.kept.values()

    run = solve(review_round, secretariat)

    assert run.status == JobStatus.DONE, run.message
    assert Assignment.objects.filter(pk=started.pk).exists() and Review.objects.filter(assignment=started).exists()
    counting = Counter(p for e, p in pairs(review_round) if (e, p) != (started.expert_id, started.project_id))
    assert counting == {p.pk: 2 for p in projects}
    assert short_projects(review_round) == []
    assert figures_of(review_round, started.project).conflicted == 1


def test_resolve_replaces_a_conflicted_manual_assignment(review_round, experts, projects, secretariat, solve):
    """R-P8, R-V1: a hand-made assignment conflicted since is kept but no longer fixed: the
    project gets k unconflicted experts."""
    manual = add_assignment(review_round=review_round, expert=experts[2], project=projects[0], actor=secretariat)
    declare(experts[2], projects[0], secretariat)
    run = solve(review_round, secretariat)
    assert run.status == JobStatus.DONE, run.message
    assert Assignment.objects.filter(pk=manual.pk).exists()
    assert short_projects(review_round) == []


def test_a_deactivated_member_gets_no_new_assignment_but_keeps_a_started_review(review_round, experts, projects,
                                                                               secretariat, solve):
    """R-V1, R-V3: a panel member deactivated after joining keeps the review they started (a
    record) but the solve gives them nothing new. experts[0] matches every project's direction,
    so a solve that ignored the deactivation would give them their full load again."""
    assert solve(review_round, secretariat).status == JobStatus.DONE
    started = Assignment.objects.filter(expert=experts[0]).order_by("pk").first()
    Review.objects.create(assignment=started)
    Expert.objects.filter(pk=experts[0].pk).update(active=False)

    run = solve(review_round, secretariat)

    assert run.status == JobStatus.DONE, run.message
    assert list(Assignment.objects.filter(expert=experts[0]).values_list("pk", flat=True)) == [started.pk]
    assert short_projects(review_round) == []


def test_a_pin_on_a_deactivated_member_is_refused_naming_it(review_round, experts, projects, secretariat, solve):
    """R-V1: a pin cannot give a deactivated member a new assignment; staff are told to drop it."""
    set_pair_rule(review_round=review_round, expert=experts[4], project=projects[0], rule=PairRule.PIN,
                  actor=secretariat)
    Expert.objects.filter(pk=experts[4].pk).update(active=False)
    run = solve(review_round, secretariat)
    assert run.status == JobStatus.FAILED
    assert "已停用" in run.message and str(experts[4].pk) in run.message
    assert not Assignment.objects.filter(expert=experts[4]).exists()


# --- 5. telling the round's staff ------------------------------------------------------------


@pytest.fixture
def officers(contest):
    beijing = make_user("late-bj@example.com", role=Role.STATION_OFFICER, station=contest.stations.get(code="beijing"))
    wuxi = make_user("late-wx@example.com", role=Role.STATION_OFFICER, station=contest.stations.get(code="wuxi"))
    return beijing, wuxi


def test_recording_a_conflict_on_an_assigned_pair_tells_the_round_staff_after_commit(
        review_round, experts, projects, secretariat, officers, django_capture_on_commit_callbacks):
    """R-P8, R-V1: the secretariat and the officers of the round's station (not another
    station's) are told, once the record commits, that the project needs a replacement."""
    beijing, _wuxi = officers
    fill(review_round, experts, projects, secretariat)
    with django_capture_on_commit_callbacks() as callbacks:
        record_conflict(expert=experts[0], project=projects[0], reason="与团队负责人为师生关系", actor=secretariat)
    assert not Notification.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    notes = Notification.objects.filter(kind="assignment_conflicted")
    assert {n.user_id for n in notes} == {secretariat.pk, beijing.pk}
    note = notes.get(user=beijing)
    assert note.params == {"project": projects[0].name, "round": str(review_round), "n": 1}
    assert note.url == reverse("review:round_assignments", args=[review_round.pk])
    assert projects[0].name in note.title and "需替换" in note.title
    assert "师生" not in note.body and experts[0].name not in note.body  # who and why stay on the round page


def test_a_conflict_without_a_live_assignment_tells_nobody(review_round, experts, projects, secretariat,
                                                          officers, django_capture_on_commit_callbacks):
    """R-P8: no assignment, or only one in a closed round: nothing to replace, no notice."""
    fill(review_round, experts, projects, secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        record_conflict(expert=experts[4], project=projects[0], reason="无分配", actor=secretariat)
    ReviewRound.objects.filter(pk=review_round.pk).update(status=RoundStatus.CLOSED)
    with django_capture_on_commit_callbacks(execute=True):
        record_conflict(expert=experts[0], project=projects[0], reason="已结束", actor=secretariat)
    assert not Notification.objects.exists()


def test_a_team_avoidance_naming_an_assigned_expert_tells_the_round_staff(
        review_round, experts, projects, secretariat, officers, django_capture_on_commit_callbacks):
    """R-P8: the team's avoidance path tells the staff too, counting the experts it names."""
    fill(review_round, experts, projects, secretariat)
    project = projects[0]
    with django_capture_on_commit_callbacks(execute=True):
        declare_avoidance(project=project, kind=AvoidanceKind.ORGANIZATION, name=experts[0].employer,
                          reason="直接竞争对手", actor=project.team.lead)
    notes = Notification.objects.filter(kind="assignment_conflicted")
    assert {n.user_id for n in notes} == {secretariat.pk, officers[0].pk}
    assert all(n.params["n"] == 1 for n in notes)
    assert short_projects(review_round) == [(project.pk, 1)]


def test_an_expert_moving_to_an_entrant_tells_the_round_staff(
        review_round, experts, projects, secretariat, officers, django_capture_on_commit_callbacks):
    """R-P8: a conflict detected (not declared) after assigning, here the expert's new employer
    is the entrant, reaches the round's staff as a declared one does."""
    from ciic.review.experts.services import ExpertInput, update_expert

    fill(review_round, experts, projects, secretariat)
    expert, project = experts[0], projects[0]
    data = ExpertInput(name=expert.name, employer=project.team.organization.name, kind=expert.kind,
                       email=expert.email, employer_credit_code="",
                       directions=list(expert.directions.values_list("pk", flat=True)),
                       keywords=expert.keywords, profile=expert.profile)
    with django_capture_on_commit_callbacks(execute=True):
        update_expert(expert=expert, actor=secretariat, data=data)
    notes = Notification.objects.filter(kind="assignment_conflicted")
    assert {n.user_id for n in notes} == {secretariat.pk, officers[0].pk}
    assert {n.params["project"] for n in notes} == {project.name}
    with django_capture_on_commit_callbacks(execute=True):  # saving again: nothing new to tell
        update_expert(expert=expert, actor=secretariat, data=data)
    assert notes.count() == 2


def test_a_conflicted_assignment_frees_the_experts_load(review_round, experts, projects, secretariat):
    """R-P8, R-V1: the expert at their load of 3 who declares a conflict on one project may take
    another by hand; the panel figures show 3 assigned and 1 conflicted, as the solver counts."""
    from ciic.review.rounds.services import set_expert_load
    from ciic.review.selectors import round_expert_figures

    expert = experts[0]
    for project in projects[:3]:
        add_assignment(review_round=review_round, expert=expert, project=project, actor=secretariat)
    with pytest.raises(ValidationError, match="达到上限"):
        add_assignment(review_round=review_round, expert=expert, project=projects[3], actor=secretariat)
    declare(expert, projects[0], secretariat)
    add_assignment(review_round=review_round, expert=expert, project=projects[3], actor=secretariat)
    member = next(m for m in round_expert_figures(review_round) if m.expert_id == expert.pk)
    assert (member.assigned, member.conflicted, member.load) == (3, 1, 3)
    with pytest.raises(ValidationError, match="上限不能低于此数"):
        set_expert_load(member=member, max_load=2, actor=secretariat)
    assert set_expert_load(member=member, max_load=3, actor=secretariat).max_load == 3
