"""The originality check as a background job (R-J2 own original work, R-J3 no earlier prize
winners): queue a run, execute it with progress, keep the pairs it reports, and record the
secretariat's verdict on each. The text comparison itself is `originality.py` (no Django).

What is compared: for every active project, one version, the one that counts (R-J4: the last
submitted before the deadline) in the latest stage the project submitted in, so a finalist is
checked on its finals version and everyone else on their local-stage version; and every
earlier prize winner of the contest whose text is on record (R-J3). A project is one document,
so its own versions are never paired with each other.

When it runs: the secretariat starts it (`start_run`, trigger "manual"), and every new version
asks for another (`request_rerun`, trigger "new_version", queued after the submission commits):
while a run is still queued, no other is added, because the queued one reads the versions as
they are when it starts. A run already under way does not absorb a version submitted after it
read the versions, so that version queues a new run.

The check only reports; verdicts (`judge_pair`) and disqualifications are the secretariat's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ciic.accounts.enums import Role
from ciic.accounts.models import User
from ciic.audit.services import record
from ciic.contests.models import Contest, PastWinner, Stage
from ciic.core.validation import Errors
from ciic.engines.originality import APPLICATION, PAST_WINNER, Document, OriginalityIndex
from ciic.notifications.services import notify

from .enums import ProjectStatus
from .models import OriginalityPair, OriginalityRun, Project, Submission
from .selectors import submission_window

log = logging.getLogger(__name__)

MANUAL = "manual"
NEW_VERSION = "new_version"
NOTE_LIMIT = 2000


# --- queueing --------------------------------------------------------------------------------


def start_run(*, contest: Contest, actor, trigger: str = MANUAL) -> OriginalityRun:
    """Queue an originality check of the contest's counting versions (R-J2, R-J3) at the
    contest's threshold (spec `originality.threshold`); the task is enqueued after commit.
    Refused while another run is queued: that one will read the latest versions. Audited."""
    errors = Errors()
    with transaction.atomic():
        Contest.objects.select_for_update().filter(pk=contest.pk).first()  # one start at a time
        if OriginalityRun.objects.filter(contest=contest, status=OriginalityRun.Status.QUEUED).exists():
            errors.add("__all__", _("已有一次原创性检查在排队，它开始时会读取最新提交的版本"), "state")
        errors.raise_if_any()
        run = OriginalityRun.objects.create(contest=contest, threshold=contest.originality_threshold, trigger=trigger,
                                 requested_by=actor)
        record(actor=actor, action="originality.start", target=run,
               after={"trigger": trigger, "threshold": run.threshold})
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def request_rerun(*, contest: Contest) -> OriginalityRun | None:
    """A new version was submitted: queue a check (trigger "new_version") unless one is
    already queued for the contest (debounce). Returns the new run, or None."""
    try:
        return start_run(contest=contest, actor=None, trigger=NEW_VERSION)
    except ValidationError:
        return None


def _enqueue(run_id: int) -> None:
    from .tasks import run_originality_check

    try:
        run_originality_check.enqueue(run_id)
    except Exception as exc:  # a queue that cannot take the task must not leave the run queued forever
        log.exception("originality run %s could not be enqueued", run_id)
        OriginalityRun.objects.filter(pk=run_id, status=OriginalityRun.Status.QUEUED).update(
            status=OriginalityRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}", finished_at=timezone.now())


# --- executing -------------------------------------------------------------------------------


def counting_versions(contest: Contest) -> list[Submission]:
    """For each active project, the version that counts (R-J4) in the latest stage it
    submitted in, oldest submission first. The same choice as `counting_submission`, for all
    projects in two queries (plus one per stage for its deadline)."""
    stages = list(Stage.objects.filter(contest=contest).order_by("order", "pk"))
    rank = {stage.pk: i for i, stage in enumerate(stages)}
    closes = {stage.pk: submission_window(stage)[1] for stage in stages}
    best: dict[int, tuple[tuple[int, int], int]] = {}
    rows = Submission.objects.filter(project__contest=contest, project__status=ProjectStatus.ACTIVE).values_list(
        "pk", "project_id", "stage_id", "number", "submitted_at")
    for pk, project_id, stage_id, number, submitted_at in rows:
        close = closes.get(stage_id)
        if close is not None and submitted_at > close:
            continue
        key = (rank.get(stage_id, -1), number)
        if project_id not in best or key > best[project_id][0]:
            best[project_id] = (key, pk)
    ids = [pk for _key, pk in best.values()]
    return list(Submission.objects.filter(pk__in=ids).order_by("submitted_at", "pk"))


def submission_text(submission: Submission, section_order: list[str]) -> str:
    """What is compared: the project name and the application form, in the form's order."""
    sections = submission.sections or {}
    codes = [c for c in section_order if c in sections] + sorted(c for c in sections if c not in section_order)
    return "\n\n".join([submission.name, *(str(sections[c]) for c in codes)])


@dataclass
class _Sources:
    submissions: dict[str, Submission]
    winners: dict[str, PastWinner]


def _documents(contest: Contest) -> tuple[list[Document], _Sources]:
    order = list(contest.form_sections.values_list("code", flat=True))
    winners = {f"w{w.pk}": w for w in PastWinner.objects.filter(contest=contest).exclude(text="")}
    submissions = {f"s{s.pk}": s for s in counting_versions(contest)}
    # A past winner is compared as an application is: its name, then its text.
    documents = [Document(key, f"{w.project_name}\n\n{w.text}", PAST_WINNER) for key, w in winners.items()]
    documents += [Document(key, submission_text(s, order), APPLICATION) for key, s in submissions.items()]
    return documents, _Sources(submissions, winners)


def progress_step(total: int) -> int:
    """Progress is written about every 1% of the documents (one UPDATE each)."""
    return max(1, total // 100)


def execute_run(run_id: int) -> OriginalityRun:
    """Run a queued check: index every document, writing `done`/`total` as it goes, then store
    the pairs with their shared passages (R-J2, R-J3), carrying over the verdict of a pair of
    the very same versions judged in an earlier run. Marks the run done, or failed with the
    error. Tells whoever asked for it, or for an automatic run that found a pair the previous
    run did not, the secretariat. A run that is not queued any more is left alone (a task
    delivered twice)."""
    with transaction.atomic():
        run = OriginalityRun.objects.select_for_update().get(pk=run_id)
        if run.status != OriginalityRun.Status.QUEUED:
            return run
        run.status, run.started_at = OriginalityRun.Status.RUNNING, timezone.now()
        run.save(update_fields=["status", "started_at"])
    try:
        documents, sources = _documents(run.contest)
        total = len(documents)
        OriginalityRun.objects.filter(pk=run.pk).update(total=total, done=0)
        index = OriginalityIndex(threshold=run.threshold)
        found = []
        step = progress_step(total)
        for done, document in enumerate(documents, start=1):
            found.extend(index.add(document))
            if done % step == 0 or done == total:
                OriginalityRun.objects.filter(pk=run.pk).update(done=done)
        with transaction.atomic():
            pairs = _store_pairs(run, found, sources)
            OriginalityRun.objects.filter(pk=run.pk).update(status=OriginalityRun.Status.DONE, finished_at=timezone.now(),
                                                 pairs_found=len(pairs))
            _tell(run, pairs, documents=total)
    except BaseException as exc:
        log.exception("originality run %s failed", run.pk)
        OriginalityRun.objects.filter(pk=run.pk).update(status=OriginalityRun.Status.FAILED, finished_at=timezone.now(),
                                             error=f"{type(exc).__name__}: {exc}"[:2000])
        if not isinstance(exc, Exception):  # a worker being stopped: stop
            raise
    run.refresh_from_db()
    return run


def pair_key(left_id: int, right_id: int | None, past_winner_id: int | None) -> tuple:
    """The same two documents, whichever side each is on."""
    if right_id is None:
        return (left_id, None, past_winner_id)
    return (min(left_id, right_id), max(left_id, right_id), None)


def _store_pairs(run: OriginalityRun, found, sources: _Sources) -> list[OriginalityPair]:
    judged = {}
    earlier = OriginalityPair.objects.filter(run__contest_id=run.contest_id).exclude(verdict=OriginalityPair.Verdict.PENDING)
    for old in earlier.order_by("judged_at", "pk"):
        judged[pair_key(old.left_id, old.right_id, old.past_winner_id)] = old  # the latest wins
    pairs = []
    for item in found:
        left = sources.submissions[item.a]
        right = sources.submissions.get(item.b)
        winner = sources.winners.get(item.b)
        if right is not None and right.project_id == left.project_id:
            continue  # versions of one project are never a pair
        pair = OriginalityPair(run=run, left=left, right=right, past_winner=winner, similarity=round(item.jaccard, 4),
                    shared_passages=item.shared_passages)
        old = judged.get(pair_key(left.pk, right.pk if right else None, winner.pk if winner else None))
        if old is not None:
            pair.verdict, pair.verdict_note = old.verdict, old.verdict_note
            pair.judged_by_id, pair.judged_at = old.judged_by_id, old.judged_at
        pairs.append(pair)
    return OriginalityPair.objects.bulk_create(pairs)


def _tell(run: OriginalityRun, pairs: list[OriginalityPair], *, documents: int) -> None:
    params = {"documents": documents, "pairs": len(pairs)}
    url = reverse("projects:originality")
    if run.requested_by is not None:
        notify([run.requested_by], "originality_done", params, url=url)
        return
    previous = (OriginalityRun.objects.filter(contest_id=run.contest_id, status=OriginalityRun.Status.DONE).exclude(pk=run.pk)
                .order_by("-finished_at", "-pk").first())
    known = set()
    if previous is not None:
        known = {pair_key(p.left_id, p.right_id, p.past_winner_id) for p in previous.pairs.all()}
    if any(p.verdict == OriginalityPair.Verdict.PENDING and pair_key(p.left_id, p.right_id, p.past_winner_id) not in known
           for p in pairs):
        notify(User.objects.filter(role=Role.SECRETARIAT, is_active=True), "originality_done", params, url=url)


# --- reading ---------------------------------------------------------------------------------


def run_pairs(run: OriginalityRun) -> QuerySet[OriginalityPair]:
    """A run's pairs, most similar first, with both sides' project, team and station (the
    versions' texts left out: the shared passages are on the pair). Secretariat only."""
    return (OriginalityPair.objects.filter(run=run)
            .select_related("left__project__team__station", "left__stage", "right__project__team__station",
                            "right__stage", "past_winner", "judged_by")
            .defer("left__sections", "right__sections")
            .order_by("-similarity", "pk"))


# --- the secretariat's verdicts --------------------------------------------------------------


def pair_rule(pair: OriginalityPair) -> str:
    return "R-J3" if pair.past_winner_id else "R-J2"


def judge_pair(*, pair: OriginalityPair, actor, verdict: str, note: str = "") -> OriginalityPair:
    """Record the secretariat's verdict on a reported pair: "cleared" (no problem) or "acted"
    (dealt with, e.g. a disqualification: the note says how). A verdict may be revised.
    Audited with the verdict before and after (R-J2, R-J3)."""
    errors = Errors()
    rule = pair_rule(pair)
    note = (note or "").strip()
    if verdict not in (OriginalityPair.Verdict.CLEARED, OriginalityPair.Verdict.ACTED):
        errors.add("verdict", _("请选择核查结论"), rule)
    elif verdict == OriginalityPair.Verdict.ACTED and not note:
        errors.add("note", _("请写明处理情况"), rule)
    if len(note) > NOTE_LIMIT:
        errors.add("note", _("核查说明不能超过 %(limit)s 字") % {"limit": NOTE_LIMIT}, rule)
    errors.raise_if_any()
    with transaction.atomic():
        locked = OriginalityPair.objects.select_for_update().get(pk=pair.pk)
        before = {"verdict": locked.verdict, "note": locked.verdict_note}
        locked.verdict, locked.verdict_note = verdict, note
        locked.judged_by, locked.judged_at = actor, timezone.now()
        locked.save(update_fields=["verdict", "verdict_note", "judged_by", "judged_at"])
        record(actor=actor, action="originality.judge", target=locked, before=before, after={
            "verdict": verdict, "note": note, "run": locked.run_id, "left": locked.left_id,
            "right": locked.right_id, "past_winner": locked.past_winner_id, "similarity": locked.similarity})
    pair.verdict, pair.verdict_note, pair.judged_by, pair.judged_at = (
        locked.verdict, locked.verdict_note, locked.judged_by, locked.judged_at)
    return pair


def disqualify_from_pair(*, pair: OriginalityPair, project: Project, actor, rule: str,
                         reason: str) -> Project:
    """Disqualify one of the pair's projects on a named rule (`services.disqualify_project`:
    R-P6, R-J2, R-J3; the team is notified) and mark the pair "acted" with the reason, in one
    transaction."""
    from .services import disqualify_project

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
