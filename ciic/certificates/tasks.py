"""Background work for certificates: the batch that issues them and zips their PDFs."""

from __future__ import annotations

from django_tasks import task

from .batch_job import execute_batch


@task()
def build_certificates(batch_id: int) -> dict:
    """Execute one queued batch; its progress and outcome are on the batch
    (`CertificateBatch.done`/`total`, `status`, `error`)."""
    batch = execute_batch(batch_id)
    return {"status": batch.status, "total": batch.total, "issued": batch.issued}
