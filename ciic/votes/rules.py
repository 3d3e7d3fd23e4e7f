"""Who may do what with the popularity vote: named predicates (django-rules). Voting itself
needs no account: a verified mobile number is the voter (services)."""

from __future__ import annotations

import rules

from ciic.accounts.rules import is_secretariat

# The secretariat runs the detectors, clears or voids held votes and publishes the tally.
rules.add_perm("votes.audit_votes", is_secretariat)
rules.add_perm("votes.publish_tally", is_secretariat)
