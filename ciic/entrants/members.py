"""A team's other representatives with accounts: the lead invites one by the address the
representative registered with, the representative opens the link with the account of that
address and becomes a member, who sees the team and its project; the lead may let a member edit
the project too, change that, or remove them (pretalx's co-speakers).

Only the lead manages members. An invitation is good for `INVITATION_DAYS`, once, for the
account whose email is the representative's (opening it proves the address). Every step is
audited, naming people by account and representative id, never by address.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ciic.audit.services import record
from ciic.core.crypto import blind_index

from .models import Representative, Team, TeamInvitation, TeamMember

INVITATION_DAYS = 14


def _hash(token: str) -> str:
    return blind_index(token, purpose="team-invitation")


def _require_lead(team: Team, actor) -> None:
    if actor is None or team.lead_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("只有团队负责人可以管理团队成员"))


def invite_member(*, team: Team, representative: Representative, actor, can_edit: bool = False,
                  now: dt.datetime | None = None) -> TeamInvitation:
    """Mail the representative a link that makes their account a member (after commit). A
    pending invitation of the same representative is replaced. Refused: not the team's
    representative, already a member, or the lead themself."""
    _require_lead(team, actor)
    now = now or timezone.now()
    if representative.team_id != team.pk:
        raise ValidationError({"representative": ValidationError(_("该参赛代表不属于本团队"), code="R-P3")})
    email = (representative.email or "").strip()
    if team.lead.email and team.lead.email.lower() == email.lower():
        raise ValidationError({"representative": ValidationError(_("团队负责人无需邀请"), code="invalid")})
    if TeamMember.objects.filter(team=team, user__email__iexact=email).exists():
        raise ValidationError({"representative": ValidationError(_("该参赛代表已是团队成员"), code="invalid")})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        TeamInvitation.objects.filter(representative=representative, accepted_at__isnull=True,
                                      revoked_at__isnull=True).update(revoked_at=now)
        invitation = TeamInvitation.objects.create(
            team=team, representative=representative, token_hash=_hash(token), can_edit=can_edit,
            invited_by=actor, created_at=now, expires_at=now + dt.timedelta(days=INVITATION_DAYS))
        record(actor=actor, action="team.invite_member", target=team,
               after={"representative": representative.pk, "can_edit": can_edit})
        link = settings.SITE_URL.rstrip("/") + reverse("entrants:team_invitation", args=[token])
        subject = _("[CIIC] 邀请您加入参赛团队“%(team)s”") % {"team": team.name}
        body = _("%(lead)s 邀请您以参赛代表身份加入团队“%(team)s”，在平台上查看团队和参赛项目%(edit)s。\n\n"
                 "请使用本邮箱注册或登录平台后，在 %(days)s 天内打开以下链接接受邀请：\n\n%(link)s") % {
            "lead": team.lead.full_name or team.lead.login_label, "team": team.name, "days": INVITATION_DAYS,
            "edit": _("，并可编辑项目") if can_edit else "", "link": link}
        transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    return invitation


def invitation_for(token: str) -> TeamInvitation | None:
    return (TeamInvitation.objects.select_related("team__lead", "representative", "invited_by")
            .filter(token_hash=_hash(token or "")).first())


def accept_invitation(*, token: str, user, now: dt.datetime | None = None) -> TeamMember:
    """Make `user` a member: the link must be live (not used, withdrawn or expired) and the
    account's email the representative's. The address counts as proved. Audited."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = invitation_for(token)
        if invitation is not None:
            invitation = TeamInvitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation is None or invitation.accepted_at or invitation.revoked_at or invitation.expires_at <= now:
            raise ValidationError({"token": ValidationError(_("邀请链接无效、已使用或已过期"), code="invalid")})
        if not user.email or user.email.lower() != invitation.representative.email.lower():
            raise ValidationError({"token": ValidationError(
                _("请使用收到邀请的邮箱对应的账号接受邀请"), code="invalid")})
        member, _created = TeamMember.objects.get_or_create(
            team=invitation.team, user=user, defaults={"can_edit": invitation.can_edit,
                                                       "invited_by": invitation.invited_by, "joined_at": now})
        invitation.accepted_by, invitation.accepted_at = user, now
        invitation.save(update_fields=["accepted_by", "accepted_at"])
        if user.email_verified_at is None:
            user.email_verified_at = now
            user.save(update_fields=["email_verified_at"])
        record(actor=user, action="team.join", target=invitation.team,
               after={"representative": invitation.representative_id, "can_edit": member.can_edit})
    return member


def set_member_editing(*, member: TeamMember, can_edit: bool, actor) -> TeamMember:
    _require_lead(member.team, actor)
    with transaction.atomic():
        before = member.can_edit
        TeamMember.objects.filter(pk=member.pk).update(can_edit=can_edit)
        member.can_edit = can_edit
        record(actor=actor, action="team.member_editing", target=member.team,
               before={"user": member.user_id, "can_edit": before}, after={"user": member.user_id, "can_edit": can_edit})
    return member


def remove_member(*, member: TeamMember, actor) -> None:
    """The lead removes a member, or a member leaves. Audited."""
    if actor is None or actor.pk != member.user_id:
        _require_lead(member.team, actor)
    with transaction.atomic():
        record(actor=actor, action="team.remove_member", target=member.team,
               before={"user": member.user_id, "can_edit": member.can_edit})
        member.delete()


def revoke_invitation(*, invitation: TeamInvitation, actor) -> None:
    _require_lead(invitation.team, actor)
    with transaction.atomic():
        TeamInvitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(revoked_at=timezone.now())
        record(actor=actor, action="team.revoke_invitation", target=invitation.team,
               after={"representative": invitation.representative_id})
