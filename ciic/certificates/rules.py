"""Who may do what with certificates: named predicates (django-rules)."""

from __future__ import annotations

import rules

from ciic.accounts.rules import is_secretariat, is_station_officer


@rules.predicate
def is_awarded_team_lead(user, certificate) -> bool:
    """The lead of the team whose project holds the award (an organizing unit's award has no team)."""
    if certificate is None or not user.is_authenticated or not certificate.award.project_id:
        return False
    return certificate.award.project.team.lead_id == user.pk


@rules.predicate
def is_valid_certificate(user, certificate) -> bool:
    return certificate is not None and certificate.revoked_at is None


@rules.predicate
def is_own_station_certificate(user, certificate) -> bool:
    """A station's local award (R-A3), for that station's officer."""
    return (certificate is not None and user.is_authenticated and user.station_id is not None
            and certificate.award.award_list.station_id == user.station_id)


# The secretariat issues, revokes, builds the batch and keeps the register.
rules.add_perm("certificates.manage_certificates", is_secretariat)
# The register, read only: the secretariat's whole, a station officer's their station's local
# awards (they hand them out at the station's ceremony).
rules.add_perm("certificates.view_register", is_secretariat | is_station_officer)
# The PDF: the secretariat's; the awarded team's lead and the station's officer for a valid one.
rules.add_perm("certificates.download_certificate", is_secretariat | (
    (is_awarded_team_lead | (is_station_officer & is_own_station_certificate)) & is_valid_certificate))
