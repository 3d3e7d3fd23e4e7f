"""Who may do what with certificates: named predicates (django-rules)."""

from __future__ import annotations

import rules

from ciic.accounts.rules import is_secretariat


@rules.predicate
def is_awarded_team_lead(user, certificate) -> bool:
    """The lead of the team whose project holds the award (an organizing unit's award has no team)."""
    if certificate is None or not user.is_authenticated or not certificate.award.project_id:
        return False
    return certificate.award.project.team.lead_id == user.pk


@rules.predicate
def is_valid_certificate(user, certificate) -> bool:
    return certificate is not None and certificate.revoked_at is None


# The secretariat issues, revokes, builds the batch and keeps the register.
rules.add_perm("certificates.manage_certificates", is_secretariat)
# The PDF: the secretariat's, and the awarded team's lead for their own valid certificate.
rules.add_perm("certificates.download_certificate", is_secretariat | (is_awarded_team_lead & is_valid_certificate))
