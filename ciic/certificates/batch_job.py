"""The certificate batch's background job, run by `tasks.build_certificates`: issue the
missing certificates (`services.issue_certificates`), then write each valid certificate's PDF
into one zip (`<number>.pdf`, in number order), updating `done`/`total` and the heartbeat after
each, and store the zip (Django storage) with its size and SHA-256. The previous batches' zips
are removed then: only the newest is offered, so a certificate revoked since an older zip was
built is not handed out from it. Queueing a batch is `batches.py`, which this module does
not import (that one enqueues the task that calls this one).
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import zipfile

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from .models import Certificate, CertificateBatch
from .pdf import certificate_pdf, certificate_pdf_name
from .services import issue_certificates

log = logging.getLogger(__name__)

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed entry times: the bytes depend on the content only


def zip_name(batch: CertificateBatch) -> str:
    return f"certificates-{batch.contest.slug}-{batch.pk}.zip"


def execute_batch(batch_id: int) -> CertificateBatch:
    """Run a queued batch (module docstring); mark it done, or failed with the error. A batch
    that is not queued any more is left alone (a task delivered twice)."""
    with transaction.atomic():
        batch = CertificateBatch.objects.select_for_update(of=("self",)).select_related("contest").get(pk=batch_id)
        if batch.status != CertificateBatch.Status.QUEUED:
            return batch
        now = timezone.now()
        batch.status, batch.started_at, batch.heartbeat_at = CertificateBatch.Status.RUNNING, now, now
        batch.save(update_fields=["status", "started_at", "heartbeat_at"])
    progress = CertificateBatch.objects.filter(pk=batch.pk)
    try:
        issued = issue_certificates(contest=batch.contest, actor=batch.requested_by)
        certificates = list(Certificate.objects.filter(contest=batch.contest, revoked_at__isnull=True)
                            .select_related("contest").order_by("series", "sequence"))
        progress.update(total=len(certificates), done=0, issued=len(issued), heartbeat_at=timezone.now())
        with tempfile.TemporaryFile() as spool:
            with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for done, certificate in enumerate(certificates, start=1):
                    info = zipfile.ZipInfo(certificate_pdf_name(certificate), ZIP_TIME)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, certificate_pdf(certificate))
                    progress.update(done=done, heartbeat_at=timezone.now())
            spool.seek(0)
            digest = hashlib.sha256()
            for chunk in iter(lambda: spool.read(1 << 20), b""):
                digest.update(chunk)
            size = spool.tell()
            spool.seek(0)
            batch.file.save(zip_name(batch), File(spool), save=False)
        older = list(CertificateBatch.objects.filter(contest=batch.contest).exclude(pk=batch.pk).exclude(file=""))
        progress.update(status=CertificateBatch.Status.DONE, finished_at=timezone.now(), file=batch.file.name,
                        size=size, sha256=digest.hexdigest())
        for old in older:
            old.file.delete(save=False)
            CertificateBatch.objects.filter(pk=old.pk).update(file="")
    except BaseException as exc:
        log.exception("certificate batch %s failed", batch.pk)
        progress.update(status=CertificateBatch.Status.FAILED, finished_at=timezone.now(),
                        error=f"{type(exc).__name__}: {exc}"[:2000])
        if not isinstance(exc, Exception):  # a worker being stopped: stop
            raise
    batch.refresh_from_db()
    return batch
