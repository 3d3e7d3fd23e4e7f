"""Background work for expert review: solving a round's assignment."""

from __future__ import annotations

from django_tasks import task

from .solving import execute_solve


@task()
def solve_assignment(run_id: int) -> dict:
    """Execute one queued assignment run; its progress, figures and outcome are on the run
    (`AssignmentRun.progress`, `figures`, `status`, `message`)."""
    run = execute_solve(run_id)
    return {"status": run.status, "message": run.message[:200]}
