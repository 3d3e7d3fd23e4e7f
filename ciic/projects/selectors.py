"""Reads about projects and the stages' submission windows."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from ciic.contests.models import Contest, ScheduleItem, Stage
from ciic.entrants.selectors import filter_teams, scope_to_user

from .models import Project, Submission


def submission_window(stage: Stage) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(opens, closes) of a stage's submissions, from its schedule item in the spec (R-J4)."""
    if not stage.submission_key:
        return None, None
    item = ScheduleItem.objects.filter(contest_id=stage.contest_id, key=stage.submission_key).first()
    if item is None:
        return None, None
    return item.starts_at, item.ends_at


def open_stage(contest: Contest, *, now: dt.datetime | None = None) -> Stage | None:
    """The stage whose submission window contains `now` (server time), if any."""
    now = now or timezone.now()
    for stage in Stage.objects.filter(contest=contest).order_by("order"):
        opens, closes = submission_window(stage)
        if closes is not None and (opens is None or opens <= now) and now <= closes:
            return stage
    return None


def counting_submission(project: Project, stage: Stage) -> Submission | None:
    """R-J4: the version judged in a stage is the last one submitted before its deadline."""
    qs = project.submissions.filter(stage=stage)
    _opens, closes = submission_window(stage)
    if closes is not None:
        qs = qs.filter(submitted_at__lte=closes)
    return qs.order_by("-number").first()


def projects_for_user(user, contest: Contest) -> QuerySet[Project]:
    """Secretariat: all; station officer: their station's; team lead: their own; others: none."""
    qs = Project.objects.filter(contest=contest).select_related("team", "team__station", "team__direction")
    return scope_to_user(qs, user, team_path="team__")


def projects_with_stage_counts(user, contest: Contest, *, station: str = "", direction: str = "",
                               group: str = "", status: str = "", q: str = "") -> QuerySet[Project]:
    """Staff list: the visible projects, filtered, each annotated with its number of versions
    per stage (`versions_<stage code>`) and the time of its latest version."""
    from django.db.models import Count, Max, Q

    qs = projects_for_user(user, contest).select_related("team__organization__group")
    qs = filter_teams(qs, station=station, direction=direction, group=group, team_path="team__")
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(team__name__icontains=q) | Q(team__organization__name__icontains=q))
    counts = {f"versions_{s.code}": Count("submissions", filter=Q(submissions__stage=s))
              for s in Stage.objects.filter(contest=contest)}
    return qs.annotate(last_submitted_at=Max("submissions__submitted_at"), **counts).order_by("id")
