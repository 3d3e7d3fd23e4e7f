"""Background work for the popularity vote: a detection run over every vote."""

from __future__ import annotations

from django_tasks import task

from .detection import execute_run


@task()
def detect_brushing(run_id: int) -> dict:
    """Run one queued detection run (R-A2, issue 12 §4); its status and summary are on the run."""
    run = execute_run(run_id)
    return {"status": run.status if run else "missing", "held": (run.summary or {}).get("held", 0) if run else 0}
