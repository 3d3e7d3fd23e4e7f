"""Telling the winners (R-A1, R-A2, R-A3): the team's accounts hear of a confirmed award, and
of its certificate once issued. An award to an organizing unit (优秀组织奖) has no team: the
apps that know such recipients register who speaks for them (`register_recipient_accounts`;
the organizing app does, in its AppConfig), as awards sits below them."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

from ciic.notifications.services import notify
from ciic.projects.services import team_accounts

from .enums import AwardKind
from .models import Award

# Callables award -> the accounts of a recipient named on the award (not a team).
_recipient_accounts: list[Callable[[Award], list]] = []


def register_recipient_accounts(finder: Callable[[Award], list]) -> None:
    if finder not in _recipient_accounts:
        _recipient_accounts.append(finder)


def recipient_accounts(award: Award) -> list:
    if award.project_id:
        return team_accounts(award.project)
    return [user for finder in _recipient_accounts for user in finder(award)]


def awards_confirmed(contest, awards: list[Award]) -> None:
    for award in awards:
        if not award.project_id:
            notify(recipient_accounts(award), "unit_award_confirmed", {
                "contest": contest.name, "award": award.name, "recipient": award.recipient})
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
