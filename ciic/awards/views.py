"""Finals pages: the sessions (secretariat), a session's console (its chair), the expert's
"now on stage" page, and the big screen in the hall (public, released scores only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ciic.accounts.enums import Role
from ciic.accounts.models import User
from ciic.contests.models import Contest, Direction, Group, PrizeTier
from ciic.contests.selectors import current_contest
from ciic.core.responses import xlsx_response
from ciic.core.validation import parse_local_datetime
from ciic.engines.prizes import Unfillable
from ciic.entrants.forms import field_errors, fold_unknown
from ciic.projects.models import Project
from ciic.review.models import Expert, ReviewRound
from ciic.review.models import Review as Ballot
from ciic.review.reviews.services import reopen_ballot
from ciic.review.selectors import visible_assignment

from . import exports, finals, prizes, special
from .enums import PRIZE_TRANSITIONS, AwardScope, PrizeStatus
from .models import (
    Award,
    AwardList,
    AwardTieDecision,
    FinalsSession,
    LocalAwardCategory,
    Prize,
    SessionEntry,
)

SESSION_FIELDS = ["direction", "group", "experts", "chair", "venue", "starts_at", "review_round"]


def _contest() -> Contest:
    contest = current_contest()
    if contest is None:
        raise Http404(_("赛事信息尚未发布"))
    return contest


def _finals_round(contest: Contest) -> ReviewRound | None:
    return (ReviewRound.objects.filter(contest=contest, station__isnull=True, round__kind="roadshow_defense")
            .select_related("round").first())


def _session(request: HttpRequest, pk: int, perm: str) -> FinalsSession:
    session = get_object_or_404(FinalsSession.objects.select_related(
        "review_round__round", "direction", "group", "chair", "current__project__team"), pk=pk, contest=_contest())
    if not request.user.has_perm(perm, session):
        raise Http404
    return session


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit() and len(v) < 12]


@login_required
@require_http_methods(["GET", "POST"])
def session_list(request: HttpRequest) -> HttpResponse:
    """The finals' sessions; the secretariat creates one per direction × group (R-G1)."""
    contest = _contest()
    if not request.user.has_perm("awards.manage_finals"):
        raise PermissionDenied
    review_round = _finals_round(contest)
    errors: dict = {}
    posted = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            if review_round is None:
                raise ValidationError({"review_round": ValidationError(_("请先创建总决赛的路演答辩评审轮次"),
                                                                       code="R-V4")})
            direction = Direction.objects.filter(contest=contest, pk__in=_ids([request.POST.get("direction", "")])).first()
            group = Group.objects.filter(contest=contest, pk__in=_ids([request.POST.get("group", "")])).first()
            chair = User.objects.filter(pk__in=_ids([request.POST.get("chair", "")]), is_active=True,
                                        role__in=[Role.SECRETARIAT, Role.EXPERT]).first()
            experts = list(Expert.objects.filter(contest=contest, pk__in=_ids(request.POST.getlist("experts"))))
            session = finals.create_session(
                review_round=review_round, direction=direction, group=group, actor=request.user, experts=experts,
                chair=chair, venue=request.POST.get("venue", ""),
                starts_at=parse_local_datetime(request.POST.get("starts_at", ""), contest.time_zone,
                                               field="starts_at", rule="R-V4"))
        except ValidationError as exc:
            errors = fold_unknown(field_errors(exc), SESSION_FIELDS)
        else:
            messages.success(request, _("已创建场次：%(name)s。") % {"name": str(session)})
            return redirect("awards:session", pk=session.pk)
    sessions = (FinalsSession.objects.filter(contest=contest).select_related("direction", "group", "chair")
                .prefetch_related("entries"))
    return render(request, "awards/session_list.html", {
        "contest": contest, "review_round": review_round, "sessions": sessions, "errors": errors,
        "posted": posted, "directions": Direction.objects.filter(contest=contest),
        "groups": Group.objects.filter(contest=contest),
        "experts": Expert.objects.filter(contest=contest, active=True).order_by("name"),
        "chairs": User.objects.filter(is_active=True, role__in=[Role.SECRETARIAT, Role.EXPERT]).order_by("full_name"),
        "selected_experts": set(_ids(request.POST.getlist("experts"))) if request.method == "POST" else set(),
    }, status=400 if errors else 200)


def _console_context(request: HttpRequest, session: FinalsSession, **extra) -> dict:
    rows = finals.board(session)
    current = next((r for r in rows if session.current_id == r.entry.pk), None)
    minutes = finals.stage_minutes(session.contest)
    return {"session": session, "rows": rows, "current": current, "contest": session.contest,
            "minutes": minutes, "settings": finals.finals_settings(session.contest),
            "timer": finals.timer_text(current.entry if current else None, minutes),
            "errors": {}, **extra}


@login_required
@require_GET
def session_console(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair's console: draw, call teams on stage, watch ballots arrive, release scores,
    reopen a ballot. The board refreshes itself (htmx polling)."""
    session = _session(request, pk, "awards.chair_session")
    template = "awards/_board.html" if request.htmx else "awards/session_console.html"
    return render(request, template, _console_context(request, session))


def _console_refusal(request: HttpRequest, session: FinalsSession, exc: ValidationError) -> HttpResponse:
    errors = fold_unknown(field_errors(exc), ["seed", "reason", "entry"])
    return render(request, "awards/session_console.html", _console_context(request, session, errors=errors),
                  status=400)


@login_required
@require_POST
def session_draw(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk, "awards.manage_finals")
    try:
        session = finals.draw(session=session, actor=request.user, seed=request.POST.get("seed", ""))
    except ValidationError as exc:
        return _console_refusal(request, session, exc)
    messages.success(request, _("已抽签，种子：%(seed)s。") % {"seed": session.draw_seed})
    return redirect("awards:session", pk=session.pk)


@login_required
@require_POST
def session_stage(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk, "awards.chair_session")
    entry = SessionEntry.objects.filter(session=session, pk__in=_ids([request.POST.get("entry", "")])).first()
    try:
        if entry is None:
            raise ValidationError({"entry": ValidationError(_("请选择上台的项目"), code="R-V4")})
        finals.put_on_stage(session=session, entry=entry, actor=request.user)
    except ValidationError as exc:
        return _console_refusal(request, session, exc)
    return redirect(reverse("awards:session", args=[session.pk]) + "#board")


@login_required
@require_POST
def session_release(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk, "awards.chair_session")
    finals.release_scores(session=session, actor=request.user, release=request.POST.get("release") == "on")
    return redirect("awards:session", pk=session.pk)


@login_required
@require_POST
def session_reopen(request: HttpRequest, pk: int, ballot_pk: int) -> HttpResponse:
    """The chair reopens one sealed ballot of the session, with a reason (R-V4)."""
    session = _session(request, pk, "awards.chair_session")
    ballot = get_object_or_404(Ballot.objects.select_related("assignment__review_round__round"), pk=ballot_pk,
                               assignment__review_round=session.review_round,
                               assignment__project__finals_entries__session=session)
    try:
        reopen_ballot(review=ballot, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        return _console_refusal(request, session, exc)
    messages.success(request, _("已重新开启 %(name)s 的评分。") % {"name": ballot.assignment.expert.name})
    return redirect(reverse("awards:session", args=[session.pk]) + "#board")


@login_required
@require_GET
def session_now(request: HttpRequest, pk: int) -> HttpResponse:
    """The expert's phone: the team on stage, and the way to its score form. A conflicted
    expert is told only that they do not score this team (R-P8)."""
    session = _session(request, pk, "awards.follow_session")
    entry = session.current
    assignment = None
    if entry is not None:
        assignment = visible_assignment(request.user, round_id=session.review_round_id, project_id=entry.project_id)
    minutes = finals.stage_minutes(session.contest)
    context = {"session": session, "entry": entry, "assignment": assignment, "minutes": minutes,
               "timer": finals.timer_text(entry, minutes)}
    template = "awards/_now.html" if request.htmx else "awards/session_now.html"
    return render(request, template, context)


@require_GET
def session_screen(request: HttpRequest, pk: int) -> HttpResponse:
    """The big screen in the hall (public: nothing on it is personal): the team on stage, the
    timer and, once the chair releases them, each team's score as soon as its ballots are in."""
    session = get_object_or_404(FinalsSession.objects.select_related("direction", "group", "current__project__team"),
                                pk=pk, contest=_contest())
    rows = finals.board(session) if session.scores_released_at else []
    minutes = finals.stage_minutes(session.contest)
    context = {"session": session, "rows": rows, "entry": session.current, "contest": session.contest,
               "minutes": minutes, "timer": finals.timer_text(session.current, minutes)}
    template = "awards/_screen.html" if request.htmx else "awards/session_screen.html"
    return render(request, template, context)


@login_required
@require_GET
def my_sessions(request: HttpRequest) -> HttpResponse:
    """The sessions the user judges in or chairs, each with its "now on stage" page."""
    contest = _contest()
    sessions = (FinalsSession.objects.filter(contest=contest)
                .filter(Q(experts__user=request.user) | Q(chair=request.user)).distinct()
                .select_related("direction", "group", "current__project"))
    return render(request, "awards/my_sessions.html", {"sessions": sessions, "contest": contest})


# --- prizes (R-A1) ---------------------------------------------------------------------------


def _awards_context(contest: Contest, **extra) -> dict:
    review_round = prizes.finals_round(contest)
    rows = prizes.standings(review_round) if review_round else []
    allocation = None
    refusal = ""
    if rows:
        try:
            allocation = prizes.allocation_for(contest, rows)
        except Unfillable as exc:
            refusal = "；".join(exc.reasons)
    award_list = AwardList.objects.filter(contest=contest, scope=AwardScope.FINALS).first()
    tiers = {t.code: t for t in PrizeTier.objects.filter(contest=contest)}
    proposed = dict(award_list.awards.values_list("project_id", "code")) if award_list else {}
    by_id = {r.project.pk: r for r in rows}
    for r in rows:
        suggested = allocation.awards.get(r.project.pk) if allocation else None
        r.suggested = tiers[suggested].display_name if suggested in tiers else ""
        r.generated = tiers[proposed[r.project.pk]].display_name if proposed.get(r.project.pk) in tiers else ""
    ties = [{"tie": t, "projects": [by_id[p].project for p in t.projects if p in by_id]}
            for t in (allocation.ties if allocation else [])]
    return {"contest": contest, "review_round": review_round, "rows": rows, "allocation": allocation,
            "refusal": refusal, "award_list": award_list, "tiers": tiers, "proposed": proposed, "ties": ties,
            "tie_keys": prizes.tie_keys(contest), "decisions": AwardTieDecision.objects.filter(contest=contest)
            .select_related("decided_by").order_by("decided_at"),
            "snapshot_ok": prizes.verify_snapshot(award_list) if award_list and award_list.snapshot else None,
            "pool": contest.prize_pool, "errors": {}, **extra}


@login_required
@require_http_methods(["GET", "POST"])
def awards_page(request: HttpRequest) -> HttpResponse:
    """The finals' standings, the proposed awards with ties to settle, and the confirmation."""
    contest = _contest()
    if not request.user.has_perm("awards.manage_finals"):
        raise PermissionDenied
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "propose":
                prizes.propose_awards(contest=contest, actor=request.user)
                messages.success(request, _("已生成获奖建议。"))
            elif action == "decide":
                prizes.decide_tie(contest=contest, key=request.POST.get("key", "")[:200],
                                  chosen=_ids(request.POST.getlist("chosen")), reason=request.POST.get("reason", ""),
                                  actor=request.user)
                prizes.propose_awards(contest=contest, actor=request.user)
                messages.success(request, _("已记录并列处理决定，并重新生成获奖建议。"))
            elif action == "confirm":
                award_list = AwardList.objects.filter(contest=contest, scope=AwardScope.FINALS).first()
                if award_list is None:
                    raise ValidationError({"__all__": ValidationError(_("请先生成获奖建议"), code="R-A1")})
                prizes.confirm_awards(award_list=award_list, actor=request.user)
                messages.success(request, _("获奖名单已确认并冻结。"))
            else:
                raise ValidationError({"__all__": ValidationError(_("未知操作"), code="R-A1")})
        except ValidationError as exc:
            errors = fold_unknown(field_errors(exc), ["reason", "chosen", "key"])
            return render(request, "awards/awards.html", _awards_context(contest, errors=errors,
                                                                        failed_key=request.POST.get("key", "")),
                          status=400)
        return redirect("awards:awards")
    return render(request, "awards/awards.html", _awards_context(contest))


@login_required
@require_http_methods(["GET", "POST"])
def ledger(request: HttpRequest) -> HttpResponse:
    """The prize ledger: each prize's amount, payee and status, moved with a reason."""
    contest = _contest()
    if not request.user.has_perm("awards.manage_finals"):
        raise PermissionDenied
    errors: dict = {}
    failed = None
    if request.method == "POST":
        prize = get_object_or_404(Prize, pk=request.POST.get("prize", "0") if request.POST.get(
            "prize", "").isdigit() else 0, contest=contest)
        try:
            prizes.transition(prize=prize, to=request.POST.get("status", ""), actor=request.user,
                              reason=request.POST.get("reason", ""), amount=request.POST.get("amount", "")[:40],
                              on=request.POST.get("on", ""))
        except ValidationError as exc:
            errors, failed = fold_unknown(field_errors(exc), ["status", "reason", "amount", "on"]), prize.pk
        else:
            messages.success(request, _("奖金状态已更新。"))
            return redirect("awards:ledger")
    rows = list(Prize.objects.filter(contest=contest).select_related("award__project__team", "payee")
                .order_by("award__rank", "id"))
    for row in rows:
        row.next_statuses = [(s, PrizeStatus(s).label) for s in sorted(PRIZE_TRANSITIONS[PrizeStatus(row.status)])]
    return render(request, "awards/ledger.html", {
        "contest": contest, "prizes": rows, "errors": errors, "failed": failed, "pool": contest.prize_pool,
        "committed": prizes.committed_total(contest)}, status=400 if errors else 200)


@login_required
@require_GET
def ledger_export(request: HttpRequest) -> HttpResponse:
    contest = _contest()
    if not request.user.has_perm("awards.manage_finals"):
        raise PermissionDenied
    return xlsx_response(exports.ledger_workbook(contest), "prize-ledger.xlsx")


# --- special awards (R-A2) and local awards (R-A3) --------------------------------------------


def _special_context(contest: Contest, **extra) -> dict:
    award_list = AwardList.objects.filter(contest=contest, scope=AwardScope.SPECIAL, station__isnull=True).first()
    awards = list(award_list.awards.select_related("project__team").order_by("code", "id")) if award_list else []
    review_round = prizes.finals_round(contest)
    finalists = (Project.objects.filter(round_entries__review_round=review_round).select_related("team")
                 .order_by("name") if review_round else Project.objects.none())
    specs = special.special_specs(contest)
    outcome = extra.pop("outcome", None)
    for spec in specs:
        spec.winners = [a for a in awards if a.code == spec.code]
        spec.full = len(spec.winners) >= spec.count
    return {"contest": contest, "specs": specs, "award_list": award_list, "finalists": finalists,
            "outcome": outcome, "errors": {}, **extra}


@login_required
@require_http_methods(["GET", "POST"])
def special_awards_page(request: HttpRequest) -> HttpResponse:
    """The special awards: computed ones proposed from the finals and the vote, the others
    named by the secretariat with a reason; ties settled; then confirmed and frozen."""
    contest = _contest()
    if not request.user.has_perm("awards.manage_finals"):
        raise PermissionDenied
    outcome = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "propose":
                _list, outcome = special.propose_special_awards(contest=contest, actor=request.user)
                messages.success(request, _("已按评分和投票生成单项奖建议。"))
            elif action == "name":
                project = Project.objects.filter(contest=contest, pk__in=_ids([request.POST.get("project", "")])).first()
                special.name_winner(contest=contest, code=request.POST.get("code", "")[:40], actor=request.user,
                                    reason=request.POST.get("reason", ""), project=project,
                                    recipient_name=request.POST.get("recipient_name", ""))
                messages.success(request, _("已评定。"))
            elif action == "remove":
                award = get_object_or_404(Award, pk=(_ids([request.POST.get("award", "")]) or [0])[0],
                                          award_list__contest=contest, award_list__scope=AwardScope.SPECIAL)
                special.remove_winner(award=award, actor=request.user)
                messages.success(request, _("已撤回该评定。"))
            elif action == "decide":
                _list, current = special.propose_special_awards(contest=contest, actor=request.user)
                tie = next((t for t in current.ties if t["key"] == request.POST.get("key")), None)
                if tie is None:
                    raise ValidationError({"key": ValidationError(_("没有需要处理的该项并列"), code="R-A2")})
                special.decide(contest=contest, key=tie["key"], chosen=_ids(request.POST.getlist("chosen")),
                               reason=request.POST.get("reason", ""), actor=request.user, tie=tie)
                _list, outcome = special.propose_special_awards(contest=contest, actor=request.user)
                messages.success(request, _("已记录并列处理决定。"))
            elif action == "confirm":
                special.confirm_special_awards(contest=contest, actor=request.user)
                messages.success(request, _("单项奖名单已确认并冻结。"))
            else:
                raise ValidationError({"__all__": ValidationError(_("未知操作"), code="R-A2")})
        except ValidationError as exc:
            errors = fold_unknown(field_errors(exc), ["reason", "project", "recipient_name", "chosen", "code"])
            return render(request, "awards/special.html", _special_context(
                contest, errors=errors, failed=request.POST.get("code") or request.POST.get("key"),
                posted=request.POST), status=400)
        if outcome is None or outcome.final:
            return redirect("awards:special")
    if outcome is None and AwardList.objects.filter(contest=contest, scope=AwardScope.SPECIAL).exclude(
            status="confirmed").exists():
        outcome = special.special_outcome(contest)
    return render(request, "awards/special.html", _special_context(contest, outcome=outcome, posted={}))


def _local_station(request: HttpRequest, contest: Contest):
    from ciic.contests.models import Station

    if request.user.station_id:
        station = request.user.station
    else:
        code = (request.GET.get("station") or request.POST.get("station") or "")[:40]
        station = Station.objects.filter(contest=contest, code=code).first() or \
            Station.objects.filter(contest=contest).order_by("order").first()
    if station is None or not request.user.has_perm("awards.manage_local", station):
        raise PermissionDenied
    return station


@login_required
@require_http_methods(["GET", "POST"])
def local_awards_page(request: HttpRequest) -> HttpResponse:
    """A station's own awards (R-A3): its categories, the proposal along its local results,
    ties, and the confirmation."""
    from ciic.contests.models import Station

    contest = _contest()
    station = _local_station(request, contest)
    outcome = None
    errors: dict = {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "category":
                category = LocalAwardCategory.objects.filter(
                    station=station, pk__in=_ids([request.POST.get("category", "")])).first()
                special.set_local_category(station=station, actor=request.user, code=request.POST.get("code", ""),
                                           name=request.POST.get("name", ""), count=request.POST.get("count", ""),
                                           amount=request.POST.get("amount", ""), category=category)
                messages.success(request, _("奖项设置已保存。"))
            elif action == "delete":
                category = get_object_or_404(LocalAwardCategory, station=station,
                                             pk=(_ids([request.POST.get("category", "")]) or [0])[0])
                special.delete_local_category(category=category, actor=request.user)
                messages.success(request, _("已删除该奖项。"))
            elif action == "propose":
                _list, outcome = special.propose_local_awards(station=station, actor=request.user)
                messages.success(request, _("已生成本赛站的获奖建议。"))
            elif action == "decide":
                tie = next((t for t in special.local_outcome(station).ties if t["key"] == request.POST.get("key")), None)
                if tie is None:
                    raise ValidationError({"key": ValidationError(_("没有需要处理的该项并列"), code="R-A3")})
                special.decide(contest=contest, key=tie["key"], chosen=_ids(request.POST.getlist("chosen")),
                               reason=request.POST.get("reason", ""), actor=request.user, tie=tie)
                _list, outcome = special.propose_local_awards(station=station, actor=request.user)
                messages.success(request, _("已记录并列处理决定。"))
            elif action == "confirm":
                special.confirm_local_awards(station=station, actor=request.user)
                messages.success(request, _("本赛站的地方赛获奖名单已确认并冻结。"))
            else:
                raise ValidationError({"__all__": ValidationError(_("未知操作"), code="R-A3")})
        except ValidationError as exc:
            errors = fold_unknown(field_errors(exc), ["code", "name", "count", "amount", "reason", "chosen"])
        else:
            return redirect(reverse("awards:local") + f"?station={station.code}")
    award_list = AwardList.objects.filter(contest=contest, scope=AwardScope.LOCAL, station=station).first()
    ranking = special.local_ranking(station)
    names = {p.pk: p for p, _s in ranking}
    ties = [{"tie": t, "projects": [names[p] for p in t["projects"] if p in names]}
            for t in (outcome or special.local_outcome(station)).ties] if award_list else []
    return render(request, "awards/local.html", {
        "contest": contest, "station": station, "award_list": award_list, "ranking": ranking,
        "awards": {a.project_id: a for a in award_list.awards.all()} if award_list else {},
        "categories": LocalAwardCategory.objects.filter(station=station).order_by("order", "id"),
        "stations": Station.objects.filter(contest=contest) if not request.user.station_id else [],
        "ties": ties, "errors": errors, "posted": request.POST if errors else {},
    }, status=400 if errors else 200)
