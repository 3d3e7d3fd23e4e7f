"""Fixtures shared by the round tests (test_assigning.py, test_rounds_late_conflicts.py): a
Beijing round of 6 projects and 5 experts, k = 2, load 3; experts[0] and [1] share every
project's direction (the solver prefers them). Modules with their own round override them."""

from __future__ import annotations

import pytest

from ciic.review.models import AssignmentRun
from ciic.review.rounds.assigning import start_solve
from ciic.review.rounds.services import create_round, set_panel

from .test_rounds import TEXTS, make_expert, make_project, spec_round


@pytest.fixture
def projects(contest):
    return [make_project(contest, i) for i in range(1, 7)]


@pytest.fixture
def review_round(contest, station, projects, secretariat):
    return create_round(spec_round=spec_round(contest), station=station, actor=secretariat,
                        experts_per_project=2, max_load=3)


@pytest.fixture
def experts(contest, station, review_round, secretariat):
    direction = station.directions.first()
    found = [make_expert(contest, i, station=station, directions=[direction] if i < 2 else [],
                         text=TEXTS[i % len(TEXTS)]) for i in range(5)]
    set_panel(review_round=review_round, experts=found, actor=secretariat)
    return found


@pytest.fixture
def solve(django_capture_on_commit_callbacks):
    """solve(round, actor, mode) -> the run, after the task ran (immediate backend, on commit)."""

    def run_it(review_round, actor, mode: str = "max_total") -> AssignmentRun:
        with django_capture_on_commit_callbacks(execute=True):
            run = start_solve(review_round=review_round, mode=mode, actor=actor)
        run.refresh_from_db()
        return run

    return run_it
