"""Who may do what with the finals and the awards: named predicates (django-rules)."""

from __future__ import annotations

import rules

from ciic.accounts.rules import is_secretariat, is_station_officer


@rules.predicate
def is_session_chair(user, session) -> bool:
    return session is not None and user.is_authenticated and session.chair_id == user.pk


@rules.predicate
def is_session_expert(user, session) -> bool:
    return session is not None and user.is_authenticated and session.experts.filter(user=user).exists()


# The secretariat sets up sessions, draws and allocates; the chair runs their session.
rules.add_perm("awards.manage_finals", is_secretariat)
rules.add_perm("awards.chair_session", is_secretariat | is_session_chair)
rules.add_perm("awards.follow_session", is_secretariat | is_session_chair | is_session_expert)


@rules.predicate
def is_officer_of_station(user, station) -> bool:
    return station is not None and user.is_authenticated and user.station_id == station.pk


# R-A3: each station decides its own local awards; the secretariat may act for any station.
rules.add_perm("awards.manage_local", is_secretariat | (is_station_officer & is_officer_of_station))
