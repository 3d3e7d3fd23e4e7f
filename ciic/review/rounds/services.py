"""Review rounds (R-V1, R-V2, R-G1): creating a round of the spec for a station (local stage) or
for the whole contest (the last stage, the finals), its projects, its panel of experts, k
experts per project and the loads, pinned and forbidden pairs, and opening and closing it.

Which projects a round judges, and which version of each (R-J4):
- the first round of a stage (or any round created without a previous one): the station's
  active projects (the contest's, for the finals) that have a version counting in the stage:
  the last submitted before its deadline (`ciic.projects.selectors.counting_submission`);
- a later round: the projects the previous round advanced (`RoundResult.advanced`), judged on
  the same counting version of this stage, else the version the previous round judged.

The review form is copied from the spec round (`contests.Round.review_form`) when the round is
created, so a later spec change leaves an open round alone.

Every write is audited. Who may call what is in `rules.py` (`review.manage_round`: the
secretariat, or the officer of the round's station); the views and the API check it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ciic.audit.services import record
from ciic.contests.models import Round, Stage, Station
from ciic.core.validation import Errors
from ciic.projects.enums import ProjectStatus
from ciic.projects.models import Project, Submission
from ciic.projects.selectors import submission_window

from ..conflicts import conflict_reasons, conflicted_assignments, conflicts_between
from ..enums import AssignmentSource, JobStatus, PairRule, RoundStatus
from ..models import (
    Assignment,
    AssignmentRun,
    Expert,
    PairConstraint,
    ReviewRound,
    RoundExpert,
    RoundProject,
)

REASON_LIMIT = 1000
SOLVING = (JobStatus.QUEUED, JobStatus.RUNNING)


# --- conflicts of interest -----------------------------------------------------------------


def round_conflicts(review_round: ReviewRound) -> dict[tuple[int, int], list[str]]:
    """Every conflicted (expert id, project id) pair between the round's panel and its
    projects, with the reasons (detected and declared: `conflicts.py`)."""
    return conflict_reasons(expert_ids=list(review_round.panel.values_list("expert_id", flat=True)),
                            project_ids=list(review_round.entries.values_list("project_id", flat=True)))


def pair_conflicts(expert: Expert, project: Project) -> list[str]:
    """Why `expert` may not review `project` (empty: no conflict)."""
    return [c.reason for c in conflicts_between(expert, project)]


# --- creating a round ----------------------------------------------------------------------


def is_contest_wide(stage: Stage) -> bool:
    """The contest's last stage (the finals) is judged contest-wide; earlier stages per station."""
    last = Stage.objects.filter(contest_id=stage.contest_id).order_by("-order", "-pk").first()
    return last is not None and last.pk == stage.pk


def counting_versions(stage: Stage, projects: Iterable[Project]) -> dict[int, Submission]:
    """project id -> its version counting in `stage` (R-J4: the last submitted before the
    stage's deadline), for many projects in one query; the same choice as `counting_submission`."""
    ids = [p.pk for p in projects]
    qs = Submission.objects.filter(stage=stage, project_id__in=ids).defer("sections")
    _opens, closes = submission_window(stage)
    if closes is not None:
        qs = qs.filter(submitted_at__lte=closes)
    out: dict[int, Submission] = {}
    for submission in qs.order_by("project_id", "-number"):
        out.setdefault(submission.project_id, submission)
    return out


def _previous_round(spec_round: Round, station: Station | None) -> ReviewRound | None:
    """The review round of the same station for the spec round just before, in the same stage."""
    earlier = (Round.objects.filter(stage=spec_round.stage, order__lt=spec_round.order)
               .order_by("-order", "-pk").first())
    if earlier is None:
        return None
    return ReviewRound.objects.filter(round=earlier, station=station).first()


def create_round(*, spec_round: Round, station: Station | None, actor, experts_per_project: int | None = None,
                 max_load: int | None = None, previous: ReviewRound | None = None,
                 opens_at: dt.datetime | None = None, closes_at: dt.datetime | None = None) -> ReviewRound:
    """Create the review round of `spec_round` for `station` (None: contest-wide, the finals)
    with its projects and the version each is judged on (R-J4, R-V1), copying the spec's
    review form. The previous round defaults to the same station's review round of the spec
    round before in the stage; if there is one, its advancing projects are judged (it must
    have its results). Refused: a station for the finals or none for a local stage, a round
    that exists already, no project to judge, k or load below 1. Audited ("review.round.create")."""
    errors = Errors()
    stage = spec_round.stage
    contest = stage.contest
    wide = is_contest_wide(stage)
    if wide and station is not None:
        errors.add("station", _("%(stage)s在全国统一评审，不分赛站") % {"stage": stage.name}, "R-V4")
    if not wide and station is None:
        errors.add("station", _("请选择赛站：%(stage)s由各赛站分别评审") % {"stage": stage.name}, "R-V1")
    if station is not None and station.contest_id != contest.pk:
        errors.add("station", _("赛站不属于本届大赛"), "R-V1")
    k = experts_per_project if experts_per_project is not None else ReviewRound._meta.get_field(
        "experts_per_project").default
    load = max_load if max_load is not None else ReviewRound._meta.get_field("max_load").default
    _check_sizes(errors, k, load)
    _check_times(errors, opens_at, closes_at)
    if ReviewRound.objects.filter(round=spec_round, station=station).exists():
        errors.add("__all__", _("%(where)s的%(round)s已创建") % {
            "where": station.name if station else _("全国"), "round": spec_round.name}, "R-V1")
    if previous is None and not errors:
        previous = _previous_round(spec_round, station)
    if previous is not None:
        if previous.station_id != (station.pk if station else None) and not wide:
            errors.add("previous", _("上一轮须是同一赛站的评审轮"), "R-V1")
        elif previous.status != RoundStatus.CLOSED:
            # Results of an open round are a preview that can still change: only the closed
            # round's frozen result says who advances (R-V2).
            errors.add("previous", _("上一轮（%(round)s）尚未结束，晋级项目尚未确定") % {"round": previous.round.name},
                       "R-V2")
        elif not previous.results.exists():
            errors.add("previous", _("上一轮（%(round)s）尚无评审结果，无法确定晋级项目") % {"round": previous.round.name},
                       "R-V2")
    errors.raise_if_any()

    projects = _round_projects(contest, stage, station, previous)
    if not projects:
        errors.add("__all__", _("没有可评审的项目：本赛段尚无按时提交的版本") if previous is None
                   else _("上一轮没有晋级项目"), "R-J4")
    errors.raise_if_any()
    form = spec_round.review_form or {}
    with transaction.atomic():
        # Two requests creating the same round: the second waits here and is refused. The unique
        # constraint does not cover the finals (station NULL: NULLs are distinct in SQL).
        Round.objects.select_for_update().order_by().filter(pk=spec_round.pk).first()
        if ReviewRound.objects.filter(round=spec_round, station=station).exists():
            errors.add("__all__", _("%(where)s的%(round)s已创建") % {
                "where": station.name if station else _("全国"), "round": spec_round.name}, "R-V1")
            errors.raise_if_any()
        review_round = ReviewRound.objects.create(
            contest=contest, round=spec_round, station=station, previous=previous, experts_per_project=k,
            max_load=load, form=list(form.get("criteria", [])), recommendations=list(form.get("recommendations", [])),
            score_decimals=form.get("score_decimals", ReviewRound._meta.get_field("score_decimals").default),
            opens_at=opens_at, closes_at=closes_at, created_by=actor)
        RoundProject.objects.bulk_create(
            RoundProject(review_round=review_round, project_id=project_id, submission_id=submission_id)
            for project_id, submission_id in projects)
        record(actor=actor, action="review.round.create", target=review_round, after={
            "round": spec_round.code, "stage": stage.code, "station": station.code if station else None,
            "previous": previous.pk if previous else None, "experts_per_project": k, "max_load": load,
            "projects": [p for p, _s in projects], "versions": [s for _p, s in projects],
            "form": review_round.form, "recommendations": review_round.recommendations})
    return review_round


def _round_projects(contest, stage: Stage, station: Station | None,
                    previous: ReviewRound | None) -> list[tuple[int, int | None]]:
    """(project id, judged submission id) of the round, in project order."""
    if previous is not None:
        advanced = list(Project.objects.filter(
            round_results__review_round=previous, round_results__advanced=True, status=ProjectStatus.ACTIVE)
            .order_by("pk"))
        versions = counting_versions(stage, advanced)
        earlier = dict(previous.entries.values_list("project_id", "submission_id"))
        return [(p.pk, versions[p.pk].pk if p.pk in versions else earlier.get(p.pk)) for p in advanced]
    candidates = Project.objects.filter(contest=contest, status=ProjectStatus.ACTIVE).order_by("pk")
    if station is not None:
        candidates = candidates.filter(team__station=station)
    candidates = list(candidates.only("pk"))
    versions = counting_versions(stage, candidates)
    return [(p.pk, versions[p.pk].pk) for p in candidates if p.pk in versions]


def _check_sizes(errors: Errors, k, load) -> None:
    if not isinstance(k, int) or k < 1:
        errors.add("experts_per_project", _("每个项目的专家数至少为 1"), "R-V1")
    if not isinstance(load, int) or load < 1:
        errors.add("max_load", _("每位专家最多评审项目数至少为 1"), "R-V1")


def _check_times(errors: Errors, opens_at, closes_at) -> None:
    if opens_at and closes_at and closes_at <= opens_at:
        errors.add("closes_at", _("截止时间须晚于开始时间"), "R-V1")


def _lock(review_round: ReviewRound) -> ReviewRound:
    """The round's row, locked until the transaction ends: writes to one round go one at a time,
    and a state read here is current. (No ordering: the default one joins a nullable FK, which
    PostgreSQL refuses to lock.)"""
    return ReviewRound.objects.select_for_update().order_by().get(pk=review_round.pk)


def _not_closed(review_round: ReviewRound, errors: Errors) -> None:
    if review_round.status == RoundStatus.CLOSED:
        errors.add("__all__", _("本轮评审已结束，不能再修改"), "R-V3")


def update_round(*, review_round: ReviewRound, actor, experts_per_project: int, max_load: int,
                 opens_at: dt.datetime | None = None, closes_at: dt.datetime | None = None,
                 blind_until_submitted: bool | None = None) -> ReviewRound:
    """Change k, the default load, the times and blindness of a round that is not closed. k
    changes only before the round opens (experts are already reviewing after). Audited."""
    errors = Errors()
    _check_sizes(errors, experts_per_project, max_load)
    _check_times(errors, opens_at, closes_at)
    fields = ["experts_per_project", "max_load", "opens_at", "closes_at", "blind_until_submitted"]
    with transaction.atomic():
        # The state is checked on the locked row: the round may have been opened or closed since
        # the caller read it.
        locked = _lock(review_round)
        _not_closed(locked, errors)
        if locked.status != RoundStatus.DRAFT and experts_per_project != locked.experts_per_project:
            errors.add("experts_per_project", _("评审开始后不能再改每个项目的专家数"), "R-V1")
        errors.raise_if_any()
        before = {f: getattr(locked, f) for f in fields}
        locked.experts_per_project, locked.max_load = experts_per_project, max_load
        locked.opens_at, locked.closes_at = opens_at, closes_at
        if blind_until_submitted is not None:
            locked.blind_until_submitted = blind_until_submitted
        locked.save(update_fields=fields)
        record(actor=actor, action="review.round.update", target=locked, before=before,
               after={f: getattr(locked, f) for f in fields})
    return locked


# --- the panel -----------------------------------------------------------------------------


def eligible_experts(review_round: ReviewRound) -> QuerySet[Expert]:
    """Experts who may sit on the round's panel: active experts of the contest, of the
    round's station or of none (contest-wide); for a contest-wide round, all of them."""
    qs = Expert.objects.filter(contest_id=review_round.contest_id, active=True)
    if review_round.station_id is not None:
        qs = qs.filter(Q(station_id=review_round.station_id) | Q(station__isnull=True))
    return qs.order_by("pk")


def set_panel(*, review_round: ReviewRound, experts: Iterable[Expert], actor,
              loads: Mapping[int, int | None] | None = None) -> list[RoundExpert]:
    """Make `experts` the round's panel. New members are added with the round's default load;
    with `loads` (expert id -> own load, None: the round's), each member's load is set too, in
    the same transaction (`set_expert_load`): a refused load leaves the panel as it was. A
    member who leaves loses the assignments whose review has not started (and is refused if
    one has). Refused: a new member not eligible (inactive, another contest or station; a
    member deactivated since joining may stay), a closed round. Audited with the panel before
    and after (R-V5)."""
    experts = list({e.pk: e for e in experts}.values())
    errors = Errors()
    wanted = {e.pk for e in experts}
    with transaction.atomic():
        _not_closed(_lock(review_round), errors)
        current = {m.expert_id: m for m in review_round.panel.all()}
        # Only a new member must be eligible now: a member deactivated since joining stays until
        # staff take them off (saving the panel must not drop them, nor their assignments, silently).
        joining = [e for e in experts if e.pk not in current]
        eligible = set(eligible_experts(review_round).filter(pk__in=[e.pk for e in joining])
                       .values_list("pk", flat=True))
        for expert in joining:
            if expert.pk not in eligible:
                errors.add("experts", _("%(name)s不能参加本轮评审（未启用，或不属于本赛站）") % {"name": expert.name},
                           "R-V5")
        leaving = [pk for pk in current if pk not in wanted]
        started = (Assignment.objects.filter(review_round=review_round, expert_id__in=leaving, review__isnull=False)
                   .select_related("expert"))
        for assignment in started:
            errors.add("experts", _("%(name)s已开始评审，不能移出专家组") % {"name": assignment.expert.name}, "R-V3")
            break
        errors.raise_if_any()
        removed = list(Assignment.objects.filter(review_round=review_round, expert_id__in=leaving)
                       .values_list("expert_id", "project_id"))
        Assignment.objects.filter(review_round=review_round, expert_id__in=leaving).delete()
        PairConstraint.objects.filter(review_round=review_round, expert_id__in=leaving).delete()
        RoundExpert.objects.filter(review_round=review_round, expert_id__in=leaving).delete()
        RoundExpert.objects.bulk_create(RoundExpert(review_round=review_round, expert_id=pk)
                                        for pk in sorted(wanted - set(current)))
        record(actor=actor, action="review.round.panel", target=review_round,
               before={"experts": sorted(current)}, after={"experts": sorted(wanted),
                                                           "removed_assignments": removed})
        if loads is not None:
            for member in RoundExpert.objects.filter(review_round=review_round):
                if loads.get(member.expert_id) != member.max_load:
                    set_expert_load(member=member, max_load=loads.get(member.expert_id), actor=actor)
    return list(review_round.panel.select_related("expert").order_by("expert_id"))


def set_expert_load(*, member: RoundExpert, max_load: int | None, actor) -> RoundExpert:
    """One panel member's own maximum load (None: the round's). Refused below the number of
    projects already assigned to them. Audited."""
    errors = Errors()
    if max_load is not None and (not isinstance(max_load, int) or max_load < 0):
        errors.add("max_load", _("最多评审项目数不能为负"), "R-V1")
    with transaction.atomic():
        _not_closed(_lock(member.review_round), errors)
        assigned = expert_load_used(member.review_round, member.expert_id)
        if isinstance(max_load, int) and max_load < assigned:
            errors.add("max_load", _("该专家已分配 %(n)s 个项目，上限不能低于此数") % {"n": assigned}, "R-V1")
        errors.raise_if_any()
        before = RoundExpert.objects.filter(pk=member.pk).values_list("max_load", flat=True).first()
        RoundExpert.objects.filter(pk=member.pk).update(max_load=max_load)
        member.max_load = max_load
        record(actor=actor, action="review.round.expert_load", target=member.review_round,
               before={"expert": member.expert_id, "max_load": before},
               after={"expert": member.expert_id, "max_load": max_load})
    return member


def expert_loads(review_round: ReviewRound) -> dict[int, int]:
    """expert id -> maximum load in the round (their own, else the round's)."""
    return {m.expert_id: (m.max_load if m.max_load is not None else review_round.max_load)
            for m in review_round.panel.all()}


# --- pinned and forbidden pairs ------------------------------------------------------------


def _check_in_round(errors: Errors, review_round: ReviewRound, expert: Expert, project: Project) -> None:
    """The expert is on the round's panel and the project is judged in it."""
    if not review_round.panel.filter(expert=expert).exists():
        errors.add("expert", _("%(name)s不在本轮专家组中") % {"name": expert.name}, "R-V5")
    if not review_round.entries.filter(project=project).exists():
        errors.add("project", _("项目不在本轮评审中"), "R-V1")


def set_pair_rule(*, review_round: ReviewRound, expert: Expert, project: Project, rule: str, actor,
                  reason: str = "") -> PairConstraint:
    """Pin (must be assigned) or forbid an expert–project pair before solving. The expert
    must be on the panel and the project in the round. Pinning a conflicted pair is refused,
    naming the conflict; pins may not exceed k for the project nor the expert's load.
    Forbidding removes the pair's assignment if its review has not started (refused if it
    has). Replaces an earlier rule on the pair. Audited."""
    errors = Errors()
    reason = (reason or "").strip()
    if rule not in PairRule.values:
        errors.add("rule", _("请选择指定或禁止"), "R-V1")
    if len(reason) > REASON_LIMIT:
        errors.add("reason", _("理由不能超过 %(limit)s 字") % {"limit": REASON_LIMIT}, "R-V1")
    _check_in_round(errors, review_round, expert, project)
    errors.raise_if_any()
    with transaction.atomic():
        # Checked on the locked round: two pins posted at once cannot both take the last place.
        locked = _lock(review_round)
        _not_closed(locked, errors)
        pins = PairConstraint.objects.filter(review_round=review_round, rule=PairRule.PIN).exclude(
            expert=expert, project=project)
        if rule == PairRule.PIN:
            reasons = pair_conflicts(expert, project)
            if reasons:
                errors.add("expert", _("%(name)s与该项目存在利益冲突（%(reasons)s），不能指定") % {
                    "name": expert.name, "reasons": "；".join(reasons)}, "R-V5")
            if pins.filter(project=project).count() >= locked.experts_per_project:
                errors.add("project", _("该项目已指定 %(k)s 位专家，达到每个项目的专家数") % {
                    "k": locked.experts_per_project}, "R-V1")
            load = expert_loads(locked).get(expert.pk, locked.max_load)
            if pins.filter(expert=expert).count() >= load:
                errors.add("expert", _("%(name)s的指定项目已达上限 %(load)s") % {"name": expert.name, "load": load},
                           "R-V1")
        elif Assignment.objects.filter(review_round=review_round, expert=expert, project=project,
                                       review__isnull=False).exists():
            errors.add("expert", _("该专家已开始评审此项目，不能禁止"), "R-V3")
        errors.raise_if_any()
        old = PairConstraint.objects.filter(review_round=review_round, expert=expert, project=project).first()
        before = {"rule": old.rule, "reason": old.reason} if old else None
        item, _created = PairConstraint.objects.update_or_create(
            review_round=review_round, expert=expert, project=project,
            defaults={"rule": rule, "reason": reason, "created_by": actor, "created_at": timezone.now()})
        removed = 0
        if rule == PairRule.FORBID:
            removed, _by_model = Assignment.objects.filter(review_round=review_round, expert=expert,
                                                           project=project).delete()
        record(actor=actor, action="review.round.pair_rule", target=review_round, before=before, after={
            "expert": expert.pk, "project": project.pk, "rule": rule, "reason": reason,
            "removed_assignment": bool(removed)})
    return item


def remove_pair_rule(*, pair_rule: PairConstraint, actor) -> None:
    """Drop a pin or a forbid (the assignment a pin produced stays until the next solve). Audited."""
    errors = Errors()
    with transaction.atomic():
        _not_closed(_lock(pair_rule.review_round), errors)
        errors.raise_if_any()
        record(actor=actor, action="review.round.pair_rule.remove", target=pair_rule.review_round,
               before={"expert": pair_rule.expert_id, "project": pair_rule.project_id, "rule": pair_rule.rule,
                       "reason": pair_rule.reason})
        pair_rule.delete()


# --- manual edits after solving ------------------------------------------------------------


def add_assignment(*, review_round: ReviewRound, expert: Expert, project: Project, actor,
                   reason: str = "") -> Assignment:
    """Assign one more expert to a project by hand. Refused: a conflicted pair (naming the
    conflict), a forbidden pair, an expert off the panel or a project not in the round, an
    expert at their load (adding beyond the load is refused), a closed round. Going beyond k
    for the project is allowed (an extra review, e.g. for a disagreement) and shown on the
    round page. Audited."""
    errors = Errors()
    _check_in_round(errors, review_round, expert, project)
    errors.raise_if_any()
    with transaction.atomic():
        # Every check below is made under the round's lock: a double-submitted form or two
        # staff adding at once cannot both pass the "already assigned" and load checks.
        locked = _lock(review_round)
        _not_closed(locked, errors)
        reasons = pair_conflicts(expert, project)
        if reasons:
            errors.add("expert", _("%(name)s与该项目存在利益冲突（%(reasons)s），不能分配") % {
                "name": expert.name, "reasons": "；".join(reasons)}, "R-V5")
        if PairConstraint.objects.filter(review_round=review_round, expert=expert, project=project,
                                         rule=PairRule.FORBID).exists():
            errors.add("expert", _("该专家与此项目已被禁止分配"), "R-V1")
        if Assignment.objects.filter(review_round=review_round, expert=expert, project=project).exists():
            errors.add("expert", _("该专家已分配此项目"), "R-V1")
        load = expert_loads(locked).get(expert.pk, locked.max_load)
        if expert_load_used(locked, expert.pk) >= load:
            errors.add("expert", _("%(name)s已分配 %(load)s 个项目，达到上限") % {"name": expert.name, "load": load},
                       "R-V1")
        errors.raise_if_any()
        assignment = Assignment.objects.create(review_round=review_round, expert=expert, project=project,
                                               source=AssignmentSource.MANUAL)
        record(actor=actor, action="review.assignment.add", target=review_round, after={
            "expert": expert.pk, "project": project.pk, "reason": (reason or "").strip()[:REASON_LIMIT]})
    return assignment


def remove_assignment(*, assignment: Assignment, actor, reason: str = "") -> None:
    """Take a project away from an expert by hand; refused once the review has started (it is
    a record, R-V3) or the round is closed. Audited."""
    errors = Errors()
    with transaction.atomic():
        _not_closed(_lock(assignment.review_round), errors)
        if Assignment.objects.filter(pk=assignment.pk, review__isnull=False).exists():
            errors.add("__all__", _("专家已开始评审该项目，不能取消分配"), "R-V3")
        errors.raise_if_any()
        record(actor=actor, action="review.assignment.remove", target=assignment.review_round, before={
            "expert": assignment.expert_id, "project": assignment.project_id, "source": assignment.source,
            "affinity": assignment.affinity}, after={"reason": (reason or "").strip()[:REASON_LIMIT]})
        assignment.delete()


# --- opening and closing -------------------------------------------------------------------


def expert_load_used(review_round: ReviewRound, expert_id: int) -> int:
    """How much of an expert's load the round uses: their assignments but the conflicted ones
    (kept on record, R-V3, but no longer theirs to review, R-P8), as the solver counts it."""
    pairs = list(Assignment.objects.filter(review_round=review_round, expert_id=expert_id)
                 .values_list("expert_id", "project_id"))
    return len(pairs) - len(conflicted_assignments(review_round, pairs=pairs))


def counted_experts(review_round: ReviewRound) -> dict[int, int]:
    """project id -> how many of its assigned experts count toward k: every assignment but the
    conflicted ones (a conflict declared or detected after assigning, R-P8: kept on record,
    R-V3, but that expert no longer reviews the project). Every project of the round is present."""
    pairs = list(Assignment.objects.filter(review_round=review_round).values_list("expert_id", "project_id"))
    conflicted = conflicted_assignments(review_round, pairs=pairs)
    counts = dict.fromkeys(review_round.entries.values_list("project_id", flat=True), 0)
    for pair in pairs:
        if pair not in conflicted and pair[1] in counts:
            counts[pair[1]] += 1
    return counts


def short_projects(review_round: ReviewRound) -> list[tuple[int, int]]:
    """(project id, experts counting) of the projects with fewer than k experts, not counting a
    conflicted assignment (R-P8, R-V1), by project id."""
    k = review_round.experts_per_project
    return [(p, n) for p, n in sorted(counted_experts(review_round).items()) if n < k]


def pending_reviews(review_round: ReviewRound) -> list[tuple[int, int]]:
    """(expert id, project id) of the assignments whose review is not submitted, but for the
    conflicted ones: that review counts for nothing (R-P8), so nobody waits for it (R-V3)."""
    pending = list(Assignment.objects.filter(review_round=review_round).filter(
        Q(review__isnull=True) | Q(review__submitted_at__isnull=True))
        .order_by("project_id", "expert_id").values_list("expert_id", "project_id"))
    conflicted = conflicted_assignments(review_round, pairs=pending)
    return [pair for pair in pending if pair not in conflicted]


def open_round(*, review_round: ReviewRound, actor, now: dt.datetime | None = None) -> ReviewRound:
    """Draft -> open: experts see their assigned projects and score them. Refused unless every
    project has its k experts (conflicted assignments not counted: `short_projects`), and while a solve is queued or running (its result would replace
    assignments experts already see). Idempotent: a second request that finds the round opened
    meanwhile (a double submission) changes nothing. Audited."""

    def check(locked: ReviewRound, errors: Errors) -> None:
        short = short_projects(locked)
        if short:
            errors.add("__all__", _("%(n)s 个项目的评审专家不足 %(k)s 位，请先完成分配") % {
                "n": len(short), "k": locked.experts_per_project}, "R-V1")
        if AssignmentRun.objects.filter(review_round=locked, status__in=SOLVING).exists():
            errors.add("__all__", _("分配计算尚未完成，请等计算结束后再开始评审"), "R-V1")

    return _transition(review_round, RoundStatus.OPEN, actor, now=now, action="review.round.open",
                       source=RoundStatus.DRAFT, check=check)


def close_round(*, review_round: ReviewRound, actor, force: bool = False, reason: str = "",
                now: dt.datetime | None = None) -> ReviewRound:
    """Open -> closed: reviews can no longer be revised (R-V3). Refused while an assigned
    review is not submitted, unless `force` with a reason; the unsubmitted pairs and the
    reason are recorded. A conflicted assignment's review is not waited for (`pending_reviews`). Idempotent like `open_round`. Locks the aggregation. Audited."""
    reason = (reason or "").strip()
    extra: dict = {}

    def check(locked: ReviewRound, errors: Errors) -> None:
        pending = pending_reviews(locked)
        if pending and not force:
            errors.add("__all__", _("还有 %(n)s 份评分未提交；如确需结束，请选择强制结束并写明理由") % {"n": len(pending)},
                       "R-V3")
        if pending and force and not reason:
            errors.add("reason", _("强制结束须写明理由"), "R-V3")
        if len(reason) > REASON_LIMIT:
            errors.add("reason", _("理由不能超过 %(limit)s 字") % {"limit": REASON_LIMIT}, "R-V3")
        extra.update({"unsubmitted": pending, "forced": bool(pending), "reason": reason})

    def after(locked: ReviewRound) -> None:
        # The results are about to be read: the aggregation chosen before scores were seen holds (R-V2).
        from ..results.services import lock_aggregation

        lock_aggregation(review_round=locked, actor=actor)

    return _transition(review_round, RoundStatus.CLOSED, actor, now=now, action="review.round.close",
                       source=RoundStatus.OPEN, check=check, extra=extra, after=after)


def _transition(review_round: ReviewRound, status: str, actor, *, now, action: str, source: str,
                check, extra: dict | None = None, after=None) -> ReviewRound:
    """The round's one state machine: draft -> open -> closed. Moves the locked round from
    `source` to `status` after `check(locked, errors)` found nothing, and audits it. A round
    already in `status` when the caller still saw it in `source` was moved by a concurrent
    identical request: nothing happens (idempotent). Any other state is refused."""
    now = now or timezone.now()
    errors = Errors()
    seen = review_round.status
    with transaction.atomic():
        locked = _lock(review_round)
        before = locked.status
        if before == status and seen == source:
            _copy_state(review_round, locked)
            return review_round
        if before != source:
            errors.add("__all__", _("本轮评审%(status)s") % {"status": locked.get_status_display()}, "R-V1")
            errors.raise_if_any()
        check(locked, errors)
        errors.raise_if_any()
        locked.status = status
        fields = ["status"]
        if status == RoundStatus.OPEN and locked.opens_at is None:
            locked.opens_at = now
            fields.append("opens_at")
        if status == RoundStatus.CLOSED:
            locked.closes_at = now if locked.closes_at is None or locked.closes_at > now else locked.closes_at
            fields.append("closes_at")
        locked.save(update_fields=fields)
        record(actor=actor, action=action, target=locked, before={"status": before},
               after={"status": status, **(extra or {})})
        if after is not None:
            after(locked)
    _copy_state(review_round, locked)
    return review_round


def _copy_state(review_round: ReviewRound, locked: ReviewRound) -> None:
    review_round.status = locked.status
    review_round.opens_at, review_round.closes_at = locked.opens_at, locked.closes_at
    review_round.aggregation_locked_at = locked.aggregation_locked_at
