"""Who may do what in expert review: named predicates (django-rules). Each area adds its
permissions below; querysets are scoped in the selectors."""

from __future__ import annotations

import rules

from ciic.accounts.rules import is_secretariat, is_station_officer
from ciic.projects.rules import is_officer_of_project_station
from ciic.projects.rules import is_project_team_lead as is_team_lead_of_project


@rules.predicate
def is_expert(user) -> bool:
    from ciic.accounts.enums import Role

    from .models import Expert

    return user.is_authenticated and user.role == Role.EXPERT and Expert.objects.filter(user=user).exists()


# Staff manage the expert pool; station officers the experts of their station (see selectors).
rules.add_perm("review.manage_experts", is_secretariat | is_station_officer)


# --- expert pool and conflicts (experts/, conflicts.py) --------------------------------


@rules.predicate
def is_officer_of_expert_station(user, expert) -> bool:
    return expert is not None and user.is_authenticated and expert.station_id is not None \
        and user.station_id == expert.station_id


rules.add_perm("review.change_expert", is_secretariat | (is_station_officer & is_officer_of_expert_station))
rules.add_perm("review.view_conflicts", is_secretariat | is_station_officer)
rules.add_perm("review.record_conflict", is_secretariat | is_station_officer)
# Staff who checked a possible (name-only) match dismiss it as a namesake, or withdraw that:
# the secretariat for any project, a station officer for their station's (R-P8).
rules.add_perm("review.dismiss_conflict", is_secretariat | (is_station_officer & is_officer_of_project_station))
# The expert declares their own conflicts; the team lead names whom the team avoids.
rules.add_perm("review.declare_conflict", is_expert)
rules.add_perm("review.declare_team_avoidance", is_team_lead_of_project)


# --- the expert's workspace and roadshow slots (reviews/) ----------------------------------


@rules.predicate
def is_officer_of_round_station(user, review_round) -> bool:
    return review_round is not None and user.is_authenticated and review_round.station_id is not None \
        and user.station_id == review_round.station_id


# Experts open their workspace; which projects they see is the selectors' business (R-P8).
rules.add_perm("review.use_workspace", is_expert)
# Staff schedule roadshow slots (R-V1): the secretariat any round, an officer their station's.
rules.add_perm("review.schedule_roadshow", is_secretariat | (is_station_officer & is_officer_of_round_station))


# --- rounds and assignment (rounds/) -----------------------------------------------------

# The rounds pages: the secretariat all rounds; a station officer their station's (selectors).
rules.add_perm("review.manage_rounds", is_secretariat | is_station_officer)
# Create, set up, solve, edit, open and close one round (contest-wide rounds: secretariat only).
rules.add_perm("review.manage_round", is_secretariat | (is_station_officer & is_officer_of_round_station))


# --- results, advancement, archive (results/); finalists, due diligence (finalists/) ------


@rules.predicate
def is_officer_of_station(user, station) -> bool:
    return station is not None and user.is_authenticated and user.station_id == station.pk


# A round's results, aggregation, advancement rules, tie decisions, export and archive: whoever
# manages the round (contest-wide rounds: the secretariat only).
rules.add_perm("review.manage_results", is_secretariat | (is_station_officer & is_officer_of_round_station))
# Finalists (R-V2): the station officer proposes their station's; the secretariat confirms.
rules.add_perm("review.view_finalists", is_secretariat | is_station_officer)
rules.add_perm("review.propose_finalists", is_station_officer & is_officer_of_station)
rules.add_perm("review.confirm_finalists", is_secretariat)
# Due diligence on finalists and replacing one who failed (R-P9): the secretariat.
rules.add_perm("review.due_diligence", is_secretariat)


# --- what review adds to the projects app's permissions ---------------------------------


@rules.predicate
def is_expert_assigned_to_project(user, project) -> bool:
    """An expert sees the materials of a project assigned to them in an open or closed review
    round, unless they conflict with it (R-P8: `selectors.assigned_unconflicted`)."""
    if project is None or not user.is_authenticated:
        return False
    from .models import Expert
    from .selectors import assigned_unconflicted

    expert = Expert.objects.filter(user=user, contest_id=project.contest_id).first()
    return assigned_unconflicted(expert, project)


# Assigned experts read the materials of their projects (R-J7, R-P8). Projects sits below
# review and grants the team and staff; review widens that permission here.
rules.set_perm("projects.download_material",
               rules.permissions.permissions["projects.download_material"]
               | is_expert_assigned_to_project)
