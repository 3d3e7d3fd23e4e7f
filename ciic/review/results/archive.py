"""The archive of a closed review round (R-V3, 留档备查).

`build_archive` writes one zip with, each as JSON and as Excel:
`round` (settings), `assignments`, `conflicts` (detected and declared, with reasons),
`reviews` (scores per criterion, totals, recommendations, comments, whether they counted),
`calibration` (each expert's totals and least-squares bias), `ranking` (per direction ×
group, with stability and the advancement marks), `advancement_rules` and `tie_decisions`;
plus `manifest.json` listing every other file with its SHA-256 and size. The zip is stored
(Django storage) as a write-once `RoundArchive`, and its own SHA-256 is recorded in the audit
chain. `verify_archive` recomputes every hash from the stored file.

One archive per round, once it is closed, its results computed and every tie at a cut
decided; afterwards its advancement rules and decisions are final (`services.py`).

Personal data: entrants appear by project, team and organization name only; no
representative's ID number, mobile or e-mail goes in (experts appear by name and employer,
as reviewers of record; staff who decided a tie by account number and name, never by their
e-mail or mobile, which `str(user)` falls back to).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from ciic.audit.services import record
from ciic.core.validation import Errors
from ciic.entrants.exports import write_sheet

from ..conflicts import conflicts_for
from ..enums import RoundStatus
from ..models import AdvancementRule, Assignment, Review, ReviewRound, RoundArchive, TieDecision
from .services import (
    compute_results,
    counting_reviews,
    expert_figures,
    group_cuts,
    pending_ties,
    results_frozen,
)

MANIFEST = "manifest.json"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed entry times: the bytes depend on the content only


@dataclass
class Part:
    """One table of the archive: `columns` are (key, header, width); rows are dicts by key."""

    name: str
    title: str
    columns: list[tuple[str, str, int]]
    rows: list[dict]


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _round_part(review_round: ReviewRound) -> Part:
    r = review_round
    row = {"id": r.pk, "stage": r.round.stage.code, "round": r.round.code, "round_name": r.round.name,
           "station": r.station.code if r.station else "", "status": r.status, "aggregation": r.aggregation,
           "aggregation_locked_at": _iso(r.aggregation_locked_at), "disagreement_spread": r.disagreement_spread,
           "experts_per_project": r.experts_per_project, "max_load": r.max_load, "opens_at": _iso(r.opens_at),
           "closes_at": _iso(r.closes_at), "previous_id": r.previous_id,
           "form": json.dumps(r.form, ensure_ascii=False, sort_keys=True)}
    return Part("round", _("评审轮"), [(k, k, 20) for k in row], [row])


def _assignments(review_round: ReviewRound) -> Part:
    rows = [{"expert_id": a.expert_id, "expert": a.expert.name, "employer": a.expert.employer,
             "project_id": a.project_id, "project": a.project.name, "team": a.project.team.name,
             "source": a.source, "affinity": round(a.affinity, 6), "created_at": _iso(a.created_at)}
            for a in Assignment.objects.filter(review_round=review_round)
            .select_related("expert", "project__team").order_by("project_id", "expert_id")]
    return Part("assignments", _("评审分配"), [
        ("expert_id", _("专家编号"), 10), ("expert", _("专家"), 14), ("employer", _("工作单位"), 30),
        ("project_id", _("项目编号"), 10), ("project", _("项目"), 36), ("team", _("团队"), 20),
        ("source", _("来源"), 10), ("affinity", _("匹配度"), 10), ("created_at", _("分配时间"), 24)], rows)


def _conflicts(review_round: ReviewRound) -> Part:
    expert_ids = set(review_round.panel.values_list("expert_id", flat=True)) | set(
        review_round.assignments.values_list("expert_id", flat=True))
    project_ids = set(review_round.entries.values_list("project_id", flat=True)) | set(
        review_round.assignments.values_list("project_id", flat=True))
    found = conflicts_for(expert_ids=expert_ids, project_ids=project_ids)
    assigned = set(review_round.assignments.values_list("expert_id", "project_id"))
    rows = [{"expert_id": e, "project_id": p, "source": c.source, "reason": c.reason, "assigned": (e, p) in assigned}
            for (e, p), conflicts in sorted(found.items()) for c in conflicts]
    return Part("conflicts", _("利益冲突"), [
        ("expert_id", _("专家编号"), 10), ("project_id", _("项目编号"), 10), ("source", _("来源"), 12),
        ("reason", _("理由"), 60), ("assigned", _("曾被分配"), 10)], rows)


def _reviews(review_round: ReviewRound) -> Part:
    """Every review of the round, kept as a record (R-V3); `counted` says whether it entered the
    result: reviews by an expert conflicted with the project never do (R-P8), and `conflicted`
    says which those are."""
    counted = {r.pk for r in counting_reviews(review_round).reviews}
    codes = [c["code"] for c in review_round.form]
    reviews = list(Review.objects.filter(assignment__review_round=review_round)
                   .select_related("assignment__expert", "assignment__project")
                   .order_by("assignment__project_id", "assignment__expert_id"))
    conflicted = conflicts_for(expert_ids={r.assignment.expert_id for r in reviews},
                               project_ids={r.assignment.project_id for r in reviews})
    rows = []
    for r in reviews:
        row = {"expert_id": r.assignment.expert_id, "expert": r.assignment.expert.name,
               "project_id": r.assignment.project_id, "project": r.assignment.project.name}
        row.update({f"score_{c}": r.scores.get(c) for c in codes})
        row.update({"total": r.total, "recommendation": r.recommendation, "comment": r.comment,
                    "submitted_at": _iso(r.submitted_at), "counted": r.pk in counted,
                    "conflicted": (r.assignment.expert_id, r.assignment.project_id) in conflicted})
        rows.append(row)
    columns = [("expert_id", _("专家编号"), 10), ("expert", _("专家"), 14), ("project_id", _("项目编号"), 10),
               ("project", _("项目"), 36)]
    columns += [(f"score_{c['code']}", c.get("name", c["code"]), 10) for c in review_round.form]
    columns += [("total", _("加权总分"), 10), ("recommendation", _("推荐意见"), 12), ("comment", _("评语"), 50),
                ("submitted_at", _("提交时间"), 24), ("counted", _("计入结果"), 10),
                ("conflicted", _("利益冲突"), 10)]
    return Part("reviews", _("评分与评语"), columns, rows)


def _calibration(review_round: ReviewRound) -> Part:
    rows = [{"expert_id": f.expert_id, "expert": f.name, "reviews": f.n, "mean": round(f.mean, 6),
             "std": round(f.std, 6), "bias": round(f.bias, 6) if f.bias is not None else None}
            for f in expert_figures(review_round)]
    return Part("calibration", _("专家宽严校准"), [
        ("expert_id", _("专家编号"), 10), ("expert", _("专家"), 14), ("reviews", _("评分数"), 10),
        ("mean", _("平均总分"), 12), ("std", _("标准差"), 12), ("bias", _("宽严偏差（最小二乘）"), 20)], rows)


def _ranking(review_round: ReviewRound) -> Part:
    rows = []
    for cut in group_cuts(review_round):
        for r in cut.results + cut.unranked:
            rows.append({"direction": cut.direction.code, "group": cut.group.code if cut.group else "",
                         "rank": r.rank, "project_id": r.project_id, "project": r.project.name,
                         "team": r.project.team.name, "organization": r.project.team.organization.name,
                         "raw_score": r.raw_score, "score": r.score, "reviews": r.reviews, "spread": r.spread,
                         "disagreement": r.disagreement, "stability": r.stability,
                         "tied_at_cut": r.project_id in cut.tied, "advanced": r.advanced})
    return Part("ranking", _("排名与晋级"), [
        ("direction", _("方向"), 14), ("group", _("组别"), 10), ("rank", _("名次"), 8), ("project_id", _("项目编号"), 10),
        ("project", _("项目"), 36), ("team", _("团队"), 20), ("organization", _("参赛单位"), 30),
        ("raw_score", _("加权平均分"), 12), ("score", _("计分"), 12), ("reviews", _("评分数"), 8),
        ("spread", _("极差"), 10), ("disagreement", _("分歧较大"), 10), ("stability", _("晋级稳定性"), 12),
        ("tied_at_cut", _("晋级线并列"), 10), ("advanced", _("晋级"), 8)], rows)


def _rules(review_round: ReviewRound) -> Part:
    seats = {(c.direction.pk, c.group.pk if c.group else None): c.seats for c in group_cuts(review_round)}
    rows = [{"direction": r.direction.code, "group": r.group.code, "count": r.count, "proportion": r.proportion,
             "seats": seats.get((r.direction_id, r.group_id))}
            for r in AdvancementRule.objects.filter(review_round=review_round).select_related("direction", "group")
            .order_by("direction__number", "group__order")]
    return Part("advancement_rules", _("晋级规则"), [
        ("direction", _("方向"), 14), ("group", _("组别"), 10), ("count", _("晋级数"), 10),
        ("proportion", _("晋级比例"), 10), ("seats", _("晋级名额"), 10)], rows)


def _ties(review_round: ReviewRound) -> Part:
    rows = [{"id": d.pk, "direction": d.direction.code, "group": d.group.code,
             "tied": ",".join(str(p) for p in d.tied),
             "advancing": ",".join(str(p.pk) for p in sorted(d.advancing.all(), key=lambda p: p.pk)),
             "reason": d.reason, "decided_by_id": d.decided_by_id, "decided_by": d.decided_by.full_name,
             "decided_at": _iso(d.decided_at)}
            for d in TieDecision.objects.filter(review_round=review_round)
            .select_related("direction", "group", "decided_by").prefetch_related("advancing").order_by("pk")]
    return Part("tie_decisions", _("并列决定"), [
        ("id", _("编号"), 8), ("direction", _("方向"), 14), ("group", _("组别"), 10), ("tied", _("并列项目"), 20),
        ("advancing", _("晋级项目"), 20), ("reason", _("理由"), 50), ("decided_by_id", _("决定人编号"), 10),
        ("decided_by", _("决定人"), 14),
        ("decided_at", _("决定时间"), 24)], rows)


def archive_parts(review_round: ReviewRound) -> list[Part]:
    return [_round_part(review_round), _assignments(review_round), _conflicts(review_round), _reviews(review_round),
            _calibration(review_round), _ranking(review_round), _rules(review_round), _ties(review_round)]


def _json_bytes(part: Part) -> bytes:
    return json.dumps({"columns": [c[0] for c in part.columns], "rows": part.rows}, ensure_ascii=False,
                      indent=1, sort_keys=True).encode()


def _xlsx_bytes(part: Part) -> bytes:
    wb = Workbook()
    write_sheet(wb.active, part.title[:31], [(header, width) for _key, header, width in part.columns],
                ([row.get(key) if not isinstance(row.get(key), dict | list) else json.dumps(row.get(key))
                  for key, _h, _w in part.columns] for row in part.rows))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_zip(review_round: ReviewRound) -> tuple[bytes, dict]:
    """The archive's bytes and its manifest."""
    files: dict[str, bytes] = {}
    for part in archive_parts(review_round):
        files[f"{part.name}.json"] = _json_bytes(part)
        files[f"{part.name}.xlsx"] = _xlsx_bytes(part)
    manifest = {"round_id": review_round.pk, "created_at": timezone.now().isoformat(),
                "algorithm": "sha256",
                "files": [{"name": name, "sha256": sha256(data), "bytes": len(data)} for name, data in files.items()]}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in [*files.items(), (MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())]:
            zf.writestr(zipfile.ZipInfo(name, date_time=ZIP_TIME), data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue(), manifest


def build_archive(*, review_round: ReviewRound, actor) -> RoundArchive:
    """Archive a closed round (R-V3): compute its results if not yet done, build the zip,
    store it and record its SHA-256 in the audit chain. Refused for an open round, while a
    tie at a cut is undecided, or when the round is already archived."""
    errors = Errors()
    if review_round.status != RoundStatus.CLOSED:
        errors.add("__all__", _("评审结束后才能归档"), "R-V3")
    elif RoundArchive.objects.filter(review_round=review_round).exists():
        errors.add("__all__", _("本轮已归档"), "R-V3")
    errors.raise_if_any()
    if not results_frozen(review_round):  # a result computed while open may miss late reviews
        compute_results(review_round=review_round, actor=actor)
    if pending_ties(review_round):
        errors.add("__all__", _("晋级线处仍有并列未决定，请先作出决定再归档"), "R-V2")
    errors.raise_if_any()
    with translation.override(settings.LANGUAGE_CODE):  # the record is kept in the contest's language
        data, manifest = build_zip(review_round)
    digest = sha256(data)
    with transaction.atomic():
        ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        if RoundArchive.objects.filter(review_round=review_round).exists():
            errors.add("__all__", _("本轮已归档"), "R-V3")
            errors.raise_if_any()
        archive = RoundArchive(review_round=review_round, sha256=digest, manifest=manifest, created_by=actor)
        archive.file.save(f"round-{review_round.pk}-{digest[:12]}.zip", ContentFile(data), save=False)
        archive.save()
        record(actor=actor, action="review.round.archive", target=review_round, after={
            "archive": archive.pk, "sha256": digest, "file": archive.file.name,
            "files": {f["name"]: f["sha256"] for f in manifest["files"]}})
    return archive


def verify_archive(archive: RoundArchive) -> list[str]:
    """Recompute the stored archive's hashes: the zip's against the recorded SHA-256, and each
    file's against the manifest (missing or extra files too). Empty when everything matches."""
    problems: list[str] = []
    # Through the storage, not the field: a field's file already open would be read again as cached.
    with archive.file.storage.open(archive.file.name, "rb") as handle:
        data = handle.read()
    if sha256(data) != archive.sha256:
        problems.append(_("归档文件的 SHA-256 与记录不符"))
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        manifest = json.loads(zf.read(MANIFEST))
    except (zipfile.BadZipFile, KeyError, ValueError):
        return [*problems, _("归档文件无法读取或缺少清单")]
    listed = {f["name"]: f["sha256"] for f in manifest.get("files", [])}
    if listed != {f["name"]: f["sha256"] for f in archive.manifest.get("files", [])}:
        problems.append(_("归档内的清单与记录的清单不符"))
    names = set(zf.namelist()) - {MANIFEST}
    for name in sorted(names - set(listed)):
        problems.append(_("清单中没有的文件：%(name)s") % {"name": name})
    for name, expected in sorted(listed.items()):
        if name not in names:
            problems.append(_("缺少文件：%(name)s") % {"name": name})
        elif sha256(zf.read(name)) != expected:
            problems.append(_("文件 %(name)s 的 SHA-256 与清单不符") % {"name": name})
    return problems
