"""Registration pages for entrants, team and organization pages, and the staff lists.

Thin views: reads through `selectors`, writes through `services`, permissions named in
`rules.py`. What a user may not even know exists is a 404 (another entrant's team), what
they know exists but may not do is a 403. Nothing is written when a service refuses.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ciic.contests.enums import OrganizationKind
from ciic.contests.models import Contest, PolicyDocument
from ciic.contests.selectors import (
    current_contest,
    max_representatives,
    registration_deadline,
    registration_open,
)
from ciic.core.ratelimit import rate_limited
from ciic.core.responses import stamped, xlsx_response

from . import exports
from .enums import ACTIVE_REPRESENTATIVE, GroupStatus, RepresentativeStatus
from .forms import (
    REP_FIELDS,
    REP_KEY,
    FieldError,
    OrganizationForm,
    RepresentativeForm,
    RepRow,
    TeamDraft,
    attach_rep_errors,
    direction_choices,
    field_errors,
    fold_unknown,
    parse_team,
    station_choices,
)
from .members import (
    accept_invitation,
    invitation_for,
    invite_member,
    remove_member,
    revoke_invitation,
    set_member_editing,
)
from .models import Organization, PolicyAcceptance, Representative, Team, TeamInvitation, TeamMember
from .selectors import (
    filter_organizations,
    filter_teams,
    organizations_for_user,
    stations_for_user,
    teams_for_user,
)
from .services import (
    add_representative,
    change_team,
    check_team,
    clean_organization,
    preview_group,
    register_organization,
    register_team,
    remove_representative,
    update_organization,
    verify_central_soe,
)

PAGE_SIZE = 50
FILTER_KEYS = ("station", "direction", "group", "group_status", "province", "q")
TEAM_FIELDS = ("station", "direction", "name", "representatives", "accept_policies")
TEAM_FIELD_LABELS = {
    "station": gettext_lazy("赛站"),
    "direction": gettext_lazy("赛题方向"),
    "name": gettext_lazy("团队名称"),
    "representatives": gettext_lazy("参赛代表"),
    "accept_policies": gettext_lazy("服务规则和参赛承诺书"),
    "organization": gettext_lazy("参赛单位"),
    "non_field": "",
}
REP_FIELD_LABELS = {
    "name": gettext_lazy("姓名"),
    "id_number": gettext_lazy("居民身份证号"),
    "mobile": gettext_lazy("手机号"),
    "email": gettext_lazy("电子邮箱"),
}


def _contest() -> Contest:
    contest = current_contest()
    if contest is None:
        raise Http404(_("赛事信息尚未发布"))
    return contest


def _require(request: HttpRequest, perm: str, obj=None) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


def _own_team(request: HttpRequest, contest: Contest, pk: int, perm: str = "entrants.view_team") -> Team:
    """The team if the user may see it and holds `perm` on it; a 404 otherwise."""
    team = get_object_or_404(teams_for_user(request.user, contest), pk=pk)
    if not request.user.has_perm(perm, team):
        raise Http404
    return team


def _own_organization(request: HttpRequest, contest: Contest, pk: int, perm: str | None = None) -> Organization:
    org = get_object_or_404(organizations_for_user(request.user, contest), pk=pk)
    if perm and not request.user.has_perm(perm, org):
        raise Http404
    return org


def _deadline_context(contest: Contest) -> dict:
    return {"registration_is_open": registration_open(contest), "deadline": registration_deadline(contest)}


# --- step 1: the organization --------------------------------------------------------


def _preview(contest: Contest, form: OrganizationForm, *, touched_only: bool) -> dict:
    """The live preview of step 1: the group it would get, or what is still wrong.

    `touched_only` hides errors of fields left empty (a field the user has not reached yet);
    they still appear in the preview's list."""
    clean, errs = clean_organization(contest=contest, data=form.to_input(), existing=form.organization)
    errors = fold_unknown(field_errors(errs.by_field), OrganizationForm.FIELDS)
    decision = (preview_group(contest=contest, clean=clean, existing=form.organization)
                if clean is not None else None)
    shown = errors
    if touched_only:
        filled = {f for f in OrganizationForm.FIELDS if (form.data.get(f) or "").strip()}
        filled |= {"parent_name"} if "parent_credit_code" in filled else set()
        shown = {k: v for k, v in errors.items() if k in filled}
    labels = {name: form.fields[name].label for name in OrganizationForm.FIELDS}
    return {
        "decision": decision,
        "errors": shown,
        "all_errors": [(labels.get(k, ""), e) for k, errs_ in errors.items() for e in errs_],
    }


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """Step 1: register an organization (R-P1); its group is derived, never chosen (R-G2)."""
    contest = _contest()
    _require(request, "entrants.register_organization")
    form = OrganizationForm(request.POST or None)
    context = {"form": form, "errors": {}, **_deadline_context(contest)}
    if request.method == "POST":
        try:
            org = register_organization(contest=contest, actor=request.user, data=form.to_input())
        except ValidationError as exc:
            context["errors"] = fold_unknown(field_errors(exc), OrganizationForm.FIELDS)
            context["preview"] = _preview(contest, form, touched_only=False)
        else:
            messages.success(request, _("单位已注册，组别：%(group)s。请继续报名团队。") % {
                "group": org.group_label})
            return redirect("entrants:team_create", pk=org.pk)
    context["organizations"] = organizations_for_user(request.user, contest).order_by("id")
    return render(request, "entrants/register_organization.html", context)


@login_required
@require_POST
@rate_limited("preview")
def organization_preview(request: HttpRequest) -> HttpResponse:
    """HTMX: as the user types, the group step 1 would derive and the field errors."""
    contest = _contest()
    org = None
    if request.POST.get("organization"):
        org = _own_organization(request, contest, _int(request.POST["organization"]),
                                "entrants.change_organization")
    else:
        _require(request, "entrants.register_organization")
    form = OrganizationForm(request.POST, organization=org)
    preview = _preview(contest, form, touched_only=True)
    # Each field's error slot is replaced out of band, so fixed fields lose their message.
    oob = [(name, preview["errors"].get(name, [])) for name in OrganizationForm.FIELDS]
    context = {"form": form, "preview": preview, "oob": oob}
    return render(request, "entrants/_org_preview.html", context)


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# --- step 2: the team ----------------------------------------------------------------


def _team_form_context(contest: Contest, org: Organization, draft: TeamDraft | None,
                       errors: dict[str, list[FieldError]] | None = None) -> dict:
    limit = max_representatives(contest)
    stations = station_choices(contest)
    rows = draft.rows if draft and draft.rows else [RepRow(0)]
    station = draft.station if draft else None
    return {
        "organization": org,
        "draft": draft,
        "stations": stations,
        "directions": direction_choices(contest, station),
        "selected_direction": _default_direction(draft, contest, station),
        "policies": PolicyDocument.objects.filter(contest=contest, is_current=True).order_by("kind"),
        "accepted_ids": {p.pk for p in draft.accepted} if draft else set(),
        "rows": rows,
        "next_index": max(r.index for r in rows) + 1,
        "can_add_row": len(rows) < limit,
        "limit": limit,
        "errors": errors or {},
        **_deadline_context(contest),
    }


def _default_direction(draft: TeamDraft | None, contest: Contest, station):
    if draft and draft.direction and (station is None or draft.direction.station_id == station.pk):
        return draft.direction
    if station is not None:
        directions = direction_choices(contest, station)
        if len(directions) == 1:  # R-D1: a station organizes one direction: nothing to choose
            return directions[0]
    return None


def _draft(request: HttpRequest, contest: Contest) -> TeamDraft:
    draft = parse_team(request.POST, stations=station_choices(contest),
                       directions=direction_choices(contest),
                       policies=list(PolicyDocument.objects.filter(contest=contest, is_current=True)))
    if draft.station is not None and draft.direction is None:
        draft.direction = _default_direction(None, contest, draft.station)
    return draft


def _team_errors(errors, draft: TeamDraft) -> dict[str, list[FieldError]]:
    """Service errors keyed by field: rows' errors go onto their rows (by filled position)."""
    rest = attach_rep_errors(field_errors(errors), draft.filled_rows)
    return fold_unknown(rest, TEAM_FIELDS)


@login_required
@require_http_methods(["GET", "POST"])
def team_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: register a team (R-P2..R-P5, R-P7, R-P8, R-D2) of one of the user's organizations."""
    contest = _contest()
    org = _own_organization(request, contest, pk, "entrants.register_team")
    if request.method == "GET":
        return render(request, "entrants/register_team.html", _team_form_context(contest, org, None))
    draft = _draft(request, contest)
    try:
        team = register_team(
            organization=org, station=draft.station, direction=draft.direction, name=draft.name,
            actor=request.user, representatives=draft.representatives(),
            accepted_policies=draft.accepted,
        )
    except ValidationError as exc:
        errors = _team_errors(exc, draft)
        context = _team_form_context(contest, org, draft, errors)
        context.update(checked=True, refusals=_refusal_list(errors, draft))
        return render(request, "entrants/register_team.html", context)
    messages.success(request, _("团队“%(name)s”报名成功。") % {"name": team.name})
    # The team page then shows the wizard's last step, "完成", with what comes next.
    return redirect(reverse("entrants:team_detail", args=[team.pk]) + "?registered=1")


def _refusal_list(errors: dict[str, list[FieldError]], draft: TeamDraft) -> list[tuple[str, FieldError]]:
    """Every refusal with the name of what it is about, rows numbered as the user sees them."""
    listed = [(str(TEAM_FIELD_LABELS.get(k, "")), e) for k, errs in errors.items() for e in errs]
    for position, row in enumerate(draft.filled_rows, start=1):
        for fname, errs in row.errors.items():
            label = _("参赛代表 %(n)s · %(field)s") % {"n": position, "field": REP_FIELD_LABELS.get(fname, fname)}
            listed += [(label, e) for e in errs]
    return listed


@login_required
@require_POST
def team_check(request: HttpRequest, pk: int) -> HttpResponse:
    """HTMX: every refusal `register_team` would give for what is typed so far (nothing written)."""
    contest = _contest()
    org = _own_organization(request, contest, pk, "entrants.register_team")
    draft = _draft(request, contest)
    refusals = check_team(
        organization=org, station=draft.station, direction=draft.direction, name=draft.name,
        representatives=draft.representatives(), accepted_policies=draft.accepted,
    )
    errors = _team_errors(refusals.by_field, draft)
    listed = _refusal_list(errors, draft)
    # Next to the fields, only messages about what has been filled in (the list has them all);
    # every slot is replaced out of band so a fixed field loses its message.
    touched = {"station": draft.station, "direction": draft.direction, "name": draft.name,
               "representatives": draft.filled_rows, "accept_policies": draft.accepted}
    oob = [(k, errors.get(k, []) if touched.get(k) else []) for k in TEAM_FIELDS]
    oob += [(f"{row.key_prefix}{f}", row.errors.get(f, []) if getattr(row, f).strip() else [])
            for row in draft.rows for f in REP_FIELDS]
    context = {"checked": True, "refusals": listed, "oob": oob, "draft": draft, "organization": org}
    return render(request, "entrants/_team_check.html", context)


@login_required
@require_GET
def representative_row(request: HttpRequest) -> HttpResponse:
    """HTMX: one more empty representative row, and the "add" button for the one after."""
    contest = _contest()
    _require(request, "entrants.register_organization")
    index = min(max(_int(request.GET.get("index", "0")), 0), 99)
    count = min(max(_int(request.GET.get("count", "1")), 0), 99)
    limit = max_representatives(contest)
    context = {"row": RepRow(index), "position": count + 1, "next_index": index + 1,
               "next_count": count + 1, "can_add_row": count + 1 < limit, "limit": limit}
    return render(request, "entrants/_rep_row_added.html", context)


@login_required
@require_GET
def direction_list(request: HttpRequest) -> HttpResponse:
    """HTMX: the directions a station organizes (R-D1, R-D2), each with its description."""
    contest = _contest()
    station = None
    if request.GET.get("station", "").isdigit():
        station = contest.stations.filter(pk=int(request.GET["station"])).first()
    directions = direction_choices(contest, station)
    selected = directions[0] if station is not None and len(directions) == 1 else None
    response = render(request, "entrants/_direction_choices.html",
                      {"directions": directions, "selected_direction": selected})
    response["HX-Trigger"] = "directions-loaded"
    return response


# --- the team page -------------------------------------------------------------------


def _team_context(request: HttpRequest, team: Team, **extra) -> dict:
    contest = team.contest
    reps = list(team.representatives.order_by("id"))
    limit = max_representatives(contest)
    context = {
        "team": team,
        "organization": team.organization,
        "representatives": reps,
        "active_count": sum(1 for r in reps if r.is_active),
        "acceptances": PolicyAcceptance.objects.filter(team=team).select_related("policy").order_by("policy__kind"),
        "limit": limit,
        "can_change": request.user.has_perm("entrants.change_team", team),
        "rep_form": RepresentativeForm(),
        "rep_errors": {},
        "change_errors": {},
        "stations": station_choices(contest),
        "directions": direction_choices(contest, team.station),
        "selected_direction": team.direction,
        "selected_station": team.station,
        "change_name": team.name,
        "members": list(team.members.select_related("user").order_by("joined_at")),
        "can_manage_members": (can_manage := request.user.has_perm("entrants.manage_members", team)),
        # The lead and staff see the representatives' addresses; members, their names only.
        "can_see_addresses": (request.user.has_perm("entrants.view_personal_data", team)
                              or request.user.has_perm("entrants.list_entrants")),
        # Each representative with the invitation still waiting for them, if any.
        "invitable": _invitable(team, reps) if can_manage else [],
        **_deadline_context(contest),
    }
    context.update(extra)
    return context


def _invitable(team: Team, reps: list[Representative]) -> list[tuple[Representative, TeamInvitation | None]]:
    pending = {i.representative_id: i for i in team.invitations.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())}
    return [(rep, pending.get(rep.pk)) for rep in reps]


def _team_page(request: HttpRequest, team: Team, **extra) -> HttpResponse:
    context = _team_context(request, team, **extra)
    if request.htmx and request.htmx.target == "representatives":
        return render(request, "entrants/_team_representatives.html", context)
    return render(request, "entrants/team_detail.html", context)


@login_required
@require_GET
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = _own_team(request, _contest(), pk)
    return _team_page(request, team)


def _rep_form_errors(exc: ValidationError) -> dict[str, list[FieldError]]:
    """`representatives[5].id_number` -> `id_number`: the team page has one row to fill."""
    out: dict[str, list[FieldError]] = {}
    for key, errs in field_errors(exc).items():
        m = REP_KEY.match(key)
        target = m.group(2) if m else key
        if target not in {*REP_FIELDS, "representatives"}:
            target = "non_field"
        out.setdefault(target, []).extend(errs)
    return out


@login_required
@require_POST
@rate_limited("representative")
def team_add_representative(request: HttpRequest, pk: int) -> HttpResponse:
    """R-P3: at most N representatives, frozen after the deadline; the person confirms."""
    team = _own_team(request, _contest(), pk, "entrants.change_team")
    form = RepresentativeForm(request.POST)
    try:
        rep = add_representative(team=team, actor=request.user, data=form.to_input())
    except ValidationError as exc:
        errors = _rep_form_errors(exc)
        return _team_page(request, team, rep_form=form, rep_errors=errors)
    if rep.status == RepresentativeStatus.CONFIRMED:
        messages.success(request, _("已添加参赛代表 %(name)s。") % {"name": rep.name})
    else:
        messages.success(request, _("已添加参赛代表 %(name)s，并向其手机号发送确认短信：本人确认后计入本团队。") % {
            "name": rep.name})
    if request.htmx:
        return _team_page(request, team)
    return redirect("entrants:team_detail", pk=team.pk)


@login_required
@require_POST
def team_remove_representative(request: HttpRequest, pk: int, rep_pk: int) -> HttpResponse:
    team = _own_team(request, _contest(), pk, "entrants.change_team")
    rep = get_object_or_404(Representative, pk=rep_pk, team=team)
    try:
        remove_representative(representative=rep, actor=request.user)
    except ValidationError as exc:
        errors = fold_unknown(field_errors(exc), ["representatives"])
        return _team_page(request, team, rep_errors=errors)
    messages.success(request, _("已移除参赛代表 %(name)s。") % {"name": rep.name})
    if request.htmx:
        return _team_page(request, team)
    return redirect("entrants:team_detail", pk=team.pk)


@login_required
@require_POST
def team_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Change station, direction or name before the deadline (R-P4, R-D2, R-P7, R-G4)."""
    contest = _contest()
    team = _own_team(request, contest, pk, "entrants.change_team")
    stations, directions = station_choices(contest), direction_choices(contest)
    station = next((s for s in stations if str(s.pk) == request.POST.get("station")), None)
    direction = next((d for d in directions if str(d.pk) == request.POST.get("direction")), None)
    name = (request.POST.get("name") or "").strip()
    try:
        change_team(team=team, actor=request.user, station=station, direction=direction, name=name)
    except ValidationError as exc:
        errors = fold_unknown(field_errors(exc), ["station", "direction", "name"])
        return _team_page(request, team, change_errors=errors,
                          selected_station=station or team.station,
                          directions=direction_choices(contest, station or team.station),
                          selected_direction=direction, change_name=name)
    messages.success(request, _("团队信息已更新。"))
    return redirect("entrants:team_detail", pk=team.pk)


# --- the organization page -----------------------------------------------------------


def _organization_page(request: HttpRequest, contest: Contest, org: Organization, **extra) -> HttpResponse:
    context = {
        "organization": org,
        "teams": teams_for_user(request.user, contest).filter(organization=org).order_by("id"),
        "can_change": request.user.has_perm("entrants.change_organization", org),
        "can_register_team": request.user.has_perm("entrants.register_team", org),
        # R-G2(c): the secretariat settles a pending central SOE claim here (and may correct it).
        "can_verify": (org.kind == OrganizationKind.CENTRAL_SOE
                       and org.group_status in (GroupStatus.PENDING, GroupStatus.CONFIRMED, GroupStatus.REJECTED)
                       and request.user.has_perm("entrants.verify_central_soe", org)),
        "verify_errors": {},
        "verify_reason": "",
        **_deadline_context(contest),
    }
    context.update(extra)
    return render(request, "entrants/organization_detail.html", context)


@login_required
@require_GET
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contest = _contest()
    return _organization_page(request, contest, _own_organization(request, contest, pk))


@login_required
@require_POST
def organization_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """R-G2(c): the secretariat confirms or rejects a self-declared central SOE that no list
    holds, with a reason the team reads (audited, the team notified)."""
    contest = _contest()
    org = _own_organization(request, contest, pk)
    if not request.user.has_perm("entrants.verify_central_soe", org):
        raise PermissionDenied
    decision = request.POST.get("decision")
    reason = request.POST.get("reason", "")
    try:
        if decision not in ("confirm", "reject"):
            raise ValidationError({"decision": ValidationError(_("请选择核实结论：属于或不属于中央企业"), code="R-G2")})
        org = verify_central_soe(organization=org, actor=request.user, confirm=decision == "confirm", reason=reason)
    except ValidationError as exc:
        errors = fold_unknown(field_errors(exc), ["decision", "reason"])
        return _organization_page(request, contest, org, verify_errors=errors, verify_reason=reason)
    messages.success(request, _("已核实“%(name)s”：%(status)s，组别：%(group)s。团队已收到通知。") % {
        "name": org.name, "status": org.get_group_status_display(), "group": org.group_label})
    return redirect("entrants:organization_detail", pk=org.pk)


@login_required
@require_http_methods(["GET", "POST"])
def organization_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit before the deadline (R-G4); the group is derived again from the new facts."""
    contest = _contest()
    org = _own_organization(request, contest, pk, "entrants.change_organization")
    form = OrganizationForm(request.POST or None, organization=org)
    context = {"form": form, "organization": org, "errors": {}, **_deadline_context(contest)}
    if request.method == "POST":
        try:
            org = update_organization(organization=org, actor=request.user, data=form.to_input())
        except ValidationError as exc:
            context["errors"] = fold_unknown(field_errors(exc), OrganizationForm.FIELDS)
            context["preview"] = _preview(contest, form, touched_only=False)
        else:
            messages.success(request, _("单位信息已更新，组别：%(group)s。") % {
                "group": org.group_label})
            return redirect("entrants:organization_detail", pk=org.pk)
    return render(request, "entrants/organization_form.html", context)


# --- staff lists and exports ---------------------------------------------------------


def _filters(request: HttpRequest) -> dict[str, str]:
    return {key: (request.GET.get(key) or "").strip()[:100] for key in FILTER_KEYS}


def _filtered_teams(request: HttpRequest, contest: Contest) -> QuerySet[Team]:
    qs = filter_teams(teams_for_user(request.user, contest), **_filters(request))
    active = Q(representatives__status__in=ACTIVE_REPRESENTATIVE)
    return qs.annotate(rep_count=Count("representatives", filter=active, distinct=True)).order_by("id")


def _filtered_organizations(request: HttpRequest, contest: Contest) -> QuerySet[Organization]:
    visible_teams = (
        teams_for_user(request.user, contest).filter(organization=OuterRef("pk"))
        .order_by().values("organization").annotate(n=Count("pk")).values("n")
    )
    qs = filter_organizations(organizations_for_user(request.user, contest), **_filters(request))
    return qs.annotate(
        team_count=Coalesce(Subquery(visible_teams, output_field=IntegerField()), Value(0))
    ).order_by("id")


def _list_context(request: HttpRequest, contest: Contest, qs: QuerySet) -> dict:
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    provinces = (
        organizations_for_user(request.user, contest).exclude(province_code="")
        .order_by("province_code").values_list("province_code", "province").distinct()
    )
    return {
        "page": page,
        "filters": _filters(request),
        "stations": stations_for_user(request.user, contest),
        "directions": contest.directions.order_by("number"),
        "groups": contest.groups.all(),
        "group_statuses": GroupStatus.choices,
        "provinces": list(provinces),
        "export_query": request.GET.urlencode(),
    }


@login_required
@require_GET
def team_list(request: HttpRequest) -> HttpResponse:
    contest = _contest()
    _require(request, "entrants.list_entrants")
    context = _list_context(request, contest, _filtered_teams(request, contest))
    return render(request, "entrants/team_list.html", context)


@login_required
@require_GET
def organization_list(request: HttpRequest) -> HttpResponse:
    contest = _contest()
    _require(request, "entrants.list_entrants")
    context = _list_context(request, contest, _filtered_organizations(request, contest))
    # R-G2(c): self-declared central SOEs waiting for the secretariat's verification.
    context["pending_count"] = organizations_for_user(request.user, contest).filter(
        group_status=GroupStatus.PENDING).count()
    return render(request, "entrants/organization_list.html", context)


def _xlsx_response(workbook, stem: str) -> HttpResponse:
    return xlsx_response(workbook, stamped(stem))


@login_required
@require_GET
def team_export(request: HttpRequest) -> HttpResponse:
    contest = _contest()
    _require(request, "entrants.list_entrants")
    qs = _filtered_teams(request, contest).prefetch_related(
        Prefetch("representatives", queryset=Representative.objects.order_by("id")))
    return _xlsx_response(exports.teams_workbook(qs), "teams")


@login_required
@require_GET
def organization_export(request: HttpRequest) -> HttpResponse:
    contest = _contest()
    _require(request, "entrants.list_entrants")
    return _xlsx_response(exports.organizations_workbook(_filtered_organizations(request, contest)),
                          "organizations")


# --- the team's members: representatives with accounts (members.py) ---------------------------


@login_required
@require_POST
def team_invite(request: HttpRequest, pk: int, rep_pk: int) -> HttpResponse:
    team = _own_team(request, _contest(), pk, "entrants.manage_members")
    rep = get_object_or_404(Representative, pk=rep_pk, team=team)
    try:
        invite_member(team=team, representative=rep, actor=request.user, can_edit=request.POST.get("can_edit") == "on")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("邀请已发送到 %(name)s 的电子邮箱。") % {"name": rep.name})
    return redirect(reverse("entrants:team_detail", args=[team.pk]) + "#members")


@login_required
@require_POST
def team_member_change(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    """The lead lets a member edit the project or not, or removes them; a member may leave."""
    team = _own_team(request, _contest(), pk)
    member = get_object_or_404(TeamMember, pk=member_pk, team=team)
    action = request.POST.get("action")
    try:
        if action == "remove":
            remove_member(member=member, actor=request.user)
            messages.success(request, _("已移除团队成员。"))
            if member.user_id == request.user.pk:
                return redirect("site:dashboard")
        elif action in ("allow_edit", "read_only"):
            set_member_editing(member=member, can_edit=action == "allow_edit", actor=request.user)
            messages.success(request, _("已更新成员权限。"))
    except PermissionDenied as exc:
        raise Http404 from exc
    return redirect(reverse("entrants:team_detail", args=[team.pk]) + "#members")


@login_required
@require_POST
def team_invitation_revoke(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    team = _own_team(request, _contest(), pk, "entrants.manage_members")
    invitation = get_object_or_404(TeamInvitation, pk=invitation_pk, team=team)
    revoke_invitation(invitation=invitation, actor=request.user)
    messages.success(request, _("邀请已撤回。"))
    return redirect(reverse("entrants:team_detail", args=[team.pk]) + "#members")


@require_http_methods(["GET", "POST"])
def team_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The representative's link: who invites them to which team; accepted with the account
    of the invited address (signing up or logging in first, then back here)."""
    invitation = invitation_for(token)
    error = ""
    if invitation is None or not invitation.pending:
        error = _("邀请链接无效、已使用或已过期")
    elif request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        try:
            member = accept_invitation(token=token, user=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("您已加入团队“%(team)s”。") % {"team": member.team.name})
            return redirect("entrants:team_detail", pk=member.team_id)
    return render(request, "entrants/team_invitation.html", {"invitation": invitation, "error": error},
                  status=400 if error else 200)
