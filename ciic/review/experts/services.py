"""Every write about the expert pool (R-V5): add or update an expert, deactivate or reactivate,
invite to an account with two-factor login. Views, the API and the Excel import call these.

Each service validates everything first and raises `ValidationError` with field -> errors (each
error's `code` is the rule it enforces), writes in one transaction with an audit entry, and
sends mail after commit. The secretariat manages the whole pool; a station officer the experts
of their station (new experts are put in it). Emails are work addresses: they are shown to staff
but never written to the audit trail (`has_email` is recorded instead).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from ciic.accounts.enums import Role
from ciic.accounts.models import User
from ciic.audit.services import record
from ciic.contests.models import Contest, Direction, Station
from ciic.core.text import hidden_characters_error
from ciic.core.validation import Errors
from ciic.notifications.services import notify

from ..enums import ExpertKind
from ..models import Expert

log = logging.getLogger(__name__)

KEYWORDS_LIMIT = 500
PROFILE_LIMIT = 2000


@dataclass
class ExpertInput:
    name: str
    employer: str
    kind: str
    email: str = ""
    employer_credit_code: str = ""
    directions: Iterable[int] = field(default_factory=list)  # Direction ids of the contest
    keywords: str = ""
    profile: str = ""
    station_id: int | None = None


@dataclass
class CleanExpert:
    name: str
    email: str
    employer: str
    employer_credit_code: str
    kind: str
    directions: list[Direction]
    keywords: str
    profile: str
    station: Station | None


def can_manage(actor, expert: Expert) -> bool:
    """The secretariat manages every expert; a station officer those of their station
    (`review.change_expert` in rules.py)."""
    return actor.has_perm("review.change_expert", expert)


def _require_manager(actor) -> None:
    if not actor.has_perm("review.manage_experts"):
        raise PermissionDenied


def _limit(value: str, model_field: str) -> int | None:
    limit = Expert._meta.get_field(model_field).max_length
    return limit if limit and len(value) > limit else None


def clean_expert(*, contest: Contest, actor, data: ExpertInput, existing: Expert | None = None,
                 taken_emails: set[str] | None = None) -> tuple[CleanExpert | None, Errors]:
    """Check an expert's fields without writing. `taken_emails` are emails already used by
    other rows of the same import (lower case)."""
    errors = Errors()
    name = " ".join((data.name or "").split())
    if not name:
        errors.add("name", _("请填写专家姓名"), "R-V5")
    elif limit := _limit(name, "name"):
        errors.add("name", _("姓名不能超过 %(limit)s 个字符") % {"limit": limit}, "R-V5")
    elif hidden := hidden_characters_error(name, label=_("姓名")):
        errors.add("name", hidden, "R-V5")
    employer = " ".join((data.employer or "").split())
    if not employer:
        errors.add("employer", _("请填写工作单位（用于利益冲突回避）"), "R-P8")
    elif limit := _limit(employer, "employer"):
        errors.add("employer", _("工作单位不能超过 %(limit)s 个字符") % {"limit": limit}, "R-P8")
    elif hidden := hidden_characters_error(employer, label=_("工作单位")):
        errors.add("employer", hidden, "R-P8")
    code = ""
    # NFKC: codes and addresses typed with a Chinese input method come full-width (９１…, ＠).
    raw_code = unicodedata.normalize("NFKC", data.employer_credit_code or "").strip()
    if raw_code:
        try:
            code = uscc.validate(uscc.compact(raw_code))
        except Exception:  # stdnum's own ValidationError subclasses
            errors.add("employer_credit_code", _("统一社会信用代码无效：应为 18 位，且校验位正确"), "R-P8")
    if data.kind not in ExpertKind.values:
        errors.add("kind", _("单位类型应为：%(kinds)s") % {
            "kinds": "、".join(str(label) for label in ExpertKind.labels)}, "R-V5")
    email = unicodedata.normalize("NFKC", data.email or "").strip().lower()
    if email:
        try:
            validate_email(email)
            if len(email) > Expert._meta.get_field("email").max_length:
                raise ValidationError("too long")
        except ValidationError:
            errors.add("email", _("邮箱格式无效"), "R-V5")
        else:
            clash = Expert.objects.filter(contest=contest, email__iexact=email)
            if existing is not None:
                clash = clash.exclude(pk=existing.pk)
            if clash.exists() or (taken_emails is not None and email in taken_emails):
                errors.add("email", _("该邮箱已用于本届大赛的另一位专家"), "R-V5")
    direction_ids = {int(d) for d in data.directions or []}
    directions = list(Direction.objects.filter(contest=contest, pk__in=direction_ids).order_by("number"))
    if len(directions) != len(direction_ids):
        errors.add("directions", _("擅长方向应为本届大赛的赛题方向"), "R-V5")
    keywords = (data.keywords or "").strip()
    if len(keywords) > KEYWORDS_LIMIT:
        errors.add("keywords", _("关键词不能超过 %(limit)s 字") % {"limit": KEYWORDS_LIMIT}, "R-V5")
    profile = (data.profile or "").strip()
    if len(profile) > PROFILE_LIMIT:
        errors.add("profile", _("简介不能超过 %(limit)s 字") % {"limit": PROFILE_LIMIT}, "R-V5")
    station = _station_for(contest=contest, actor=actor, station_id=data.station_id, existing=existing,
                           errors=errors)
    if errors:
        return None, errors
    return CleanExpert(name, email, employer, code, data.kind, directions, keywords, profile, station), errors


def _station_for(*, contest: Contest, actor, station_id: int | None, existing: Expert | None,
                 errors: Errors) -> Station | None:
    """A station officer's experts are of their station; the secretariat picks any or none."""
    if actor.is_station_officer:
        return actor.station
    if station_id in (None, ""):
        return None
    station = Station.objects.filter(contest=contest, pk=station_id).first()
    if station is None:
        errors.add("station", _("赛站不属于本届大赛"), "R-V5")
    return station


AUDIT_FIELDS = ["name", "employer", "employer_credit_code", "kind", "station_id", "active", "keywords", "profile"]


def _audit_snapshot(expert: Expert) -> dict:
    """The expert's fields for the audit trail: never the email, only whether there is one."""
    values = {f: getattr(expert, f) for f in AUDIT_FIELDS}
    values["has_email"] = bool(expert.email)
    values["directions"] = sorted(expert.directions.values_list("code", flat=True)) if expert.pk else []
    return values


def _apply(expert: Expert, clean: CleanExpert) -> None:
    expert.name, expert.email, expert.employer = clean.name, clean.email, clean.employer
    expert.employer_credit_code, expert.kind = clean.employer_credit_code, clean.kind
    expert.keywords, expert.profile, expert.station = clean.keywords, clean.profile, clean.station


def save_clean_expert(*, contest: Contest, actor, clean: CleanExpert, existing: Expert | None = None) -> Expert:
    """Write an already-checked expert (the import checks every row first). Audited."""
    with transaction.atomic():
        if existing is None:
            expert = Expert(contest=contest, created_by=actor)
            _apply(expert, clean)
            expert.save()
            expert.directions.set(clean.directions)
            record(actor=actor, action="expert.create", target=expert, after=_audit_snapshot(expert))
            return expert
        expert = Expert.objects.select_for_update().get(pk=existing.pk)
        before = _audit_snapshot(expert)
        email_changed = expert.email != clean.email
        _apply(expert, clean)
        expert.save()
        expert.directions.set(clean.directions)
        after = _audit_snapshot(expert)
        after["email_changed"] = email_changed
        record(actor=actor, action="expert.update", target=expert, before=before, after=after)
        return expert


def add_expert(*, contest: Contest, actor, data: ExpertInput) -> Expert:
    """Add an expert to the pool (R-V5): name, employer (with its credit code when known, for
    conflicts R-P8), kind among research institute / investment firm / industry body /
    enterprise, directions of this contest, an email unique in the contest. Audited."""
    _require_manager(actor)
    clean, errors = clean_expert(contest=contest, actor=actor, data=data)
    errors.raise_if_any()
    return save_clean_expert(contest=contest, actor=actor, clean=clean)


def update_expert(*, expert: Expert, actor, data: ExpertInput) -> Expert:
    """Change an expert's fields (same checks as `add_expert`). An invited expert's account
    keeps its login email; the pool's email is the contact address. Audited."""
    if not can_manage(actor, expert):
        raise PermissionDenied
    clean, errors = clean_expert(contest=expert.contest, actor=actor, data=data, existing=expert)
    errors.raise_if_any()
    before = _assigned_conflicts(expert)
    with transaction.atomic():
        saved = save_clean_expert(contest=expert.contest, actor=actor, clean=clean, existing=expert)
        # A new employer may conflict with projects the expert already reviews (R-P8): the
        # rounds' staff are told, as when a conflict is declared.
        from ..conflicts import notify_conflicted_assignments

        for project in _assigned_conflicts(saved) - before:
            notify_conflicted_assignments(project, [saved.pk])
    return saved


def _assigned_conflicts(expert: Expert) -> set:
    """The projects of draft or open rounds assigned to `expert` that conflict with them."""
    from ciic.projects.models import Project

    from ..conflicts import conflicts_for
    from ..enums import RoundStatus

    assigned = set(expert.assignments.filter(review_round__status__in=[RoundStatus.DRAFT, RoundStatus.OPEN])
                   .values_list("project_id", flat=True))
    if not assigned:
        return set()
    found = conflicts_for(expert_ids=[expert.pk], project_ids=assigned)
    return set(Project.objects.filter(pk__in={p for (_e, p) in found}))


def set_expert_active(*, expert: Expert, actor, active: bool) -> Expert:
    """Deactivate (no longer put in new rounds; existing assignments stay on record) or
    reactivate an expert. Audited."""
    if not can_manage(actor, expert):
        raise PermissionDenied
    with transaction.atomic():
        locked = Expert.objects.select_for_update().get(pk=expert.pk)
        if locked.active != active:
            Expert.objects.filter(pk=locked.pk).update(active=active)
            record(actor=actor, action="expert.activate" if active else "expert.deactivate", target=locked,
                   before={"active": locked.active}, after={"active": active})
    expert.refresh_from_db()
    return expert


# --- invitation ------------------------------------------------------------------------


def set_password_path(user: User) -> str:
    """The one-time link to choose a password: Django's password-reset token, which expires
    after PASSWORD_RESET_TIMEOUT and stops working once the password is set."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("review:expert_set_password", args=[uid, default_token_generator.make_token(user)])


def invite_expert(*, expert: Expert, actor) -> User:
    """Give the expert an account with the expert role (two-factor login: at first login the
    middleware makes them enrol a TOTP app) and tell them.

    - No account with the expert's email: one is created without a usable password and the
      expert is emailed a link to choose one (the token is never stored nor logged).
    - An expert account with that email, not yet in the pool: it is linked and notified.
    - An account of another role with that email: refused (roles are not mixed).
    Inviting again re-sends the link while no password has been set. Audited."""
    if not can_manage(actor, expert):
        raise PermissionDenied
    given = expert
    with transaction.atomic():
        # Locked and re-read: two staff inviting at once must not both create an account.
        expert = Expert.objects.select_for_update().get(pk=given.pk)
        errors = Errors()
        if not expert.email:
            errors.add("email", _("请先填写专家的邮箱"), "R-V5")
        if not expert.active:
            errors.add("__all__", _("专家已停用，不能邀请"), "R-V5")
        user = expert.user
        if user is None and expert.email:
            user = User.objects.filter(email__iexact=expert.email).first()
        if user is not None and expert.user_id is None:
            if user.role != Role.EXPERT:
                errors.add("email", _("该邮箱已注册为其他角色的账号，请使用专家的另一个邮箱"), "R-V5")
            elif Expert.objects.filter(user=user, contest=expert.contest_id).exclude(pk=expert.pk).exists():
                errors.add("email", _("该邮箱的账号已关联另一位专家"), "R-V5")
        errors.raise_if_any()
        created = user is None
        if created:
            user = User.objects.create_user(email=expert.email, password=None, full_name=expert.name,
                                            role=Role.EXPERT)
            record(actor=actor, action="account.create_staff", target=user,
                   after={"role": Role.EXPERT, "full_name": user.full_name})
        if expert.user_id != user.pk:
            Expert.objects.filter(pk=expert.pk).update(user=user)
            expert.user = user
        record(actor=actor, action="expert.invite", target=expert,
               after={"user": user.pk, "account_created": created, "needs_password": not user.has_usable_password()})
        if user.has_usable_password():
            notify([user], "expert_invited", {"contest": expert.contest.name}, url=reverse("site:dashboard"))
        else:
            path = set_password_path(user)
            address, name, contest_name = user.email, expert.name, expert.contest.name
            transaction.on_commit(lambda: _send_invitation(address, name, contest_name, path))
    given.user = user
    return user


def _send_invitation(address: str, name: str, contest_name: str, path: str) -> None:
    context = {"name": name, "contest": contest_name, "link": settings.SITE_URL.rstrip("/") + path,
               "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("review/expert_invitation_subject.txt", context).strip()
        body = render_to_string("review/expert_invitation_body.txt", context)
        html = render_to_string("review/expert_invitation_body.html", context)
    message = EmailMultiAlternatives(f"[CIIC] {subject}", body, None, [address])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception as exc:  # a mail outage must not undo the invitation; staff can invite again
        # Not log.exception: SMTP errors carry the recipient's address, which is not logged.
        log.error("expert invitation email failed: %s", type(exc).__name__)
