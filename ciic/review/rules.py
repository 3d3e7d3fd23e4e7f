"""Who may do what in expert review: named predicates (django-rules). Each area adds its
permissions below; querysets are scoped in the selectors."""

from __future__ import annotations

import rules

from ciic.accounts.rules import is_secretariat, is_station_officer


@rules.predicate
def is_expert(user) -> bool:
    from ciic.accounts.enums import Role

    return user.is_authenticated and user.role == Role.EXPERT and hasattr(user, "expert_profile")


# Staff manage the expert pool; station officers the experts of their station (see selectors).
rules.add_perm("review.manage_experts", is_secretariat | is_station_officer)
