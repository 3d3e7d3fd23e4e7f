"""The public home page, the contest's rules and each user's dashboard."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from ciic.accounts.enums import Role
from ciic.certificates.selectors import certificates_for_user
from ciic.contests.models import Direction, LocalOrganizingUnit
from ciic.contests.selectors import current_contest, registration_deadline, registration_open
from ciic.entrants.selectors import organizations_for_user, teams_for_user

from .selectors import staff_overview

# R-C2: the roles of contest.hosts, in the notice's order; other roles keep their key.
HOST_ROLE_LABELS = {
    "hosts": _("主办单位"),
    "organizers": _("承办单位"),
    "executing_organizers": _("执行承办单位"),
    "secretariat": _("组委会秘书处"),
    "secretariat_office": _("秘书处办公室"),
}


def _hosts(contest) -> list[tuple[str, list[str]]]:
    hosts = contest.hosts or {}
    known = [(HOST_ROLE_LABELS[k], hosts[k]) for k in HOST_ROLE_LABELS if hosts.get(k)]
    other = [(k, v) for k, v in hosts.items() if k not in HOST_ROLE_LABELS and v]
    return known + other


def _criteria_labels(group) -> list[str]:
    english = (get_language() or "").startswith("en")
    return [(c.get("label_en") if english and c.get("label_en") else c.get("label", ""))
            for c in group.criteria or []]


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    contest = current_contest()
    context: dict = {"contest": contest}
    if contest is not None:
        context.update(
            hosts=_hosts(contest),
            directions=contest.directions.select_related("station"),
            stations=contest.stations.prefetch_related(
                Prefetch("local_units", queryset=LocalOrganizingUnit.objects.order_by("id")),
                Prefetch("directions", queryset=Direction.objects.order_by("number")),
            ),
            groups=[(g, _criteria_labels(g)) for g in contest.groups.all()],
            schedule=contest.schedule.all(),
            prize_tiers=contest.prize_tiers.all(),
            special_awards=contest.special_awards.all(),
            registration_is_open=registration_open(contest),
            deadline=registration_deadline(contest),
        )
    return render(request, "site/home.html", context)


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    contest = current_contest()
    user = request.user
    # Each role gets its own home, by role rather than by permission: a superuser holds every
    # permission, and the secretariat's home was the entrants' one, listing every organization.
    context: dict = {"contest": contest, "is_entrant": user.role == Role.ENTRANT,
                     "is_contest_staff": user.is_secretariat or user.is_station_officer,
                     "is_expert": user.role == Role.EXPERT}
    if contest is not None:
        context["registration_is_open"] = registration_open(contest)
        context["deadline"] = registration_deadline(contest)
        if context["is_entrant"]:
            context["organizations"] = list(organizations_for_user(user, contest).order_by("id"))
            context["teams"] = list(teams_for_user(user, contest).order_by("id"))
            context["has_certificates"] = certificates_for_user(user, contest).filter(
                award__project__team__lead=user).exists()
        if context["is_contest_staff"]:
            context["overview"] = staff_overview(user, contest)
    return render(request, "site/dashboard.html", context)


@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    """The contest's rules as its spec states them, public, each under the ID that rule badges
    across the platform link to (`/rules/#R-P3`). The official notice is the authority."""
    contest = current_contest()
    english = (get_language() or "").startswith("en")
    items = [{"id": r["id"], "title": r["title_en"] if english else r["title"],
              "text": r["text_en"] if english else r["text"]}
             for r in (contest.spec.get("rules", []) if contest else [])]
    return render(request, "site/rules.html", {"rules": items})
