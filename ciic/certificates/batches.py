"""Generating every certificate in the background (issue 12 §5): the secretariat starts a
batch (`start_batch`), a task (`tasks.build_certificates` -> `batch_job.execute_batch`) issues
the missing certificates and builds a zip of every valid certificate's PDF, writing its
progress as it goes; the page polls it and offers the zip when it is done.

One batch at a time per contest: starting again (a retry, a double click, a second person)
while one is queued or running returns that one instead of queueing another; the contest
row's lock and a partial unique constraint hold it. A running batch whose heartbeat stopped
more than `STALE_AFTER` ago (its worker died) is marked failed by the next start, so it
cannot block the secretariat for ever.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ciic.audit.services import record
from ciic.awards.enums import AwardListStatus
from ciic.awards.models import AwardList
from ciic.contests.models import Contest
from ciic.core.validation import Errors

from .models import CertificateBatch
from .tasks import build_certificates

log = logging.getLogger(__name__)

ACTIVE = (CertificateBatch.Status.QUEUED, CertificateBatch.Status.RUNNING)
STALE_AFTER = dt.timedelta(minutes=10)


def _expire_stale(contest: Contest, now: dt.datetime) -> None:
    stale = CertificateBatch.objects.filter(contest=contest, status=CertificateBatch.Status.RUNNING,
                                            heartbeat_at__lt=now - STALE_AFTER)
    stale.update(status=CertificateBatch.Status.FAILED, finished_at=now,
                 error="the batch stopped reporting progress (its worker stopped)")


def start_batch(*, contest: Contest, actor) -> tuple[CertificateBatch, bool]:
    """Queue a batch, or return the one already queued or running: (batch, created). Refused
    while no award list is confirmed (there is nothing to certify). The task is enqueued after
    commit. Audited ("certificates.batch.start")."""
    errors = Errors()
    with transaction.atomic():
        Contest.objects.select_for_update(of=("self",)).filter(pk=contest.pk).order_by("pk").first()
        _expire_stale(contest, timezone.now())
        active = CertificateBatch.objects.filter(contest=contest, status__in=ACTIVE).first()
        if active is not None:
            return active, False
        if not AwardList.objects.filter(contest=contest, status=AwardListStatus.CONFIRMED).exists():
            errors.add("__all__", _("尚无已确认的获奖名单，没有可生成的证书"), "R-A1")
        errors.raise_if_any()
        batch = CertificateBatch.objects.create(contest=contest, requested_by=actor)
        record(actor=actor, action="certificates.batch.start", target=batch)
        transaction.on_commit(lambda: _enqueue(batch.pk))
    return batch, True


def _enqueue(batch_id: int) -> None:
    try:
        build_certificates.enqueue(batch_id)
    except Exception as exc:  # a queue that cannot take the task must not leave the batch queued for ever
        log.exception("certificate batch %s could not be enqueued", batch_id)
        CertificateBatch.objects.filter(pk=batch_id, status=CertificateBatch.Status.QUEUED).update(
            status=CertificateBatch.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now())
