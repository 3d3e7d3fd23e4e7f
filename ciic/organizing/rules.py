"""Who may do what: named predicates (django-rules)."""

from __future__ import annotations

import rules

from ciic.accounts.rules import is_organizing_contact, is_secretariat
from ciic.entrants.rules import is_team_lead


@rules.predicate
def is_unit_contact(user, unit) -> bool:
    """An account of this organizing unit (role organizing_contact)."""
    if unit is None or not user.is_authenticated:
        return False
    account = getattr(user, "organizing_account", None)
    return account is not None and account.unit_id == unit.pk


@rules.predicate
def is_participant_user(user, participant) -> bool:
    return participant is not None and user.is_authenticated and participant.user_id == user.pk


@rules.predicate
def is_profile_lead(user, profile) -> bool:
    return profile is not None and user.is_authenticated and profile.team.lead_id == user.pk


# The secretariat keeps the units, receipts, reports, ranking, meetings and benefits.
rules.add_perm("organizing.manage_units", is_secretariat)
rules.add_perm("organizing.manage_meetings", is_secretariat)
# A unit's contact returns the receipt and the report, hands out the invitation and sees the
# teams it recommended (never their representatives).
rules.add_perm("organizing.act_for_unit", is_organizing_contact & is_unit_contact)
rules.add_perm("organizing.view_unit", is_secretariat | (is_organizing_contact & is_unit_contact))
# A team's lead names the unit that recommended it and opts the team in to meetings.
rules.add_perm("organizing.act_for_team", is_team_lead)
rules.add_perm("organizing.act_as_participant", is_participant_user)
rules.add_perm("organizing.act_for_profile", is_profile_lead)
