"""Queueing and cancelling a solve of a round's assignment (R-V1). The solve itself runs in the
background (`tasks.solve_assignment` calls `solving.execute_solve`); this module enqueues it
after commit, and nothing below it imports this one."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ciic.audit.services import record
from ciic.core.validation import Errors
from ciic.engines import assignment as engine

from ..enums import JobStatus, RoundStatus
from ..models import AssignmentRun, ReviewRound
from .tasks import solve_assignment

log = logging.getLogger(__name__)


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


# --- queueing --------------------------------------------------------------------------------


def start_solve(*, review_round: ReviewRound, mode: str, actor) -> AssignmentRun:
    """Queue a solve of the round's assignment in `mode` ("max_total" or "fair"); the task is
    enqueued after commit. Refused: an unknown mode, a closed round, a round without projects
    or panel, a solve already queued or running for the round. Audited ("review.assign.start")."""
    errors = Errors()
    if mode not in engine.MODES:
        errors.add("mode", _("请选择分配方式"), "R-V1")
    with transaction.atomic():
        locked = ReviewRound.objects.select_for_update().order_by().get(pk=review_round.pk)
        if locked.status == RoundStatus.CLOSED:
            errors.add("__all__", _("本轮评审已结束，不能再分配"), "R-V3")
        if not locked.entries.exists():
            errors.add("__all__", _("本轮没有项目"), "R-V1")
        if not locked.panel.exists():
            errors.add("__all__", _("请先确定本轮专家组"), "R-V5")
        if AssignmentRun.objects.filter(review_round=locked, status__in=ACTIVE).exists():
            errors.add("__all__", _("本轮已有一次分配正在计算"), "R-V1")
        errors.raise_if_any()
        run = AssignmentRun.objects.create(review_round=locked, mode=mode, requested_by=actor)
        record(actor=actor, action="review.assign.start", target=locked, after={"run": run.pk, "mode": mode})
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def cancel_solve(*, run: AssignmentRun, actor, reason: str = "") -> AssignmentRun:
    """Stop waiting for a queued or running solve (a worker that died leaves it so, and it
    would block new solves and opening the round). The run is marked failed with who cancelled
    and why; if a worker is still computing it, its result is discarded when it tries to store
    it (`solving._store` checks the run is still running). Audited ("review.assign.cancel")."""
    errors = Errors()
    reason = (reason or "").strip()[:500]
    with transaction.atomic():
        locked = AssignmentRun.objects.select_for_update().select_related("review_round").get(pk=run.pk)
        if locked.status not in ACTIVE:
            errors.add("__all__", _("这次分配计算已经结束，无需取消"), "R-V1")
        errors.raise_if_any()
        message = _("已由%(name)s取消") % {"name": getattr(actor, "full_name", "") or _("工作人员")}
        if reason:
            message += _("：%(reason)s") % {"reason": reason}
        AssignmentRun.objects.filter(pk=locked.pk).update(status=JobStatus.FAILED, finished_at=timezone.now(),
                                                          message=message)
        record(actor=actor, action="review.assign.cancel", target=locked.review_round,
               before={"run": locked.pk, "status": locked.status}, after={"reason": reason})
    locked.refresh_from_db()
    return locked


def _enqueue(run_id: int) -> None:
    try:
        solve_assignment.enqueue(run_id)
    except Exception as exc:  # a queue that cannot take the task must not leave the run queued forever
        log.exception("assignment run %s could not be enqueued", run_id)
        AssignmentRun.objects.filter(pk=run_id, status=JobStatus.QUEUED).update(
            status=JobStatus.FAILED, message=f"{type(exc).__name__}: {exc}", finished_at=timezone.now())
