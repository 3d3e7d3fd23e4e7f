"""Solving a round's assignment in the background (issue 4, Assignment): conflicts and
forbidden pairs are never assigned, k and loads hold, pins are honoured, started reviews and
manual edits survive a re-solve, and an infeasible round says why in its own terms. Also the
permission it gives: an assigned, unconflicted expert downloads the project's materials."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ciic.accounts.enums import Role
from ciic.audit.models import AuditEntry
from ciic.review.enums import AssignmentSource, JobStatus, PairRule, RoundStatus
from ciic.review.models import Assignment, AssignmentRun, Review, ReviewRound
from ciic.review.rounds.assigning import cancel_solve, start_solve
from ciic.review.rounds.services import add_assignment, set_pair_rule
from ciic.review.rounds.solving import ceiling, execute_solve
from ciic.review.selectors import assigned_unconflicted
from ciic.testing.personas import make_user

from .test_rounds import declare

pytestmark = pytest.mark.django_db


def pairs(review_round) -> set[tuple[int, int]]:
    return set(Assignment.objects.filter(review_round=review_round).values_list("expert_id", "project_id"))


def test_solve_respects_conflicts_k_and_loads(review_round, experts, projects, secretariat, solve):
    declare(experts[0], projects[0], secretariat)
    declare(experts[1], projects[0], secretariat)
    run = solve(review_round, secretariat)
    assert run.status == JobStatus.DONE, run.message
    assert run.progress == 100
    got = pairs(review_round)
    assert (experts[0].pk, projects[0].pk) not in got and (experts[1].pk, projects[0].pk) not in got
    per_project = Counter(p for _e, p in got)
    per_expert = Counter(e for e, _p in got)
    assert set(per_project.values()) == {2} and len(per_project) == len(projects)
    assert max(per_expert.values()) <= 3
    figures = run.figures
    assert figures["lp_gap"] == pytest.approx(0, abs=1e-6)
    assert figures["total"] == pytest.approx(sum(Assignment.objects.values_list("affinity", flat=True)), rel=1e-6)
    assert figures["worst"] <= figures["ceiling"] + 1e-9
    assert figures["stored"]["created"] == 12
    assert AuditEntry.objects.filter(action="review.assign.done").count() == 1


def test_pins_are_honoured_and_forbidden_pairs_avoided(review_round, experts, projects, secretariat, solve):
    set_pair_rule(review_round=review_round, expert=experts[4], project=projects[0], rule=PairRule.PIN,
                  actor=secretariat)
    for project in projects:
        set_pair_rule(review_round=review_round, expert=experts[0], project=project, rule=PairRule.FORBID,
                      actor=secretariat)
    run = solve(review_round, secretariat)
    assert run.status == JobStatus.DONE, run.message
    pinned = Assignment.objects.get(expert=experts[4], project=projects[0])
    assert pinned.source == AssignmentSource.PINNED
    assert not Assignment.objects.filter(expert=experts[0]).exists()


def test_resolve_keeps_started_reviews_and_manual_edits(review_round, experts, projects, secretariat, solve):
    first = solve(review_round, secretariat)
    assert first.status == JobStatus.DONE
    started = Assignment.objects.filter(source=AssignmentSource.SOLVER).first()
    Review.objects.create(assignment=started)
    manual_project = next(p for p in projects if p.pk != started.project_id)
    Assignment.objects.filter(project=manual_project).delete()
    manual = add_assignment(review_round=review_round, expert=experts[2], project=manual_project, actor=secretariat)
    second = solve(review_round, secretariat, mode="max_total")
    assert second.status == JobStatus.DONE, second.message
    assert Assignment.objects.filter(pk=started.pk).exists() and Assignment.objects.filter(pk=manual.pk).exists()
    assert Counter(Assignment.objects.values_list("project_id", flat=True)) == {p.pk: 2 for p in projects}
    assert second.figures["stored"]["kept"] == 2


def test_infeasible_round_explains_itself_with_direction_names(review_round, experts, projects, station,
                                                               secretariat, solve):
    for expert in experts[2:]:
        for project in projects:
            set_pair_rule(review_round=review_round, expert=expert, project=project, rule=PairRule.FORBID,
                          actor=secretariat)
    run = solve(review_round, secretariat)
    assert run.status == JobStatus.FAILED
    direction = station.directions.first().name
    assert f"{direction}的 6 个项目需要 12 份评审" in run.message
    assert "最多只能给出 6 份" in run.message
    assert run.figures["infeasible"]["needed"] == 12 and run.figures["infeasible"]["available"] == 6
    assert not Assignment.objects.exists()


def test_a_solve_is_refused_while_another_is_queued(review_round, experts, secretariat):
    AssignmentRun.objects.create(review_round=review_round, mode="max_total")
    with pytest.raises(ValidationError, match="正在计算"):
        start_solve(review_round=review_round, mode="max_total", actor=secretariat)
    with pytest.raises(ValidationError):
        start_solve(review_round=review_round, mode="best", actor=secretariat)


def test_a_run_delivered_twice_runs_once(review_round, experts, secretariat, solve):
    run = solve(review_round, secretariat)
    again = execute_solve(run.pk)
    assert again.status == JobStatus.DONE
    assert AuditEntry.objects.filter(action="review.assign.done").count() == 1


def test_ceiling_is_each_project_best_k_allowed():
    import numpy as np

    a = np.array([[0.9, 0.8, 0.1], [0.5, 0.4, 0.3]], np.float32)
    assert ceiling(a, 2, []) == pytest.approx(0.9)
    assert ceiling(a, 2, [(0, 0)]) == pytest.approx(0.9)  # project 0: 0.8 + 0.1
    assert ceiling(a, 2, [(1, 0)]) == pytest.approx(0.7)


# --- who sees the project's materials -------------------------------------------------------


def test_assigned_expert_downloads_conflicted_and_unassigned_do_not(review_round, experts, projects,
                                                                    secretariat, verified):
    from ciic.demo.samples import attach_required_materials
    from ciic.projects.models import StoredFile

    project = projects[0]
    attach_required_materials(project, project.team.lead)
    stored = StoredFile.objects.filter(project=project).first()
    users = [make_user(f"round-expert{i}@example.com", role=Role.EXPERT) for i in range(3)]
    for user, expert in zip(users, experts[:3], strict=True):
        expert.user = user
        expert.save(update_fields=["user"])
    for expert in experts[:3]:
        add_assignment(review_round=review_round, expert=expert, project=project, actor=secretariat)
    url = reverse("projects:download_file", args=[stored.pk])
    assert verified(users[0]).get(url).status_code == 404  # the round is still a draft
    Assignment.objects.filter(project=project, expert=experts[2]).delete()
    ReviewRound.objects.filter(pk=review_round.pk).update(status=RoundStatus.OPEN)
    declare(experts[1], project, secretariat, reason="后来发现的亲属关系")  # conflict found after assigning

    assert verified(users[0]).get(url).status_code == 200
    assert verified(users[1]).get(url).status_code == 404
    assert verified(users[2]).get(url).status_code == 404
    assert assigned_unconflicted(experts[0], project) and not assigned_unconflicted(experts[1], project)


# --- the round edited while a solve runs ----------------------------------------------------


@pytest.fixture
def while_solving(monkeypatch):
    """while_solving(edit): `edit()` runs once, during the next solve, as another staff member's
    request would, between the solve reading the round and storing its result. The solver
    itself runs unchanged."""
    from ciic.review.rounds import solving

    def install(edit):
        real = solving.engine.assign
        pending = [edit]

        def assign(*args, **kwargs):
            result = real(*args, **kwargs)
            while pending:  # the next solve only: later ones run undisturbed
                pending.pop()()
            return result

        monkeypatch.setattr(solving.engine, "assign", assign)

    return install


def test_a_conflict_declared_while_solving_is_never_assigned(review_round, experts, projects, secretariat, solve,
                                                             while_solving):
    """R-V5: a conflict declared after the solve read the round must not be stored; the run
    fails saying the round changed, and the assignments stay as they were."""
    first = solve(review_round, secretariat)
    assert first.status == JobStatus.DONE, first.message
    before = pairs(review_round)
    expert_id, project_id = sorted(before)[0]
    while_solving(lambda: declare(experts[[e.pk for e in experts].index(expert_id)],
                                  next(p for p in projects if p.pk == project_id), secretariat))
    second = solve(review_round, secretariat, mode="fair")
    assert second.status == JobStatus.FAILED
    assert "计算期间本轮已有变化" in second.message and second.figures["stale"] is True
    assert pairs(review_round) == before  # nothing replaced: staff solve again with the conflict known
    assert AuditEntry.objects.filter(action="review.assign.failed").count() == 1
    third = solve(review_round, secretariat)
    assert third.status == JobStatus.DONE, third.message
    assert (expert_id, project_id) not in pairs(review_round)


def test_a_round_closed_while_solving_gets_no_new_assignments(review_round, experts, projects, secretariat, solve,
                                                               while_solving):
    """R-V3: once closed, a round's assignments are a record; a solve finishing afterwards stores nothing."""
    while_solving(lambda: ReviewRound.objects.filter(pk=review_round.pk).update(status=RoundStatus.CLOSED))
    run = solve(review_round, secretariat)
    assert run.status == JobStatus.FAILED
    assert not Assignment.objects.exists()


def test_k_changed_while_solving_is_not_stored_with_the_old_k(review_round, experts, projects, secretariat, solve,
                                                               while_solving):
    from ciic.review.rounds.services import update_round

    while_solving(lambda: update_round(review_round=ReviewRound.objects.get(pk=review_round.pk), actor=secretariat,
                                       experts_per_project=1, max_load=3))
    run = solve(review_round, secretariat)
    assert run.status == JobStatus.FAILED
    assert not Assignment.objects.exists()


def test_a_stuck_run_can_be_cancelled_and_the_round_solved_again(review_round, experts, secretariat, solve):
    """A worker that died leaves its run queued: staff cancel it (audited, with who and why),
    and the round can be solved again."""
    stuck = AssignmentRun.objects.create(review_round=review_round, mode="max_total")
    cancelled = cancel_solve(run=stuck, actor=secretariat, reason="任务进程已重启")
    assert cancelled.status == JobStatus.FAILED and "任务进程已重启" in cancelled.message
    assert AuditEntry.objects.get(action="review.assign.cancel").after == {"reason": "任务进程已重启"}
    with pytest.raises(ValidationError, match="已经结束"):
        cancel_solve(run=stuck, actor=secretariat)
    assert solve(review_round, secretariat).status == JobStatus.DONE


def test_a_run_cancelled_while_computing_stores_nothing(review_round, experts, projects, secretariat, solve,
                                                        while_solving):
    """The cancellation wins over a worker still computing: its result is discarded and the
    cancellation stays the run's message."""
    first = solve(review_round, secretariat)
    before = pairs(review_round)
    while_solving(lambda: cancel_solve(run=AssignmentRun.objects.get(status=JobStatus.RUNNING), actor=secretariat,
                                       reason="改用公平模式"))
    second = solve(review_round, secretariat, mode="fair")
    assert first.status == JobStatus.DONE and second.status == JobStatus.FAILED
    assert "改用公平模式" in second.message
    assert pairs(review_round) == before
    assert not AuditEntry.objects.filter(action="review.assign.failed").exists()
