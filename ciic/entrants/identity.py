"""The person named as a representative confirms it (R-P3, issue 11 §3).

Anyone can type anyone's ID number, so a row a team enters is only a claim: it takes a place
on the team (the limit of R-P3) but holds the person to no team until they confirm. The
confirmation goes by text message to the mobile number the team gave (SMS_BACKEND): a link,
good for `CONFIRM_DAYS`, opened by the person, who proves knowing the ID number's last six
characters (a mistyped mobile number reaches a stranger who does not know them) and then
confirms or declines.

- Confirming holds the person to this team (the database's conditional unique constraint
  `one_team_per_person`); their other pending rows on other teams are declined, and those
  teams are told only that the person declined.
- When another team already holds the person, the confirmation does not complete and the
  answer says only that the identity collides with an existing entry: an **identity
  dispute** goes to the secretariat, who sees both rows and decides with a reason
  (`resolve_dispute`, audited). The team that holds the person is told their representative's
  identity is being verified; neither team learns who the other is.
- The lead's own row needs no message when the mobile number given is the one the lead's
  account proved: the same proof the message would give.

Adding a representative never answers whether the person is on another team: that is what
made the add form an oracle for strangers.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ciic.accounts.enums import Role
from ciic.accounts.models import User
from ciic.audit.services import record
from ciic.core.crypto import blind_index
from ciic.core.text import hidden_characters_error
from ciic.core.validation import Errors
from ciic.notifications.services import notify
from ciic.notifications.sms import send_sms

from .enums import ACTIVE_REPRESENTATIVE, DisputeStatus, RepresentativeStatus
from .models import IdentityDispute, Representative

CONFIRM_DAYS = 14
RESEND_SECONDS = 60
MAX_SENDS = 5
MAX_WRONG_SUFFIX = 5
STATEMENT_MAX = 2000


def _hash(token: str) -> str:
    return blind_index(token, purpose="representative-confirm")


def confirm_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("entrants:confirm_representative", args=[token])


def _send(rep: Representative, now: dt.datetime) -> None:
    token = secrets.token_urlsafe(24)
    rep.confirm_token_hash = _hash(token)
    rep.confirm_sent_at = now
    rep.confirm_sends += 1
    rep.save(update_fields=["confirm_token_hash", "confirm_sent_at", "confirm_sends"])
    text = _("【%(contest)s】%(team)s（%(organization)s）登记您为参赛代表。请在 %(days)s 天内打开链接确认或拒绝；"
             "如非本人同意，请选择拒绝：%(url)s") % {
        "contest": rep.team.contest.name, "team": rep.team.name,
        "organization": rep.team.organization.name, "days": CONFIRM_DAYS, "url": confirm_url(token)}
    mobile = rep.mobile
    transaction.on_commit(lambda: send_sms(mobile, text))


def start_confirmation(rep: Representative, *, actor, now: dt.datetime | None = None) -> None:
    """Called by the services that add a representative, inside their transaction: the lead's
    own row (the mobile number the lead's account proved) is confirmed at once, if no other
    team holds the person; every other row gets its text message."""
    now = now or timezone.now()
    proved = (getattr(actor, "mobile_verified_at", None) and getattr(actor, "mobile", "")
              and actor.mobile == rep.mobile)
    if proved and not _holder(rep):
        try:
            with transaction.atomic():
                _mark_confirmed(rep, now, note=_("团队负责人本人（账号已验证此手机号）"))
            _decline_elsewhere(rep, now)
            return
        except IntegrityError:
            pass  # another team confirmed the person meanwhile: the message decides
    _send(rep, now)


def resend_confirmation(rep: Representative, *, actor, now: dt.datetime | None = None) -> Representative:
    """The lead asks for the message again: at most `MAX_SENDS` in all, one per minute."""
    now = now or timezone.now()
    errors = Errors()
    with transaction.atomic():
        locked = Representative.objects.select_for_update().select_related(
            "team__contest", "team__organization").get(pk=rep.pk)
        if locked.status != RepresentativeStatus.PENDING:
            errors.add("representative", _("该参赛代表不在待本人确认状态"), "R-P3")
        elif locked.confirm_sends >= MAX_SENDS:
            errors.add("representative", _("确认短信已发送 %(n)s 次，不能再发送；请核对手机号，或移除后重新添加") % {
                "n": MAX_SENDS}, "R-P3")
        elif locked.confirm_sent_at and (now - locked.confirm_sent_at).total_seconds() < RESEND_SECONDS:
            errors.add("representative", _("请在 %(n)s 秒后再重新发送") % {"n": RESEND_SECONDS}, "R-P3")
        errors.raise_if_any()
        _send(locked, now)
        record(actor=actor, action="representative.resend_confirmation", target=locked,
               after={"sends": locked.confirm_sends})
    return locked


def pending_for_token(token: str, *, now: dt.datetime | None = None) -> Representative | None:
    """The representative a confirmation link names, while it can still be answered."""
    if not token or len(token) > 100 or "\x00" in token:
        return None
    now = now or timezone.now()
    rep = (Representative.objects.select_related("team__contest", "team__organization", "team__station")
           .filter(confirm_token_hash=_hash(token), status=RepresentativeStatus.PENDING).first())
    if rep is None or rep.confirm_sent_at is None or now - rep.confirm_sent_at > dt.timedelta(days=CONFIRM_DAYS):
        return None
    return rep


def _holder(rep: Representative) -> Representative | None:
    return (Representative.objects.filter(contest_id=rep.contest_id, id_hash=rep.id_hash,
                                          status=RepresentativeStatus.CONFIRMED)
            .exclude(pk=rep.pk).select_related("team").first())


def _mark_confirmed(rep: Representative, now: dt.datetime, *, note: str = "") -> None:
    rep.status, rep.confirmed_at, rep.confirm_token_hash = RepresentativeStatus.CONFIRMED, now, ""
    rep.status_note = note[:300]
    rep.save(update_fields=["status", "confirmed_at", "confirm_token_hash", "status_note"])


def _decline_elsewhere(rep: Representative, now: dt.datetime) -> None:
    """The person confirmed one team: their pending rows on other teams are declined, and
    those teams are told the person declined, not where they went."""
    others = list(Representative.objects.select_for_update().select_related("team__lead").filter(
        contest_id=rep.contest_id, id_hash=rep.id_hash, status=RepresentativeStatus.PENDING).exclude(pk=rep.pk))
    for other in others:
        other.status, other.confirm_token_hash = RepresentativeStatus.DECLINED, ""
        other.status_note = _("本人未确认担任本团队的参赛代表")
        other.save(update_fields=["status", "confirm_token_hash", "status_note"])
        record(actor=None, action="representative.declined", target=other, after={"by": "confirmed_elsewhere"})
        notify([other.team.lead], "representative_declined", {"team": other.team.name, "name": other.name},
               url=reverse("entrants:team_detail", args=[other.team_id]))


@dataclass
class Outcome:
    status: str  # "confirmed" or "disputed"
    representative: Representative
    dispute: IdentityDispute | None = None


def _check_suffix(rep: Representative, suffix: str) -> None:
    key = f"ciic:repconfirm:wrong:{rep.pk}"
    given = (suffix or "").strip().upper()
    if given and len(given) == 6 and secrets.compare_digest(given, rep.id_number[-6:].upper()):
        return
    wrong = cache.get(key, 0) + 1
    cache.set(key, wrong, 24 * 3600)
    if wrong >= MAX_WRONG_SUFFIX:
        # The link holder keeps guessing: the link dies, the team must send a new one.
        Representative.objects.filter(pk=rep.pk).update(confirm_token_hash="")
        cache.delete(key)
        raise ValidationError({"id_suffix": ValidationError(
            _("身份证号后 6 位多次不符，此链接已失效；请联系团队负责人重新发送"), code="R-P3")})
    raise ValidationError({"id_suffix": ValidationError(_("身份证号后 6 位不符"), code="R-P3")})


def _locked_pending(token: str, now: dt.datetime) -> Representative:
    rep = pending_for_token(token, now=now)
    if rep is not None:
        rep = Representative.objects.select_for_update().select_related(
            "team__contest", "team__organization", "team__lead").filter(
            pk=rep.pk, status=RepresentativeStatus.PENDING).first()
    if rep is None:
        raise ValidationError({"token": ValidationError(
            _("确认链接无效或已过期：请联系团队负责人重新发送"), code="R-P3")})
    return rep


def confirm(*, token: str, id_suffix: str, now: dt.datetime | None = None) -> Outcome:
    """The person confirms representing the team (R-P3). Either they are now held to it, or
    another team holds them and a dispute goes to the secretariat (the answer names neither)."""
    now = now or timezone.now()
    named = pending_for_token(token, now=now)
    if named is not None:
        _check_suffix(named, id_suffix)  # outside the transaction, so a wrong guess counts
    with transaction.atomic():
        rep = _locked_pending(token, now)
        holder = _holder(rep)
        if holder is None:
            try:
                with transaction.atomic():
                    _mark_confirmed(rep, now)
            except IntegrityError:  # another team's row was confirmed at this moment
                rep.refresh_from_db()
                holder = _holder(rep)
        if holder is None:
            _decline_elsewhere(rep, now)
            record(actor=None, action="representative.confirm", target=rep, after={"status": rep.status})
            return Outcome("confirmed", rep)
        dispute = open_dispute(rep, holder, now)
    return Outcome("disputed", rep, dispute)


def open_dispute(claimant: Representative, holder: Representative, now: dt.datetime | None = None) -> IdentityDispute:
    now = now or timezone.now()
    dispute = IdentityDispute.objects.filter(claimant=claimant, holder=holder, status=DisputeStatus.OPEN).first()
    if dispute is not None:
        return dispute
    dispute = IdentityDispute.objects.create(contest_id=claimant.contest_id, claimant=claimant, holder=holder,
                                             created_at=now)
    record(actor=None, action="representative.dispute_open", target=dispute,
           after={"claimant_id": claimant.pk, "holder_id": holder.pk})
    url = reverse("entrants:identity_disputes")
    notify(User.objects.filter(role=Role.SECRETARIAT, is_active=True), "identity_dispute_opened",
           {"contest": claimant.team.contest.name}, url=url)
    notify([holder.team.lead], "identity_challenged", {"team": holder.team.name, "name": holder.name},
           url=reverse("entrants:team_detail", args=[holder.team_id]))
    return dispute


def add_statement(*, token: str, text: str, now: dt.datetime | None = None) -> IdentityDispute:
    """The claimant explains (how the secretariat can reach them, what happened)."""
    now = now or timezone.now()
    text = (text or "").strip()
    errors = Errors()
    if not text:
        errors.add("statement", _("请填写说明"), "R-P3")
    elif len(text) > STATEMENT_MAX:
        errors.add("statement", _("说明不能超过 %(n)s 个字符") % {"n": STATEMENT_MAX}, "R-P3")
    elif hidden := hidden_characters_error(text, label=_("说明"), multiline=True):
        errors.add("statement", hidden, "R-P3")
    errors.raise_if_any()
    with transaction.atomic():
        rep = _locked_pending(token, now)
        dispute = IdentityDispute.objects.select_for_update().filter(
            claimant=rep, status=DisputeStatus.OPEN).order_by("-id").first()
        if dispute is None:
            raise ValidationError({"statement": ValidationError(_("没有待处理的申诉"), code="R-P3")})
        dispute.statement = text
        dispute.save(update_fields=["statement"])
        record(actor=None, action="representative.dispute_statement", target=dispute, after={"length": len(text)})
    return dispute


def decline(*, token: str, id_suffix: str = "", now: dt.datetime | None = None) -> Representative:
    """The person named declines (or was named without their consent). Needs no ID suffix: a
    stranger who received the message by a typing error should be able to say no."""
    now = now or timezone.now()
    with transaction.atomic():
        rep = _locked_pending(token, now)
        rep.status, rep.confirm_token_hash = RepresentativeStatus.DECLINED, ""
        rep.status_note = _("收到短信的人拒绝担任本团队的参赛代表")
        rep.save(update_fields=["status", "confirm_token_hash", "status_note"])
        IdentityDispute.objects.filter(claimant=rep, status=DisputeStatus.OPEN).update(
            status=DisputeStatus.REJECTED, resolved_at=now, resolution=_("申诉人已拒绝担任参赛代表"))
        record(actor=None, action="representative.decline", target=rep, after={"status": rep.status})
        notify([rep.team.lead], "representative_declined", {"team": rep.team.name, "name": rep.name},
               url=reverse("entrants:team_detail", args=[rep.team_id]))
    return rep


def resolve_dispute(*, dispute: IdentityDispute, actor, uphold: bool, reason: str,
                    now: dt.datetime | None = None) -> IdentityDispute:
    """The secretariat decides who the person represents (R-P3), with a reason both teams read.

    Upheld: the holder's row is revoked and the claimant's confirmed. Rejected: the claimant's
    row is declined. The caller checks `entrants.resolve_identity_dispute`. Audited; both
    leads notified; the claimant also by text message (they may have no account)."""
    now = now or timezone.now()
    text = (reason or "").strip()
    errors = Errors()
    if not text:
        errors.add("reason", _("请填写处理意见：双方团队会看到"), "R-P3")
    elif len(text) > STATEMENT_MAX:
        errors.add("reason", _("处理意见不能超过 %(n)s 个字符") % {"n": STATEMENT_MAX}, "R-P3")
    elif hidden := hidden_characters_error(text, label=_("处理意见"), multiline=True):
        errors.add("reason", hidden, "R-P3")
    errors.raise_if_any()
    with transaction.atomic():
        locked = IdentityDispute.objects.select_for_update().get(pk=dispute.pk)
        if locked.status != DisputeStatus.OPEN:
            raise ValidationError({"__all__": ValidationError(_("该申诉已处理"), code="R-P3")})
        reps = {r.pk: r for r in Representative.objects.select_for_update().select_related(
            "team__lead", "team__contest").filter(pk__in=[locked.claimant_id, locked.holder_id])}
        claimant, holder = reps[locked.claimant_id], reps[locked.holder_id]
        if claimant.status not in ACTIVE_REPRESENTATIVE:
            raise ValidationError({"__all__": ValidationError(
                _("申诉人的登记已不在待确认状态（已拒绝或已移除），申诉无需处理"), code="R-P3")})
        if uphold:
            other = _holder(claimant)
            if other is not None and other.pk != holder.pk:
                raise ValidationError({"__all__": ValidationError(
                    _("此人还被另一团队确认为参赛代表，请先处理相关申诉"), code="R-P3")})
            holder.status = RepresentativeStatus.REVOKED
            holder.status_note = (_("秘书处核实后撤销：%(reason)s") % {"reason": text})[:300]
            holder.save(update_fields=["status", "status_note"])
            _mark_confirmed(claimant, now, note=_("秘书处核实后确认：%(reason)s") % {"reason": text})
            _decline_elsewhere(claimant, now)
        else:
            claimant.status, claimant.confirm_token_hash = RepresentativeStatus.DECLINED, ""
            claimant.status_note = (_("秘书处核实后驳回：%(reason)s") % {"reason": text})[:300]
            claimant.save(update_fields=["status", "confirm_token_hash", "status_note"])
        locked.status = DisputeStatus.UPHELD if uphold else DisputeStatus.REJECTED
        locked.resolved_by, locked.resolved_at, locked.resolution = actor, now, text
        locked.save(update_fields=["status", "resolved_by", "resolved_at", "resolution"])
        record(actor=actor, action="representative.dispute_resolve", target=locked, after={
            "uphold": uphold, "reason": text, "claimant_id": claimant.pk, "holder_id": holder.pk})
        kind = "identity_dispute_upheld" if uphold else "identity_dispute_rejected"
        for rep in (claimant, holder):
            notify([rep.team.lead], kind, {"team": rep.team.name, "name": rep.name, "reason": text},
                   url=reverse("entrants:team_detail", args=[rep.team_id]))
        outcome = _("已确认您为参赛代表") if uphold else _("未确认您为参赛代表")
        message = _("【%(contest)s】秘书处已处理您的参赛代表身份申诉：%(outcome)s。处理意见：%(reason)s") % {
            "contest": claimant.team.contest.name, "outcome": outcome, "reason": text}
        mobile = claimant.mobile
        transaction.on_commit(lambda: send_sms(mobile, message))
    return locked
