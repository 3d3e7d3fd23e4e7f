"""The originality check as a background run (R-J2, R-J3) on database data: projects submitted
through `submit_project` with generated applications, some of them planted copies; progress,
failure, re-runs on new versions, verdicts and disqualifications."""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from ciic.audit.models import AuditEntry
from ciic.contests.models import PastWinner
from ciic.engines import originality_testdata as testdata
from ciic.notifications.models import Notification
from ciic.projects.enums import ProjectStatus
from ciic.projects.models import OriginalityPair, OriginalityRun
from ciic.projects.originality_job import counting_versions, execute_run, progress_step
from ciic.projects.originality_runs import judge_pair, request_rerun, start_run
from ciic.projects.selectors import counting_submission
from ciic.projects.services import (
    disqualify_from_pair,
    disqualify_project,
    save_draft,
    submit_project,
)
from ciic.testing.personas import make_user

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def app(seed: int, chars: int = 3000) -> testdata.Application:
    return testdata.application(random.Random(seed), chars)


def copy_of(source: testdata.Application, seed: int) -> str:
    return testdata.near_duplicate(random.Random(seed), source).text


def project_pairs(run: OriginalityRun) -> set[frozenset]:
    return {frozenset((p.left.project_id, p.right.project_id)) for p in run.pairs.filter(right__isnull=False)}


@pytest.fixture
def run_now(secretariat, django_capture_on_commit_callbacks):
    """run_now() -> a manual run started by the secretariat and executed at commit (the
    immediate backend), re-read."""

    def go(contest):
        with django_capture_on_commit_callbacks(execute=True):
            run = start_run(contest=contest, actor=secretariat)
        run.refresh_from_db()
        return run

    return go


@pytest.fixture
def planted(entry):
    """Six projects: two planted copies (2 of 1, 5 of 4) among unrelated applications."""
    first, fourth = app(1), app(4)
    projects = [entry(1, first.text), entry(2, copy_of(first, 21)), entry(3, app(3).text),
                entry(4, fourth.text), entry(5, copy_of(fourth, 51)), entry(6, app(6).text)]
    return projects


def test_run_finds_the_planted_copies_and_nothing_else(planted, contest, run_now):
    p = planted
    run = run_now(contest)
    assert run.status == OriginalityRun.Status.DONE and run.error == ""
    assert project_pairs(run) == {frozenset((p[0].pk, p[1].pk)), frozenset((p[3].pk, p[4].pk))}
    assert run.pairs_found == 2 == run.pairs.count()
    for pair in run.pairs.all():
        assert pair.similarity >= run.threshold == contest.originality_threshold
        assert pair.shared_passages and all(len(s) >= 20 for s in pair.shared_passages)
        assert pair.verdict == OriginalityPair.Verdict.PENDING
        # The earlier submission is on the left: the likely original.
        assert pair.left.submitted_at <= pair.right.submitted_at


def test_progress_reaches_the_total(planted, contest, run_now):
    run = run_now(contest)
    winners = PastWinner.objects.filter(contest=contest).exclude(text="").count()
    assert run.total == len(planted) + winners
    assert run.done == run.total and run.percent == 100
    assert run.started_at <= run.finished_at
    assert progress_step(5) == 1 and progress_step(3000) == 30


def test_a_failing_run_records_the_error(planted, contest):
    run = OriginalityRun.objects.create(contest=contest, threshold=0.0)
    execute_run(run.pk)
    run.refresh_from_db()
    assert run.status == OriginalityRun.Status.FAILED
    assert "threshold must be in (0, 1]" in run.error and run.finished_at is not None
    assert run.pairs.count() == 0


def test_a_run_that_is_no_longer_queued_is_left_alone(planted, contest, run_now):
    run = run_now(contest)
    finished = run.finished_at
    execute_run(run.pk)
    run.refresh_from_db()
    assert run.finished_at == finished and run.pairs.count() == 2


def test_versions_of_one_project_are_never_paired(entry, contest, run_now):
    """R-J4: one document per project, its latest counting version; its earlier versions,
    however alike, are not compared with it."""
    first = app(7)
    project = entry(7, first.text)
    save_draft(project=project, actor=project.team.lead, sections={"overview": copy_of(first, 71)[:3000]})
    latest = submit_project(project=project, actor=project.team.lead)
    assert counting_versions(contest) == [latest] == [counting_submission(project, latest.stage)]
    run = run_now(contest)
    assert run.pairs.filter(right__isnull=False).count() == 0


def test_withdrawn_and_disqualified_projects_are_not_checked(planted, contest, secretariat, run_now):
    disqualify_project(project=planted[1], actor=secretariat, reason="抄袭")
    run = run_now(contest)
    assert project_pairs(run) == {frozenset((planted[3].pk, planted[4].pk))}


def test_copy_of_an_earlier_prize_winner_is_reported_under_r_j3(entry, contest, run_now):
    winner = PastWinner.objects.filter(contest=contest).exclude(text="").first()
    source = app(8)
    winner.text = source.text
    winner.save()
    project = entry(8, copy_of(source, 81), name=winner.project_name)
    entry(9, app(9).text)
    run = run_now(contest)
    pair = run.pairs.get()
    assert (pair.left.project_id, pair.right, pair.past_winner) == (project.pk, None, winner)
    assert pair.shared_passages


def test_manual_run_tells_whoever_started_it(planted, contest, secretariat, run_now):
    run_now(contest)
    note = Notification.objects.get(user=secretariat, kind="originality_done")
    assert note.params == {"documents": len(planted) + 4, "pairs": 2}


def test_a_second_start_is_refused_while_one_is_queued(contest, secretariat, settings):
    settings.TASKS = DATABASE_TASKS
    start_run(contest=contest, actor=secretariat)
    with pytest.raises(ValidationError) as exc:
        start_run(contest=contest, actor=secretariat)
    assert exc.value.error_dict["__all__"][0].code == "state"
    assert OriginalityRun.objects.count() == 1
    assert AuditEntry.objects.filter(action="originality.start").count() == 1


# --- re-runs on new versions -----------------------------------------------------------------


def test_new_version_queues_a_run_once_while_it_waits(entry, contest, settings,
                                                      django_capture_on_commit_callbacks):
    """A submission queues a run after commit (trigger new_version); further versions while it
    is queued add nothing (it will read them); once it has started, the next version queues
    another."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_TASKS
    with django_capture_on_commit_callbacks(execute=True):
        project = entry(10, app(10).text)
    run = OriginalityRun.objects.get()
    assert (run.status, run.trigger, run.requested_by) == (OriginalityRun.Status.QUEUED, "new_version", None)
    assert DBTaskResult.objects.filter(args_kwargs__args=[run.pk]).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        entry(11, app(11).text)
        save_draft(project=project, actor=project.team.lead, sections={"overview": "第二版概述"})
        submit_project(project=project, actor=project.team.lead)
    assert OriginalityRun.objects.count() == 1
    assert request_rerun(contest=contest) is None

    execute_run(run.pk)  # what the worker does
    run.refresh_from_db()
    assert run.status == OriginalityRun.Status.DONE and run.total == 2 + 4
    with django_capture_on_commit_callbacks(execute=True):
        submit_project(project=project, actor=project.team.lead)
    assert OriginalityRun.objects.filter(status=OriginalityRun.Status.QUEUED, trigger="new_version").count() == 1


def test_no_run_is_queued_when_the_submission_is_refused(entry, contest, django_capture_on_commit_callbacks):
    project = entry(12, app(12).text)
    disqualify_project(project=project, actor=make_user("sec2@example.com", role="secretariat"), reason="x")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        submit_project(project=project, actor=project.team.lead)
    assert not OriginalityRun.objects.exists()


def test_automatic_run_tells_the_secretariat_only_about_new_pairs(planted, contest, secretariat, run_now):
    run_now(contest)
    Notification.objects.all().delete()
    with_pairs = OriginalityRun.objects.create(contest=contest, threshold=0.5, trigger="new_version")
    execute_run(with_pairs.pk)
    assert not Notification.objects.exists()  # the same pairs as before
    third = app(4)
    save_draft(project=planted[5], actor=planted[5].team.lead, sections={"overview": third.text[:3000]})
    submit_project(project=planted[5], actor=planted[5].team.lead)
    execute_run(OriginalityRun.objects.create(contest=contest, threshold=0.5, trigger="new_version").pk)
    assert Notification.objects.filter(user=secretariat, kind="originality_done").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_the_queued_check(planted, contest, secretariat):
    """With the database backend the run waits, queued, until `db_worker` takes it."""
    from django.test.utils import override_settings

    with override_settings(TASKS=DATABASE_TASKS):
        run = start_run(contest=contest, actor=secretariat)
        run.refresh_from_db()
        assert run.status == OriginalityRun.Status.QUEUED
        call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    run.refresh_from_db()
    assert run.status == OriginalityRun.Status.DONE and run.pairs_found == 2


# --- verdicts and disqualification -------------------------------------------------------------


def test_verdict_is_audited_and_acted_needs_a_note(planted, contest, secretariat, run_now):
    pair = run_now(contest).pairs.first()
    with pytest.raises(ValidationError) as exc:
        judge_pair(pair=pair, actor=secretariat, verdict="acted", note=" ")
    assert exc.value.error_dict["note"][0].code == "R-J2"
    with pytest.raises(ValidationError):
        judge_pair(pair=pair, actor=secretariat, verdict="pending")
    judge_pair(pair=pair, actor=secretariat, verdict="cleared", note="同一单位的两个团队共用平台介绍")
    pair.refresh_from_db()
    assert (pair.verdict, pair.judged_by) == ("cleared", secretariat)
    entry = AuditEntry.objects.get(action="originality.judge")
    assert entry.before == {"verdict": "pending", "note": ""}
    assert entry.after["verdict"] == "cleared" and entry.after["note"] == "同一单位的两个团队共用平台介绍"


def test_verdict_carries_over_for_the_same_versions_only(planted, contest, secretariat, run_now):
    first = run_now(contest)
    for pair in first.pairs.all():
        judge_pair(pair=pair, actor=secretariat, verdict="cleared", note="已核实")
    copy = planted[4]
    save_draft(project=copy, actor=copy.team.lead, sections={"team": "新增团队介绍"})
    submit_project(project=copy, actor=copy.team.lead)
    second = run_now(contest)
    verdicts = {frozenset((p.left.project_id, p.right.project_id)): p.verdict for p in second.pairs.all()}
    assert verdicts == {frozenset((planted[0].pk, planted[1].pk)): "cleared",
                        frozenset((planted[3].pk, planted[4].pk)): "pending"}


def test_disqualification_notifies_the_team_and_is_audited(planted, contest, secretariat, run_now):
    project = planted[1]
    rep_account = make_user("REP102@example.com", full_name="代表账号")
    pair = run_now(contest).pairs.get(right__project=project)
    disqualify_from_pair(pair=pair, project=project, actor=secretariat, rule="R-J2", reason="与其他项目申报书雷同")
    project.refresh_from_db()
    assert project.status == ProjectStatus.DISQUALIFIED
    assert project.status_reason == "【R-J2】与其他项目申报书雷同"
    notified = set(Notification.objects.filter(kind="project_disqualified").values_list("user", flat=True))
    assert notified == {project.team.lead_id, rep_account.pk}
    note = Notification.objects.get(kind="project_disqualified", user=rep_account)
    assert note.params == {"project": project.name, "reason": project.status_reason}
    audit = AuditEntry.objects.get(action="project.disqualify")
    assert audit.after == {"status": "disqualified", "reason": "【R-J2】与其他项目申报书雷同"}
    pair.refresh_from_db()
    assert pair.verdict == "acted" and "与其他项目申报书雷同" in pair.verdict_note


def test_disqualification_needs_a_known_rule_and_a_project_of_the_pair(planted, contest, secretariat, run_now):
    pair = run_now(contest).pairs.get(right__project=planted[1])
    with pytest.raises(ValidationError) as exc:
        disqualify_project(project=planted[1], actor=secretariat, reason="x", rule="R-X9")
    assert "rule" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        disqualify_from_pair(pair=pair, project=planted[2], actor=secretariat, rule="R-J2", reason="x")
    assert "project" in exc.value.error_dict
    assert not Notification.objects.filter(kind="project_disqualified").exists()
    assert all(p.status == ProjectStatus.ACTIVE for p in type(planted[0]).objects.all())
