"""The popularity vote (最佳人气奖, R-A2; issue 12 §4) in the JSON API, calling the pages'
services (`ciic.votes.services`, `ciic.votes.detection`).

Public, no account: the ballot, a CAPTCHA, a code for a number, and a vote (the number, its
code and the ballot: proving and voting in one request; a code stays good for further votes
until it expires). A retried vote with the same `ballot_key` is recorded once (200 instead of
201). Past a rate limit: 429 with Retry-After; past the first limit a CAPTCHA is needed (422 on
`captcha`, then GET /vote/captcha). For the secretariat: the audit (held votes by finding), a
detection run, bulk decisions, publishing the tally.
"""

# No `from __future__ import annotations`: `request_fields` wraps views, and ninja reads the
# wrapped view's annotations as objects.
import datetime as dt
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from ciic.core.ratelimit import client_address
from ciic.core.responses import api_error_body
from ciic.votes import detection, detection_runs, selectors, services
from ciic.votes.config import vote_config, window
from ciic.votes.models import DetectionRun

from .auth import ANY_AUTH
from .errors import DetailOut, ErrorsOut, request_fields

router = Router(tags=["vote"])


def _contest():
    contest = services.served_contest()
    if contest is None or vote_config(contest) is None:
        raise Http404(_("本届大赛不设网络投票"))
    return contest


def _require(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(_("无权执行此操作"))


def _client(request: HttpRequest) -> services.Client:
    return services.Client(ip=client_address(request), user_agent=request.META.get("HTTP_USER_AGENT", ""))


def _throttled(response: HttpResponse, exc: services.Throttled) -> Status:
    response["Retry-After"] = str(exc.retry_after)
    return Status(429, api_error_body(429, str(exc)))


# --- schemas ---------------------------------------------------------------------------------


class VoteFinalistOut(Schema):
    project_id: int
    name: str = Field(description="项目名称（评审版本）/ Project name, of the judged version")
    organization: str = Field(description="参赛单位 / Entrant organization")
    direction: str = Field(description="赛题方向代码 / Direction code")
    group: str | None = Field(description="组别代码 / Group code (R-G1)")
    summary: str = Field(description="项目概述（评审版本）/ Project overview, of the judged version")
    video_url: str | None = Field(description="项目视频（支持分段请求）或外部链接 / The video (byte ranges) or its link")
    live_count: int | None = Field(description=(
        "实时票数，按规定取整，不含待审核票；不显示时为空 / Live count, rounded down per the spec, held votes "
        "excluded; null when not shown"))


class VoteBallotOut(Schema):
    opens_at: dt.datetime | None = Field(description="投票开始（北京时间）/ Voting opens (Beijing time)")
    closes_at: dt.datetime | None = Field(description="投票截止 / Voting closes")
    is_open: bool
    votes_per_day: int = Field(description="每个手机号每天可投票数 / Votes per number per day")
    votes_per_project_per_day: int = Field(description="每天为同一项目可投票数 / Votes per number per project per day")
    live_counts_round_to: int | None = Field(description="实时票数取整单位；不显示时为空 / Live counts' rounding step")
    published: bool = Field(description="最终结果已公布 / The final tally is published")
    finalists: list[VoteFinalistOut]


class VoteCaptchaOut(Schema):
    key: str = Field(description="提交时的 captcha_key / To send back as captcha_key")
    image_url: str = Field(description="验证码图片 / The challenge's image")


class VoteCodeIn(Schema):
    mobile: str = Field(max_length=20, description="中国大陆手机号 / A mainland mobile number")
    captcha_key: str = Field("", max_length=40, description="超过第一档频率限制后必填 / Needed past the first rate limit")
    captcha_answer: str = Field("", max_length=16)


class VoteCodeOut(Schema):
    expires_at: dt.datetime = Field(description="验证码失效时间 / When the code expires")
    resend_after_seconds: int = Field(description="再次获取的间隔 / Wait this long before asking again")


class VoteIn(VoteCodeIn):
    code: str = Field(max_length=10, description="短信验证码 / The code texted to the number")
    project_id: int
    ballot_key: str = Field(max_length=64, description=(
        "客户端为这张选票生成的唯一编号（8–64 位字母数字），重试时不变 / The client's one-time key for this ballot, "
        "8-64 letters, digits, - or _; the same on a retry"))


class VoteCastOut(Schema):
    ballot_key: str
    project_id: int
    cast_at: dt.datetime
    created: bool = Field(description="false：重复提交，未重复计票 / false: a retry, not counted again")
    votes_left_today: int = Field(description="今天还可投票数 / Votes left today")


class VoteRunOut(Schema):
    id: int
    status: str = Field(description="queued | running | done | failed")
    error: str = Field(description="失败原因 / Why a failed run failed")
    started_at: dt.datetime
    finished_at: dt.datetime | None
    votes_examined: int
    held: int = Field(description="本次检测后待审核的票数 / Votes held after the run")
    summary: dict[str, int] = Field(description="各原因的嫌疑数和票数 / Findings and votes per reason")


class VoteFindingOut(Schema):
    id: int
    reason: str = Field(description="burst、prefix、blocks 或 dense / The detector")
    project_id: int | None
    description: str = Field(description="依据（号码、地址只以哈希前缀显示）/ The figures, hashes shortened")
    votes: int
    status: str = Field(description="open、cleared 或 voided")
    decision_reason: str


class VoteTallyOut(Schema):
    published: bool
    published_at: dt.datetime | None
    counts: dict[str, int] = Field(description="项目 ID → 有效票数 / Project id -> counted votes")
    voided: dict[str, int] = Field(description="原因 → 作废票数（一票可能有多个原因）/ Reason -> voided votes")
    totals: dict[str, int]
    sha256: str = Field(description="公布时的 SHA-256（未公布为空）/ The published tally's SHA-256")


class VoteAuditOut(Schema):
    counts: dict[str, int] = Field(description="各状态票数 / Votes per status")
    last_run: VoteRunOut | None
    findings: list[VoteFindingOut]
    blockers: list[str] = Field(description="尚不能公布的原因 / Why the tally cannot be published yet")
    preview: VoteTallyOut


class VoteDecisionIn(Schema):
    finding_ids: list[int] = Field(max_length=1000)
    decision: Literal["clear", "void"] = Field(description="clear：计入；void：作废 / clear counts them, void voids them")
    reason: str = Field(max_length=2000, description="处理理由 / The reason, recorded")


class VoteDecisionOut(Schema):
    findings: list[int]
    cleared: int
    voided: int
    still_held: int = Field(description="仍被其他待审核项覆盖的票数 / Votes another open finding still holds")


# --- public ----------------------------------------------------------------------------------


@router.get("/vote", auth=None, response={200: VoteBallotOut, 404: DetailOut},
            summary="投票名单 / The ballot: the finalists")
def get_ballot(request: HttpRequest, seed: str = ""):
    """The finalists with their summary and video; in a random order per `seed` (send any
    string of your own; by project id without one)."""
    contest = _contest()
    config = vote_config(contest)
    span = window(contest, config)
    tally = services.published_tally(contest)
    live = services.live_counts(contest) if tally is None else None
    rows = []
    for f in selectors.finalists(contest, seed=seed[:100]):
        video = reverse("votes:video", args=[f.project_id]) if f.video_file_id else (f.video_link or None)
        rows.append({"project_id": f.project_id, "name": f.name, "organization": f.organization,
                     "direction": f.direction.code, "group": f.group.code if f.group else None,
                     "summary": f.summary, "video_url": video,
                     "live_count": None if live is None else live.get(f.project_id, 0)})
    return {"opens_at": span.opens_at, "closes_at": span.closes_at, "is_open": span.is_open(services.now()),
            "votes_per_day": config.votes_per_day, "votes_per_project_per_day": config.votes_per_project_per_day,
            "live_counts_round_to": config.live_counts.round_to if live is not None else None,
            "published": tally is not None, "finalists": rows}


@router.get("/vote/captcha", auth=None, response={200: VoteCaptchaOut, 404: DetailOut},
            summary="图片验证码 / A CAPTCHA challenge")
def get_captcha(request: HttpRequest):
    _contest()
    key = services.new_captcha()
    return {"key": key, "image_url": reverse("votes:captcha_image", args=[key])}


@router.post("/vote/codes", auth=None, response={202: VoteCodeOut, 404: DetailOut, 422: ErrorsOut, 429: DetailOut},
             summary="获取短信验证码 / Text a code to a number")
def request_code(request: HttpRequest, payload: VoteCodeIn, response: HttpResponse):
    contest = _contest()
    try:
        sent = services.request_code(contest=contest, mobile=payload.mobile, client=_client(request),
                                     captcha=services.Captcha(payload.captcha_key, payload.captcha_answer))
    except services.Throttled as exc:
        return _throttled(response, exc)
    return Status(202, {"expires_at": sent.expires_at, "resend_after_seconds": sent.resend_after})


@router.post("/vote/ballots", auth=None,
             response={200: VoteCastOut, 201: VoteCastOut, 404: DetailOut, 422: ErrorsOut, 429: DetailOut},
             summary="验证并投票 / Prove the number and vote")
@request_fields({"project": "project_id"})
def cast_vote(request: HttpRequest, payload: VoteIn, response: HttpResponse):
    contest = _contest()
    try:
        voter = services.verify_code(contest=contest, mobile=payload.mobile, code=payload.code)
        cast = services.cast_vote(contest=contest, voter=voter, project_id=payload.project_id,
                                  ballot_key=payload.ballot_key, client=_client(request),
                                  captcha=services.Captcha(payload.captcha_key, payload.captcha_answer))
    except services.Throttled as exc:
        return _throttled(response, exc)
    vote = cast.vote
    return Status(201 if cast.created else 200, {
        "ballot_key": vote.ballot_key, "project_id": vote.project_id, "cast_at": vote.cast_at,
        "created": cast.created, "votes_left_today": cast.left_today})


@router.get("/vote/tally", auth=None, response={200: VoteTallyOut, 404: DetailOut},
            summary="最终结果（审核后公布）/ The final tally, once published")
def get_tally(request: HttpRequest):
    tally = services.published_tally(_contest())
    if tally is None:
        raise Http404
    return _tally_out(tally)


# --- the secretariat -------------------------------------------------------------------------


def _tally_out(tally) -> dict:
    return {"published": True, "published_at": tally.published_at, "counts": tally.counts, "voided": tally.voided,
            "totals": tally.totals, "sha256": tally.sha256}


def _run_out(run) -> dict:
    summary = {k: int(v) for k, v in (run.summary or {}).items()}
    return {"id": run.pk, "status": run.status, "error": run.error, "started_at": run.started_at, "finished_at": run.finished_at,
            "votes_examined": run.votes_examined, "held": summary.get("held", 0), "summary": summary}


@router.get("/vote/audit", auth=ANY_AUTH, response={200: VoteAuditOut, 401: DetailOut, 403: DetailOut, 404: DetailOut},
            summary="投票审核（秘书处）/ The vote audit (secretariat)")
def get_audit(request: HttpRequest):
    _require(request.auth, "votes.audit_votes")
    contest = _contest()
    tally = services.published_tally(contest)
    run = selectors.last_run(contest)
    findings = selectors.open_findings(contest) + selectors.decided_findings(contest)
    preview = _tally_out(tally) if tally else {**services.tally_preview(contest), "published": False,
                                               "published_at": None, "sha256": ""}
    return {"counts": selectors.status_counts(contest), "last_run": _run_out(run) if run else None,
            "findings": [{"id": f.pk, "reason": f.reason, "project_id": f.project_id,
                          "description": selectors.describe(f, contest), "votes": f.votes_count, "status": f.status,
                          "decision_reason": f.decision_reason} for f in findings],
            "blockers": services.publish_blockers(contest), "preview": preview}


@router.post("/vote/audit/runs", auth=ANY_AUTH,
             response={202: VoteRunOut, 401: DetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
             summary="运行刷票检测 / Run the brushing detectors",
             description="排队由后台任务运行；已有检测在进行时返回那一次。用 GET /vote/audit/runs/{id} 查看进度 / "
                         "Queued for the task worker; while one is queued or running, that one is returned. "
                         "Follow it with GET /vote/audit/runs/{id}.")
def run_detection(request: HttpRequest):
    _require(request.auth, "votes.audit_votes")
    run, _created = detection_runs.start_detection(contest=_contest(), actor=request.auth)
    return Status(202, _run_out(run))


@router.get("/vote/audit/runs/{run_id}", auth=ANY_AUTH,
            response={200: VoteRunOut, 401: DetailOut, 403: DetailOut, 404: DetailOut},
            summary="刷票检测的进度与结果 / A detection run's state and summary")
def get_run(request: HttpRequest, run_id: int):
    _require(request.auth, "votes.audit_votes")
    return _run_out(get_object_or_404(DetectionRun, contest=_contest(), pk=run_id))


@router.post("/vote/audit/decisions", auth=ANY_AUTH,
             response={200: VoteDecisionOut, 401: DetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
             summary="放行或作废待审核的票 / Clear or void held votes, by finding")
@request_fields({"findings": "finding_ids"})
def decide(request: HttpRequest, payload: VoteDecisionIn):
    _require(request.auth, "votes.audit_votes")
    return detection.decide_findings(contest=_contest(), finding_ids=payload.finding_ids, decision=payload.decision,
                                     reason=payload.reason, actor=request.auth)


@router.post("/vote/tally", auth=ANY_AUTH,
             response={201: VoteTallyOut, 401: DetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
             summary="公布最终结果 / Publish the final tally")
def publish(request: HttpRequest):
    _require(request.auth, "votes.publish_tally")
    return Status(201, _tally_out(services.publish_tally(contest=_contest(), actor=request.auth)))
