"""Who may do what with projects and their materials: named predicates (django-rules)."""

from __future__ import annotations

import rules

from ciic.accounts.rules import is_secretariat, is_station_officer
from ciic.entrants.selectors import is_member


@rules.predicate
def is_project_team_lead(user, project) -> bool:
    return project is not None and user.is_authenticated and project.team.lead_id == user.pk


@rules.predicate
def is_project_member(user, project) -> bool:
    """A representative the lead invited to the team (entrants.members)."""
    return project is not None and is_member(user, project.team_id)


@rules.predicate
def is_project_editor(user, project) -> bool:
    """A member the lead lets edit the project."""
    return project is not None and is_member(user, project.team_id, editing=True)


@rules.predicate
def is_officer_of_project_station(user, project) -> bool:
    return project is not None and user.is_authenticated and user.station_id == project.team.station_id


# The team lead (and members the lead lets edit) upload; the team's members and staff read
# (R-J7). The review app, above this one, adds the experts assigned to the project
# (`ciic/review/rules.py`): projects does not know about experts.
rules.add_perm("projects.upload_material", is_project_team_lead | is_project_editor)
rules.add_perm("projects.download_material", is_project_team_lead | is_project_member | is_secretariat
               | (is_station_officer & is_officer_of_project_station))


@rules.predicate
def is_lead_of_team(user, team) -> bool:
    return team is not None and user.is_authenticated and team.lead_id == user.pk


# The team lead starts, edits, submits and withdraws the project (R-P2, R-J4), and may let
# members edit and submit it too; members read it. The secretariat renames after the first
# submission (R-J4) and disqualifies (R-P6, R-J2).
rules.add_perm("projects.start_project", is_lead_of_team)
rules.add_perm("projects.edit_project", is_project_team_lead | is_project_editor)
rules.add_perm("projects.view_project", is_project_team_lead | is_project_member | is_secretariat
               | (is_station_officer & is_officer_of_project_station))
rules.add_perm("projects.rename_project", is_secretariat)
rules.add_perm("projects.disqualify_project", is_secretariat)
# The staff list of projects and its export: the secretariat, station officers (their station).
rules.add_perm("projects.list_projects", is_secretariat | is_station_officer)


# Further material on request (R-J5): the secretariat or the project's station officer asks;
# the team lead supplies and answers; whoever sees the project sees its requests.
rules.add_perm("projects.request_material", is_secretariat | (is_station_officer & is_officer_of_project_station))
rules.add_perm("projects.supply_material", is_project_team_lead)
# The originality check (R-J2, R-J3): the secretariat runs it, reads the pairs, judges them.
rules.add_perm("projects.run_originality", is_secretariat)
