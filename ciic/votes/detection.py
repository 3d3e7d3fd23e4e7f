"""Vote brushing held for audit (R-A2; issue 12 §4): the detectors' runs and the secretariat's
decisions.

- **A run** (`run_detection`): every vote of the contest goes through the detectors of
  `ciic.engines.brushing` with the spec's thresholds (`popularity_vote.detection`), as integer
  codes of the stored keyed hashes. Each finding holds its votes (status `held`: not counted)
  with its reason and figures. The findings still open from an earlier run are replaced by
  this run's; a vote the secretariat already decided stays decided (it is in no new finding),
  and a vote held before and found by nothing now counts again. Audited ("votes.detection.run").
  The audit page and the API queue a run for the task worker (`detection_runs`), which runs
  it through `execute_run`; the demo and the bench run it in place (`run_detection`).
- **A decision** (`decide_findings`): the secretariat clears or voids findings in bulk, with a
  reason. Voiding voids every held vote of the findings; clearing counts again every held vote
  of the findings that no other open finding still holds. Audited ("votes.findings.clear" /
  "votes.findings.void"), with the findings, their reasons and the votes moved.

Runs and decisions take the contest row's lock, so they never interleave, and are refused
once the tally is published.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter

import numpy as np
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ciic.audit.services import record
from ciic.contests.models import Contest
from ciic.core.text import hidden_characters_error
from ciic.engines.brushing import Ballots, detect

from . import services
from .enums import Decision, FindingStatus, VoteStatus
from .models import DetectionRun, Finding, FindingVote, Tally, Vote
from .services import RULE, config_of

log = logging.getLogger(__name__)

REASON_LIMIT = 2000
CHUNK = 5000


def lock_votes(contest: Contest) -> None:
    Contest.objects.select_for_update().filter(pk=contest.pk).values_list("pk", flat=True).first()
    if Tally.objects.filter(contest=contest).exists():
        raise ValidationError({"__all__": ValidationError(_("投票结果已公布，不能再更改"), code=RULE)})


def _chunks(ids: list[int]):
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def _label(reason: str, detail: dict, hashes: dict[str, list[str]]) -> dict:
    """The figures a page shows: codes turned back into short hash labels (never plaintext)."""
    shown = dict(detail)
    if "prefix" in shown:
        shown["prefix"] = hashes["prefix"][shown["prefix"]][:10]
    if "region" in shown:
        shown["region"] = hashes["region"][shown["region"]][:10]
    return shown


def run_detection(*, contest: Contest, actor) -> DetectionRun:
    """Run every detector over every vote, in place, and hold what they find (module
    docstring). The audit page queues a run for the task worker instead
    (`detection_runs.start_detection`, then `execute_run`)."""
    with transaction.atomic():
        lock_votes(contest)
        run = DetectionRun.objects.create(contest=contest, run_by=actor, started_at=services.now(),
                                          status=DetectionRun.Status.RUNNING)
        _examine(run, contest, actor)
    cache.delete(f"votes:live:{contest.pk}")
    return run


def execute_run(run_id: int) -> DetectionRun | None:
    """The task worker's part: run a queued run. It shows as running while it works, then
    done, or failed with the error (nothing of a failed run is kept: it is one transaction).
    A run that is not queued (run already, or a retried task) is left as it is."""
    claimed = DetectionRun.objects.filter(pk=run_id, status=DetectionRun.Status.QUEUED).update(
        status=DetectionRun.Status.RUNNING, started_at=services.now())
    run = DetectionRun.objects.select_related("contest", "run_by").filter(pk=run_id).first()
    if not claimed or run is None:
        return run
    try:
        with transaction.atomic():
            lock_votes(run.contest)
            _examine(run, run.contest, run.run_by)
    except Exception as exc:  # the page says it failed and why; the secretariat may start another
        log.exception("vote detection run %s failed", run_id)
        message = "; ".join(e.message for e in exc.error_list) if isinstance(exc, ValidationError) else (
            f"{type(exc).__name__}: {exc}")
        DetectionRun.objects.filter(pk=run_id).update(status=DetectionRun.Status.FAILED, error=message[:2000],
                                                     finished_at=services.now())
        run.refresh_from_db()
        return run
    cache.delete(f"votes:live:{run.contest_id}")
    return run


def _examine(run: DetectionRun, contest: Contest, actor) -> None:
    config = config_of(contest)
    run.rules = dataclasses.asdict(config.rules)
    rows = list(Vote.objects.filter(contest=contest).order_by("id").values_list(
        "id", "project_id", "voter_id", "cast_at", "prefix_hash", "voter__region_hash", "voter__block", "status"))
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    status = [r[7] for r in rows]
    hashes: dict[str, list[str]] = {}
    findings = []
    if rows:
        prefixes, prefix_codes = np.unique(np.array([r[4] for r in rows]), return_inverse=True)
        regions, region_codes = np.unique(np.array([r[5] for r in rows]), return_inverse=True)
        hashes = {"prefix": [str(p) for p in prefixes], "region": [str(r) for r in regions]}
        ballots = Ballots.from_arrays(
            project=[r[1] for r in rows], voter=[r[2] for r in rows],
            time=[r[3].timestamp() for r in rows], prefix=prefix_codes, region=region_codes,
            block=[r[6] for r in rows])
        findings = detect(ballots, config.rules)

    stale = list(Finding.objects.filter(contest=contest, status=FindingStatus.OPEN).values_list("pk", flat=True))
    FindingVote.objects.filter(finding_id__in=stale).delete()
    Finding.objects.filter(pk__in=stale).delete()

    undecided = {VoteStatus.COUNTED, VoteStatus.HELD}
    holding: set[int] = set()
    summary: Counter = Counter()
    links = []
    for found in findings:
        vote_ids = [int(ids[i]) for i in found.ballots if status[i] in undecided]
        if not vote_ids:
            continue
        finding = Finding.objects.create(
            contest=contest, run=run, reason=found.reason, key=found.key[:200], project_id=found.project,
            detail=_label(found.reason, found.detail, hashes), votes_count=len(vote_ids))
        links += [FindingVote(finding=finding, vote_id=v) for v in vote_ids]
        holding.update(vote_ids)
        summary[f"{found.reason}_findings"] += 1
        summary[f"{found.reason}_votes"] += len(vote_ids)
    FindingVote.objects.bulk_create(links, batch_size=CHUNK)
    newly = sorted(v for v, s in zip(ids.tolist(), status, strict=True) if s == VoteStatus.COUNTED and v in holding)
    released = sorted(v for v, s in zip(ids.tolist(), status, strict=True) if s == VoteStatus.HELD and v not in holding)
    for chunk in _chunks(newly):
        Vote.objects.filter(pk__in=chunk, status=VoteStatus.COUNTED).update(status=VoteStatus.HELD)
    for chunk in _chunks(released):
        Vote.objects.filter(pk__in=chunk, status=VoteStatus.HELD).update(status=VoteStatus.COUNTED)
    run.finished_at = services.now()
    run.votes_examined = len(rows)
    run.last_vote_id = int(ids.max()) if len(ids) else 0
    run.summary = {**summary, "held": len(holding), "newly_held": len(newly), "released": len(released)}
    run.status = DetectionRun.Status.DONE
    run.save(update_fields=["finished_at", "votes_examined", "last_vote_id", "summary", "rules", "status"])
    record(actor=actor, action="votes.detection.run", target=run, after={
        "votes_examined": run.votes_examined, "last_vote_id": run.last_vote_id, "summary": run.summary,
        "replaced_findings": stale, "rules": run.rules})


def decide_findings(*, contest: Contest, finding_ids: list[int], decision: str, reason: str, actor) -> dict:
    """Clear or void the open findings `finding_ids` with a reason (module docstring). Refused,
    naming the field: no finding, a finding of another contest or already decided
    (`findings`), an unknown decision (`decision`), no reason or one too long (`reason`); the
    tally published (R-A2). Returns {"findings", "cleared", "voided", "still_held"}."""
    reason = (reason or "").strip()
    errors: dict[str, list[ValidationError]] = {}
    if decision not in Decision.values:
        errors.setdefault("decision", []).append(ValidationError(_("请选择放行或作废"), code="invalid"))
    if not reason:
        errors.setdefault("reason", []).append(ValidationError(_("请填写处理理由"), code=RULE))
    elif len(reason) > REASON_LIMIT:
        errors.setdefault("reason", []).append(ValidationError(
            _("处理理由不能超过 %(n)s 个字符") % {"n": REASON_LIMIT}, code=RULE))
    elif hidden := hidden_characters_error(reason, label=_("处理理由"), multiline=True):
        errors.setdefault("reason", []).append(ValidationError(hidden, code=RULE))
    wanted = sorted({int(i) for i in finding_ids})
    if not wanted:
        errors.setdefault("findings", []).append(ValidationError(_("请至少选择一项"), code="invalid"))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        lock_votes(contest)
        findings = list(Finding.objects.select_for_update().filter(pk__in=wanted, contest=contest).order_by("pk"))
        if len(findings) != len(wanted) or any(f.status != FindingStatus.OPEN for f in findings):
            raise ValidationError({"findings": ValidationError(_("所选项目不存在或已处理，请刷新后重试"), code="invalid")})
        at = services.now()
        vote_ids = sorted(set(FindingVote.objects.filter(finding__in=findings).values_list("vote_id", flat=True)))
        cleared = voided = still_held = 0
        if decision == Decision.VOID:
            for chunk in _chunks(vote_ids):
                voided += Vote.objects.filter(pk__in=chunk, status=VoteStatus.HELD).update(status=VoteStatus.VOIDED)
        else:
            elsewhere = set(FindingVote.objects.filter(vote_id__in=vote_ids, finding__status=FindingStatus.OPEN)
                            .exclude(finding__in=findings).values_list("vote_id", flat=True))
            free = [v for v in vote_ids if v not in elsewhere]
            for chunk in _chunks(free):
                cleared += Vote.objects.filter(pk__in=chunk, status=VoteStatus.HELD).update(status=VoteStatus.CLEARED)
            still_held = len(elsewhere)
        status = FindingStatus.VOIDED if decision == Decision.VOID else FindingStatus.CLEARED
        Finding.objects.filter(pk__in=wanted).update(status=status, decided_by=actor, decided_at=at,
                                                     decision_reason=reason)
        result = {"findings": wanted, "cleared": cleared, "voided": voided, "still_held": still_held}
        record(actor=actor, action=f"votes.findings.{decision}", object_type="votes.finding",
               object_id=",".join(str(i) for i in wanted)[:200],
               before={"status": FindingStatus.OPEN},
               after={**result, "reason": reason, "reasons": sorted({f.reason for f in findings}),
                      "votes": len(vote_ids)})
    cache.delete(f"votes:live:{contest.pk}")
    return result
