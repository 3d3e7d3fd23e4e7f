"""The originality check's runs (R-J2 own original work, R-J3 no earlier prize winners):
queue a run, read the pairs it reports, and record the secretariat's verdict on each. The
background job that executes a run is `originality_job.py` (through `tasks.py`); the text
comparison itself is `ciic.engines.originality` (no Django). Disqualifying a project from a
pair is `services.disqualify_from_pair`.

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

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ciic.audit.services import record
from ciic.contests.models import Contest
from ciic.core.validation import Errors

from .models import OriginalityPair, OriginalityRun
from .tasks import run_originality_check

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
    try:
        run_originality_check.enqueue(run_id)
    except Exception as exc:  # a queue that cannot take the task must not leave the run queued forever
        log.exception("originality run %s could not be enqueued", run_id)
        OriginalityRun.objects.filter(pk=run_id, status=OriginalityRun.Status.QUEUED).update(
            status=OriginalityRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}", finished_at=timezone.now())


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
