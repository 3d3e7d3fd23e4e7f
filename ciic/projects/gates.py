"""Who may submit in a stage, where the answer belongs to an app above projects.

The finals take only confirmed finalists that did not fail due diligence (R-V2, R-P9), and
the review app keeps the finalist lists. Projects sits below review and must not import it,
so review registers a gate here when Django starts (`ReviewConfig.ready`), and
`services.submit_project` asks every registered gate. The awards or any later app can add
its own the same way.

A gate takes the project and the stage it would submit in and returns a refusal, as
(message, rule ID), or None when it has nothing against the submission.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ciic.contests.models import Stage

    from .models import Project

SubmissionGate = Callable[["Project", "Stage"], "tuple[str, str] | None"]

_gates: dict[str, SubmissionGate] = {}


def register_submission_gate(name: str, gate: SubmissionGate) -> None:
    """Add (or replace, under the same name) a gate on submitting a version."""
    _gates[name] = gate


def submission_refusals(project: Project, stage: Stage) -> list[tuple[str, str]]:
    """Every registered gate's refusal of `project` submitting in `stage`, in registration order."""
    return [refusal for gate in _gates.values() if (refusal := gate(project, stage)) is not None]
