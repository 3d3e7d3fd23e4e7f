"""The public results pages (R-C3), with permanent links per edition (the contest's slug), and
the secretariat's page that releases them. Only what was released is shown."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ciic.contests.models import Contest
from ciic.entrants.forms import field_errors, fold_unknown

from . import publication
from .enums import PublicationKind
from .models import Publication
from .views import _contest


def _edition(slug: str) -> Contest:
    return get_object_or_404(Contest, slug=slug[:60])


@require_GET
def results_home(request: HttpRequest) -> HttpResponse:
    return redirect("results:index", slug=_contest().slug)


@require_GET
def results_index(request: HttpRequest, slug: str) -> HttpResponse:
    contest = _edition(slug)
    return render(request, "awards/public/index.html", {
        "contest": contest, "released": publication.released_kinds(contest), "kinds": PublicationKind})


def _released_or_404(contest: Contest, kind: str) -> None:
    if not publication.is_released(contest, kind):
        raise Http404(_("尚未发布"))


@require_GET
def results_finalists(request: HttpRequest, slug: str) -> HttpResponse:
    contest = _edition(slug)
    _released_or_404(contest, PublicationKind.FINALISTS)
    return render(request, "awards/public/finalists.html", {
        "contest": contest, "groups": publication.finalist_groups(contest)})


@require_GET
def results_running_order(request: HttpRequest, slug: str) -> HttpResponse:
    contest = _edition(slug)
    _released_or_404(contest, PublicationKind.RUNNING_ORDER)
    return render(request, "awards/public/running_order.html", {
        "contest": contest, "sessions": publication.running_orders(contest)})


@require_GET
def results_awards(request: HttpRequest, slug: str) -> HttpResponse:
    contest = _edition(slug)
    _released_or_404(contest, PublicationKind.AWARDS)
    return render(request, "awards/public/awards.html", {
        "contest": contest, "sections": publication.award_sections(contest)})


@login_required
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest) -> HttpResponse:
    """The secretariat releases (or withdraws) each kind of result."""
    contest = _contest()
    if not request.user.has_perm("awards.manage_finals"):
        raise PermissionDenied
    errors: dict = {}
    if request.method == "POST":
        try:
            publication.release(contest=contest, kind=request.POST.get("kind", "")[:20], actor=request.user,
                                publish=request.POST.get("publish") == "on")
        except ValidationError as exc:
            errors = fold_unknown(field_errors(exc), [])
        else:
            messages.success(request, _("发布状态已更新。"))
            return redirect("awards:publish")
    rows = {p.kind: p for p in Publication.objects.filter(contest=contest).select_related("released_by")}
    return render(request, "awards/publish.html", {
        "contest": contest, "errors": errors,
        "kinds": [(kind, label, rows.get(kind)) for kind, label in PublicationKind.choices],
    }, status=400 if errors else 200)
