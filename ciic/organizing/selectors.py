"""Reads that depend on who is asking, and the records the ranking and the unit's pages read:
finalists, winners and the stage each team reached. A unit sees its recommended teams' names,
station, direction, group and stage, never their representatives (R-O1, personal data)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ciic.awards.enums import AwardListStatus
from ciic.awards.models import Award
from ciic.contests.models import Contest
from ciic.entrants.enums import TeamStatus
from ciic.entrants.models import Team
from ciic.projects.enums import ProjectStatus
from ciic.projects.models import Submission
from ciic.review.enums import FinalistStatus
from ciic.review.finalists.services import current_entries
from ciic.review.models import FinalistList

from .models import OrganizingUnit, Recommendation, UnitAccount


def unit_for_user(user, contest: Contest | None = None) -> OrganizingUnit | None:
    """The unit the account acts for (an organizing_contact's), or None."""
    if not user.is_authenticated:
        return None
    account = getattr(user, "organizing_account", None)
    if account is None:
        return None
    unit = account.unit
    return unit if contest is None or unit.contest_id == contest.pk else None


def finalist_project_ids(contest: Contest) -> set[int]:
    """Projects on a confirmed finalist list as it stands, not failed in due diligence (R-V2,
    R-P9): `review.finalists.is_finalist` for every list at once."""
    found: set[int] = set()
    for finalist_list in FinalistList.objects.filter(contest=contest, status=FinalistStatus.CONFIRMED):
        for entry in current_entries(finalist_list):
            diligence = getattr(entry.project, "due_diligence", None)
            if diligence is None or diligence.passed is not False:
                found.add(entry.project_id)
    return found


def winner_project_ids(contest: Contest) -> set[int]:
    """Projects holding an award on a confirmed list (finals tiers, special awards; R-A1, R-A2)."""
    return set(Award.objects.filter(award_list__contest=contest, award_list__status=AwardListStatus.CONFIRMED,
                                    award_list__station__isnull=True, project__isnull=False)
               .values_list("project_id", flat=True))


@dataclass(frozen=True)
class TeamProgress:
    """What a unit may know of a team it recommended."""

    team_id: int
    name: str
    organization: str
    station: str
    direction: str
    group: str
    stage: str
    via_invitation: bool


def stage_reached(team: Team, *, finalists: set[int], winners: set[int], submitted: set[int]) -> str:
    """How far the team got; `submitted` holds the teams with a submitted version."""
    project = getattr(team, "project", None)
    if team.status != TeamStatus.REGISTERED:
        return team.get_status_display()
    if project is None:
        return _("已报名，未创建项目")
    if project.status != ProjectStatus.ACTIVE:
        return project.get_status_display()
    if project.pk in winners:
        return _("总决赛获奖")
    if project.pk in finalists:
        return _("晋级全国总决赛")
    if team.pk in submitted:
        return _("已提交参赛项目")
    return _("已报名，项目未提交")


def recommendations(unit: OrganizingUnit) -> QuerySet[Recommendation]:
    return (Recommendation.objects.filter(unit=unit)
            .select_related("team__station", "team__direction", "team__organization__group", "team__project")
            .order_by("team__name"))


def recommended_teams(unit: OrganizingUnit) -> list[TeamProgress]:
    """The unit's recommended teams and how far each got; nothing about their people."""
    finalists, winners = finalist_project_ids(unit.contest), winner_project_ids(unit.contest)
    rows = []
    recs = list(recommendations(unit))
    submitted = set(Submission.objects.filter(project__team__in=[r.team_id for r in recs])
                    .values_list("project__team_id", flat=True))
    for rec in recs:
        team = rec.team
        rows.append(TeamProgress(
            team_id=team.pk, name=team.name, organization=team.organization.name,
            station=team.station.display_name, direction=team.direction.display_name,
            group=team.organization.group_label, stage=stage_reached(team, finalists=finalists, winners=winners, submitted=submitted),
            via_invitation=rec.via_invitation))
    return rows


def unit_accounts_for_award(award) -> list:
    """The active contact accounts of the organizing unit an award names (R-A2, 优秀组织奖)."""
    if award.project_id or not award.recipient_name:
        return []
    contest_id = award.award_list.contest_id
    return [a.user for a in UnitAccount.objects.filter(unit__contest_id=contest_id, unit__name=award.recipient_name,
                                                        user__is_active=True).select_related("user")]
