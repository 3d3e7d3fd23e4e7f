"""Pages for the person named as a representative (the link from the text message), the lead's
"send again", and the secretariat's identity disputes (entrants.identity, R-P3)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ciic.core.ratelimit import rate_limited

from . import identity
from .enums import DisputeStatus
from .forms import field_errors, fold_unknown
from .models import IdentityDispute, Representative
from .views import _contest, _own_team, _team_page


@require_http_methods(["GET", "POST"])
@rate_limited("confirm_representative")
def confirm_representative(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the text message: the person sees which team named them and confirms (with
    the last six characters of their ID number) or declines. A collision with another team
    is answered without naming it; the person may then explain to the secretariat."""
    rep = identity.pending_for_token(token)
    errors: dict = {}
    outcome = None
    if rep is None:
        errors = {"non_field": [_("确认链接无效或已过期：请联系团队负责人重新发送")]}
    elif request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm":
                outcome = identity.confirm(token=token, id_suffix=request.POST.get("id_suffix", ""))
                if outcome.status == "confirmed":
                    messages.success(request, _("您已确认担任“%(team)s”的参赛代表。") % {"team": rep.team.name})
                    return render(request, "entrants/confirm_representative.html", {"done": "confirmed", "rep": rep})
            elif action == "decline":
                identity.decline(token=token)
                return render(request, "entrants/confirm_representative.html", {"done": "declined", "rep": rep})
            elif action == "statement":
                identity.add_statement(token=token, text=request.POST.get("statement", ""))
                outcome = identity.Outcome("disputed", rep)
                messages.success(request, _("说明已提交秘书处。"))
            else:
                raise ValidationError({"action": ValidationError(_("请选择确认或拒绝"), code="R-P3")})
        except ValidationError as exc:
            errors = fold_unknown(field_errors(exc), ["id_suffix", "statement"])
            if "statement" in errors:
                outcome = identity.Outcome("disputed", rep)
    disputed = outcome is not None and outcome.status == "disputed"
    return render(request, "entrants/confirm_representative.html", {
        "rep": rep, "errors": errors, "disputed": disputed,
        "statement": request.POST.get("statement", "") if request.method == "POST" else "",
    }, status=400 if errors and not disputed else 200)


@login_required
@require_POST
@rate_limited("representative")
def team_resend_confirmation(request: HttpRequest, pk: int, rep_pk: int) -> HttpResponse:
    team = _own_team(request, _contest(), pk, "entrants.change_team")
    rep = get_object_or_404(Representative, pk=rep_pk, team=team)
    try:
        identity.resend_confirmation(rep, actor=request.user)
    except ValidationError as exc:
        return _team_page(request, team, rep_errors=fold_unknown(field_errors(exc), ["representatives"]))
    messages.success(request, _("已重新向 %(name)s 发送确认短信。") % {"name": rep.name})
    if request.htmx:
        return _team_page(request, team)
    return redirect("entrants:team_detail", pk=team.pk)


def _require_resolver(request: HttpRequest) -> None:
    if not request.user.has_perm("entrants.resolve_identity_dispute"):
        raise PermissionDenied


@login_required
def identity_disputes(request: HttpRequest) -> HttpResponse:
    """The secretariat's list: open disputes first, each with both rows side by side."""
    _require_resolver(request)
    contest = _contest()
    status = request.GET.get("status", DisputeStatus.OPEN)
    if status not in DisputeStatus.values and status != "all":
        status = DisputeStatus.OPEN
    qs = IdentityDispute.objects.filter(contest=contest).select_related(
        "claimant__team__organization", "holder__team__organization", "resolved_by")
    if status != "all":
        qs = qs.filter(status=status)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(request, "entrants/identity_disputes.html", {
        "page": page, "status": status, "statuses": DisputeStatus.choices, "contest": contest,
        "errors": {}, "open_count": IdentityDispute.objects.filter(contest=contest, status=DisputeStatus.OPEN).count(),
    })


@login_required
@require_POST
def identity_dispute_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    _require_resolver(request)
    contest = _contest()
    dispute = get_object_or_404(IdentityDispute, pk=pk, contest=contest)
    decision = request.POST.get("decision")
    try:
        if decision not in ("uphold", "reject"):
            raise ValidationError({"decision": ValidationError(_("请选择处理结论"), code="R-P3")})
        identity.resolve_dispute(dispute=dispute, actor=request.user, uphold=decision == "uphold",
                                 reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        qs = IdentityDispute.objects.filter(pk=dispute.pk).select_related(
            "claimant__team__organization", "holder__team__organization", "resolved_by")
        return render(request, "entrants/identity_disputes.html", {
            "page": Paginator(qs, 20).get_page(1), "status": "all", "statuses": DisputeStatus.choices,
            "contest": contest, "failed": dispute.pk, "reason": request.POST.get("reason", ""),
            "errors": fold_unknown(field_errors(exc), ["decision", "reason"]),
            "open_count": IdentityDispute.objects.filter(contest=contest, status=DisputeStatus.OPEN).count(),
        }, status=400)
    messages.success(request, _("申诉已处理，双方团队已收到通知。"))
    return redirect("entrants:identity_disputes")
