"""Organizing units and industry services in the JSON API (issue 14): units, the contact
receipt (附件2) and the organizing report (R-O1, R-T2), a team's recommending unit, the
excellent-organizer ranking and decision (R-A2, R-O2), matchmaking meetings, requests, the
schedule, agendas and outcomes (R-S1), and benefits (R-A4). Every write calls the same service
as the web pages (`ciic.organizing.services`, `ciic.organizing.meetings`); what the caller may
not see is 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from ciic.entrants.models import Team
from ciic.organizing import meetings, selectors, services
from ciic.organizing.config import organizing_config
from ciic.organizing.enums import Side
from ciic.organizing.models import (
    Benefit,
    Meeting,
    MeetingRequest,
    OrganizingUnit,
    Participant,
    TeamProfile,
)
from ciic.organizing.ranking import ranking

from .auth import ANY_AUTH
from .contests import get_contest
from .errors import DetailOut, ErrorsOut

router = Router(tags=["organizing"], auth=ANY_AUTH)
REFUSALS = {401: DetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut}


def _require(user, perm: str, obj=None) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(_("无权执行此操作"))


def _contest():
    contest = get_contest()
    if organizing_config(contest) is None:
        raise Http404(_("本届大赛未设置组织单位相关规则"))
    return contest


def _my_unit(request: HttpRequest) -> OrganizingUnit:
    unit = selectors.unit_for_user(request.auth, _contest())
    if unit is None or not request.auth.has_perm("organizing.act_for_unit", unit):
        raise Http404(_("没有该组织单位"))
    return unit


# --- schemas ---------------------------------------------------------------------------------


class UnitIn(Schema):
    kind: str = Field(max_length=40, description="单位类型（spec organizing.unit_kinds）/ Kind of unit")
    name: str = Field(max_length=200, description="单位名称 / Name")
    credit_code: str = Field("", max_length=40, description="统一社会信用代码（可选）/ Unified social credit code")


class ReceiptOut(Schema):
    unit_name: str = Field(description="单位名称")
    contact_name: str = Field(description="联系人")
    title: str = Field(description="职务")
    contact_info: str = Field(description="联系方式")
    source: str = Field(description="online | excel")
    submitted_at: dt.datetime = Field(description="首次报送时间 / First returned")
    late: bool = Field(description="逾期报送 / Returned after the deadline (R-T2)")


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    kind: str
    sha256: str


class ReportOut(Schema):
    text: str
    submitted_at: dt.datetime
    late: bool = Field(description="逾期报送 / Submitted after the deadline (R-T2)")
    attachments: list[AttachmentOut]


class TeamProgressOut(Schema):
    team_id: int
    name: str
    organization: str
    station: str
    direction: str
    group: str
    stage: str = Field(description="进展 / Stage reached")
    via_invitation: bool


class UnitOut(Schema):
    id: int
    kind: str
    name: str
    credit_code: str
    invitation_code: str = Field(description="邀请码 / Invitation code teams type")
    receipt: ReceiptOut | None
    report: ReportOut | None


class ReceiptIn(Schema):
    contact_name: str = Field(max_length=200, description="联系人")
    title: str = Field(max_length=200, description="职务")
    contact_info: str = Field(max_length=200, description="联系方式")


class ReportIn(Schema):
    text: str = Field(max_length=200_000, description="组织情况 / How the unit organized entries")


class RecommendationIn(Schema):
    unit_id: int | None = Field(None, description="组织单位 ID；与邀请码二选一；都为空则取消 / Unit, or none")
    invitation_code: str = Field("", max_length=16, description="邀请码 / Invitation code")


class RecommendationOut(Schema):
    team_id: int
    unit_id: int | None
    unit_name: str
    via_invitation: bool


class TermOut(Schema):
    name: str
    figure: float
    value: float = Field(description="变换后的值 / The figure after the spec's transform")
    weight: float
    points: float


class RankingOut(Schema):
    rank: int
    unit_id: int
    unit_name: str
    score: float
    figures: dict[str, int]
    terms: list[TermOut] = Field(description="得分如何计算 / How the score was computed")
    excluded_team_ids: list[int] = Field(description="无效（退赛、取消资格、未提交）/ Invalid entries")
    duplicate_team_ids: list[int] = Field(description="重复，不计 / Duplicates, not counted")


class DecisionIn(Schema):
    unit_id: int
    reason: str = Field(max_length=2000, description="评定理由 / Reason (R-A2)")


class DecisionOut(Schema):
    award_id: int
    code: str
    name: str
    recipient_name: str
    reason: str


class MeetingIn(Schema):
    kind: str = Field(max_length=40, description="类型（spec organizing.meetings.kinds）")
    title: str = Field(max_length=200)
    starts_at: dt.datetime
    venue: str = Field("", max_length=200)
    link: str = Field("", max_length=500)
    slots: int = Field(ge=1, le=96, description="时段数 / Slots")
    tables: int = Field(ge=1, le=500, description="洽谈桌数 / Tables")
    slot_minutes: int | None = Field(None, ge=5, le=240, description="每时段分钟数；空则按 spec / Minutes a slot")
    finalists_only: bool = True


class MeetingOut(Schema):
    id: int
    kind: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    venue: str
    link: str
    slots: int
    slot_minutes: int
    tables: int
    finalists_only: bool
    scheduled_at: dt.datetime | None
    schedule: dict = Field(description="最近排期的结果 / The last schedule's figures")


class ParticipantIn(Schema):
    kind: str = Field(max_length=20, description="investor | buyer | government")
    organization: str = Field(max_length=200)
    capacity: int = Field(ge=1, le=96)
    directions: list[str] = Field([], max_length=20)
    keywords: str = Field("", max_length=300)
    stage: str = Field("", max_length=100)
    ticket: str = Field("", max_length=300)
    available: list[int] = Field([], max_length=96, description="可参加的时段（从 1 起）；空则全部")


class ParticipantOut(Schema):
    id: int
    kind: str
    organization: str
    directions: list[str]
    keywords: str
    stage: str
    ticket: str
    capacity: int
    available: list[int] = Field(description="时段（从 1 起）/ Slots, from 1")

    @staticmethod
    def resolve_available(obj) -> list[int]:
        return [s + 1 for s in obj.available]


class ProfileIn(Schema):
    team_id: int
    summary: str = Field(max_length=5000)
    capacity: int = Field(ge=1, le=96)
    financing: Decimal | None = Field(None, description="融资需求（万元）")
    seeks_partners: bool = False
    seeks_pilots: bool = False
    available: list[int] = Field([], max_length=96)


class ProfileOut(Schema):
    id: int
    team_id: int
    team_name: str
    summary: str
    financing: Decimal | None
    seeks_partners: bool
    seeks_pilots: bool
    capacity: int

    @staticmethod
    def resolve_team_name(obj) -> str:
        return obj.team.name


class MeetingRequestIn(Schema):
    participant_id: int | None = Field(None, description="团队发起时：对接方 ID / The participant, when a team asks")
    profile_id: int | None = Field(None, description="对接方发起时：团队对接信息 ID / The team's profile")
    message: str = Field("", max_length=300)


class MeetingRequestOut(Schema):
    id: int
    participant_id: int
    participant: str
    profile_id: int
    team: str
    initiated_by: str
    status: str
    locked: bool
    slot: int | None = Field(description="时段（从 1 起）/ Slot, from 1")
    table: int | None
    starts_at: dt.datetime | None


class MeetingAnswerIn(Schema):
    accept: bool


class LockIn(Schema):
    locked: bool
    slot: int | None = Field(None, ge=1, le=96)
    table: int | None = Field(None, ge=1, le=500)


class OutcomeIn(Schema):
    outcome: str = Field(max_length=20, description="none | follow_up | intent | signed | no_show")
    note: str = Field("", max_length=500)


class OutcomeOut(Schema):
    request_id: int
    side: str
    outcome: str
    note: str


class ScheduleOut(Schema):
    meetings: int
    accepted: int
    weight: float
    lp_bound: float = Field(description="上界（LP 松弛）/ No schedule weighs more")
    optimal: bool
    idle_slots: int
    left_out: int


class StatisticsOut(Schema):
    participants: int
    teams: int
    requests: dict[str, int]
    scheduled: int
    outcomes: dict[str, int]


class BenefitIn(Schema):
    team_id: int
    code: str = Field(max_length=40)
    note: str = Field("", max_length=500)


class BenefitStatusIn(Schema):
    status: str = Field(max_length=20)
    note: str | None = Field(None, max_length=500)


class BenefitOut(Schema):
    id: int
    team_id: int
    team_name: str
    code: str
    status: str
    note: str

    @staticmethod
    def resolve_team_name(obj) -> str:
        return obj.team.name


# --- helpers ---------------------------------------------------------------------------------


def _receipt(unit: OrganizingUnit) -> dict | None:
    r = unit.receipt if hasattr(unit, "receipt") else None
    return None if r is None else {"unit_name": unit.name, "contact_name": r.contact_name, "title": r.title,
                                   "contact_info": r.contact_info, "source": r.source,
                                   "submitted_at": r.submitted_at, "late": r.is_late}


def _report(unit: OrganizingUnit) -> dict | None:
    r = unit.report if hasattr(unit, "report") else None
    return None if r is None else {
        "text": r.text, "submitted_at": r.submitted_at, "late": r.is_late,
        "attachments": [{"id": a.pk, "name": a.original_name, "size": a.size, "kind": a.kind, "sha256": a.sha256}
                        for a in r.attachments.all()]}


def _unit_out(unit: OrganizingUnit) -> dict:
    return {"id": unit.pk, "kind": unit.kind, "name": unit.name, "credit_code": unit.credit_code,
            "invitation_code": unit.invitation_code, "receipt": _receipt(unit), "report": _report(unit)}


def _request_out(r: MeetingRequest) -> dict:
    return {"id": r.pk, "participant_id": r.participant_id, "participant": r.participant.organization,
            "profile_id": r.profile_id, "team": r.profile.team.name, "initiated_by": r.initiated_by,
            "status": r.status, "locked": r.locked, "slot": None if r.slot is None else r.slot + 1, "table": r.table,
            "starts_at": None if r.slot is None else r.meeting.slot_start(r.slot)}


def _meeting_out(m: Meeting) -> dict:
    return {"id": m.pk, "kind": m.kind, "title": m.title, "starts_at": m.starts_at, "ends_at": m.ends_at,
            "venue": m.venue, "link": m.link, "slots": m.slots, "slot_minutes": m.slot_minutes, "tables": m.tables,
            "finalists_only": m.finalists_only, "scheduled_at": m.scheduled_at,
            "schedule": {k: v for k, v in (m.schedule_figures or {}).items() if k != "dropped"}}


def _meeting(meeting_id: int) -> Meeting:
    return get_object_or_404(Meeting, pk=meeting_id, contest=_contest())


def _side(request: HttpRequest, req: MeetingRequest) -> str | None:
    if req.participant.user_id == request.auth.pk:
        return Side.PARTICIPANT
    if req.profile.team.lead_id == request.auth.pk:
        return Side.TEAM
    if request.auth.has_perm("organizing.manage_meetings"):
        return None
    raise Http404(_("没有该洽谈请求"))


def _req(request_id: int) -> MeetingRequest:
    return get_object_or_404(MeetingRequest.objects.select_related("meeting", "participant", "profile__team"),
                             pk=request_id, meeting__contest=_contest())


# --- units, receipts, reports ----------------------------------------------------------------


@router.get("/organizing/units", response={200: list[UnitOut], **REFUSALS},
            summary="组织单位 / Organizing units (R-O1, R-O2)")
def list_units(request: HttpRequest):
    _require(request.auth, "organizing.manage_units")
    units = OrganizingUnit.objects.filter(contest=_contest()).select_related("receipt", "report").order_by("id")
    return [_unit_out(u) for u in units]


@router.post("/organizing/units", response={201: UnitOut, **REFUSALS},
             summary="添加组织单位 / Add an organizing unit (R-O1, R-O2)")
def create_unit(request: HttpRequest, payload: UnitIn):
    _require(request.auth, "organizing.manage_units")
    unit = services.create_unit(contest=_contest(), kind=payload.kind, name=payload.name,
                                credit_code=payload.credit_code, actor=request.auth)
    return Status(201, _unit_out(unit))


@router.get("/organizing/receipts", response={200: list[ReceiptOut], **REFUSALS},
            summary="联系人回执（附件2）/ Every contact receipt (R-O1)")
def list_receipts(request: HttpRequest):
    _require(request.auth, "organizing.manage_units")
    units = OrganizingUnit.objects.filter(contest=_contest(), receipt__isnull=False).select_related("receipt")
    return [_receipt(u) for u in units.order_by("id")]


@router.get("/organizing/my-unit", response={200: UnitOut, **REFUSALS},
            summary="本单位 / The caller's organizing unit")
def my_unit(request: HttpRequest):
    return _unit_out(_my_unit(request))


@router.put("/organizing/my-unit/receipt", response={200: ReceiptOut, **REFUSALS},
            summary="报送联系人回执 / Return the contact receipt (R-O1, R-T2)")
def put_receipt(request: HttpRequest, payload: ReceiptIn):
    unit = _my_unit(request)
    services.submit_receipt(unit=unit, contact_name=payload.contact_name, title=payload.title,
                            contact_info=payload.contact_info, actor=request.auth)
    unit.refresh_from_db()
    return _receipt(OrganizingUnit.objects.select_related("receipt").get(pk=unit.pk))


@router.put("/organizing/my-unit/report", response={200: ReportOut, **REFUSALS},
            summary="报送组织情况 / Submit the organizing report (R-O1, R-T2)")
def put_report(request: HttpRequest, payload: ReportIn):
    unit = _my_unit(request)
    services.submit_report(unit=unit, text=payload.text, actor=request.auth)
    return _report(OrganizingUnit.objects.select_related("report").get(pk=unit.pk))


@router.post("/organizing/my-unit/report/attachments", response={201: AttachmentOut, **REFUSALS},
             summary="上传组织情况附件 / Attach a file to the report (content-checked)")
def post_attachment(request: HttpRequest, file: File[UploadedFile]):
    unit = _my_unit(request)
    a = services.add_report_attachment(unit=unit, stream=file, filename=file.name, actor=request.auth)
    return Status(201, {"id": a.pk, "name": a.original_name, "size": a.size, "kind": a.kind, "sha256": a.sha256})


@router.get("/organizing/my-unit/teams", response={200: list[TeamProgressOut], **REFUSALS},
            summary="本单位推荐的团队 / Teams the unit recommended (no personal data)")
def my_teams(request: HttpRequest):
    return [t.__dict__ for t in selectors.recommended_teams(_my_unit(request))]


@router.put("/organizing/teams/{team_id}/recommendation", response={200: RecommendationOut, **REFUSALS},
            summary="登记推荐单位 / Name the team's recommending unit (until registration closes)")
def put_recommendation(request: HttpRequest, team_id: int, payload: RecommendationIn):
    contest = _contest()
    team = get_object_or_404(Team, pk=team_id, contest=contest, lead=request.auth)
    unit, via = None, False
    if payload.invitation_code:
        unit, via = services.unit_by_code(contest, payload.invitation_code), True
        if unit is None:
            raise ValidationError({"invitation_code": ValidationError(_("邀请码无效"), code="R-O1")})
    elif payload.unit_id is not None:
        unit = OrganizingUnit.objects.filter(contest=contest, pk=payload.unit_id).first()
        if unit is None:
            raise ValidationError({"unit_id": ValidationError(_("没有该组织单位"), code="R-O1")})
    rec = services.recommend_team(team=team, unit=unit, actor=request.auth, via_invitation=via)
    return {"team_id": team.pk, "unit_id": rec.unit_id if rec else None, "unit_name": rec.unit.name if rec else "",
            "via_invitation": rec.via_invitation if rec else False}


# --- the ranking -----------------------------------------------------------------------------


@router.get("/organizing/ranking", response={200: list[RankingOut], **REFUSALS},
            summary="优秀组织奖排名 / The excellent-organizer ranking, with each score's terms (R-A2)")
def get_ranking(request: HttpRequest):
    _require(request.auth, "organizing.manage_units")
    return [{"rank": r.score.rank, "unit_id": r.unit.pk, "unit_name": r.unit.name, "score": r.score.total,
             "figures": r.score.figures, "terms": [t.__dict__ for t in r.score.terms],
             "excluded_team_ids": list(r.score.excluded), "duplicate_team_ids": [d[0] for d in r.score.duplicates]}
            for r in ranking(_contest())]


@router.post("/organizing/ranking/decision", response={201: DecisionOut, **REFUSALS},
             summary="评定优秀组织奖 / Name the 优秀组织奖 winner through the awards (R-A2)")
def post_decision(request: HttpRequest, payload: DecisionIn):
    _require(request.auth, "organizing.manage_units")
    contest = _contest()
    unit = get_object_or_404(OrganizingUnit, pk=payload.unit_id, contest=contest)
    award = services.decide_excellent_organizer(contest=contest, unit=unit, reason=payload.reason, actor=request.auth)
    return Status(201, {"award_id": award.pk, "code": award.code, "name": award.name,
                        "recipient_name": award.recipient_name, "reason": award.reason})


# --- meetings --------------------------------------------------------------------------------


@router.get("/organizing/meetings", response={200: list[MeetingOut], **REFUSALS},
            summary="对接会 / Matchmaking meetings (R-S1)")
def list_meetings(request: HttpRequest):
    return [_meeting_out(m) for m in Meeting.objects.filter(contest=_contest())]


@router.post("/organizing/meetings", response={201: MeetingOut, **REFUSALS},
             summary="新建对接会 / Create a meeting (R-S1)")
def create_meeting(request: HttpRequest, payload: MeetingIn):
    _require(request.auth, "organizing.manage_meetings")
    m = meetings.create_meeting(contest=_contest(), kind=payload.kind, title=payload.title, starts_at=payload.starts_at,
                                venue=payload.venue, link=payload.link, slots=payload.slots, tables=payload.tables,
                                slot_minutes=payload.slot_minutes, finalists_only=payload.finalists_only,
                                actor=request.auth)
    return Status(201, _meeting_out(m))


@router.get("/organizing/meetings/{meeting_id}", response={200: MeetingOut, **REFUSALS},
            summary="对接会 / A meeting")
def get_meeting(request: HttpRequest, meeting_id: int):
    return _meeting_out(_meeting(meeting_id))


@router.get("/organizing/meetings/{meeting_id}/participants", response={200: list[ParticipantOut], **REFUSALS},
            summary="对接方 / Registered investors, buyers and government bodies")
def list_participants(request: HttpRequest, meeting_id: int):
    return list(_meeting(meeting_id).participants.all())


@router.post("/organizing/meetings/{meeting_id}/participants", response={201: ParticipantOut, **REFUSALS},
             summary="报名参加对接会 / Register for a meeting with interests (R-S1)")
def register(request: HttpRequest, meeting_id: int, payload: ParticipantIn):
    p = meetings.register_participant(meeting=_meeting(meeting_id), user=request.auth, kind=payload.kind,
                                      organization=payload.organization, capacity=payload.capacity,
                                      directions=payload.directions, keywords=payload.keywords, stage=payload.stage,
                                      ticket=payload.ticket, available=payload.available)
    return Status(201, p)


@router.get("/organizing/meetings/{meeting_id}/profiles", response={200: list[ProfileOut], **REFUSALS},
            summary="参会团队 / Teams' public profiles")
def list_profiles(request: HttpRequest, meeting_id: int):
    return list(_meeting(meeting_id).profiles.select_related("team"))


@router.post("/organizing/meetings/{meeting_id}/profiles", response={201: ProfileOut, **REFUSALS},
             summary="团队报名 / A finalist's or winner's team opts in (R-S1, R-A4)")
def opt_in(request: HttpRequest, meeting_id: int, payload: ProfileIn):
    meeting = _meeting(meeting_id)
    team = get_object_or_404(Team, pk=payload.team_id, contest=meeting.contest, lead=request.auth)
    p = meetings.opt_in_team(meeting=meeting, team=team, summary=payload.summary, capacity=payload.capacity,
                             financing=payload.financing, seeks_partners=payload.seeks_partners,
                             seeks_pilots=payload.seeks_pilots, available=payload.available, actor=request.auth)
    return Status(201, p)


@router.get("/organizing/meetings/{meeting_id}/requests", response={200: list[MeetingRequestOut], **REFUSALS},
            summary="洽谈请求（本人的；秘书处为全部）/ The caller's requests, or all for staff")
def list_requests(request: HttpRequest, meeting_id: int):
    meeting = _meeting(meeting_id)
    rows = MeetingRequest.objects.filter(meeting=meeting).select_related("meeting", "participant", "profile__team")
    if not request.auth.has_perm("organizing.manage_meetings"):
        rows = rows.filter(participant__user=request.auth) | rows.filter(profile__team__lead=request.auth)
    return [_request_out(r) for r in rows.order_by("slot", "table", "pk")]


@router.post("/organizing/meetings/{meeting_id}/requests", response={201: MeetingRequestOut, **REFUSALS},
             summary="请求洽谈 / Ask to meet (either side; limit of open requests)")
def create_request(request: HttpRequest, meeting_id: int, payload: MeetingRequestIn):
    meeting = _meeting(meeting_id)
    mine = Participant.objects.filter(meeting=meeting, user=request.auth).first()
    if mine is not None and payload.profile_id is not None:
        other = get_object_or_404(TeamProfile, pk=payload.profile_id, meeting=meeting)
        req = meetings.request_meeting(participant=mine, profile=other, initiated_by=Side.PARTICIPANT,
                                       actor=request.auth, message=payload.message)
    else:
        profile = TeamProfile.objects.filter(meeting=meeting, team__lead=request.auth).first()
        if profile is None or payload.participant_id is None:
            raise Http404(_("请先报名参加本场对接会"))
        other = get_object_or_404(Participant, pk=payload.participant_id, meeting=meeting)
        req = meetings.request_meeting(participant=other, profile=profile, initiated_by=Side.TEAM, actor=request.auth,
                                       message=payload.message)
    return Status(201, _request_out(_req(req.pk)))


@router.post("/organizing/requests/{request_id}/answer", response={200: MeetingRequestOut, **REFUSALS},
             summary="答复洽谈请求 / Accept or decline (the side asked)")
def answer(request: HttpRequest, request_id: int, payload: MeetingAnswerIn):
    req = _req(request_id)
    side = _side(request, req)
    if side is None or side == req.initiated_by:
        raise Http404(_("没有该洽谈请求"))
    meetings.answer_request(request=req, accept=payload.accept, actor=request.auth)
    return _request_out(_req(request_id))


@router.post("/organizing/requests/{request_id}/withdraw", response={200: MeetingRequestOut, **REFUSALS},
             summary="撤回洽谈请求 / Withdraw a request or cancel a meeting")
def withdraw(request: HttpRequest, request_id: int):
    req = _req(request_id)
    _side(request, req)
    meetings.withdraw_request(request=req, actor=request.auth)
    return _request_out(_req(request_id))


@router.post("/organizing/requests/{request_id}/lock", response={200: MeetingRequestOut, **REFUSALS},
             summary="锁定洽谈 / Staff lock a meeting (kept by a re-run)")
def lock(request: HttpRequest, request_id: int, payload: LockIn):
    _require(request.auth, "organizing.manage_meetings")
    req = _req(request_id)
    meetings.lock_request(request=req, locked=payload.locked, slot=payload.slot, table=payload.table,
                          actor=request.auth)
    return _request_out(_req(request_id))


@router.post("/organizing/requests/{request_id}/outcome", response={200: OutcomeOut, **REFUSALS},
             summary="记录洽谈结果 / Record what came of the meeting (R-S1)")
def outcome(request: HttpRequest, request_id: int, payload: OutcomeIn):
    req = _req(request_id)
    side = _side(request, req)
    if side is None:
        raise Http404(_("没有该洽谈请求"))
    row = meetings.record_outcome(request=req, side=side, outcome=payload.outcome, note=payload.note,
                                  actor=request.auth)
    return {"request_id": req.pk, "side": row.side, "outcome": row.outcome, "note": row.note}


@router.post("/organizing/meetings/{meeting_id}/schedule", response={200: ScheduleOut, **REFUSALS},
             summary="运行排期 / Run the schedule (locked meetings kept)")
def schedule(request: HttpRequest, meeting_id: int):
    _require(request.auth, "organizing.manage_meetings")
    return meetings.run_schedule(meeting=_meeting(meeting_id), actor=request.auth)


@router.get("/organizing/meetings/{meeting_id}/agenda", response={200: list[MeetingRequestOut], **REFUSALS},
            summary="我的日程 / The caller's scheduled meetings")
def agenda(request: HttpRequest, meeting_id: int):
    meeting = _meeting(meeting_id)
    rows = MeetingRequest.objects.filter(meeting=meeting, status="accepted", slot__isnull=False).select_related(
        "meeting", "participant", "profile__team")
    rows = rows.filter(participant__user=request.auth) | rows.filter(profile__team__lead=request.auth)
    return [_request_out(r) for r in rows.order_by("slot")]


@router.get("/organizing/meetings/{meeting_id}/statistics", response={200: StatisticsOut, **REFUSALS},
            summary="对接会统计 / The meeting's statistics (R-S1)")
def statistics(request: HttpRequest, meeting_id: int):
    _require(request.auth, "organizing.manage_meetings")
    return meetings.meeting_statistics(_meeting(meeting_id))


# --- benefits --------------------------------------------------------------------------------


@router.get("/organizing/benefits", response={200: list[BenefitOut], **REFUSALS},
            summary="赛事权益 / Benefits offered (all for staff, the caller's teams' otherwise; R-A4)")
def list_benefits(request: HttpRequest):
    rows = Benefit.objects.filter(contest=_contest()).select_related("team")
    if not request.auth.has_perm("organizing.manage_meetings"):
        rows = rows.filter(team__lead=request.auth)
    return list(rows)


@router.post("/organizing/benefits", response={201: BenefitOut, **REFUSALS},
             summary="提供赛事权益 / Offer a benefit to a finalist or winner (R-A4)")
def offer(request: HttpRequest, payload: BenefitIn):
    _require(request.auth, "organizing.manage_meetings")
    team = get_object_or_404(Team, pk=payload.team_id, contest=_contest())
    return Status(201, meetings.offer_benefit(team=team, code=payload.code, note=payload.note, actor=request.auth))


@router.post("/organizing/benefits/{benefit_id}/status", response={200: BenefitOut, **REFUSALS},
             summary="更新权益状态 / The team takes it up or not; staff move it along (R-A4)")
def benefit_status(request: HttpRequest, benefit_id: int, payload: BenefitStatusIn):
    staff = request.auth.has_perm("organizing.manage_meetings")
    benefit = get_object_or_404(Benefit.objects.select_related("team"), pk=benefit_id, contest=_contest())
    if not staff and benefit.team.lead_id != request.auth.pk:
        raise Http404(_("没有该记录"))
    return meetings.update_benefit(benefit=benefit, status=payload.status, actor=request.auth, by_team=not staff,
                                   note=payload.note if staff else None)


# --- examples (ciic/api/examples.py reads them) ---------------------------------------------------

RECEIPT = {"unit_name": "浙江省经济和信息化厅", "contact_name": "王联络", "title": "处长",
           "contact_info": "0571-87051234", "source": "online", "submitted_at": "2023-10-08T16:20:00+08:00",
           "late": False}
ATTACHMENT = {"id": 3, "name": "组织情况.pdf", "size": 182044, "kind": "pdf",
              "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}
REPORT = {"text": "组织本省 36 家单位报名参赛，覆盖 4 个赛站。", "submitted_at": "2023-10-20T10:00:00+08:00",
          "late": False, "attachments": [ATTACHMENT]}
TEAM_PROGRESS = {"team_id": 12, "name": "智造先锋队", "organization": "测试科技有限公司1", "station": "北京赛站",
                 "direction": "工业互联网+质量提升解决方案", "group": "新锐组", "stage": "晋级全国总决赛",
                 "via_invitation": True}
UNIT = {"id": 1, "kind": "industry_department", "name": "浙江省经济和信息化厅", "credit_code": "",
        "invitation_code": "K7QW2MZD", "receipt": RECEIPT, "report": REPORT}
RECOMMENDATION = {"team_id": 12, "unit_id": 1, "unit_name": "浙江省经济和信息化厅", "via_invitation": True}
RANKING = {"rank": 1, "unit_id": 1, "unit_name": "浙江省经济和信息化厅", "score": 32.93,
           "figures": {"entries": 5, "stations": 2, "directions": 2, "finalists": 1, "winners": 0,
                       "receipt_on_time": 1, "report_on_time": 1},
           "terms": [{"name": "entries", "figure": 5, "value": 2.236, "weight": 4, "points": 8.94},
                     {"name": "finalists", "figure": 1, "value": 1, "weight": 6, "points": 6}],
           "excluded_team_ids": [17], "duplicate_team_ids": [19]}
DECISION = {"award_id": 41, "code": "organization", "name": "优秀组织奖", "recipient_name": "浙江省经济和信息化厅",
            "reason": "组织成效突出\n组织单位排名第 1 名，得分 32.93（有效推荐 5 项，晋级 1 项，获奖 0 项）"}
MEETING = {"id": 2, "kind": "investment", "title": "资本相亲会", "starts_at": "2023-12-12T09:00:00+08:00",
           "ends_at": "2023-12-12T11:40:00+08:00", "venue": "宁波国际会议中心", "link": "", "slots": 8,
           "slot_minutes": 20, "tables": 10, "finalists_only": True, "scheduled_at": "2023-12-10T18:00:00+08:00",
           "schedule": {"meetings": 24, "accepted": 25, "weight": 312, "lp_bound": 325, "optimal": False,
                        "idle_slots": 3, "left_out": 1}}
PARTICIPANT = {"id": 5, "kind": "investor", "organization": "甬江创投", "directions": ["quality"],
               "keywords": "质量 追溯", "stage": "A 轮", "ticket": "500–2000 万元", "capacity": 6, "available": [1, 2, 3]}
PROFILE = {"id": 8, "team_id": 12, "team_name": "智造先锋队", "summary": "基于工业互联网平台的质量追溯系统",
           "financing": "1500.00", "seeks_partners": True, "seeks_pilots": False, "capacity": 4}
REQUEST = {"id": 31, "participant_id": 5, "participant": "甬江创投", "profile_id": 8, "team": "智造先锋队",
           "initiated_by": "participant", "status": "accepted", "locked": False, "slot": 2, "table": 4,
           "starts_at": "2023-12-12T09:20:00+08:00"}
OUTCOME = {"request_id": 31, "side": "participant", "outcome": "intent", "note": "约定尽调"}
SCHEDULE = {"meetings": 24, "accepted": 25, "weight": 312.0, "lp_bound": 325.0, "optimal": False, "idle_slots": 3,
            "left_out": 1}
STATISTICS = {"participants": 12, "teams": 20, "requests": {"open": 3, "accepted": 25, "declined": 4, "withdrawn": 1},
              "scheduled": 24, "outcomes": {"none": 2, "follow_up": 10, "intent": 5, "signed": 1, "no_show": 0}}
BENEFIT = {"id": 4, "team_id": 12, "team_name": "智造先锋队", "code": "capital_matchmaking", "status": "accepted",
           "note": ""}

EXAMPLES = {
    ReceiptOut: RECEIPT, AttachmentOut: ATTACHMENT, ReportOut: REPORT, TeamProgressOut: TEAM_PROGRESS, UnitOut: UNIT,
    RecommendationOut: RECOMMENDATION, RankingOut: RANKING, DecisionOut: DECISION, MeetingOut: MEETING,
    ParticipantOut: PARTICIPANT, ProfileOut: PROFILE, MeetingRequestOut: REQUEST, OutcomeOut: OUTCOME, ScheduleOut: SCHEDULE,
    StatisticsOut: STATISTICS, BenefitOut: BENEFIT,
}
