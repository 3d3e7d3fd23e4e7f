"""Role predicates shared by every app's rules.py."""

from __future__ import annotations

import rules

from .enums import Role


@rules.predicate
def is_secretariat(user) -> bool:
    return user.is_authenticated and user.role == Role.SECRETARIAT


@rules.predicate
def is_station_officer(user) -> bool:
    return user.is_authenticated and user.role == Role.STATION_OFFICER and user.station_id is not None


@rules.predicate
def is_expert(user) -> bool:
    return user.is_authenticated and user.role == Role.EXPERT


@rules.predicate
def is_organizing_contact(user) -> bool:
    return user.is_authenticated and user.role == Role.ORGANIZING_CONTACT


# Contest staff see what the public does not: the rule IDs behind the schedule and which of
# its dates are placeholders the organizing committee has yet to set.
rules.add_perm("accounts.see_staff_details", is_secretariat | is_station_officer)
