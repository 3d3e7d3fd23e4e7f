"""The originality check's background job (R-J2, R-J3), run by `tasks.run_originality_check`:
read every counting version and past winner, index them with `ciic.engines.originality`
writing progress as it goes, store the pairs it reports, and tell whoever should know.
Queueing a run and judging its pairs is `originality_runs.py`, which this module does not
import (that one enqueues the task that calls this one).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ciic.accounts.enums import Role
from ciic.accounts.models import User
from ciic.contests.models import Contest, PastWinner, Stage
from ciic.engines.originality import APPLICATION, PAST_WINNER, Document, OriginalityIndex
from ciic.notifications.services import notify

from .enums import ProjectStatus
from .models import OriginalityPair, OriginalityRun, Submission
from .selectors import submission_window

log = logging.getLogger(__name__)


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
