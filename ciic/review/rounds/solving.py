"""Solving a round's assignment in the background (queued by `assigning.start_solve`): the
glue between the database and the engines (`ciic.engines.affinity` scores each
expert–project pair, `ciic.engines.assignment` solves exactly).

What a solve does (`execute_solve`, run by the task `tasks.solve_assignment`):
1. Reads the round: its projects with the judged versions' application text, its panel with
   each expert's profile, keywords and directions, k, each expert's load, the conflicts
   (`ciic/review/conflicts.py`, detected and declared), the forbidden and the pinned pairs.
2. Builds the affinity matrix (TF-IDF on character n-grams plus direction match).
3. Fixes what must stay: pinned pairs, assignments whose review has started (they are a
   record, R-V3) and assignments staff added by hand; conflicts and forbidden pairs are masked.
   A kept assignment conflicted since it was made (R-P8) stays on record but is not fixed nor
   counted toward the project's k: the solve gives the project a replacement. A panel member
   deactivated since joining keeps what stays and gets nothing new.
4. Solves in mode `max_total` (the certified maximum total affinity) or `fair` (first raise
   the worst-served project, then the total).
5. Replaces the round's solver and pin assignments whose review has not started with the
   result, and stores the run's figures (total, LP bound and gap, worst project, ceiling,
   seconds, summaries). An infeasible round stores the engine's explanation instead, in the
   round's terms: which directions' projects need how many reviews and how many the experts
   eligible for them can give. A round edited while the solve ran (`round_signature` differs)
   keeps its assignments, and the run fails saying so.

Progress (0–100) is written on the run as it goes; the round page polls it with HTMX. Staff
can cancel a run that is queued or running (`assigning.cancel_solve`: a worker that died would otherwise
block the round); a worker still computing it then stores nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ciic.audit.services import record
from ciic.engines import assignment as engine
from ciic.projects.originality_job import submission_text

from ..enums import AssignmentSource, JobStatus, PairRule
from ..models import Assignment, AssignmentRun, PairConstraint, ReviewRound
from .services import expert_loads, round_conflicts

log = logging.getLogger(__name__)


# --- reading the round -----------------------------------------------------------------------


@dataclass
class RoundInput:
    """The round as the engines see it; row i is project_ids[i], column j expert_ids[j]."""

    project_ids: list[int]
    expert_ids: list[int]
    project_texts: list[str]
    project_directions: list[int | None]
    labels: list[str]  # each project's direction, to explain an infeasible round
    expert_texts: list[str]
    expert_directions: list[set[int]]
    k: int
    loads: np.ndarray
    conflicts: list[tuple[int, int]]  # (row, column)
    forbidden: list[tuple[int, int]]
    pinned: list[tuple[int, int]]  # PairConstraint pins
    kept: dict[tuple[int, int], int]  # (row, column) -> id of an assignment that stays
    inactive: list[int] = field(default_factory=list)  # columns of members deactivated since joining: no new assignment
    signature: str = ""  # `round_signature` when read: the store refuses if it changed meanwhile


def round_signature(review_round: ReviewRound, conflicts: dict | None = None) -> str:
    """A digest of everything a solve depends on: the round's state, k and default load, its
    projects, its panel and their loads, the pinned and forbidden pairs, the assignments that
    stay (started reviews, manual edits) and the conflicts. A solve stores its result only if
    this is the same at the end as when it read the round: a round edited while it was solving
    (a conflict declared, an expert removed, k changed, the round closed, the task delivered
    after a later edit) keeps its assignments as they are, and staff solve again."""
    state = ReviewRound.objects.filter(pk=review_round.pk).values_list(
        "status", "experts_per_project", "max_load").get()
    if conflicts is None:
        conflicts = round_conflicts(review_round)
    fixed = Assignment.objects.filter(review_round=review_round).filter(
        Q(review__isnull=False) | Q(source=AssignmentSource.MANUAL))
    parts = {
        "state": list(state),
        "projects": sorted(review_round.entries.values_list("project_id", flat=True)),
        "panel": sorted(review_round.panel.values_list("expert_id", "max_load")),
        "rules": sorted(PairConstraint.objects.filter(review_round=review_round)
                        .values_list("expert_id", "project_id", "rule")),
        "fixed": sorted(fixed.values_list("expert_id", "project_id")),
        "conflicts": sorted(conflicts),
        "inactive": sorted(review_round.panel.filter(expert__active=False).values_list("expert_id", flat=True)),
    }
    data = json.dumps(parts, sort_keys=True, default=list, separators=(",", ":")).encode()
    return hashlib.sha256(data).hexdigest()


def read_round(review_round: ReviewRound) -> RoundInput:
    """Everything a solve needs, in a fixed number of queries."""
    order = list(review_round.contest.form_sections.values_list("code", flat=True))
    entries = list(review_round.entries.select_related("submission", "project__team__direction").order_by("project_id"))
    members = list(review_round.panel.select_related("expert").prefetch_related("expert__directions")
                   .order_by("expert_id"))
    project_ids = [e.project_id for e in entries]
    expert_ids = [m.expert_id for m in members]
    row = {p: i for i, p in enumerate(project_ids)}
    col = {e: j for j, e in enumerate(expert_ids)}
    reasons = round_conflicts(review_round)
    signature = round_signature(review_round, reasons)
    texts = []
    for entry in entries:
        texts.append(submission_text(entry.submission, order) if entry.submission_id else entry.project.name)
    loads_by_expert = expert_loads(review_round)
    conflicts = [(row[p], col[e]) for (e, p) in reasons if p in row and e in col]
    forbidden, pinned = [], []
    for rule in PairConstraint.objects.filter(review_round=review_round):
        if rule.project_id in row and rule.expert_id in col:
            (pinned if rule.rule == PairRule.PIN else forbidden).append((row[rule.project_id], col[rule.expert_id]))
    kept = {}
    stays = Assignment.objects.filter(review_round=review_round).filter(
        Q(review__isnull=False) | Q(source=AssignmentSource.MANUAL))
    for assignment in stays.values("pk", "project_id", "expert_id"):
        if (assignment["expert_id"], assignment["project_id"]) in reasons:
            # Conflicted since it was made (R-P8): it stays on record (R-V3; `_store` deletes
            # only unstarted solver and pin assignments) but is not one of the project's k, nor
            # fixed into the solve, which gives the project a replacement instead.
            continue
        if assignment["project_id"] in row and assignment["expert_id"] in col:
            kept[(row[assignment["project_id"]], col[assignment["expert_id"]])] = assignment["pk"]
    # A member deactivated since joining (`Expert.active`) keeps what stays (a started review is
    # a record) but gets nothing new: their load is what they keep.
    inactive = [j for j, m in enumerate(members) if not m.expert.active]
    for j in inactive:
        loads_by_expert[expert_ids[j]] = sum(1 for _p, e in kept if e == j)
    return RoundInput(
        project_ids=project_ids, expert_ids=expert_ids, project_texts=texts,
        project_directions=[e.project.team.direction_id for e in entries],
        labels=[e.project.team.direction.name for e in entries],
        expert_texts=["\n".join(x for x in (m.expert.profile, m.expert.keywords) if x) for m in members],
        expert_directions=[{d.pk for d in m.expert.directions.all()} for m in members],
        k=review_round.experts_per_project,
        loads=np.array([loads_by_expert[e] for e in expert_ids], dtype=np.int64),
        conflicts=conflicts, forbidden=forbidden, pinned=pinned, kept=kept, inactive=inactive, signature=signature)


def affinity_matrix(data: RoundInput) -> np.ndarray:
    """(projects × experts) float32 affinities >= 0 from `ciic.engines.affinity`."""
    try:
        from ciic.engines import affinity
    except ImportError:
        affinity = None
    if affinity is not None and hasattr(affinity, "round_affinity"):
        return affinity.round_affinity(project_texts=data.project_texts, project_directions=data.project_directions,
                                       expert_texts=data.expert_texts, expert_directions=data.expert_directions)
    return _fallback_affinity(data)


def _fallback_affinity(data: RoundInput) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    P, E = len(data.project_texts), len(data.expert_texts)
    a = np.zeros((P, E), np.float32)
    if P and E:
        vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True)
        try:
            m = vec.fit_transform(data.project_texts + data.expert_texts)
            a += (m[:P] @ m[P:].T).toarray().astype(np.float32)
        except ValueError:  # no text at all
            pass
        for j, dirs in enumerate(data.expert_directions):
            a[:, j] += np.array([d in dirs for d in data.project_directions], np.float32)
    return a


def ceiling(a: np.ndarray, k: int, banned: list[tuple[int, int]]) -> float:
    """The smallest, over projects, of the affinity sum of the project's own best k allowed
    experts, loads ignored: no assignment gives its worst project more."""
    if a.size == 0 or k == 0:
        return 0.0
    allowed = a.astype(np.float64, copy=True)
    if banned:
        rows, cols = zip(*banned, strict=True)
        allowed[list(rows), list(cols)] = -np.inf
    kk = min(k, allowed.shape[1])
    best = -np.partition(-allowed, kk - 1, axis=1)[:, :kk]
    sums = np.where(np.isfinite(best), best, 0).sum(axis=1)
    return float(sums.min())


# --- executing -------------------------------------------------------------------------------


class _Refused(Exception):
    """The round cannot be solved as it stands; the message is for staff."""

    def __init__(self, message: str, figures: dict | None = None):
        super().__init__(message)
        self.figures = figures or {}


def _progress(run: AssignmentRun, percent: int) -> None:
    AssignmentRun.objects.filter(pk=run.pk, status=JobStatus.RUNNING).update(progress=percent)


def execute_solve(run_id: int) -> AssignmentRun:
    """Run a queued solve (see the module docstring): progress as it goes, then done with the
    figures, or failed with the reason (an infeasible round: the engine's explanation). A run
    that is not queued any more is left alone (a task delivered twice). Audited
    ("review.assign.done" / "review.assign.failed")."""
    with transaction.atomic():
        run = AssignmentRun.objects.select_for_update().select_related("review_round").get(pk=run_id)
        if run.status != JobStatus.QUEUED:
            return run
        run.status, run.started_at, run.progress = JobStatus.RUNNING, timezone.now(), 1
        run.save(update_fields=["status", "started_at", "progress"])
    started = time.perf_counter()
    try:
        data = read_round(run.review_round)
        _progress(run, 10)
        a = affinity_matrix(data)
        _progress(run, 40)
        result = _solve(run, data, a)
        _progress(run, 85)
        figures = _figures(data, a, result, seconds=time.perf_counter() - started)
        with transaction.atomic():
            stored = _store(run, data, a, result)  # raises _Refused if the round changed meanwhile
            figures["stored"] = stored
            AssignmentRun.objects.filter(pk=run.pk).update(status=JobStatus.DONE, progress=100, figures=figures,
                                                           finished_at=timezone.now(), message="")
            record(actor=None, action="review.assign.done", target=run.review_round, after={
                "run": run.pk, "mode": run.mode, "total": figures["total"], "worst": figures["worst"],
                "lp_gap": figures["lp_gap"], **stored})
    except _Refused as exc:
        exc.figures["seconds"] = round(time.perf_counter() - started, 3)
        _fail(run, str(exc), exc.figures)
    except BaseException as exc:
        log.exception("assignment run %s failed", run.pk)
        _fail(run, f"{type(exc).__name__}: {exc}"[:2000], {})
        if not isinstance(exc, Exception):  # a worker being stopped: stop
            raise
    run.refresh_from_db()
    return run


def _fail(run: AssignmentRun, message: str, figures: dict) -> None:
    with transaction.atomic():
        # A run cancelled meanwhile keeps the cancellation as its message.
        if not AssignmentRun.objects.filter(pk=run.pk, status=JobStatus.RUNNING).update(
                status=JobStatus.FAILED, finished_at=timezone.now(), message=message, figures=figures):
            return
        record(actor=None, action="review.assign.failed", target=run.review_round,
               after={"run": run.pk, "mode": run.mode, "message": message})


def _solve(run: AssignmentRun, data: RoundInput, a: np.ndarray) -> engine.Assignment:
    fixed = sorted(set(data.pinned) | set(data.kept))
    banned = set(data.conflicts) | set(data.forbidden)
    clash = [pair for pair in fixed if pair in banned]
    if clash:
        p, e = clash[0]
        raise _Refused(_("项目 %(project)s 与专家 %(expert)s 存在利益冲突或被禁止分配，但该组合已指定或已开始评审，请先处理") % {
            "project": data.project_ids[p], "expert": data.expert_ids[e]})
    idle = set(data.inactive or ())
    pinned_idle = [pair for pair in data.pinned if pair[1] in idle and pair not in data.kept]
    if pinned_idle:
        p, e = pinned_idle[0]
        raise _Refused(_("专家 %(expert)s 已停用，不能再分配新项目，但仍被指定评审项目 %(project)s，请先删除该指定") % {
            "project": data.project_ids[p], "expert": data.expert_ids[e]})
    per_project = np.bincount([p for p, _e in fixed], minlength=len(data.project_ids))
    if len(data.project_ids) and per_project.max(initial=0) > data.k:
        p = int(per_project.argmax())
        raise _Refused(_("项目 %(project)s 已固定 %(n)s 位专家（指定、手工分配或已开始评审），超过每个项目的专家数 %(k)s") % {
            "project": data.project_ids[p], "n": int(per_project[p]), "k": data.k})
    per_expert = np.bincount([e for _p, e in fixed], minlength=len(data.expert_ids))
    over = np.flatnonzero(per_expert > data.loads) if len(data.expert_ids) else []
    if len(over):
        e = int(over[0])
        raise _Refused(_("专家 %(expert)s 已固定 %(n)s 个项目，超过其上限 %(load)s") % {
            "expert": data.expert_ids[e], "n": int(per_expert[e]), "load": int(data.loads[e])})
    try:
        return engine.assign(a, k=data.k, load=data.loads, mode=run.mode, conflicts=data.conflicts or None,
                             forbidden=data.forbidden or None, pinned=fixed or None, labels=data.labels,
                             project_ids=data.project_ids)
    except engine.Infeasible as exc:
        raise _Refused(shortfall_message(exc.shortfall, k=data.k), {
            "infeasible": {"needed": exc.shortfall.needed, "available": exc.shortfall.available,
                           "by_label": [list(x) for x in exc.shortfall.by_label],
                           "projects": list(exc.shortfall.projects)[:200],
                           "project_count": len(exc.shortfall.projects)}}) from exc


def shortfall_message(shortfall: engine.Shortfall, *, k: int) -> str:
    """The engine's explanation in the round's terms (directions name the projects)."""
    if shortfall.by_label:
        who = "、".join(_("%(direction)s的 %(n)s 个项目") % {"direction": name, "n": f"{n:,}"}
                       for name, n in shortfall.by_label)
    else:
        who = _("%(n)s 个项目") % {"n": f"{len(shortfall.projects):,}"}
    return _("无法完成分配：%(who)s需要 %(needed)s 份评审（每个项目 %(k)s 位专家），可评审它们的专家最多只能给出 "
             "%(available)s 份（每人不超过其上限，且每个项目只评一次）。请增加专家、提高上限或减少每个项目的专家数。") % {
        "who": who, "needed": f"{shortfall.needed:,}", "k": k, "available": f"{shortfall.available:,}"}


def _stats(values: np.ndarray) -> dict:
    if values.size == 0:
        return {"min": 0, "median": 0, "mean": 0, "max": 0}
    return {"min": round(float(values.min()), 4), "median": round(float(np.median(values)), 4),
            "mean": round(float(values.mean()), 4), "max": round(float(values.max()), 4)}


def _figures(data: RoundInput, a: np.ndarray, result: engine.Assignment, *, seconds: float) -> dict:
    banned = sorted(set(data.conflicts) | set(data.forbidden))
    top = ceiling(a, data.k, banned)
    return {
        "mode": result.mode,
        "projects": len(data.project_ids), "experts": len(data.expert_ids), "k": data.k,
        "total": round(result.total, 6), "bound": round(result.bound, 6),
        "lp_gap": round(result.gap * 100, 6),  # percent
        "worst": round(result.worst, 6),
        "worst_bound": round(result.worst_bound, 6) if result.worst_bound is not None else None,
        "worst_lp_bound": round(result.worst_lp_bound, 6) if result.worst_lp_bound is not None else None,
        "ceiling": round(top, 6),
        "worst_of_ceiling": round(result.worst / top * 100, 2) if top > 0 else None,
        "conflicts": len(data.conflicts), "forbidden": len(data.forbidden), "pinned": len(data.pinned),
        "fixed": len(data.kept),
        "project_affinity": _stats(result.project_affinity),
        "expert_load": _stats(result.expert_load.astype(np.float64)),
        "expert_affinity": _stats(result.expert_affinity),
        "idle_experts": int((result.expert_load == 0).sum()),
        "seconds": round(seconds, 3),
    }


def _store(run: AssignmentRun, data: RoundInput, a: np.ndarray, result: engine.Assignment) -> dict:
    """Replace the round's solver and pin assignments whose review has not started by the
    result; kept ones get their new affinity. Returns the counts."""
    review_round = run.review_round
    ReviewRound.objects.select_for_update().order_by().filter(pk=review_round.pk).first()  # edits wait for the store
    if not AssignmentRun.objects.select_for_update().filter(pk=run.pk, status=JobStatus.RUNNING).exists():
        raise _Refused(_("这次分配计算已被取消，结果未保存。"), {"cancelled": True})
    if round_signature(review_round) != data.signature:
        # Edited while solving (R-V5: a conflict declared meanwhile must not be assigned; a
        # closed round gets no new assignments, R-V3): the result no longer fits the round.
        raise _Refused(_("计算期间本轮已有变化（状态、每个项目的专家数、专家组或上限、指定或禁止、利益冲突、"
                         "手工分配或已开始的评审），本次结果未保存，原有分配不变。请重新分配。"), {"stale": True})
    replaced, _by_model = Assignment.objects.filter(
        review_round=review_round, source__in=[AssignmentSource.SOLVER, AssignmentSource.PINNED],
        review__isnull=True).delete()
    existing = set(Assignment.objects.filter(review_round=review_round).values_list("project_id", "expert_id"))
    pins = set(data.pinned)
    new, kept = [], []
    for p, e in result.pairs.tolist():
        project_id, expert_id = data.project_ids[p], data.expert_ids[e]
        value = float(a[p, e])
        if (project_id, expert_id) in existing:
            kept.append(((p, e), value))
            continue
        source = AssignmentSource.PINNED if (p, e) in pins else AssignmentSource.SOLVER
        new.append(Assignment(review_round=review_round, project_id=project_id, expert_id=expert_id,
                              source=source, affinity=value, run=run))
    Assignment.objects.bulk_create(new, batch_size=2000)
    updates = []
    for pair, value in kept:
        if pair in data.kept:
            updates.append(Assignment(pk=data.kept[pair], affinity=value))
    Assignment.objects.bulk_update(updates, ["affinity"], batch_size=2000)
    return {"created": len(new), "replaced": replaced, "kept": len(kept)}
