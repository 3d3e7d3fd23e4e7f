"""Who may do what with organizations and teams: named predicates (django-rules)."""

from __future__ import annotations

import rules

from ciic.accounts.rules import is_secretariat, is_station_officer


@rules.predicate
def is_org_owner(user, organization) -> bool:
    return organization is not None and user.is_authenticated and organization.owner_id == user.pk


@rules.predicate
def is_team_lead(user, team) -> bool:
    return team is not None and user.is_authenticated and team.lead_id == user.pk


@rules.predicate
def is_team_member(user, team) -> bool:
    """An account the lead invited to the team (entrants.members)."""
    from .selectors import is_member

    return team is not None and is_member(user, team.pk)


@rules.predicate
def is_officer_of_team_station(user, team) -> bool:
    return team is not None and user.is_authenticated and user.station_id == team.station_id


@rules.predicate
def is_entrant_user(user) -> bool:
    from ciic.accounts.enums import Role

    return user.is_authenticated and user.role == Role.ENTRANT


# Entrants register organizations and teams for themselves.
rules.add_perm("entrants.register_organization", is_entrant_user)
rules.add_perm("entrants.change_organization", is_org_owner)
rules.add_perm("entrants.register_team", is_org_owner)
rules.add_perm("entrants.change_team", is_team_lead)
rules.add_perm("entrants.view_team", is_team_lead | is_team_member | is_secretariat
               | (is_station_officer & is_officer_of_team_station))
# The lead invites representatives to accounts that see the team; only the lead manages them.
rules.add_perm("entrants.manage_members", is_team_lead)
# Lists and exports of everyone's data: the secretariat, and station officers for their station.
rules.add_perm("entrants.list_entrants", is_secretariat | is_station_officer)
rules.add_perm("entrants.view_personal_data", is_team_lead | is_secretariat)
# R-G2(c): only the secretariat verifies a self-declared central SOE that no list holds.
rules.add_perm("entrants.verify_central_soe", is_secretariat)
# R-P3: only the secretariat settles who a disputed person represents (entrants.identity).
rules.add_perm("entrants.resolve_identity_dispute", is_secretariat)
