"""Telling the winners (R-A1, R-A2, R-A3): the team's accounts hear of a confirmed award, and
of its certificate once issued. An award to an organizing unit has no team; the organizing
unit's accounts are told by the organizing app when it exists (issue 14)."""

from __future__ import annotations

from django.urls import reverse

from ciic.notifications.services import notify
from ciic.projects.services import team_accounts

from .enums import AwardKind
from .models import Award


def awards_confirmed(contest, awards: list[Award]) -> None:
    for award in awards:
        if not award.project_id:
            continue
        if award.kind == AwardKind.TIER:
            notify(team_accounts(award.project), "prize_confirmed", {
                "project": award.project.name, "contest": contest.name, "award": award.name,
                "days": contest.publicity_days}, url=reverse("certificates:mine"))
        else:
            notify(team_accounts(award.project), "award_confirmed", {
                "project": award.project.name, "contest": contest.name, "award": award.name,
                "recipient": award.recipient}, url=reverse("certificates:mine"))


def award_revoked(award: Award, *, basis: str) -> None:
    if award.project_id:
        notify(team_accounts(award.project), "award_revoked", {
            "project": award.project.name, "award": award.name, "basis": basis or "—"})
