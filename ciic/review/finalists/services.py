"""A station's recommended finalists (R-V2) and the due diligence on them (R-P9).

- **Proposing** (`propose_finalists`): the station officer lists, in order, per group, at
  most `StationQuota.finalists` projects, chosen among those the station's last local round
  advanced (that round must be closed). No quota set yet: refused, the secretariat sets it
  first. A proposed list can be proposed again (it is replaced) until it is confirmed.
- **Confirming** (`confirm_finalists`): the secretariat confirms; the list is frozen as a
  snapshot (JSON: positions, project ids, names, teams, organizations, scores) whose SHA-256
  is recorded in the audit chain. A confirmed list and its snapshot never change: proposing
  or confirming again is refused, and `verify_snapshot` recomputes the hash.
- **Due diligence** (`record_due_diligence`, R-P9): per finalist, the spec's checklist
  (`due_diligence_checklist`), findings and pass/fail, decided once.
- **Replacement** (`replace_finalist`): a failed finalist's place goes to the next in line
  (`next_in_line`: the same round's ranking in the group, advancing projects first, then by
  score), only by a recorded decision. Since the confirmed list is frozen, a replacement is
  an *amendment*: a new `FinalistEntry` at the same position with `replaces` pointing at the
  failed entry, audited on its own; the snapshot stays as confirmed. The current list
  (`current_entries`) is the snapshot's entries with every replaced one swapped for its
  replacement.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ciic.audit.services import record
from ciic.contests.models import Group, Station, StationQuota
from ciic.core.validation import Errors
from ciic.projects.enums import ProjectStatus
from ciic.projects.models import Project

from ..enums import FinalistStatus, RoundStatus
from ..models import DueDiligence, FinalistEntry, FinalistList, ReviewRound, RoundResult
from ..rounds.services import is_contest_wide

REASON_LIMIT = 2000


# --- the candidates ----------------------------------------------------------------------------


def last_local_round(station: Station) -> ReviewRound | None:
    """The station's last review round of the local stage (the finals are contest-wide)."""
    rounds = (ReviewRound.objects.filter(station=station).select_related("round__stage")
              .order_by("-round__stage__order", "-round__order", "-pk"))
    return next((r for r in rounds if not is_contest_wide(r.round.stage)), None)


def _in_group(qs: QuerySet[RoundResult], group: Group) -> QuerySet[RoundResult]:
    return (qs.filter(project__team__organization__group=group, project__status=ProjectStatus.ACTIVE)
            .select_related("project__team__organization", "project__team__direction"))


def candidates(station: Station, group: Group) -> list[RoundResult]:
    """What the officer may propose: the projects the last local round advanced in the group,
    best score first (directions merged: the quota is per station and group)."""
    review_round = last_local_round(station)
    if review_round is None:
        return []
    return list(_in_group(review_round.results.filter(advanced=True), group).order_by("-score", "rank", "project_id"))


def quota_of(station: Station, group: Group) -> int | None:
    quota = StationQuota.objects.filter(station=station, group=group).first()
    return quota.finalists if quota else None


# --- proposing and confirming -----------------------------------------------------------------


def check_local_stage_over(station: Station, errors: Errors) -> None:
    """R-V1, R-V2: a station's finalists come from its last local round, so no list of it is
    proposed or confirmed while that round (one added after a list was proposed included) is
    not closed. The one check both steps make."""
    review_round = last_local_round(station)
    if review_round is None or review_round.status != RoundStatus.CLOSED:
        errors.add("__all__", _("本赛站地方赛的最后一轮评审尚未结束，名单暂不能推荐或确认"), "R-V2")


def propose_finalists(*, station: Station, group: Group, projects: Sequence[Project], actor) -> FinalistList:
    """The station officer's ordered proposal for one group (R-V2), within the quota, from the
    last local round's advancing projects. Replaces an earlier proposal; refused once the list
    is confirmed (frozen). Audited with the list before and after."""
    errors = Errors()
    ids = [p.pk for p in projects]
    quota = quota_of(station, group)
    review_round = last_local_round(station)
    if group.contest_id != station.contest_id:
        errors.add("group", _("组别不属于本届大赛"), "R-G1")
    if quota is None:
        errors.add("__all__", _("秘书处尚未设定本赛站该组别的晋级名额，暂不能推荐"), "R-V2")
    check_local_stage_over(station, errors)
    if not ids:
        errors.add("projects", _("请至少选择一个项目"), "R-V2")
    if len(set(ids)) != len(ids):
        errors.add("projects", _("同一项目不能重复推荐"), "R-V2")
    if quota is not None and len(set(ids)) > quota:
        errors.add("projects", _("推荐数 %(n)s 超过名额 %(quota)s") % {"n": len(set(ids)), "quota": quota}, "R-V2")
    allowed = {r.project_id for r in candidates(station, group)}
    if set(ids) - allowed:
        errors.add("projects", _("只能推荐本赛站最后一轮评审中晋级的该组别项目"), "R-V2")
    existing = FinalistList.objects.filter(station=station, group=group).first()
    if existing is not None and existing.status == FinalistStatus.CONFIRMED:
        errors.add("__all__", _("该名单已由秘书处确认，不能更改"), "R-V2")
    errors.raise_if_any()
    with transaction.atomic():
        finalist_list, created = FinalistList.objects.select_for_update().get_or_create(
            station=station, group=group, defaults={"contest": station.contest, "proposed_by": actor})
        if finalist_list.status == FinalistStatus.CONFIRMED:  # confirmed meanwhile
            errors.add("__all__", _("该名单已由秘书处确认，不能更改"), "R-V2")
            errors.raise_if_any()
        before = None if created else list(finalist_list.entries.order_by("position").values_list("project_id", flat=True))
        finalist_list.entries.all().delete()
        FinalistEntry.objects.bulk_create(FinalistEntry(finalist_list=finalist_list, project_id=pid, position=i)
                                          for i, pid in enumerate(ids, start=1))
        finalist_list.proposed_by, finalist_list.proposed_at = actor, timezone.now()
        finalist_list.save(update_fields=["proposed_by", "proposed_at"])
        record(actor=actor, action="review.finalists.propose", target=finalist_list,
               before={"projects": before} if before is not None else None,
               after={"station": station.code, "group": group.code, "quota": quota, "projects": ids,
                      "round": review_round.pk})
    return finalist_list


def canonical_json(value) -> bytes:
    """The bytes hashed: sorted keys, no spaces, UTF-8 (the same value always gives the same bytes)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def snapshot_sha256(snapshot) -> str:
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()


def _snapshot(finalist_list: FinalistList, actor, at) -> dict:
    review_round = last_local_round(finalist_list.station)
    results = {r.project_id: r for r in RoundResult.objects.filter(review_round=review_round)} if review_round else {}
    entries = []
    for entry in finalist_list.entries.select_related("project__team__organization", "project__team__direction") \
            .order_by("position"):
        project, result = entry.project, results.get(entry.project_id)
        entries.append({
            "position": entry.position, "project_id": project.pk, "project": project.name,
            "team_id": project.team_id, "team": project.team.name, "organization": project.team.organization.name,
            "direction": project.team.direction.code,
            "score": round(result.score, 4) if result and result.score is not None else None,
            "raw_score": round(result.raw_score, 4) if result and result.raw_score is not None else None,
            "rank": result.rank if result else None,
        })
    return {"contest": finalist_list.contest.slug, "station": finalist_list.station.code,
            "group": finalist_list.group.code, "round_id": review_round.pk if review_round else None,
            "confirmed_at": at.isoformat(), "confirmed_by": actor.pk, "entries": entries}


def confirm_finalists(*, finalist_list: FinalistList, actor) -> FinalistList:
    """The secretariat confirms a proposed list (R-V2): it is frozen as a snapshot whose SHA-256
    goes into the audit chain. Refused when already confirmed or empty, or while the station's
    last local round is not closed (the check proposing makes). Audited."""
    errors = Errors()
    with transaction.atomic():
        locked = FinalistList.objects.select_for_update().select_related("contest", "station", "group") \
            .get(pk=finalist_list.pk)
        if locked.status == FinalistStatus.CONFIRMED:
            errors.add("__all__", _("该名单已确认，不能再次确认"), "R-V2")
        elif not locked.entries.exists():
            errors.add("__all__", _("名单为空，不能确认"), "R-V2")
        check_local_stage_over(locked.station, errors)
        errors.raise_if_any()
        now = timezone.now()
        snapshot = _snapshot(locked, actor, now)
        digest = snapshot_sha256(snapshot)
        locked.status, locked.confirmed_by, locked.confirmed_at = FinalistStatus.CONFIRMED, actor, now
        locked.snapshot, locked.snapshot_sha256 = snapshot, digest
        locked.save(update_fields=["status", "confirmed_by", "confirmed_at", "snapshot", "snapshot_sha256"])
        record(actor=actor, action="review.finalists.confirm", target=locked, before={"status": FinalistStatus.PROPOSED},
               after={"status": FinalistStatus.CONFIRMED, "snapshot_sha256": digest,
                      "projects": [e["project_id"] for e in snapshot["entries"]]})
    return locked


def verify_snapshot(finalist_list: FinalistList) -> bool:
    """Whether the stored snapshot still hashes to the SHA-256 recorded at confirmation."""
    return bool(finalist_list.snapshot_sha256) and snapshot_sha256(finalist_list.snapshot) == \
        finalist_list.snapshot_sha256


def current_entries(finalist_list: FinalistList) -> list[FinalistEntry]:
    """The list as it stands: every entry not replaced by a later one, by position. For a
    confirmed list: the snapshot's entries with the amendments applied."""
    entries = list(finalist_list.entries.select_related("project__team__organization", "project__due_diligence",
                                                        "replaces__project").order_by("position", "pk"))
    replaced = {e.replaces_id for e in entries if e.replaces_id}
    return [e for e in entries if e.pk not in replaced]


def amendments(finalist_list: FinalistList) -> list[FinalistEntry]:
    return list(finalist_list.entries.filter(replaces__isnull=False)
                .select_related("project__team", "replaces__project").order_by("position", "pk"))


# --- due diligence (R-P9) -------------------------------------------------------------------------


def checklist_items(contest) -> list[tuple[str, str]]:
    """The checklist's (code, name) items, from the spec (`due_diligence_checklist`, R-P9); the
    Chinese name is the one a record keeps."""
    return [(i["code"], i["name"]) for i in contest.due_diligence_checklist]


def checklist_labels(contest) -> dict[str, str]:
    """code -> the item's name in the active language, for the pages."""
    english = (get_language() or "").startswith("en")
    return {i["code"]: (i.get("name_en") if english and i.get("name_en") else i["name"])
            for i in contest.due_diligence_checklist}


def _confirmed_entry(project: Project) -> FinalistEntry | None:
    current = []
    for finalist_list in FinalistList.objects.filter(entries__project=project, status=FinalistStatus.CONFIRMED):
        current += [e for e in current_entries(finalist_list) if e.project_id == project.pk]
    return current[0] if current else None


def due_diligence_of(project: Project) -> DueDiligence:
    """The project's due diligence, or an unsaved blank one with the checklist's items."""
    found = DueDiligence.objects.filter(project=project).first()
    if found is not None:
        return found
    return DueDiligence(project=project, checklist=[{"code": c, "name": n, "ok": None, "note": ""}
                                                   for c, n in checklist_items(project.contest)])


def record_due_diligence(*, project: Project, actor, checks: Mapping[str, Mapping], findings: str,
                         passed: bool | None) -> DueDiligence:
    """Record the checks on a finalist of a confirmed list (R-P9): per checklist item whether
    it holds (`ok`: True / False / None for not yet) and a note, the findings, and the verdict
    (`passed` None keeps it open). Passing needs every item checked and holding; failing needs
    findings. A verdict is final. Audited with the values before and after."""
    errors = Errors()
    findings = (findings or "").strip()
    if _confirmed_entry(project) is None:
        errors.add("__all__", _("只能对已确认名单中的项目进行尽职调查"), "R-P9")
    current = due_diligence_of(project)
    if current.passed is not None:
        errors.add("__all__", _("尽职调查已有结论，不能更改"), "R-P9")
    codes = [item["code"] for item in current.checklist]
    unknown = set(checks) - set(codes)
    if unknown:
        errors.add("checks", _("未知的核查项：%(items)s") % {"items": "、".join(sorted(unknown))}, "R-P9")
    checklist = []
    for item in current.checklist:
        given = checks.get(item["code"]) or {}
        if not isinstance(given, Mapping):
            errors.add("checks", _("核查项“%(item)s”的格式不正确：应为含 ok 与 note 的对象") % {"item": item["name"]},
                       "R-P9")
            given = {}
        if not any(given.get("ok") is v for v in (None, True, False)):  # 1 == True, but 1 is no verdict
            errors.add("checks", _("核查项“%(item)s”的结论只能是属实、有问题或未核查") % {"item": item["name"]}, "R-P9")
        ok = given.get("ok", item.get("ok"))
        note = str(given.get("note", item.get("note", "")) or "").strip()[:REASON_LIMIT]
        checklist.append({"code": item["code"], "name": item["name"], "ok": ok if ok in (True, False) else None,
                          "note": note})
    if passed is True and any(i["ok"] is not True for i in checklist):
        errors.add("passed", _("所有核查项均确认无误后才能判定通过"), "R-P9")
    if passed is False and not findings:
        errors.add("findings", _("判定不通过须写明核查发现"), "R-P9")
    if len(findings) > REASON_LIMIT * 5:
        errors.add("findings", _("核查发现过长"), "R-P9")
    errors.raise_if_any()
    with transaction.atomic():
        dd, _created = DueDiligence.objects.select_for_update().get_or_create(project=project)
        if dd.passed is not None:
            errors.add("__all__", _("尽职调查已有结论，不能更改"), "R-P9")
            errors.raise_if_any()
        before = {"checklist": dd.checklist, "findings": dd.findings, "passed": dd.passed}
        dd.checklist, dd.findings, dd.passed = checklist, findings, passed
        if passed is not None:
            dd.decided_by, dd.decided_at = actor, timezone.now()
        dd.save()
        record(actor=actor, action="review.due_diligence.record", target=dd, before=before,
               after={"project": project.pk, "checklist": checklist, "findings": findings, "passed": passed})
    return dd


# --- replacing a finalist who failed -------------------------------------------------------------


def next_in_line(finalist_list: FinalistList) -> RoundResult | None:
    """Whom a freed place is offered to: in the last local round's ranking of the group,
    advancing projects first, then by score, the first active project not on the list (now
    or before) and not failed in due diligence."""
    review_round = last_local_round(finalist_list.station)
    if review_round is None:
        return None
    taken = set(finalist_list.entries.values_list("project_id", flat=True))
    failed = set(DueDiligence.objects.filter(passed=False).values_list("project_id", flat=True))
    rows = _in_group(review_round.results.filter(score__isnull=False), finalist_list.group) \
        .order_by("-advanced", "-score", "rank", "project_id")
    return next((r for r in rows if r.project_id not in taken | failed), None)


def replace_finalist(*, entry: FinalistEntry, project: Project, reason: str, actor) -> FinalistEntry:
    """Give the place of a finalist who failed due diligence (R-P9) to the next in line, by a
    recorded decision: an amendment entry at the same position that `replaces` the failed one;
    the confirmed snapshot is left as it is. Refused unless the list is confirmed, the
    finalist failed and is still on the list, and `project` is the next in line. Audited."""
    errors = Errors()
    reason = (reason or "").strip()
    if not reason:
        errors.add("reason", _("请写明递补决定的理由"), "R-P9")
    elif len(reason) > REASON_LIMIT:
        errors.add("reason", _("理由不能超过 %(limit)s 字") % {"limit": REASON_LIMIT}, "R-P9")
    with transaction.atomic():
        # Checked under the list's lock: a double-submitted decision, or two staff deciding at
        # once, cannot both replace the same finalist (the list would exceed its quota, R-V2).
        finalist_list = FinalistList.objects.select_for_update().get(pk=entry.finalist_list_id)
        if finalist_list.status != FinalistStatus.CONFIRMED:
            errors.add("__all__", _("名单尚未确认：请修改推荐名单"), "R-P9")
        dd = DueDiligence.objects.filter(project_id=entry.project_id).first()
        if dd is None or dd.passed is not False:
            errors.add("__all__", _("只有尽职调查未通过的项目才能被递补"), "R-P9")
        if entry.pk not in {e.pk for e in current_entries(finalist_list)}:
            errors.add("__all__", _("该项目已被递补"), "R-P9")
        offered = next_in_line(finalist_list)
        if offered is None or offered.project_id != project.pk:
            errors.add("project", _("递补须按排名顺序：应递补的是下一位候补项目"), "R-P9")
        errors.raise_if_any()
        amendment = FinalistEntry.objects.create(finalist_list=finalist_list, project=project,
                                                 position=entry.position, replaces=entry)
        record(actor=actor, action="review.finalists.replace", target=finalist_list, after={
            "position": entry.position, "failed": entry.project_id, "replacement": project.pk,
            "score": offered.score, "reason": reason, "snapshot_sha256": finalist_list.snapshot_sha256})
    return amendment


def is_finalist(project: Project) -> bool:
    """On a confirmed finalist list as it stands (amendments applied) and not failed in due
    diligence (R-V2, R-P9): the only projects that submit in the finals."""
    for finalist_list in FinalistList.objects.filter(status=FinalistStatus.CONFIRMED, entries__project=project):
        for entry in current_entries(finalist_list):
            if entry.project_id == project.pk:
                diligence = getattr(entry.project, "due_diligence", None)
                return diligence is None or diligence.passed is not False
    return False


def finals_gate(project: Project, stage) -> tuple[str, str] | None:
    """The finals (the last stage, after an earlier one) take only confirmed finalists that did
    not fail due diligence (R-V2, R-P9). Registered with `ciic.projects.gates` on start."""
    earlier = stage.contest.stages.filter(order__lt=stage.order).exists()
    if earlier and is_contest_wide(stage) and not is_finalist(project):
        return _("总决赛阶段只接受经秘书处确认的晋级项目提交"), "R-V2"
    return None
