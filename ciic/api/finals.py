"""The national finals and the prizes (R-V4, R-A1, R-G1), for the secretariat and the session
chairs: sessions, the draw, the team on stage, the live board, reopening a sealed ballot, the
standings, the proposal, tie decisions, confirmation and the prize ledger. Every write calls
the same service as the web pages (`ciic.awards.finals`, `ciic.awards.prizes`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from ciic.accounts.models import User
from ciic.awards import finals, prizes, publication, special
from ciic.awards.enums import AwardScope
from ciic.awards.models import AwardList, FinalsSession, LocalAwardCategory, Prize, SessionEntry
from ciic.contests.models import Direction, Group, Station
from ciic.projects.models import Project
from ciic.review.models import Expert
from ciic.review.models import Review as Ballot
from ciic.review.reviews.services import reopen_ballot

from .auth import ANY_AUTH
from .contests import get_contest
from .errors import DetailOut, ErrorsOut
from .pagination import PAGE_SIZE, Pages

router = Router(tags=["finals"], auth=ANY_AUTH)
REFUSALS = {401: DetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut}


def _require(user, perm: str, obj=None) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(_("无权执行此操作"))


# --- schemas ---------------------------------------------------------------------------------


class SessionIn(Schema):
    direction: str = Field(description="赛题方向代码 / Direction code")
    group: str = Field(description="组别代码 / Group code (R-G1)")
    expert_ids: list[int] = Field(max_length=100, description="评委（专家 ID）/ Judges, expert IDs")
    chair_id: int | None = Field(None, description="会议主席（用户 ID，秘书处或专家）/ Chair, a user ID")
    venue: str = Field("", max_length=200, description="地点 / Venue")
    starts_at: dt.datetime | None = Field(None, description="开始时间 / Start")


class BallotOut(Schema):
    id: int | None = Field(description="评分 ID（未开始为空）/ Ballot ID, null before the expert starts")
    expert_id: int
    expert_name: str
    submitted: bool = Field(description="已提交（提交后封存）/ Submitted, then sealed (R-V4)")


class BoardRowOut(Schema):
    entry_id: int
    project_id: int
    project_name: str
    team_name: str
    position: int | None = Field(description="出场顺序（抽签后）/ Running order, once drawn")
    on_stage_at: dt.datetime | None
    received: int = Field(description="已提交评分数 / Ballots in")
    expected: int = Field(description="应评分数（不含利益冲突）/ Ballots expected, conflicted experts excluded")
    score: float | None = Field(description="全部提交后的得分 / Score once every ballot is in")
    ballots: list[BallotOut]


class SessionOut(Schema):
    id: int
    direction: str
    group: str
    venue: str
    starts_at: dt.datetime | None
    chair_id: int | None
    draw_seed: str = Field(description="抽签种子（可复核出场顺序）/ The draw's seed, to re-derive the order")
    drawn_at: dt.datetime | None
    current_entry_id: int | None = Field(description="当前上台 / The entry on stage")
    scores_released: bool = Field(description="大屏已公布得分 / Scores shown on the big screen")
    board: list[BoardRowOut]


class DrawIn(Schema):
    seed: str = Field("", max_length=200, description="抽签种子，留空则随机 / Seed; empty for a random one")


class StageIn(Schema):
    entry_id: int = Field(description="上台的场次项目 / The session entry called on stage")


class ReleaseIn(Schema):
    release: bool


class ReopenIn(Schema):
    reason: str = Field(max_length=2000, description="理由 / Reason")


class StandingOut(Schema):
    rank: int
    project_id: int
    project_name: str
    team_name: str
    direction: str
    group: str
    score: float
    keys: list[float] = Field(description="按 finals.tie_break 顺序的排名依据 / The ranking keys, in the spec's order")
    margin: float | None = Field(description="领先下一名 / Lead over the next team")
    tied_with: list[int]


class AwardTieOut(Schema):
    key: str
    projects: list[int]
    seats: int


class AwardOut(Schema):
    kind: str
    code: str
    name: str
    project_id: int | None
    rank: int | None
    score: float | None
    margin: float | None
    amount: Decimal | None = Field(description="奖金（万元，税前）/ Prize, 10k CNY, pre-tax")


class AwardListOut(Schema):
    status: str = Field(description="proposed 待确认 / confirmed 已确认（冻结）")
    method: str
    confirmed_at: dt.datetime | None
    snapshot_sha256: str
    awards: list[AwardOut]
    open_ties: list[AwardTieOut] = Field(description="待处理的并列 / Ties a decision must settle")


class TieDecisionIn(Schema):
    key: str = Field(max_length=200)
    chosen: list[int] = Field(max_length=50, description="排在前面的项目 / The projects that go first")
    reason: str = Field(max_length=2000)


class PrizeOut(Schema):
    id: int
    award: str
    rank: int | None
    project_id: int
    payee: str = Field(description="收款单位 / Payee organization")
    amount: Decimal = Field(description="万元，税前 / 10k CNY, pre-tax")
    status: str = Field(description="pending_publicity / payable / paid / revoked / reclaim_due / reclaimed")
    updated_at: dt.datetime
    reclaim_amount: Decimal | None = Field(description="追回金额（万元）/ Owed back (10k CNY), R-X3")
    reclaim_due_on: dt.date | None = Field(description="追回期限 / Due back by")
    reclaimed_on: dt.date | None = Field(description="追回日期 / Came back on")


class TransitionIn(Schema):
    status: str
    reason: str = Field(max_length=2000)
    amount: Decimal | None = Field(None, description="去往 reclaim_due 时必填：追回金额（万元）/ For reclaim_due: the "
                                                     "amount owed back")
    on: dt.date | None = Field(None, description="去往 reclaim_due 时为追回期限，去往 reclaimed 时为追回日期 / "
                                                 "For reclaim_due the due date, for reclaimed the date it came back")


# --- helpers ---------------------------------------------------------------------------------


def _session_out(session: FinalsSession) -> dict:
    rows = finals.board(session)
    return {
        "id": session.pk, "direction": session.direction.code, "group": session.group.code, "venue": session.venue,
        "starts_at": session.starts_at, "chair_id": session.chair_id, "draw_seed": session.draw_seed,
        "drawn_at": session.drawn_at, "current_entry_id": session.current_id,
        "scores_released": session.scores_released_at is not None,
        "board": [{
            "entry_id": r.entry.pk, "project_id": r.entry.project_id, "project_name": r.entry.project.name,
            "team_name": r.entry.project.team.name, "position": r.entry.position, "on_stage_at": r.entry.on_stage_at,
            "received": r.received, "expected": r.expected, "score": r.score,
            "ballots": [{"id": b.ballot.pk if b.ballot else None, "expert_id": b.expert.pk, "expert_name": b.expert.name,
                         "submitted": b.submitted} for b in r.ballots],
        } for r in rows],
    }


def _session(request: HttpRequest, session_id: int, perm: str) -> FinalsSession:
    session = get_object_or_404(FinalsSession.objects.select_related("direction", "group", "review_round__round"),
                                pk=session_id, contest=get_contest())
    if not request.auth.has_perm(perm, session):
        raise PermissionDenied(_("无权执行此操作"))
    return session


def _award_list_out(award_list: AwardList) -> dict:
    allocation = prizes.current_allocation(award_list.contest) if award_list.status != "confirmed" else None
    return {
        "status": award_list.status, "method": award_list.method, "confirmed_at": award_list.confirmed_at,
        "snapshot_sha256": award_list.snapshot_sha256,
        "awards": list(award_list.awards.order_by("rank", "id")),
        "open_ties": [{"key": t.key, "projects": list(t.projects), "seats": t.seats}
                      for t in (allocation.ties if allocation else [])],
    }


# --- sessions --------------------------------------------------------------------------------


@router.get("/finals/sessions", response={200: list[SessionOut], **REFUSALS},
            summary="总决赛场次 / Finals sessions")
@paginate(Pages, page_size=PAGE_SIZE)
def list_sessions(request: HttpRequest):
    _require(request.auth, "awards.manage_finals")
    return [_session_out(s) for s in FinalsSession.objects.filter(contest=get_contest())
            .select_related("direction", "group", "review_round")]


@router.post("/finals/sessions", response={201: SessionOut, **REFUSALS},
             summary="新建场次 / Create a session (R-V4, R-G1)")
def create_session(request: HttpRequest, payload: SessionIn):
    _require(request.auth, "awards.manage_finals")
    contest = get_contest()
    review_round = prizes.finals_round(contest)
    if review_round is None:
        raise ValidationError({"review_round": ValidationError(_("请先创建总决赛的路演答辩评审轮次"), code="R-V4")})
    experts = list(Expert.objects.filter(contest=contest, pk__in=payload.expert_ids))
    unknown = sorted(set(payload.expert_ids) - {e.pk for e in experts})
    if unknown:
        raise ValidationError({"expert_ids": ValidationError(_("没有这些专家：%(ids)s") % {"ids": unknown}, code="R-V4")})
    chair = User.objects.filter(pk=payload.chair_id, is_active=True).first() if payload.chair_id else None
    if payload.chair_id and chair is None:
        raise ValidationError({"chair_id": ValidationError(_("没有该用户"), code="R-V4")})
    session = finals.create_session(
        review_round=review_round, direction=Direction.objects.filter(contest=contest, code=payload.direction).first(),
        group=Group.objects.filter(contest=contest, code=payload.group).first(), actor=request.auth, experts=experts,
        chair=chair, venue=payload.venue, starts_at=payload.starts_at)
    return Status(201, _session_out(session))


@router.get("/finals/sessions/{session_id}", response={200: SessionOut, **REFUSALS},
            summary="场次与评分进度 / A session and its live board")
def get_session(request: HttpRequest, session_id: int):
    return _session_out(_session(request, session_id, "awards.chair_session"))


@router.post("/finals/sessions/{session_id}/draw", response={200: SessionOut, **REFUSALS},
             summary="抽签确定出场顺序 / Draw the running order (R-V4)")
def draw(request: HttpRequest, session_id: int, payload: DrawIn):
    session = _session(request, session_id, "awards.manage_finals")
    return _session_out(finals.draw(session=session, actor=request.auth, seed=payload.seed))


@router.post("/finals/sessions/{session_id}/stage", response={200: SessionOut, **REFUSALS},
             summary="请团队上台 / Call a team on stage")
def stage(request: HttpRequest, session_id: int, payload: StageIn):
    session = _session(request, session_id, "awards.chair_session")
    entry = SessionEntry.objects.filter(session=session, pk=payload.entry_id).first()
    if entry is None:
        raise ValidationError({"entry_id": ValidationError(_("该项目不在本场次"), code="R-V4")})
    return _session_out(finals.put_on_stage(session=session, entry=entry, actor=request.auth))


@router.post("/finals/sessions/{session_id}/release", response={200: SessionOut, **REFUSALS},
             summary="大屏公布得分 / Show the scores on the big screen")
def release(request: HttpRequest, session_id: int, payload: ReleaseIn):
    session = _session(request, session_id, "awards.chair_session")
    return _session_out(finals.release_scores(session=session, actor=request.auth, release=payload.release))


@router.post("/finals/sessions/{session_id}/ballots/{ballot_id}/reopen", response={200: SessionOut, **REFUSALS},
             summary="重新开启封存的评分 / Reopen a sealed ballot, with a reason (R-V4)")
def reopen(request: HttpRequest, session_id: int, ballot_id: int, payload: ReopenIn):
    session = _session(request, session_id, "awards.chair_session")
    ballot = get_object_or_404(Ballot.objects.select_related("assignment__review_round__round"), pk=ballot_id,
                               assignment__review_round=session.review_round,
                               assignment__project__finals_entries__session=session)
    reopen_ballot(review=ballot, actor=request.auth, reason=payload.reason)
    return _session_out(session)


# --- awards and prizes -----------------------------------------------------------------------


@router.get("/finals/standings", response={200: list[StandingOut], **REFUSALS},
            summary="总决赛排名 / Finals standings by the published tie-break keys")
def standings(request: HttpRequest):
    _require(request.auth, "awards.manage_finals")
    review_round = prizes.finals_round(get_contest())
    rows = prizes.standings(review_round) if review_round else []
    return [{"rank": r.rank, "project_id": r.project.pk, "project_name": r.project.name,
             "team_name": r.project.team.name, "direction": r.cell[0], "group": r.cell[1], "score": r.score,
             "keys": list(r.keys), "margin": r.margin, "tied_with": list(r.tied_with)} for r in rows]


@router.get("/finals/awards", response={200: AwardListOut, **REFUSALS},
            summary="获奖名单 / The award list (R-A1)")
def get_awards(request: HttpRequest):
    _require(request.auth, "awards.manage_finals")
    return _award_list_out(get_object_or_404(AwardList, contest=get_contest(), scope=AwardScope.FINALS))


@router.post("/finals/awards/proposal", response={200: AwardListOut, **REFUSALS},
             summary="生成获奖建议 / Propose the awards")
def propose(request: HttpRequest):
    _require(request.auth, "awards.manage_finals")
    award_list, _allocation = prizes.propose_awards(contest=get_contest(), actor=request.auth)
    return _award_list_out(award_list)


@router.post("/finals/awards/tie-decisions", response={200: AwardListOut, **REFUSALS},
             summary="记录并列处理决定 / Settle a tie at a boundary, with a reason")
def decide(request: HttpRequest, payload: TieDecisionIn):
    _require(request.auth, "awards.manage_finals")
    contest = get_contest()
    prizes.decide_tie(contest=contest, key=payload.key, chosen=payload.chosen, reason=payload.reason,
                      actor=request.auth)
    award_list, _allocation = prizes.propose_awards(contest=contest, actor=request.auth)
    return _award_list_out(award_list)


@router.post("/finals/awards/confirmation", response={200: AwardListOut, **REFUSALS},
             summary="确认并冻结获奖名单 / Confirm and freeze the award list")
def confirm(request: HttpRequest):
    _require(request.auth, "awards.manage_finals")
    award_list = get_object_or_404(AwardList, contest=get_contest(), scope=AwardScope.FINALS)
    return _award_list_out(prizes.confirm_awards(award_list=award_list, actor=request.auth))


@router.get("/finals/prizes", response={200: list[PrizeOut], **REFUSALS},
            summary="奖金台账 / The prize ledger")
@paginate(Pages, page_size=PAGE_SIZE)
def list_prizes(request: HttpRequest):
    _require(request.auth, "awards.manage_finals")
    return [_prize_out(p) for p in Prize.objects.filter(contest=get_contest())
            .select_related("award", "payee").order_by("award__rank", "id")]


def _prize_out(prize: Prize) -> dict:
    return {"id": prize.pk, "award": prize.award.name, "rank": prize.award.rank, "project_id": prize.award.project_id,
            "payee": prize.payee.name, "amount": prize.amount, "status": prize.status, "updated_at": prize.updated_at,
            "reclaim_amount": prize.reclaim_amount, "reclaim_due_on": prize.reclaim_due_on,
            "reclaimed_on": prize.reclaimed_on}


@router.post("/finals/prizes/{prize_id}/transition", response={200: PrizeOut, **REFUSALS},
             summary="变更奖金状态 / Move a prize along the ledger, with a reason")
def transition(request: HttpRequest, prize_id: int, payload: TransitionIn):
    _require(request.auth, "awards.manage_finals")
    prize = get_object_or_404(Prize.objects.select_related("award", "payee"), pk=prize_id, contest=get_contest())
    prize = prizes.transition(prize=prize, to=payload.status, actor=request.auth, reason=payload.reason,
                              amount=payload.amount, on=payload.on)
    return _prize_out(Prize.objects.select_related("award", "payee").get(pk=prize.pk))


# --- special awards (R-A2), local awards (R-A3), publication (R-C3) --------------------------


class WinnerOut(Schema):
    award_id: int
    project_id: int | None
    recipient: str = Field(description="获奖单位 / The organization (or organizing unit) awarded")
    reason: str


class SpecialAwardOut(Schema):
    code: str
    name: str
    basis: str = Field(description="criterion:<code> / popularity / organizing_units / committee (R-A2)")
    count: int
    with_tier: bool
    winners: list[WinnerOut]


class SpecialAwardsOut(Schema):
    status: str = Field(description="none 未生成 / proposed 待确认 / confirmed 已确认（冻结）")
    awards: list[SpecialAwardOut]
    open_ties: list[AwardTieOut]
    waiting: list[str] = Field(description="尚待评定的奖项代码 / Awards still to decide")


class WinnerIn(Schema):
    code: str = Field(max_length=40)
    project_id: int | None = None
    recipient_name: str = Field("", max_length=200, description="组织单位（优秀组织奖）/ The organizing unit, for its award")
    reason: str = Field(max_length=2000)


class LocalCategoryIn(Schema):
    code: str = Field(max_length=40)
    name: str = Field(max_length=100)
    count: int = Field(ge=1, le=1000)
    amount: Decimal | None = Field(None, description="万元，税前 / 10k CNY, pre-tax")


class LocalCategoryOut(Schema):
    id: int
    code: str
    name: str
    count: int
    amount: Decimal | None


class LocalAwardsOut(Schema):
    station: str
    status: str
    categories: list[LocalCategoryOut]
    awards: list[AwardOut]
    open_ties: list[AwardTieOut]


class PublicationIn(Schema):
    kind: str = Field(description="finalists / running_order / awards (R-C3)")
    publish: bool


class PublicationOut(Schema):
    kind: str
    released_at: dt.datetime | None


def _winner(award) -> dict:
    return {"award_id": award.pk, "project_id": award.project_id, "recipient": award.recipient, "reason": award.reason}


def _special_out(contest) -> dict:
    award_list = AwardList.objects.filter(contest=contest, scope=AwardScope.SPECIAL, station__isnull=True).first()
    awards = list(award_list.awards.select_related("project__team__organization")) if award_list else []
    outcome = special.special_outcome(contest) if award_list is None or award_list.status != "confirmed" else None
    return {
        "status": award_list.status if award_list else "none",
        "awards": [{"code": s.code, "name": s.name, "basis": s.basis, "count": s.count, "with_tier": s.with_tier,
                    "winners": [_winner(a) for a in awards if a.code == s.code]} for s in special.special_specs(contest)],
        "open_ties": outcome.ties if outcome else [], "waiting": outcome.waiting if outcome else [],
    }


@router.get("/finals/special-awards", response={200: SpecialAwardsOut, **REFUSALS},
            summary="单项奖 / The special awards (R-A2)")
def get_special_awards(request: HttpRequest):
    _require(request.auth, "awards.manage_finals")
    return _special_out(get_contest())


@router.post("/finals/special-awards/proposal", response={200: SpecialAwardsOut, **REFUSALS},
             summary="按评分和投票生成单项奖建议 / Propose the computed special awards")
def propose_special(request: HttpRequest):
    _require(request.auth, "awards.manage_finals")
    contest = get_contest()
    special.propose_special_awards(contest=contest, actor=request.auth)
    return _special_out(contest)


@router.post("/finals/special-awards/winners", response={200: SpecialAwardsOut, **REFUSALS},
             summary="评定单项奖（委员会或组织单位）/ Name a committee's or an organizing unit's winner, with a reason")
def name_special_winner(request: HttpRequest, payload: WinnerIn):
    _require(request.auth, "awards.manage_finals")
    contest = get_contest()
    project = Project.objects.filter(contest=contest, pk=payload.project_id).first() if payload.project_id else None
    if payload.project_id and project is None:
        raise ValidationError({"project_id": ValidationError(_("没有该项目"), code="R-A2")})
    special.name_winner(contest=contest, code=payload.code, actor=request.auth, reason=payload.reason, project=project,
                        recipient_name=payload.recipient_name)
    return _special_out(contest)


@router.post("/finals/special-awards/tie-decisions", response={200: SpecialAwardsOut, **REFUSALS},
             summary="单项奖并列处理 / Settle a special award's tie")
def decide_special_tie(request: HttpRequest, payload: TieDecisionIn):
    _require(request.auth, "awards.manage_finals")
    contest = get_contest()
    tie = next((t for t in special.special_outcome(contest).ties if t["key"] == payload.key), None)
    if tie is None:
        raise ValidationError({"key": ValidationError(_("没有需要处理的该项并列"), code="R-A2")})
    special.decide(contest=contest, key=payload.key, chosen=payload.chosen, reason=payload.reason, actor=request.auth,
                   tie=tie)
    special.propose_special_awards(contest=contest, actor=request.auth)
    return _special_out(contest)


@router.post("/finals/special-awards/confirmation", response={200: SpecialAwardsOut, **REFUSALS},
             summary="确认并冻结单项奖 / Confirm and freeze the special awards")
def confirm_special(request: HttpRequest):
    _require(request.auth, "awards.manage_finals")
    contest = get_contest()
    special.confirm_special_awards(contest=contest, actor=request.auth)
    return _special_out(contest)


def _station(request: HttpRequest, code: str):
    station = get_object_or_404(Station, contest=get_contest(), code=code[:40])
    _require(request.auth, "awards.manage_local", station)
    return station


def _local_out(station) -> dict:
    award_list = AwardList.objects.filter(contest=station.contest, scope=AwardScope.LOCAL, station=station).first()
    return {
        "station": station.code, "status": award_list.status if award_list else "none",
        "categories": list(LocalAwardCategory.objects.filter(station=station).order_by("order", "id")),
        "awards": list(award_list.awards.order_by("id")) if award_list else [],
        "open_ties": special.local_outcome(station).ties if award_list and award_list.status != "confirmed" else [],
    }


@router.get("/stations/{station_code}/local-awards", response={200: LocalAwardsOut, **REFUSALS},
            summary="赛站地方赛奖项 / A station's local awards (R-A3)")
def get_local_awards(request: HttpRequest, station_code: str):
    return _local_out(_station(request, station_code))


@router.post("/stations/{station_code}/local-awards/categories", response={200: LocalAwardsOut, **REFUSALS},
             summary="设置地方赛奖项 / Add a local award category")
def add_local_category(request: HttpRequest, station_code: str, payload: LocalCategoryIn):
    station = _station(request, station_code)
    special.set_local_category(station=station, actor=request.auth, code=payload.code, name=payload.name,
                               count=payload.count, amount=payload.amount)
    return _local_out(station)


@router.post("/stations/{station_code}/local-awards/proposal", response={200: LocalAwardsOut, **REFUSALS},
             summary="生成地方赛获奖建议 / Propose the station's awards along its local results")
def propose_local(request: HttpRequest, station_code: str):
    station = _station(request, station_code)
    special.propose_local_awards(station=station, actor=request.auth)
    return _local_out(station)


@router.post("/stations/{station_code}/local-awards/confirmation", response={200: LocalAwardsOut, **REFUSALS},
             summary="确认并冻结地方赛奖项 / Confirm and freeze the station's awards")
def confirm_local(request: HttpRequest, station_code: str):
    station = _station(request, station_code)
    special.confirm_local_awards(station=station, actor=request.auth)
    return _local_out(station)


@router.post("/finals/publications", response={200: PublicationOut, **REFUSALS},
             summary="发布或撤回结果 / Publish or withdraw a kind of result (R-C3)")
def publish_results(request: HttpRequest, payload: PublicationIn):
    _require(request.auth, "awards.manage_finals")
    result = publication.release(contest=get_contest(), kind=payload.kind, actor=request.auth, publish=payload.publish)
    return {"kind": result.kind, "released_at": result.released_at}
