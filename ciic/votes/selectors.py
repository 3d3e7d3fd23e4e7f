"""Reads for the popularity vote: who is on the ballot, with what, in which order."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import Count
from django.utils.translation import gettext as _

from ciic.contests.models import Contest
from ciic.projects.enums import ProjectStatus
from ciic.projects.models import SubmissionMaterial
from ciic.review.enums import FinalistStatus
from ciic.review.finalists.services import current_entries
from ciic.review.models import FinalistList, ReviewRound, RoundProject

from .enums import FindingStatus, Reason, VoteStatus
from .models import DetectionRun, Finding, Vote

# The ballot's projects are read on every vote: kept this long in the cache (a finalist who
# fails due diligence leaves the ballot within this time).
CANDIDATES_SECONDS = 60
VIDEO_CODE = "video"  # the material type of the project video (R-J7.4)


def finals_round(contest: Contest) -> ReviewRound | None:
    """The finals' roadshow-and-defense round (R-V4): contest-wide, no station."""
    return (ReviewRound.objects.filter(contest=contest, station__isnull=True, round__kind="roadshow_defense")
            .select_related("round").first())


def _finalist_ids(contest: Contest) -> set[int]:
    """Projects on a confirmed finalist list as it stands, not failed in due diligence (R-V2,
    R-P9): `ciic.review.finalists.services.is_finalist` for every list at once."""
    ids = set()
    for finalist_list in FinalistList.objects.filter(contest=contest, status=FinalistStatus.CONFIRMED):
        for entry in current_entries(finalist_list):
            diligence = getattr(entry.project, "due_diligence", None)
            if diligence is None or diligence.passed is not False:
                ids.add(entry.project_id)
    return ids


def candidate_ids(contest: Contest) -> dict[int, int | None]:
    """project id -> the id of the version it is judged on in the finals, for every finalist
    in the finals' round (cached for CANDIDATES_SECONDS)."""
    key = f"votes:candidates:{contest.pk}"
    found = cache.get(key)
    if found is None:
        review_round = finals_round(contest)
        found = {}
        if review_round is not None:
            finalists = _finalist_ids(contest)
            found = {project_id: submission_id for project_id, submission_id in RoundProject.objects.filter(
                review_round=review_round, project__status=ProjectStatus.ACTIVE, project_id__in=finalists)
                .values_list("project_id", "submission_id")}
        cache.set(key, found, CANDIDATES_SECONDS)
    return found


@dataclass
class Finalist:
    project_id: int
    name: str
    organization: str
    direction: object
    group: object
    summary: str
    video_file_id: int | None
    video_link: str


def finalists(contest: Contest, *, seed: str = "") -> list[Finalist]:
    """The ballot: each finalist's name, organization, direction, group, the summary (the first
    section of the application, 项目概述, of the version it is judged on) and its video. In a
    random order per `seed` (one per visitor, so no project is always first), by project id
    without one. A constant number of queries."""
    candidates = candidate_ids(contest)
    entries = list(RoundProject.objects.filter(review_round=finals_round(contest), project_id__in=candidates)
                   .select_related("project__team__direction", "project__team__organization__group", "submission")
                   ) if candidates else []
    section = contest.form_sections.order_by("order").values_list("code", flat=True).first()
    videos = {m.submission_id: m for m in SubmissionMaterial.objects.filter(
        submission_id__in=[e.submission_id for e in entries if e.submission_id], material_type__code=VIDEO_CODE)}
    rows = []
    for entry in entries:
        project, submission = entry.project, entry.submission
        video = videos.get(entry.submission_id)
        rows.append(Finalist(
            project_id=project.pk, name=submission.name if submission else project.name,
            organization=project.team.organization.name, direction=project.team.direction,
            group=project.team.organization.group,
            summary=((submission.sections or {}).get(section, "") if submission and section else "").strip(),
            video_file_id=video.file_id if video else None, video_link=video.link if video else ""))
    if seed:
        rows.sort(key=lambda r: hashlib.sha256(f"{seed}:{r.project_id}".encode()).hexdigest())
    else:
        rows.sort(key=lambda r: r.project_id)
    return rows


def finalist(contest: Contest, project_id: int) -> Finalist | None:
    return next((f for f in finalists(contest) if f.project_id == project_id), None)


def status_counts(contest: Contest) -> dict[str, int]:
    counts = dict(Vote.objects.filter(contest=contest).values_list("status").annotate(n=Count("id")))
    return {status: counts.get(status, 0) for status in VoteStatus.values}


def open_findings(contest: Contest) -> list[Finding]:
    return list(Finding.objects.filter(contest=contest, status=FindingStatus.OPEN)
                .select_related("project").order_by("reason", "-votes_count", "id"))


def decided_findings(contest: Contest) -> list[Finding]:
    return list(Finding.objects.filter(contest=contest).exclude(status=FindingStatus.OPEN)
                .select_related("project", "decided_by").order_by("-decided_at", "id"))


def last_run(contest: Contest) -> DetectionRun | None:
    return (DetectionRun.objects.filter(contest=contest, status=DetectionRun.Status.DONE)
            .order_by("-finished_at", "-id").first())


def latest_run(contest: Contest) -> DetectionRun | None:
    """The newest run whatever its state: queued, running, done or failed."""
    return DetectionRun.objects.filter(contest=contest).order_by("-pk").first()


def describe(finding: Finding, contest: Contest) -> str:
    """What a finding found, in words, with its figures; hashes shown as short labels only."""
    d = finding.detail or {}
    if finding.reason == Reason.BURST:
        zone = ZoneInfo(contest.time_zone)
        start = dt.datetime.fromtimestamp(d.get("start", 0), zone).strftime("%m-%d %H:%M")
        end = dt.datetime.fromtimestamp(d.get("end", 0), zone).strftime("%H:%M")
        return _("%(start)s–%(end)s 共 %(votes)s 票，按该项目平时的占比预期约 %(expected)s 票；其中 %(new)s 个号码在此期间首次投票") % {
            "start": start, "end": end, "votes": d.get("votes"), "expected": d.get("expected"),
            "new": d.get("new_voters")}
    if finding.reason == Reason.PREFIX:
        return _("网段 #%(prefix)s：%(numbers)s 个号码为该项目投票，占该网段号码的 %(share)s%%，按号码归属地预期约 %(expected)s 个") % {
            "prefix": d.get("prefix"), "numbers": d.get("numbers"), "share": round(100 * float(d.get("share", 0))),
            "expected": d.get("expected")}
    if finding.reason == Reason.BLOCKS:
        return _("号段 #%(region)s 第 %(first)s–%(last)s 百号块内 %(numbers)s 个号码为该项目投票") % {
            "region": d.get("region"), "first": d.get("first_block"), "last": d.get("last_block"),
            "numbers": d.get("numbers")}
    if finding.reason == Reason.DENSE:
        return _("%(voters)s 个号码在相同的 %(columns)s 个时段为同一批项目投票，同时投票 %(votes)s 次，随机情况下预期约 %(expected)s 次") % {
            "voters": d.get("voters"), "columns": d.get("columns"), "votes": d.get("votes"),
            "expected": d.get("expected")}
    return ""
