"""Queueing a detection run for the task worker (the audit page and the API), so a vote of
hundreds of thousands of ballots never holds a web request: the page shows the run queued,
then running, then its summary. The run itself is `detection.execute_run` (through
`tasks.detect_brushing`)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from ciic.audit.services import record
from ciic.contests.models import Contest

from . import services
from .detection import lock_votes
from .models import DetectionRun
from .tasks import detect_brushing

log = logging.getLogger(__name__)

ACTIVE = (DetectionRun.Status.QUEUED, DetectionRun.Status.RUNNING)
# A run this old that has not finished lost its worker: it is marked failed, so the secretariat
# can start another (a run over 200,000 votes takes well under a minute, bench/vote.py).
STALE_AFTER = dt.timedelta(minutes=30)


def active_run(contest: Contest) -> DetectionRun | None:
    return DetectionRun.objects.filter(contest=contest, status__in=ACTIVE).order_by("-pk").first()


def start_detection(*, contest: Contest, actor) -> tuple[DetectionRun, bool]:
    """Queue a run, or return the one queued or running: (run, created). Refused once the tally
    is published (R-A2). Enqueued after commit. Audited ("votes.detection.start")."""
    with transaction.atomic():
        lock_votes(contest)
        now = services.now()
        DetectionRun.objects.filter(contest=contest, status__in=ACTIVE, started_at__lt=now - STALE_AFTER).update(
            status=DetectionRun.Status.FAILED, finished_at=now,
            error="the run stopped before finishing (its worker stopped)")
        active = active_run(contest)
        if active is not None:
            return active, False
        run = DetectionRun.objects.create(contest=contest, run_by=actor, started_at=now,
                                          status=DetectionRun.Status.QUEUED)
        record(actor=actor, action="votes.detection.start", target=run)
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run, True


def _enqueue(run_id: int) -> None:
    try:
        detect_brushing.enqueue(run_id)
    except Exception as exc:  # a queue that cannot take the task must not leave the run queued for ever
        log.exception("vote detection run %s could not be enqueued", run_id)
        DetectionRun.objects.filter(pk=run_id, status=DetectionRun.Status.QUEUED).update(
            status=DetectionRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=services.now())

