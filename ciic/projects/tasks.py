"""Background work for projects: removing abandoned resumable uploads; the originality check."""

from __future__ import annotations

from django_tasks import task

from .originality_job import execute_run
from .tus import remove_expired_uploads


@task()
def cleanup_uploads() -> int:
    """Discard unfinished tus uploads past their expiry, with their partial files."""
    return remove_expired_uploads()


@task()
def run_originality_check(run_id: int) -> dict:
    """Execute one queued originality run (R-J2, R-J3); its progress and outcome are on the
    run (`OriginalityRun.done`/`total`, `status`, `error`)."""
    run = execute_run(run_id)
    return {"status": run.status, "pairs": run.pairs_found}
