"""Pages of the organizing app, for four kinds of reader:

- a unit's contact (`unit_home`): the receipt (online or the Excel form), the report with its
  attachments, the invitation code and link, the teams it recommended (no personal data);
- a team's lead: naming the recommending unit (`recommend`, pre-filled by an invitation),
  opting in to meetings, requests, the agenda, benefits;
- investors, buyers and government bodies: registering for a meeting, requests, the agenda;
- the secretariat: units, receipts (export in 附件2's layout), reports, the ranking and the
  优秀组织奖 decision, meetings, the schedule, the table plan, outcomes, benefits.

Writes go through `services` and `meetings`; a refusal comes back as a message naming the
field and the rule, and nothing changes. What a reader may not see is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from ciic.accounts.enums import Role
from ciic.contests.models import Contest, Direction
from ciic.contests.selectors import current_contest, registration_open
from ciic.core.responses import private_download, stamped, xlsx_response
from ciic.core.validation import parse_local_datetime
from ciic.engines.organizing import FIGURES
from ciic.entrants.models import Team

from . import exports, meetings, selectors, services
from .config import organizing_config
from .enums import BenefitStatus, Outcome, ParticipantKind, RequestStatus, Side
from .models import (
    Benefit,
    Meeting,
    MeetingRequest,
    OrganizingUnit,
    Participant,
    ReportAttachment,
    TeamProfile,
)
from .ranking import FIGURE_LABELS, ranking
from .receipts import ReceiptRow, receipt_workbook

ID_MAX = 2**31 - 1
INVITATION_KEY = "organizing_invitation"


def _contest() -> Contest:
    contest = current_contest()
    if contest is None or organizing_config(contest) is None:
        raise Http404
    return contest


def _office(request: HttpRequest) -> Contest:
    if not request.user.has_perm("organizing.manage_units"):
        raise Http404
    return _contest()


def _my_unit(request: HttpRequest) -> OrganizingUnit:
    contest = _contest()
    unit = selectors.unit_for_user(request.user, contest)
    if unit is None or not request.user.has_perm("organizing.act_for_unit", unit):
        raise Http404
    return unit


def _flash(request: HttpRequest, exc: ValidationError) -> None:
    """Each refusal as a message with its rule: what is wrong, with which field, under which rule."""
    for errors in exc.error_dict.values():
        for error in errors:
            messages.error(request, f"{error.messages[0]}（{error.code}）")


def _pk(value) -> int | None:
    try:
        number = int(str(value)[:12])
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= ID_MAX else None


# --- the unit's contact ----------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """/organizing/ takes each role to its page: the unit's contact to the unit's workbench, the
    secretariat to the units, everyone else to the matchmaking meetings."""
    if request.user.role == Role.ORGANIZING_CONTACT:
        return redirect("organizing:unit_home")
    if request.user.role == Role.SECRETARIAT:
        return redirect("organizing:unit_list")
    return redirect("organizing:meeting_list")


@login_required
@require_safe
def unit_home(request: HttpRequest) -> HttpResponse:
    unit = _my_unit(request)
    config = organizing_config(unit.contest)
    report = unit.report if hasattr(unit, "report") else None
    return render(request, "organizing/unit_home.html", {
        "unit": unit, "kind": config.kind(unit.kind), "receipt": unit.receipt if hasattr(unit, "receipt") else None,
        "report": report, "attachments": report.attachments.all() if report else [],
        "receipt_due": services.deadline(unit.contest, config.receipt_schedule_key),
        "report_due": services.deadline(unit.contest, config.report_schedule_key),
        "report_rule": config.report,
        "invite_url": request.build_absolute_uri(reverse("organizing:invite", args=[unit.invitation_code])),
        "teams": selectors.recommended_teams(unit),
    })


@login_required
@require_POST
def receipt_submit(request: HttpRequest) -> HttpResponse:
    unit = _my_unit(request)
    try:
        services.submit_receipt(unit=unit, contact_name=request.POST.get("contact_name", ""),
                                title=request.POST.get("title", ""), contact_info=request.POST.get("contact_info", ""),
                                actor=request.user)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("联系人回执已报送"))
    return redirect("organizing:unit_home")


@login_required
@require_safe
def receipt_form(request: HttpRequest) -> HttpResponse:
    """The Excel form of 附件2, with the unit's name filled in."""
    unit = _my_unit(request)
    receipt = unit.receipt if hasattr(unit, "receipt") else None
    row = ReceiptRow(unit.name, receipt.contact_name if receipt else "", receipt.title if receipt else "",
                     receipt.contact_info if receipt else "")
    return xlsx_response(receipt_workbook([row]), "receipt-form.xlsx")


@login_required
@require_POST
def receipt_upload(request: HttpRequest) -> HttpResponse:
    unit = _my_unit(request)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择回执表文件（R-O1）"))
        return redirect("organizing:unit_home")
    try:
        services.import_receipt(unit=unit, stream=upload, actor=request.user)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("已按上传的回执表报送"))
    return redirect("organizing:unit_home")


@login_required
@require_POST
def report_submit(request: HttpRequest) -> HttpResponse:
    unit = _my_unit(request)
    try:
        services.submit_report(unit=unit, text=request.POST.get("text", ""), actor=request.user)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("组织情况已报送"))
    return redirect("organizing:unit_home")


@login_required
@require_POST
def report_attach(request: HttpRequest) -> HttpResponse:
    unit = _my_unit(request)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择附件（R-O1）"))
        return redirect("organizing:unit_home")
    try:
        services.add_report_attachment(unit=unit, stream=upload, filename=upload.name, actor=request.user)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("附件已上传"))
    return redirect("organizing:unit_home")


@login_required
@require_POST
def report_detach(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _my_unit(request)
    attachment = get_object_or_404(ReportAttachment, pk=pk, report__unit=unit)
    services.remove_report_attachment(attachment=attachment, actor=request.user)
    messages.success(request, _("附件已删除"))
    return redirect("organizing:unit_home")


@login_required
@require_safe
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(ReportAttachment.objects.select_related("report__unit"), pk=pk)
    if not request.user.has_perm("organizing.view_unit", attachment.report.unit):
        raise Http404
    return private_download(attachment.file, name=attachment.original_name, content_type=attachment.content_type)


# --- the team's recommending unit --------------------------------------------------------------


@require_safe
def invite(request: HttpRequest, code: str) -> HttpResponse:
    """What the unit's invitation link opens: the recommendation page with the unit filled in."""
    contest = _contest()
    unit = services.unit_by_code(contest, code)
    if unit is None:
        raise Http404
    # Kept for the visit: a newcomer registers the team first, then comes back pre-filled.
    request.session[INVITATION_KEY] = unit.invitation_code
    return redirect(f"{reverse('organizing:recommend')}?code={unit.invitation_code}")


@login_required
def recommend(request: HttpRequest) -> HttpResponse:
    contest = _contest()
    teams = list(Team.objects.filter(contest=contest, lead=request.user).select_related("recommendation__unit"))
    if request.method == "POST":
        team = next((t for t in teams if t.pk == _pk(request.POST.get("team"))), None)
        if team is None:
            raise Http404
        code = request.POST.get("code", "").strip()
        unit_id = _pk(request.POST.get("unit"))
        if code:
            unit = services.unit_by_code(contest, code)
            if unit is None:
                messages.error(request, _("邀请码无效（R-O1）"))
                return redirect("organizing:recommend")
        else:
            unit = OrganizingUnit.objects.filter(contest=contest, pk=unit_id).first() if unit_id else None
            if request.POST.get("unit") and unit is None:
                messages.error(request, _("没有该组织单位（R-O1）"))
                return redirect("organizing:recommend")
        try:
            services.recommend_team(team=team, unit=unit, actor=request.user, via_invitation=bool(code))
        except ValidationError as exc:
            _flash(request, exc)
        else:
            request.session.pop(INVITATION_KEY, None)
            messages.success(request, _("推荐单位已保存") if unit else _("已取消推荐单位"))
        return redirect("organizing:recommend")
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405)
    invited = services.unit_by_code(contest, request.GET.get("code", "") or request.session.get(INVITATION_KEY, ""))
    return render(request, "organizing/recommend.html", {
        "teams": teams, "units": OrganizingUnit.objects.filter(contest=contest).order_by("name"),
        "invited": invited, "open": registration_open(contest)})


# --- the secretariat: units, receipts, reports, ranking ----------------------------------------


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    contest = _office(request)
    config = organizing_config(contest)
    if request.method == "POST":
        try:
            unit = services.create_unit(contest=contest, kind=request.POST.get("kind", ""),
                                        name=request.POST.get("name", ""),
                                        credit_code=request.POST.get("credit_code", ""), actor=request.user)
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("已添加组织单位：%(name)s") % {"name": unit.name})
        return redirect("organizing:unit_list")
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405)
    units = list(OrganizingUnit.objects.filter(contest=contest).select_related("receipt", "report").order_by("id"))
    for unit in units:
        kind = config.kind(unit.kind)
        unit.kind_label = kind.display_name if kind else unit.kind
        unit.the_receipt = unit.receipt if hasattr(unit, "receipt") else None
        unit.the_report = unit.report if hasattr(unit, "report") else None
    return render(request, "organizing/unit_list.html", {
        "units": units, "kinds": config.unit_kinds,
        "receipt_due": services.deadline(contest, config.receipt_schedule_key),
        "report_due": services.deadline(contest, config.report_schedule_key)})


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contest = _office(request)
    unit = get_object_or_404(OrganizingUnit, pk=pk, contest=contest)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "account":
                services.add_unit_account(unit=unit, email=request.POST.get("email", ""),
                                          full_name=request.POST.get("full_name", ""), actor=request.user)
                messages.success(request, _("已添加账号；请联系人通过“忘记密码”设置密码"))
            elif action == "invitation":
                services.regenerate_invitation(unit=unit, actor=request.user)
                messages.success(request, _("已更换邀请码"))
        except ValidationError as exc:
            _flash(request, exc)
        return redirect("organizing:unit_detail", pk=unit.pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405)
    report = unit.report if hasattr(unit, "report") else None
    return render(request, "organizing/unit_detail.html", {
        "unit": unit, "kind": organizing_config(contest).kind(unit.kind),
        "receipt": unit.receipt if hasattr(unit, "receipt") else None, "report": report,
        "attachments": report.attachments.all() if report else [],
        "accounts": unit.accounts.select_related("user"), "teams": selectors.recommended_teams(unit)})


@login_required
@require_safe
def receipts_export(request: HttpRequest) -> HttpResponse:
    """Every receipt in 附件2's layout (序号, 单位名称, 联系人, 职务, 联系方式)."""
    contest = _office(request)
    return xlsx_response(exports.receipts_workbook(contest), stamped("receipts"))


@login_required
def ranking_page(request: HttpRequest) -> HttpResponse:
    contest = _office(request)
    config = organizing_config(contest)
    if request.method == "POST":
        unit = OrganizingUnit.objects.filter(contest=contest, pk=_pk(request.POST.get("unit"))).first()
        if unit is None:
            messages.error(request, _("请选择组织单位（R-A2）"))
            return redirect("organizing:ranking")
        try:
            services.decide_excellent_organizer(contest=contest, unit=unit, reason=request.POST.get("reason", ""),
                                                actor=request.user)
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("已评定优秀组织奖：%(name)s；确认单项奖名单后颁发证书") % {"name": unit.name})
        return redirect("organizing:ranking")
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405)
    weights = config.weights
    formula = [(FIGURE_LABELS["entries"], weights.entries, weights.transform)] + [
        (FIGURE_LABELS[name], getattr(weights, name), "") for name in FIGURES]
    rows = [{"unit": r.unit, "score": r.score, "terms": [(FIGURE_LABELS[t.name], t) for t in r.score.terms]}
            for r in ranking(contest)]
    from ciic.awards.models import Award

    named = list(Award.objects.filter(award_list__contest=contest, code=config.award_code, project__isnull=True)
                 .values_list("recipient_name", flat=True))
    return render(request, "organizing/ranking.html", {"rows": rows, "formula": formula, "named": named})


# --- meetings ----------------------------------------------------------------------------------


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    return get_object_or_404(Meeting, pk=pk, contest=_contest())


def _my_profile(request: HttpRequest, meeting: Meeting) -> TeamProfile | None:
    return (TeamProfile.objects.filter(meeting=meeting, team__lead=request.user).select_related("team").first()
            if request.user.is_authenticated else None)


def _my_participant(request: HttpRequest, meeting: Meeting) -> Participant | None:
    return (Participant.objects.filter(meeting=meeting, user=request.user).first()
            if request.user.is_authenticated else None)


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    contest = _contest()
    config = organizing_config(contest)
    staff = request.user.has_perm("organizing.manage_meetings")
    if request.method == "POST":
        if not staff:
            raise Http404
        try:
            starts_at = parse_local_datetime(request.POST.get("starts_at", ""), contest.time_zone,
                                             field="starts_at", rule="R-S1")
            meeting = meetings.create_meeting(
                contest=contest, kind=request.POST.get("kind", ""), title=request.POST.get("title", ""),
                starts_at=starts_at, venue=request.POST.get("venue", ""), link=request.POST.get("link", ""),
                slots=request.POST.get("slots"), tables=request.POST.get("tables"),
                slot_minutes=request.POST.get("slot_minutes") or None,
                finalists_only=request.POST.get("finalists_only") == "on", actor=request.user)
        except ValidationError as exc:
            _flash(request, exc)
            return redirect("organizing:meeting_list")
        return redirect("organizing:meeting_detail", pk=meeting.pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405)
    rows = list(Meeting.objects.filter(contest=contest))
    for m in rows:
        m.kind_label = config.meeting_kind(m.kind).display_name if config.meeting_kind(m.kind) else m.kind
    return render(request, "organizing/meeting_list.html", {
        "meetings": rows, "kinds": config.meeting_kinds, "slot_minutes": config.slot_minutes, "staff": staff})


@login_required
@require_safe
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    config = organizing_config(meeting.contest)
    staff = request.user.has_perm("organizing.manage_meetings")
    participant = _my_participant(request, meeting)
    profile = _my_profile(request, meeting)
    my_teams = [t for t in Team.objects.filter(contest=meeting.contest, lead=request.user).select_related("project")
                if not meeting.finalists_only or meetings.eligible_team(t)]
    requests_qs = (MeetingRequest.objects.filter(meeting=meeting)
                   .select_related("participant", "profile__team__direction").order_by("slot", "table", "pk"))
    mine = []
    if participant:
        mine = [r for r in requests_qs if r.participant_id == participant.pk]
    elif profile:
        mine = [r for r in requests_qs if r.profile_id == profile.pk]
    asked = {r.profile_id for r in mine} | {r.participant_id for r in mine} if mine else set()
    for r in mine:
        r.to_answer = r.status == RequestStatus.OPEN and (
            (participant and r.initiated_by == Side.TEAM) or (profile and r.initiated_by == Side.PARTICIPANT))
        r.when = meeting.slot_start(r.slot) if r.slot is not None else None
    context = {
        "meeting": meeting, "kind": config.meeting_kind(meeting.kind), "staff": staff, "participant": participant,
        "profile": profile, "my_teams": my_teams, "mine": mine,
        "participant_kinds": ParticipantKind.choices, "directions": Direction.objects.filter(contest=meeting.contest),
        "slot_numbers": range(1, meeting.slots + 1), "outcomes": Outcome.choices,
        "started": timezone.now() >= meeting.starts_at,
    }
    if participant:
        context["others"] = [p for p in meeting.profiles.select_related("team__direction", "team__station")
                             if p.pk not in asked]
    if profile:
        context["others"] = [p for p in meeting.participants.all() if p.pk not in asked]
    if staff:
        context["all_requests"] = list(requests_qs)
        for r in context["all_requests"]:
            r.when = meeting.slot_start(r.slot) if r.slot is not None else None
        stats = meetings.meeting_statistics(meeting)
        stats["requests"] = {RequestStatus(k).label: v for k, v in stats["requests"].items()}
        stats["outcomes"] = {Outcome(k).label: v for k, v in stats["outcomes"].items()}
        context["stats"] = stats
    return render(request, "organizing/meeting_detail.html", context)


@login_required
@require_POST
def meeting_register(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    try:
        meetings.register_participant(
            meeting=meeting, user=request.user, kind=request.POST.get("kind", ""),
            organization=request.POST.get("organization", ""), capacity=request.POST.get("capacity"),
            directions=request.POST.getlist("directions"), keywords=request.POST.get("keywords", ""),
            stage=request.POST.get("stage", ""), ticket=request.POST.get("ticket", ""),
            available=request.POST.getlist("available"))
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("已报名参加对接会"))
    return redirect("organizing:meeting_detail", pk=meeting.pk)


@login_required
@require_POST
def meeting_opt_in(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    team = Team.objects.filter(contest=meeting.contest, lead=request.user, pk=_pk(request.POST.get("team"))).first()
    if team is None:
        raise Http404
    try:
        meetings.opt_in_team(meeting=meeting, team=team, summary=request.POST.get("summary", ""),
                             capacity=request.POST.get("capacity"), financing=request.POST.get("financing"),
                             seeks_partners=request.POST.get("seeks_partners") == "on",
                             seeks_pilots=request.POST.get("seeks_pilots") == "on",
                             available=request.POST.getlist("available"), actor=request.user)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("团队已报名参加对接会"))
    return redirect("organizing:meeting_detail", pk=meeting.pk)


@login_required
@require_POST
def request_create(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    participant, profile = _my_participant(request, meeting), _my_profile(request, meeting)
    target = _pk(request.POST.get("target"))
    if participant is not None:
        other = TeamProfile.objects.filter(meeting=meeting, pk=target).first()
        pair, side = (participant, other), Side.PARTICIPANT
    elif profile is not None:
        other = Participant.objects.filter(meeting=meeting, pk=target).first()
        pair, side = (other, profile), Side.TEAM
    else:
        raise Http404
    if other is None:
        raise Http404
    try:
        meetings.request_meeting(participant=pair[0], profile=pair[1], initiated_by=side, actor=request.user,
                                 message=request.POST.get("message", ""))
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("洽谈请求已发出"))
    return redirect("organizing:meeting_detail", pk=meeting.pk)


def _request_side(request: HttpRequest, pk: int) -> tuple[MeetingRequest, str | None]:
    """The request and the reader's side of it (None for staff); a 404 for anyone else."""
    req = get_object_or_404(MeetingRequest.objects.select_related("meeting", "participant", "profile__team"), pk=pk)
    if req.participant.user_id == request.user.pk:
        return req, Side.PARTICIPANT
    if req.profile.team.lead_id == request.user.pk:
        return req, Side.TEAM
    if request.user.has_perm("organizing.manage_meetings"):
        return req, None
    raise Http404


@login_required
@require_POST
def request_answer(request: HttpRequest, pk: int) -> HttpResponse:
    req, side = _request_side(request, pk)
    if side is None or side == req.initiated_by:
        raise Http404
    try:
        meetings.answer_request(request=req, accept=request.POST.get("accept") == "1", actor=request.user)
    except ValidationError as exc:
        _flash(request, exc)
    return redirect("organizing:meeting_detail", pk=req.meeting_id)


@login_required
@require_POST
def request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    req, _side = _request_side(request, pk)
    try:
        meetings.withdraw_request(request=req, actor=request.user)
    except ValidationError as exc:
        _flash(request, exc)
    return redirect("organizing:meeting_detail", pk=req.meeting_id)


@login_required
@require_POST
def request_lock(request: HttpRequest, pk: int) -> HttpResponse:
    req, side = _request_side(request, pk)
    if side is not None or not request.user.has_perm("organizing.manage_meetings"):
        raise Http404
    try:
        meetings.lock_request(request=req, locked=request.POST.get("locked") == "1", slot=request.POST.get("slot"),
                              table=request.POST.get("table"), actor=request.user)
    except ValidationError as exc:
        _flash(request, exc)
    return redirect("organizing:meeting_detail", pk=req.meeting_id)


@login_required
@require_POST
def request_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    req, side = _request_side(request, pk)
    if side is None:
        raise Http404
    try:
        meetings.record_outcome(request=req, side=side, outcome=request.POST.get("outcome", ""),
                                note=request.POST.get("note", ""), actor=request.user)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("洽谈结果已记录"))
    return redirect("organizing:agenda", pk=req.meeting_id)


@login_required
@require_POST
def meeting_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    if not request.user.has_perm("organizing.manage_meetings"):
        raise Http404
    try:
        figures = meetings.run_schedule(meeting=meeting, actor=request.user)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("已排期：%(n)s 场洽谈") % {"n": figures["meetings"]})
    return redirect("organizing:meeting_detail", pk=meeting.pk)


def _agenda_rows(request: HttpRequest, meeting: Meeting) -> list[MeetingRequest]:
    participant, profile = _my_participant(request, meeting), _my_profile(request, meeting)
    if participant is None and profile is None:
        raise Http404
    rows = (MeetingRequest.objects.filter(meeting=meeting, status=RequestStatus.ACCEPTED, slot__isnull=False)
            .select_related("participant", "profile__team").prefetch_related("outcomes").order_by("slot"))
    rows = rows.filter(participant=participant) if participant else rows.filter(profile=profile)
    side = Side.PARTICIPANT if participant else Side.TEAM
    rows = list(rows)
    for r in rows:
        r.starts, r.ends = meeting.slot_start(r.slot), meeting.slot_end(r.slot)
        r.other = r.profile.team.name if participant else r.participant.organization
        r.my_outcome = next((o for o in r.outcomes.all() if o.side == side), None)
    return rows


@login_required
@require_safe
def agenda(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    return render(request, "organizing/agenda.html", {
        "meeting": meeting, "rows": _agenda_rows(request, meeting), "outcomes": Outcome.choices,
        "started": timezone.now() >= meeting.starts_at})


@login_required
@require_safe
def agenda_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    body = exports.agenda_ics(meeting, _agenda_rows(request, meeting), host=request.get_host())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_safe
def table_plan(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    if not request.user.has_perm("organizing.manage_meetings"):
        raise Http404
    return xlsx_response(exports.table_plan_workbook(meeting), stamped(f"tables-{meeting.pk}"))


# --- benefits (R-A4) ---------------------------------------------------------------------------


@login_required
def benefits(request: HttpRequest) -> HttpResponse:
    contest = _contest()
    config = organizing_config(contest)
    staff = request.user.has_perm("organizing.manage_meetings")
    if request.method == "POST":
        try:
            if request.POST.get("action") == "offer":
                if not staff:
                    raise Http404
                team = Team.objects.filter(contest=contest, pk=_pk(request.POST.get("team"))).first()
                if team is None:
                    raise ValidationError({"team": ValidationError(_("请选择团队"), code="R-A4")})
                meetings.offer_benefit(team=team, code=request.POST.get("code", ""), note=request.POST.get("note", ""),
                                       actor=request.user)
            else:
                benefit = Benefit.objects.filter(contest=contest, pk=_pk(request.POST.get("benefit"))).first()
                if benefit is None or not (staff or benefit.team.lead_id == request.user.pk):
                    raise Http404
                meetings.update_benefit(benefit=benefit, status=request.POST.get("status", ""), actor=request.user,
                                        by_team=not staff, note=request.POST.get("note") if staff else None)
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("已保存"))
        return redirect("organizing:benefits")
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405)
    rows = Benefit.objects.filter(contest=contest).select_related("team")
    if not staff:
        rows = rows.filter(team__lead=request.user)
    rows = list(rows)
    for b in rows:
        b.label = config.benefit(b.code).display_name if config.benefit(b.code) else b.code
    eligible = []
    if staff:
        finalists, winners = selectors.finalist_project_ids(contest), selectors.winner_project_ids(contest)
        eligible = [t for t in Team.objects.filter(contest=contest, project__pk__in=finalists | winners)
                    .select_related("project") if meetings.eligible_team(t, finalists=finalists, winners=winners)]
    return render(request, "organizing/benefits.html", {
        "rows": rows, "staff": staff, "kinds": config.benefits, "teams": eligible,
        "statuses": BenefitStatus.choices,
        "team_statuses": [(s.value, s.label) for s in meetings.TEAM_STATUSES]})
