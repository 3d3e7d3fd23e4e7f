"""Matchmaking meetings (R-S1) and the winners' and finalists' benefits (R-A4).

A meeting (one of the spec's kinds: 政企对接会, 供需对接会, 投融资对接会) has `slots` slots of
`slot_minutes` (the spec's default) at `tables` tables. Investors, buyers and government bodies
register with their interests; finalists' and winners' teams opt in with a public profile.
Either side asks the other to meet; the other accepts or declines; a side has at most the
spec's `max_open_requests` requests waiting for an answer.

The schedule (`run_schedule`) hands every accepted request to `ciic.engines.matchmaking`: a
pair's weight is its mutual interest (an accepted request, plus the participant's directions
and keywords matching the team's), capacities and availability are each side's own; staff
lock meetings (optionally at a slot and table), and a locked meeting keeps its place when the
schedule is run again. Each side gets its agenda (page and .ics), staff the table plan.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ciic.audit.services import record
from ciic.contests.models import Contest, Direction
from ciic.core.validation import Errors, clean_text
from ciic.engines.matchmaking import Infeasible, Pair, Problem, check_schedule, schedule_meetings
from ciic.engines.matchmaking import Participant as EngineParticipant
from ciic.entrants.enums import TeamStatus
from ciic.entrants.models import Team
from ciic.projects.enums import ProjectStatus

from .config import organizing_config
from .enums import BenefitStatus, Outcome, ParticipantKind, RequestStatus, Side
from .models import Benefit, Meeting, MeetingOutcome, MeetingRequest, Participant, TeamProfile
from .selectors import finalist_project_ids, winner_project_ids
from .services import config_or_error

MAX_SLOTS = 96
MAX_TABLES = 500
MAX_CAPACITY = 96
SUMMARY_LIMIT = 2000
MESSAGE_LIMIT = 300
NOTE_LIMIT = 500
FINANCING_MAX = Decimal("9999999999")
BASE_WEIGHT = 10
DIRECTION_WEIGHT = 5
KEYWORD_WEIGHT = 1
KEYWORD_MAX = 5


def _int(errors: Errors, field: str, value, *, label: str, low: int, high: int, rule: str) -> int | None:
    try:
        number = int(str(value).strip()[:12]) if value not in (None, "") else None
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        errors.add(field, _("%(label)s须为 %(low)s 至 %(high)s 的整数") % {"label": label, "low": low, "high": high}, rule)
        return None
    return number


def _slots(errors: Errors, field: str, values, meeting: Meeting, rule: str) -> list[int]:
    """Slot numbers as people count them (1..slots) into indices; empty means every slot."""
    chosen: set[int] = set()
    for value in values or []:
        try:
            number = int(str(value).strip()[:6])
        except (TypeError, ValueError):
            number = 0
        if not 1 <= number <= meeting.slots:
            errors.add(field, _("时段须在 1 至 %(n)s 之间") % {"n": meeting.slots}, rule)
            return []
        chosen.add(number - 1)
    return sorted(chosen)


# --- meetings --------------------------------------------------------------------------------


def create_meeting(*, contest: Contest, kind: str, title: str, starts_at: dt.datetime | None, slots,
                   tables, actor, slot_minutes=None, venue: str = "", link: str = "",
                   finalists_only: bool = True) -> Meeting:
    """The secretariat sets up a meeting (R-S1): a kind of the spec's list, a title, a start,
    a venue or a link, its slots and tables; the slot length defaults to the spec's. Audited."""
    config = config_or_error(contest)
    errors = Errors()
    if config.meeting_kind(str(kind or "")) is None:
        errors.add("kind", _("请选择对接会类型"), "R-S1")
    title = clean_text(errors, "title", title, label=_("名称"), limit=200, rule="R-S1")
    venue = clean_text(errors, "venue", venue, label=_("地点"), limit=200, rule="R-S1", required=False)
    link = clean_text(errors, "link", link, label=_("线上链接"), limit=500, rule="R-S1", required=False)
    if link and not link.startswith(("https://", "http://")):
        errors.add("link", _("线上链接须以 https:// 开头"), "R-S1")
    if not venue and not link:
        errors.add("venue", _("请填写地点或线上链接"), "R-S1")
    if starts_at is None:
        errors.add("starts_at", _("请填写开始时间"), "R-S1")
    n_slots = _int(errors, "slots", slots, label=_("时段数"), low=1, high=MAX_SLOTS, rule="R-S1")
    n_tables = _int(errors, "tables", tables, label=_("洽谈桌数"), low=1, high=MAX_TABLES, rule="R-S1")
    minutes = (config.slot_minutes if slot_minutes in (None, "") else
               _int(errors, "slot_minutes", slot_minutes, label=_("每时段分钟数"), low=5, high=240, rule="R-S1"))
    errors.raise_if_any()
    with transaction.atomic():
        meeting = Meeting.objects.create(contest=contest, kind=kind, title=title, starts_at=starts_at, venue=venue,
                                         link=link, slots=n_slots, slot_minutes=minutes, tables=n_tables,
                                         finalists_only=bool(finalists_only), created_by=actor)
        record(actor=actor, action="organizing.meeting.create", target=meeting, after={
            "kind": kind, "title": title, "starts_at": starts_at.isoformat(), "slots": n_slots,
            "slot_minutes": minutes, "tables": n_tables})
    return meeting


def _not_started(meeting: Meeting, errors: Errors, now: dt.datetime) -> None:
    if now >= meeting.starts_at:
        errors.add("__all__", _("对接会已开始，不能再报名或发起洽谈"), "R-S1")


def register_participant(*, meeting: Meeting, user, kind: str, organization: str, capacity, directions=(),
                         keywords: str = "", stage: str = "", ticket: str = "", available=(),
                         now: dt.datetime | None = None) -> Participant:
    """An investor, buyer or government body registers for the meeting with its interests
    (directions of the contest, keywords, stage, ticket size or needs), how many meetings it
    takes and the slots it is there (R-S1). Registering again updates the registration."""
    now = now or timezone.now()
    errors = Errors()
    _not_started(meeting, errors, now)
    if kind not in ParticipantKind.values:
        errors.add("kind", _("请选择对接方类型"), "R-S1")
    organization = clean_text(errors, "organization", organization, label=_("机构名称"), limit=200, rule="R-S1")
    keywords = clean_text(errors, "keywords", keywords, label=_("关键词"), limit=300, rule="R-S1", required=False)
    stage = clean_text(errors, "stage", stage, label=_("关注阶段"), limit=100, rule="R-S1", required=False)
    ticket = clean_text(errors, "ticket", ticket, label=_("投资规模或需求"), limit=300, rule="R-S1", required=False)
    cap = _int(errors, "capacity", capacity, label=_("最多洽谈场次"), low=1, high=min(MAX_CAPACITY, meeting.slots),
               rule="R-S1")
    codes = sorted({str(d)[:40] for d in directions or []})
    known = set(Direction.objects.filter(contest=meeting.contest).values_list("code", flat=True))
    if set(codes) - known:
        errors.add("directions", _("没有该赛题方向"), "R-S1")
    slots = _slots(errors, "available", available, meeting, "R-S1")
    errors.raise_if_any()
    with transaction.atomic():
        participant, created = Participant.objects.update_or_create(meeting=meeting, user=user, defaults=dict(
            kind=kind, organization=organization, directions=codes, keywords=keywords, stage=stage, ticket=ticket,
            capacity=cap, available=slots))
        record(actor=user, action="organizing.participant.register", target=participant,
               after={"meeting": meeting.pk, "kind": kind, "organization": organization, "created": created})
    return participant


def eligible_team(team: Team, *, finalists: set[int] | None = None, winners: set[int] | None = None) -> bool:
    """A finalist's or a winner's team (R-S1, R-A4), still in the contest."""
    project = getattr(team, "project", None)
    if team.status != TeamStatus.REGISTERED or project is None or project.status != ProjectStatus.ACTIVE:
        return False
    finalists = finalist_project_ids(team.contest) if finalists is None else finalists
    winners = winner_project_ids(team.contest) if winners is None else winners
    return project.pk in finalists or project.pk in winners


def opt_in_team(*, meeting: Meeting, team: Team, summary: str, capacity, actor, financing=None,
                seeks_partners: bool = False, seeks_pilots: bool = False, available=(),
                now: dt.datetime | None = None) -> TeamProfile:
    """A finalist's or winner's team joins the meeting with its public profile: a summary,
    what it seeks (a financing amount in 万元, partners, pilots), how many meetings it takes
    and its slots (R-S1, R-A4). Opting in again updates the profile."""
    now = now or timezone.now()
    errors = Errors()
    _not_started(meeting, errors, now)
    if team.contest_id != meeting.contest_id:
        errors.add("team", _("没有该团队"), "R-S1")
    elif meeting.finalists_only and not eligible_team(team):
        errors.add("team", _("仅晋级全国总决赛或获奖的团队可参加"), "R-A4")
    summary = clean_text(errors, "summary", summary, label=_("项目简介"), limit=SUMMARY_LIMIT, rule="R-S1", multiline=True)
    cap = _int(errors, "capacity", capacity, label=_("最多洽谈场次"), low=1, high=min(MAX_CAPACITY, meeting.slots),
               rule="R-S1")
    amount = None
    if financing not in (None, ""):
        try:
            amount = Decimal(str(financing).strip()[:20])
            if not amount.is_finite() or amount < 0 or amount > FINANCING_MAX or amount != round(amount, 2):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors.add("financing", _("融资需求须为不超过两位小数的非负金额（万元）"), "R-S1")
            amount = None
    slots = _slots(errors, "available", available, meeting, "R-S1")
    errors.raise_if_any()
    with transaction.atomic():
        profile, created = TeamProfile.objects.update_or_create(meeting=meeting, team=team, defaults=dict(
            summary=summary, financing=amount, seeks_partners=bool(seeks_partners), seeks_pilots=bool(seeks_pilots),
            capacity=cap, available=slots, created_by=actor))
        record(actor=actor, action="organizing.profile.opt_in", target=profile,
               after={"meeting": meeting.pk, "team": team.pk, "created": created})
    return profile


# --- requests --------------------------------------------------------------------------------


def _open_count(meeting: Meeting, side: str, who) -> int:
    mine = Q(participant=who) if side == Side.PARTICIPANT else Q(profile=who)
    return MeetingRequest.objects.filter(mine, meeting=meeting, initiated_by=side, status=RequestStatus.OPEN).count()


def request_meeting(*, participant: Participant, profile: TeamProfile, initiated_by: str, actor, message: str = "",
                    now: dt.datetime | None = None) -> MeetingRequest:
    """One side asks the other to meet (R-S1). Refused: the two are not at the same meeting,
    the meeting has started, a live request already joins them, or the asking side already
    has the spec's `max_open_requests` unanswered requests. Audited."""
    now = now or timezone.now()
    meeting = participant.meeting
    config = config_or_error(meeting.contest)
    errors = Errors()
    if profile.meeting_id != meeting.pk:
        errors.add("profile", _("该团队未参加本场对接会"), "R-S1")
    if initiated_by not in Side.values:
        errors.add("initiated_by", _("发起方无效"), "R-S1")
    _not_started(meeting, errors, now)
    message = clean_text(errors, "message", message, label=_("留言"), limit=MESSAGE_LIMIT, rule="R-S1", required=False)
    errors.raise_if_any()
    with transaction.atomic():
        Meeting.objects.select_for_update().get(pk=meeting.pk)
        who = participant if initiated_by == Side.PARTICIPANT else profile
        if _open_count(meeting, initiated_by, who) >= config.max_open_requests:
            raise ValidationError({"__all__": ValidationError(
                _("待答复的洽谈请求已达上限（%(n)s 个），请等对方答复或撤回后再发起") % {"n": config.max_open_requests},
                code="R-S1")})
        if MeetingRequest.objects.filter(participant=participant, profile=profile,
                                         status__in=(RequestStatus.OPEN, RequestStatus.ACCEPTED)).exists():
            raise ValidationError({"profile": ValidationError(_("双方已有洽谈请求"), code="R-S1")})
        try:
            with transaction.atomic():
                req = MeetingRequest.objects.create(meeting=meeting, participant=participant, profile=profile,
                                                    initiated_by=initiated_by, message=message, created_at=now)
        except IntegrityError as exc:
            raise ValidationError({"profile": ValidationError(_("双方已有洽谈请求"), code="R-S1")}) from exc
        record(actor=actor, action="organizing.request.create", target=req,
               after={"meeting": meeting.pk, "participant": participant.pk, "profile": profile.pk, "by": initiated_by})
    return req


def answer_request(*, request: MeetingRequest, accept: bool, actor, now: dt.datetime | None = None) -> MeetingRequest:
    """The side that was asked accepts or declines an open request (R-S1). Audited."""
    now = now or timezone.now()
    with transaction.atomic():
        req = MeetingRequest.objects.select_for_update().get(pk=request.pk)
        if req.status != RequestStatus.OPEN:
            raise ValidationError({"__all__": ValidationError(_("该请求已答复或撤回"), code="R-S1")})
        req.status = RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED
        req.answered_at = now
        req.save(update_fields=["status", "answered_at"])
        record(actor=actor, action="organizing.request.answer", target=req, after={"status": req.status})
    return req


def withdraw_request(*, request: MeetingRequest, actor) -> MeetingRequest:
    """Either side takes back a live request (or cancels an accepted meeting); its slot is freed."""
    with transaction.atomic():
        req = MeetingRequest.objects.select_for_update().get(pk=request.pk)
        if req.status not in (RequestStatus.OPEN, RequestStatus.ACCEPTED):
            raise ValidationError({"__all__": ValidationError(_("该请求已答复或撤回"), code="R-S1")})
        before = {"status": req.status, "slot": req.slot, "table": req.table}
        req.status, req.slot, req.table, req.locked = RequestStatus.WITHDRAWN, None, None, False
        req.locked_slot = req.locked_table = None
        req.save(update_fields=["status", "slot", "table", "locked", "locked_slot", "locked_table"])
        record(actor=actor, action="organizing.request.withdraw", target=req, before=before)
    return req


def lock_request(*, request: MeetingRequest, locked: bool, actor, slot=None, table=None) -> MeetingRequest:
    """Staff promise an accepted meeting: it happens whatever a re-run decides, at `slot` and
    `table` (numbered from 1) when given, else at its current place if it has one (R-S1)."""
    meeting = request.meeting
    errors = Errors()
    if request.status != RequestStatus.ACCEPTED:
        errors.add("__all__", _("只能锁定已接受的洽谈"), "R-S1")
    s = t = None
    if locked:
        if slot not in (None, ""):
            s = _int(errors, "slot", slot, label=_("时段"), low=1, high=meeting.slots, rule="R-S1")
            s = None if s is None else s - 1
        elif request.slot is not None:
            s = request.slot
        if table not in (None, ""):
            if s is None:
                errors.add("table", _("指定桌号须同时指定时段"), "R-S1")
            t = _int(errors, "table", table, label=_("桌号"), low=1, high=meeting.tables, rule="R-S1")
        elif s is not None and s == request.slot:
            t = request.table
    errors.raise_if_any()
    with transaction.atomic():
        req = MeetingRequest.objects.select_for_update().get(pk=request.pk)
        req.locked, req.locked_slot, req.locked_table = bool(locked), s, t
        req.save(update_fields=["locked", "locked_slot", "locked_table"])
        record(actor=actor, action="organizing.request.lock", target=req,
               after={"locked": req.locked, "slot": s, "table": t})
    return req


# --- the schedule ----------------------------------------------------------------------------


def _words(text: str) -> set[str]:
    import re

    return {w for w in re.split(r"[\s,，、;；/]+", (text or "").lower()) if len(w) >= 2}


def pair_weight(participant: Participant, profile: TeamProfile) -> int:
    """The pair's mutual interest: an accepted request, plus the team's direction among the
    participant's, plus the participant's keywords found in the team's summary (a few at most)."""
    weight = BASE_WEIGHT
    if profile.team.direction.code in (participant.directions or []):
        weight += DIRECTION_WEIGHT
    summary = (profile.summary or "").lower()
    hits = sum(1 for w in _words(participant.keywords) if w in summary)
    return weight + KEYWORD_WEIGHT * min(hits, KEYWORD_MAX)


def _available(row, slots: int) -> frozenset[int]:
    return frozenset(row.available) if row.available else frozenset(range(slots))


def build_problem(meeting: Meeting, accepted: list[MeetingRequest]) -> Problem:
    participants = {r.participant_id: r.participant for r in accepted}
    profiles = {r.profile_id: r.profile for r in accepted}
    return Problem(
        side_a=[EngineParticipant(pk, p.capacity, _available(p, meeting.slots)) for pk, p in participants.items()],
        side_b=[EngineParticipant(pk, p.capacity, _available(p, meeting.slots)) for pk, p in profiles.items()],
        pairs=[Pair(r.participant_id, r.profile_id, pair_weight(r.participant, r.profile), locked=r.locked,
                    slot=r.locked_slot if r.locked else None,
                    table=(r.locked_table - 1) if r.locked and r.locked_table is not None else None)
               for r in accepted],
        slots=meeting.slots, tables=meeting.tables)


def run_schedule(*, meeting: Meeting, actor) -> dict:
    """Place the accepted requests into slots and tables (ciic.engines.matchmaking): nobody
    double-booked, capacities and availability kept, idle gaps short, locked meetings kept
    (and where they were locked). Requests the schedule leaves out get no slot. Stores the
    figures (weight, LP bound, optimal, left out and why). Refused, changing nothing, when
    the locked meetings cannot all hold. Audited."""
    with transaction.atomic():
        Meeting.objects.select_for_update().get(pk=meeting.pk)
        accepted = list(MeetingRequest.objects.filter(meeting=meeting, status=RequestStatus.ACCEPTED)
                        .select_related("participant", "profile__team__direction").order_by("pk"))
        problem = build_problem(meeting, accepted)
        try:
            result = schedule_meetings(problem)
        except Infeasible as exc:
            raise ValidationError({"__all__": ValidationError(
                _("锁定的洽谈无法全部安排：%(reason)s") % {"reason": str(exc)}, code="R-S1")}) from exc
        problems = check_schedule(problem, result)
        if problems:  # the engine's own checker: never store a broken schedule
            raise ValidationError({"__all__": ValidationError("; ".join(problems), code="R-S1")})
        by_pair = {(r.participant_id, r.profile_id): r for r in accepted}
        MeetingRequest.objects.filter(meeting=meeting).update(slot=None, table=None)
        for m in result.meetings:
            req = by_pair[(m.a, m.b)]
            req.slot, req.table = m.slot, m.table + 1
            req.save(update_fields=["slot", "table"])
        now = timezone.now()
        figures = {"meetings": len(result.meetings), "accepted": len(accepted), "weight": result.weight,
                   "lp_bound": result.lp_bound, "optimal": result.optimal, "idle_slots": result.idle_slots,
                   "left_out": len(accepted) - len(result.meetings),
                   "dropped": [{"participant": d.a, "profile": d.b, "reason": d.reason} for d in result.dropped]}
        meeting.scheduled_at, meeting.schedule_figures = now, figures
        meeting.save(update_fields=["scheduled_at", "schedule_figures"])
        record(actor=actor, action="organizing.meeting.schedule", target=meeting,
               after={k: v for k, v in figures.items() if k != "dropped"})
    return figures


# --- after the meeting -----------------------------------------------------------------------


def record_outcome(*, request: MeetingRequest, side: str, outcome: str, actor, note: str = "",
                   now: dt.datetime | None = None) -> MeetingOutcome:
    """Each side records what came of a scheduled meeting once it has begun (R-S1). Again
    replaces its own record. Audited."""
    now = now or timezone.now()
    errors = Errors()
    if request.slot is None:
        errors.add("__all__", _("该洽谈未排期"), "R-S1")
    elif now < request.meeting.slot_start(request.slot):
        errors.add("__all__", _("洽谈开始后才能记录结果"), "R-S1")
    if side not in Side.values:
        errors.add("side", _("记录方无效"), "R-S1")
    if outcome not in Outcome.values:
        errors.add("outcome", _("请选择洽谈结果"), "R-S1")
    note = clean_text(errors, "note", note, label=_("说明"), limit=NOTE_LIMIT, rule="R-S1", required=False)
    errors.raise_if_any()
    with transaction.atomic():
        row, _created = MeetingOutcome.objects.update_or_create(request=request, side=side, defaults=dict(
            outcome=outcome, note=note, recorded_by=actor, recorded_at=now))
        record(actor=actor, action="organizing.request.outcome", target=request,
               after={"side": side, "outcome": outcome})
    return row


def meeting_statistics(meeting: Meeting) -> dict:
    """For the secretariat: registrations, requests by status, meetings placed, outcomes."""
    requests = MeetingRequest.objects.filter(meeting=meeting)
    by_status = {s: 0 for s in RequestStatus.values}
    for status in requests.values_list("status", flat=True):
        by_status[status] += 1
    outcomes = {o: 0 for o in Outcome.values}
    for value in MeetingOutcome.objects.filter(request__meeting=meeting).values_list("outcome", flat=True):
        outcomes[value] += 1
    return {"participants": meeting.participants.count(), "teams": meeting.profiles.count(),
            "requests": by_status, "scheduled": requests.filter(slot__isnull=False).count(), "outcomes": outcomes}


# --- benefits (R-A4) -------------------------------------------------------------------------


def offer_benefit(*, team: Team, code: str, actor, note: str = "") -> Benefit:
    """The secretariat records a benefit offered to a winner's or finalist's team (R-A4)."""
    config = organizing_config(team.contest)
    errors = Errors()
    if config is None or config.benefit(str(code or "")) is None:
        errors.add("code", _("请选择赛事权益"), "R-A4")
    elif not eligible_team(team):
        errors.add("team", _("赛事权益仅提供给晋级全国总决赛或获奖的团队"), "R-A4")
    note = clean_text(errors, "note", note, label=_("说明"), limit=NOTE_LIMIT, rule="R-A4", required=False)
    errors.raise_if_any()
    with transaction.atomic():
        try:
            with transaction.atomic():
                benefit = Benefit.objects.create(contest=team.contest, team=team, code=code, note=note, offered_by=actor)
        except IntegrityError as exc:
            raise ValidationError({"code": ValidationError(_("已向该团队提供此项权益"), code="R-A4")}) from exc
        record(actor=actor, action="organizing.benefit.offer", target=benefit, after={"team": team.pk, "code": code})
    return benefit


TEAM_STATUSES = (BenefitStatus.ACCEPTED, BenefitStatus.DECLINED)


def update_benefit(*, benefit: Benefit, status: str, actor, by_team: bool, note: str | None = None) -> Benefit:
    """The team takes a benefit up or not; the secretariat moves it along (R-A4). Audited."""
    errors = Errors()
    allowed = TEAM_STATUSES if by_team else tuple(BenefitStatus.values)
    if status not in allowed:
        errors.add("status", _("状态无效"), "R-A4")
    text = None if note is None else clean_text(errors, "note", note, label=_("说明"), limit=NOTE_LIMIT,
                                                  rule="R-A4", required=False)
    errors.raise_if_any()
    with transaction.atomic():
        before = {"status": benefit.status}
        benefit.status, benefit.updated_at = status, timezone.now()
        if text is not None:
            benefit.note = text
        benefit.save(update_fields=["status", "updated_at", "note"])
        record(actor=actor, action="organizing.benefit.update", target=benefit, before=before,
               after={"status": status, "by_team": by_team})
    return benefit
