"""Every write about projects: start, draft, submit (a new immutable version), rename by the
secretariat, withdraw and disqualify. Errors are ValidationErrors keyed by field whose codes
are rule IDs; nothing is written unless every check passes; each write is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ciic.audit.services import record
from ciic.contests.models import ApplicationSection, MaterialType, PastWinner
from ciic.contests.selectors import deadline_text, registration_open
from ciic.core.text import hidden_characters_error
from ciic.core.validation import Errors
from ciic.engines.originality import name_matches_past_winner
from ciic.entrants.enums import ACTIVE_REPRESENTATIVE
from ciic.entrants.models import Team
from ciic.entrants.selectors import is_member
from ciic.notifications.services import notify

from .enums import ProjectStatus
from .gates import submission_refusals
from .materials import freeze_materials, grace_stage, material_errors
from .models import Draft, OriginalityPair, Project, Submission
from .originality_runs import judge_pair, pair_rule, request_rerun
from .selectors import open_stage

# Which status changes are allowed: the one state machine of a project.
TRANSITIONS = {
    ProjectStatus.ACTIVE: {ProjectStatus.WITHDRAWN, ProjectStatus.DISQUALIFIED},
    ProjectStatus.WITHDRAWN: set(),
    ProjectStatus.DISQUALIFIED: set(),
}


def _check_name(name: str, errors: Errors) -> str:
    name = (name or "").strip()
    limit = Project._meta.get_field("name").max_length
    if not name:
        errors.add("name", _("请填写项目名称"), "R-J1")
    elif len(name) > limit:
        errors.add("name", _("项目名称不能超过 %(limit)s 个字符") % {"limit": limit}, "R-J1")
    elif hidden := hidden_characters_error(name, label=_("项目名称")):
        errors.add("name", hidden, "R-J1")
    return name


def _past_winner(contest, name: str) -> str:
    names = PastWinner.objects.filter(contest=contest).values_list("project_name", flat=True)
    return name_matches_past_winner(name, names) or ""


def start_project(*, team: Team, name: str, actor, now: dt.datetime | None = None) -> Project:
    """Create the team's one project (R-P2) with an empty draft, while registration is open (R-T1)."""
    errors = Errors()
    if not registration_open(team.contest, now=now):
        errors.add("__all__", _("项目提交已截止：截止时间为 %(deadline)s（北京时间）") % {
            "deadline": deadline_text(team.contest)}, "R-T1")
    if Project.objects.filter(team=team).exists():
        errors.add("__all__", _("每个团队只能提交 1 个参赛项目"), "R-P2")
    name = _check_name(name, errors)
    errors.raise_if_any()
    with transaction.atomic():
        project = Project.objects.create(contest=team.contest, team=team, name=name)
        Draft.objects.create(project=project, updated_by=actor)
        record(actor=actor, action="project.start", target=project, after={"team": team.pk, "name": name})
    return project


def _clean_sections(project: Project, sections: dict, errors: Errors, *, complete: bool) -> dict[str, str]:
    """Known sections only, each within its length limit (R-J7.1); all filled when submitting."""
    spec = {s.code: s for s in ApplicationSection.objects.filter(contest=project.contest)}
    clean: dict[str, str] = {}
    for code, text in (sections or {}).items():
        if code not in spec:
            errors.add(f"sections.{code}", _("申报书没有这一部分"), "R-J7")
            continue
        text = str(text or "")
        if len(text) > spec[code].max_chars:
            errors.add(f"sections.{code}", _("“%(section)s”不能超过 %(limit)s 字（现为 %(count)s 字）") % {
                "section": spec[code].display_name, "limit": spec[code].max_chars, "count": len(text)}, "R-J7")
        clean[code] = text
    if complete:
        for code, section in spec.items():
            if not clean.get(code, "").strip():
                errors.add(f"sections.{code}", _("请填写“%(section)s”") % {"section": section.display_name}, "R-J7")
    return clean


def _require_active(project: Project, errors: Errors) -> None:
    if project.status != ProjectStatus.ACTIVE:
        errors.add("__all__", _("项目%(status)s，不能再修改") % {"status": project.get_status_display()}, "R-J6")


def save_draft(*, project: Project, actor, sections: dict | None = None, name: str | None = None) -> Draft:
    """Autosave the working copy. The name may change only until the first submission (R-J4)."""
    errors = Errors()
    with transaction.atomic():
        # Re-read under lock: the caller's instance may predate a submission that locked the name.
        locked = Project.objects.select_for_update().get(pk=project.pk)
        _require_active(locked, errors)
        draft = Draft.objects.select_for_update().get(project=locked)
        clean = _clean_sections(locked, {**draft.sections, **(sections or {})}, errors, complete=False)
        new_name = locked.name
        if name is not None and name.strip() != locked.name:
            if locked.name_locked_at is not None:
                errors.add("name", _("首次提交后项目名称不能修改（如确需更名，请联系秘书处）"), "R-J4")
            new_name = _check_name(name, errors)
        errors.raise_if_any()
        draft.sections, draft.updated_at, draft.updated_by = clean, timezone.now(), actor
        draft.save()
        if new_name != locked.name:
            record(actor=actor, action="project.rename_draft", target=locked,
                   before={"name": locked.name}, after={"name": new_name})
            Project.objects.filter(pk=locked.pk).update(name=new_name)
        project.name, project.name_locked_at = new_name, locked.name_locked_at
    return draft


def _digest(name: str, sections: dict) -> str:
    payload = json.dumps({"name": name, "sections": sections}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _complete_draft(project: Project, errors: Errors) -> dict[str, str]:
    """The draft's sections, with what a version still lacks added to `errors`: every section
    filled within its limit and every required material (R-J7). `submit_project` and the
    checklist ask this one question, so the page and the refusal cannot disagree."""
    draft = Draft.objects.get(project=project)
    sections = _clean_sections(project, draft.sections, errors, complete=True)
    for field, (message, rule) in material_errors(project).items():
        errors.add(field, message, rule)
    return sections


@dataclass(frozen=True)
class ChecklistItem:
    """One thing a version needs, for the project page and the confirmation page."""

    key: str  # the field the refusal names: sections.<code> or materials.<code>
    label: str
    anchor: str  # the element on the project page to go to
    required: bool
    problem: str  # empty when the item is ready
    rule: str

    @property
    def ready(self) -> bool:
        return not self.problem


def submission_checklist(project: Project) -> list[ChecklistItem]:
    """Each section of the form and each material type, in page order, with what it lacks
    for a submission (R-J7); the same check `submit_project` makes. Optional material types
    that are missing are listed as ready: nothing stops the submission."""
    errors = Errors()
    _complete_draft(project, errors)
    problems = {field: errs[0] for field, errs in errors.by_field.items()}
    items = []
    for section in ApplicationSection.objects.filter(contest_id=project.contest_id):
        problem = problems.get(f"sections.{section.code}")
        items.append(ChecklistItem(
            key=f"sections.{section.code}", label=section.display_name, anchor=f"id_section_{section.code}",
            required=True, problem=problem.messages[0] if problem else "", rule=problem.code if problem else "R-J7"))
    for mtype in MaterialType.objects.filter(contest_id=project.contest_id):
        problem = problems.get(f"materials.{mtype.code}")
        items.append(ChecklistItem(
            key=f"materials.{mtype.code}", label=mtype.display_name, anchor=f"material-{mtype.code}",
            required=mtype.required, problem=problem.messages[0] if problem else "",
            rule=problem.code if problem else "R-J7"))
    return items


def _check_version_rate(project: Project, now: dt.datetime, errors: Errors) -> None:
    """At most the spec's `participation.max_versions_per_hour` versions of a project in any
    hour (R-J4 lets a team iterate, not flood the reviewers' archive)."""
    limit = (project.contest.spec.get("participation") or {}).get("max_versions_per_hour")
    if limit and project.submissions.filter(submitted_at__gt=now - dt.timedelta(hours=1)).count() >= limit:
        errors.add("__all__", _("每个项目每小时最多提交 %(limit)s 个版本，请稍后再提交") % {"limit": limit}, "R-J4")


def is_team_side(actor, project: Project) -> bool:
    """The team's lead, or a member the lead lets edit: who acts for the team itself."""
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and (
        project.team.lead_id == actor.pk or is_member(actor, project.team_id, editing=True)))


def submit_project(*, project: Project, actor, now: dt.datetime | None = None,
                   idempotency_key: str = "") -> Submission:
    """Freeze the draft as the next numbered version for the stage open now (R-J4).

    The first submission must come before the registration deadline (R-T1); later ones
    before the open stage's submission deadline, on the server's clock, or within the
    contest's upload grace period when an upload started before it (R-J4). Every required
    material must be present (R-J7); the draft's
    materials are frozen into the version (R-J6). Locks the project name (R-J4), flags a
    name matching an earlier prize winner (R-J3) for the secretariat. The version is
    immutable (R-J6). Audited.

    Submitting is the team's own act: only its lead or a member the lead lets edit submits,
    whatever other permissions the actor holds (a superuser's blanket permissions included).
    A request retried with the same `idempotency_key` gets the version the first one made,
    not another; at most `participation.max_versions_per_hour` versions an hour (the spec).
    """
    if not is_team_side(actor, project):
        raise PermissionDenied(_("提交是参赛团队自己的行为：只有团队负责人或可编辑的团队成员可以提交"))
    key = (idempotency_key or "").strip()[:100]
    if key:
        done = project.submissions.filter(idempotency_key=key).first()
        if done is not None:
            return done
    now = now or timezone.now()
    errors = Errors()
    stage = open_stage(project.contest, now=now)
    # HotCRP's sub_grace: just after the deadline, a project whose upload started before it
    # and finished within the grace period may still submit (R-J4).
    in_grace = False
    if stage is None:
        stage = grace_stage(project, now=now)
        in_grace = stage is not None
    if stage is None:
        errors.add("__all__", _("当前不在任何赛段的项目提交期内"), "R-J4")
    if stage is not None:
        for message, rule in submission_refusals(project, stage):  # the finals' gate (R-V2, R-P9)
            errors.add("__all__", message, rule)
    first = not project.submissions.exists()
    if first and not in_grace and not registration_open(project.contest, now=now):
        errors.add("__all__", _("项目提交已截止：截止时间为 %(deadline)s（北京时间）") % {
            "deadline": deadline_text(project.contest)}, "R-T1")
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if key:  # the same request, retried while the first one held the lock
            done = locked.submissions.filter(idempotency_key=key).first()
            if done is not None:
                return done
        _require_active(locked, errors)
        _check_version_rate(locked, now, errors)
        sections = _complete_draft(locked, errors)
        errors.raise_if_any()
        number = (locked.submissions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        submission = Submission.objects.create(
            project=locked, stage=stage, number=number, name=locked.name, sections=sections,
            content_sha256=_digest(locked.name, sections), submitted_at=now, submitted_by=actor,
            idempotency_key=key)
        materials = freeze_materials(project=locked, submission=submission)
        updates = {}
        if locked.name_locked_at is None:
            updates["name_locked_at"] = now
        match = _past_winner(locked.contest, locked.name)
        if match != locked.past_winner_match:
            updates["past_winner_match"] = match
        if updates:
            Project.objects.filter(pk=locked.pk).update(**updates)
            for field, value in updates.items():
                setattr(project, field, value)
        record(actor=actor, action="project.submit", target=locked, after={
            "version": number, "stage": stage.code, "sha256": submission.content_sha256,
            "past_winner_match": match, "in_grace": in_grace,
            "materials": {str(m.material_type_id): m.file_id for m in materials}})
    # R-J2/R-J3: a new version is checked for originality again; a run already queued for the
    # contest will read it, so at most one waits (originality_runs.request_rerun). Robust: a
    # queue failure must not turn a committed submission into an error.
    transaction.on_commit(lambda: request_rerun(contest=project.contest), robust=True)
    return submission


def rename_project(*, project: Project, actor, name: str, reason: str) -> Project:
    """The secretariat allows a rename after the first submission (R-J4); reason recorded."""
    errors = Errors()
    new_name = _check_name(name, errors)
    if not (reason or "").strip():
        errors.add("reason", _("请填写更名理由"), "R-J4")
    errors.raise_if_any()
    with transaction.atomic():
        before = Project.objects.select_for_update().get(pk=project.pk).name
        Project.objects.filter(pk=project.pk).update(name=new_name)
        project.name = new_name
        record(actor=actor, action="project.rename", target=project,
               before={"name": before}, after={"name": new_name, "reason": reason.strip()})
    return project


def _transition(project: Project, *, to: str, actor, reason: str, action: str) -> Project:
    """The one place a project's status changes; versions are kept whatever happens (R-J6)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": ValidationError(_("请填写理由"), code="required")})
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if to not in TRANSITIONS[ProjectStatus(locked.status)]:
            raise ValidationError({"__all__": ValidationError(
                _("项目当前状态为“%(status)s”，不能变更") % {"status": locked.get_status_display()},
                code="state")})
        before = {"status": locked.status, "reason": locked.status_reason}
        Project.objects.filter(pk=locked.pk).update(status=to, status_reason=reason.strip())
        project.status, project.status_reason = to, reason.strip()
        record(actor=actor, action=action, target=project, before=before,
               after={"status": to, "reason": project.status_reason})
    return project


def withdraw_project(*, project: Project, actor, reason: str) -> Project:
    """The team withdraws; its submitted versions and files stay on record (R-J6)."""
    return _transition(project, to=ProjectStatus.WITHDRAWN, actor=actor, reason=reason, action="project.withdraw")


# The rules a disqualification may rest on, for the secretariat's form.
DISQUALIFY_RULES = {
    "R-P6": gettext_lazy("提供虚假信息"),
    "R-J2": gettext_lazy("非本单位原创或侵犯他人知识产权"),
    "R-J3": gettext_lazy("往届一、二、三等奖项目"),
    # Found by a complaint (issue 13): results obtained at one's own station are void, and
    # entries that never met the conditions.
    "R-P8": gettext_lazy("在本单位或关联单位承办的赛站参赛"),
    "R-G2": gettext_lazy("不符合参赛条件"),
}


def disqualify_project(*, project: Project, actor, reason: str, rule: str = "") -> Project:
    """The secretariat disqualifies for false information (R-P6), plagiarism (R-J2) or an
    earlier prize winner entering again (R-J3). `rule`, when given, heads the recorded reason
    (【R-J2】...). After the transition the team lead and the accounts registered with a
    representative's email are notified ("project_disqualified"), in the same transaction.
    Versions are kept (R-J6). Audited by the transition."""
    if rule and rule not in DISQUALIFY_RULES:
        raise ValidationError({"rule": ValidationError(_("请选择取消资格所依据的规则"), code="R-P6")})
    text = (reason or "").strip()
    if rule and text:
        text = f"【{rule}】{text}"
    with transaction.atomic():
        _transition(project, to=ProjectStatus.DISQUALIFIED, actor=actor, reason=text,
                    action="project.disqualify")
        notify(team_accounts(project), "project_disqualified",
               {"project": project.name, "reason": project.status_reason},
               url=reverse("projects:detail", args=[project.pk]))
    return project


def team_accounts(project: Project) -> list:
    """The team lead, and the active accounts whose email is a representative's."""
    from django.contrib.auth import get_user_model
    from django.db.models.functions import Lower

    team = Team.objects.select_related("lead").get(pk=project.team_id)
    active = team.representatives.filter(status__in=ACTIVE_REPRESENTATIVE)
    emails = {e.lower() for e in active.values_list("email", flat=True) if e}
    reps = get_user_model().objects.annotate(email_lower=Lower("email")).filter(
        email_lower__in=emails, is_active=True) if emails else []
    return [team.lead, *reps]


def disqualify_from_pair(*, pair: OriginalityPair, project: Project, actor, rule: str,
                         reason: str) -> Project:
    """Disqualify one of the pair's projects on a named rule (`disqualify_project`:
    R-P6, R-J2, R-J3; the team is notified) and mark the pair "acted" with the reason, in one
    transaction."""
    errors = Errors()
    sides = {pair.left.project_id} | ({pair.right.project_id} if pair.right_id else set())
    if project.pk not in sides:
        errors.add("project", _("该项目不在这组相似项目中"), pair_rule(pair))
    if not rule:
        errors.add("rule", _("请选择取消资格所依据的规则"), pair_rule(pair))
    errors.raise_if_any()
    with transaction.atomic():
        disqualify_project(project=project, actor=actor, reason=reason, rule=rule)
        judge_pair(pair=pair, actor=actor, verdict=OriginalityPair.Verdict.ACTED,
                   note=_("已取消“%(project)s”的参赛资格：%(reason)s") % {
                       "project": project.name, "reason": project.status_reason})
    return project
