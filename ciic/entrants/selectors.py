"""Reads of organizations and teams, already filtered to what the acting user may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ciic.contests.models import Contest, Station

from .models import Organization, Team, TeamMember


def teams_for_user(user, contest: Contest) -> QuerySet[Team]:
    """Secretariat: every team; station officer: the station's teams; entrant: own teams."""
    qs = Team.objects.filter(contest=contest).select_related(
        "organization", "organization__group", "station", "direction", "lead"
    )
    return scope_to_user(qs, user)


def scope_to_user(qs: QuerySet, user, *, team_path: str = "") -> QuerySet:
    """Rows about teams as the user may see them: the secretariat all, a station officer their
    station's, a team lead their own teams' and a member the teams they joined
    (`entrants.members`), anyone else none. `team_path` leads from the queryset's model to its
    team (e.g. "team__" for projects)."""
    if not user.is_authenticated:
        return qs.none()
    if user.is_secretariat:
        return qs
    if user.is_station_officer:
        return qs.filter(**{f"{team_path}station_id": user.station_id})
    # A subquery rather than a join: no duplicate rows, no DISTINCT to break ordering or counts.
    joined = TeamMember.objects.filter(user=user).values("team_id")
    return qs.filter(Q(**{f"{team_path}lead": user}) | Q(**{f"{team_path}pk__in": joined}))


def is_member(user, team_id: int | None, *, editing: bool = False) -> bool:
    """`user` joined the team by invitation (entrants.members); with `editing`, as a member the
    lead lets edit the project."""
    if team_id is None or not user.is_authenticated:
        return False
    members = TeamMember.objects.filter(team_id=team_id, user=user)
    return (members.filter(can_edit=True) if editing else members).exists()


def stations_for_user(user, contest: Contest) -> QuerySet[Station]:
    """The stations whose entrants the user may list: one for a station officer, else all."""
    qs = Station.objects.filter(contest=contest)
    return qs.filter(pk=user.station_id) if user.is_authenticated and user.is_station_officer else qs


def organizations_for_user(user, contest: Contest) -> QuerySet[Organization]:
    qs = Organization.objects.filter(contest=contest, is_registered=True).select_related("group", "parent")
    if not user.is_authenticated:
        return qs.none()
    if user.is_secretariat:
        return qs
    if user.is_station_officer:
        return qs.filter(teams__station_id=user.station_id).distinct()
    return qs.filter(owner=user)


def filter_teams(qs: QuerySet, *, station: str = "", direction: str = "", group: str = "",
                 province: str = "", q: str = "", team_path: str = "", group_status: str = "") -> QuerySet:
    """The staff list filters on teams, or on rows about teams through `team_path` ("team__").
    `group_status` picks teams by how their organization's group was settled (待核实, R-G2c)."""
    t = team_path
    if group_status:
        qs = qs.filter(**{f"{t}organization__group_status": group_status})
    if station:
        qs = qs.filter(**{f"{t}station__code": station})
    if direction:
        qs = qs.filter(**{f"{t}direction__code": direction})
    if group:
        qs = qs.filter(**{f"{t}organization__group__code": group})
    if province:
        qs = qs.filter(**{f"{t}organization__province_code": province})
    if q:
        qs = qs.filter(Q(**{f"{t}name__icontains": q}) | Q(**{f"{t}organization__name__icontains": q}))
    return qs


def filter_organizations(qs: QuerySet[Organization], *, station: str = "", direction: str = "",
                         group: str = "", province: str = "", q: str = "",
                         group_status: str = "") -> QuerySet[Organization]:
    if group_status:
        qs = qs.filter(group_status=group_status)
    if station:
        qs = qs.filter(teams__station__code=station)
    if direction:
        qs = qs.filter(teams__direction__code=direction)
    if group:
        qs = qs.filter(group__code=group)
    if province:
        qs = qs.filter(province_code=province)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.distinct()
