"""Who may do what with the publicity and its complaints: named predicates (django-rules).

The case's handlers are the complaint committee (secretariat accounts in the
`COMMITTEE_GROUP` group: they receive, accept and assign) and the officer assigned to the case.
They alone see a complainant's identity, the facts and the evidence. Other staff see that a
case exists (number, project, state, dates); the accused team sees only the further-material
request addressed to it; the complainant sees their own case."""

from __future__ import annotations

import rules

from ciic.accounts.rules import is_secretariat, is_station_officer

from .enums import CaseState

COMMITTEE_GROUP = "complaint_committee"
# The moves only the committee makes: it receives (受理), rules (裁定) and closes; the case's
# officer verifies (核查). The pages and the API both ask here.
COMMITTEE_MOVES = frozenset({CaseState.ACCEPTED, CaseState.NOT_ACCEPTED, CaseState.RULED, CaseState.CLOSED})

is_committee = rules.is_group_member(COMMITTEE_GROUP)


@rules.predicate
def is_case_officer(user, case) -> bool:
    return case is not None and user.is_authenticated and case.officer_id == user.pk


@rules.predicate
def is_complainant(user, case) -> bool:
    return case is not None and user.is_authenticated and case.complainant_id == user.pk


# The notice: published and amended by the secretariat.
rules.add_perm("publicity.manage_notice", is_secretariat)
# The case list: staff see that cases exist; the committee handles them.
rules.add_perm("publicity.list_cases", is_secretariat | is_station_officer)
rules.add_perm("publicity.handle_cases", is_secretariat & is_committee)
# One case in full (identity, facts, evidence, findings): its handlers.
rules.add_perm("publicity.view_case", is_secretariat & (is_committee | is_case_officer))
# Verifying it (response request, findings, evidence): its officer, and the committee.
rules.add_perm("publicity.verify_case", is_secretariat & (is_committee | is_case_officer))
# The complainant's own page.
rules.add_perm("publicity.follow_case", is_complainant)
