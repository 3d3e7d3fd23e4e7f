"""The expert's workspace (R-V1, R-P8): assigned projects per round with progress, each
project's judged version, materials and roadshow slot, the score form (draft or submit),
peers' scores once allowed, and declaring a conflict of interest. Also the staff page that
schedules a roadshow round's slots.

Thin views: reads through `selectors.py`, writes through `services.py`; a project the expert is
not assigned to, or is conflicted with, is a 404 (its existence is not revealed).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ciic.contests.models import ApplicationSection
from ciic.contests.selectors import current_contest
from ciic.core.responses import template_errors
from ciic.core.validation import parse_local_datetime
from ciic.projects.models import Project

from ..conflicts import declare_conflict
from ..models import Assignment, RoadshowSlot
from ..selectors import (
    judged_submission,
    peer_reviews,
    roadshow_rows,
    rounds_for_staff,
    visible_assignment,
    workspace_rounds,
)
from .services import (
    ballot_is_open,
    clear_slot,
    is_sealed,
    preview_total,
    round_accepts_scores,
    save_review,
    schedule_slot,
)


def _errors(exc: ValidationError) -> dict[str, list[dict]]:
    # `scores.<code>` becomes `score_<code>`: templates cannot read names with a dot.
    return template_errors(exc, rename=lambda field: field.replace("scores.", "score_"))


def _label(item: dict) -> str:
    english = (get_language() or "").startswith("en")
    return item.get("name_en") if english and item.get("name_en") else item.get("name", item.get("code", ""))


def _require_expert(request: HttpRequest) -> None:
    if not request.user.has_perm("review.use_workspace"):
        raise PermissionDenied


def _assignment(request: HttpRequest, round_pk: int, project_pk: int) -> Assignment:
    _require_expert(request)
    assignment = visible_assignment(request.user, round_id=round_pk, project_id=project_pk)
    if assignment is None:
        raise Http404
    return assignment


@login_required
@require_GET
def workspace(request: HttpRequest) -> HttpResponse:
    """The expert's rounds, each with its assigned projects and the progress of submission."""
    _require_expert(request)
    return render(request, "review/workspace_list.html", {"rounds": workspace_rounds(request.user)})


def _criteria(assignment: Assignment, values: dict, errors: dict) -> list[dict]:
    form = assignment.review_round.form
    weights = sum(float(c["weight"]) for c in form) or 1.0
    return [{"code": c["code"], "name": _label(c), "weight": c["weight"],
             "share": round(100 * float(c["weight"]) / weights, 1), "min": c["min"], "max": c["max"],
             "value": values.get(c["code"], ""), "errors": errors.get(f"score_{c['code']}")}
            for c in form]


def _peers(assignment: Assignment) -> list[dict] | None:
    reviews = peer_reviews(assignment)
    if reviews is None:
        return None
    labels = {r["code"]: _label(r) for r in assignment.review_round.recommendations}
    codes = [c["code"] for c in assignment.review_round.form]
    return [{"label": _("专家 %(n)s") % {"n": i}, "total": r.total, "scores": [r.scores.get(c, "—") for c in codes],
             "recommendation": labels.get(r.recommendation, r.recommendation), "comment": r.comment}
            for i, r in enumerate(reviews, start=1)]


def _page(request: HttpRequest, assignment: Assignment, *, errors: dict | None = None, posted: dict | None = None,
          confirmed: bool = False, status: int = 200) -> HttpResponse:
    review_round = assignment.review_round
    project = assignment.project
    review = assignment.my_review
    submission = judged_submission(assignment)
    sections, materials = [], []
    if submission is not None:
        # In the form's order (a JSON object's key order is not kept by PostgreSQL's jsonb).
        sections = [(section, submission.sections[section.code])
                    for section in ApplicationSection.objects.filter(contest_id=project.contest_id)
                    if section.code in submission.sections]
        materials = list(submission.materials.select_related("material_type", "file"))
    errors = errors or {}
    if posted is not None:
        values, comment, recommendation = posted["scores"], posted["comment"], posted["recommendation"]
    elif review is not None:
        values, comment, recommendation = review.scores, review.comment, review.recommendation
    else:
        values, comment, recommendation = {}, "", ""
    return render(request, "review/workspace_project.html", {
        "assignment": assignment, "review_round": review_round, "project": project, "review": review,
        "submission": submission, "sections": sections, "materials": materials,
        "slot": RoadshowSlot.objects.filter(review_round=review_round, project=project).first(),
        "criteria": _criteria(assignment, values, errors), "comment": comment, "recommendation": recommendation,
        "recommendations": [(r["code"], _label(r)) for r in review_round.recommendations],
        "can_score": round_accepts_scores(review_round), "peers": _peers(assignment),
        "sealed": is_sealed(review_round), "ballot_open": ballot_is_open(review),
        "criterion_names": [_label(c) for c in review_round.form],
        "revisions": review.revisions.count() if review is not None else 0,
        "live_total": _live_total(review_round, values), "confirmed": confirmed,
        "errors": errors}, status=status)


def _live_total(review_round, scores: dict) -> dict:
    total, missing = preview_total(review_round=review_round, scores=scores)
    return {"total": total, "missing": missing, "decimals": review_round.score_decimals}


@login_required
@require_GET
def project_page(request: HttpRequest, round_pk: int, project_pk: int) -> HttpResponse:
    return _page(request, _assignment(request, round_pk, project_pk))


@login_required
@require_POST
def score(request: HttpRequest, round_pk: int, project_pk: int) -> HttpResponse:
    """Save the score form as a draft, or submit it (after ticking the confirmation)."""
    assignment = _assignment(request, round_pk, project_pk)
    submit = request.POST.get("action") == "submit"
    posted = {"scores": {c["code"]: request.POST.get(f"score_{c['code']}", "") for c in assignment.review_round.form},
              "comment": request.POST.get("comment", ""), "recommendation": request.POST.get("recommendation", "")}
    try:
        if submit and request.POST.get("confirm") != "on":
            raise ValidationError({"confirm": ValidationError(_("请勾选确认后再提交评分"), code="R-V1")})
        save_review(assignment=assignment, actor=request.user, submit=submit, **posted)
    except ValidationError as exc:
        # The form comes back as the expert left it, the confirmation box included.
        return _page(request, assignment, errors=_errors(exc), posted=posted,
                     confirmed=request.POST.get("confirm") == "on", status=422)
    if submit and is_sealed(assignment.review_round):
        messages.success(request, _("评分已提交并封存。"))
    elif submit:
        messages.success(request, _("评分已提交。截止前仍可修改并重新提交，每次提交都会留档。"))
    else:
        messages.success(request, _("评分草稿已保存。"))
    return redirect("review:workspace_project", round_pk=round_pk, project_pk=project_pk)


@login_required
@require_POST
def score_total(request: HttpRequest, round_pk: int, project_pk: int) -> HttpResponse:
    """The weighted total of the scores typed so far (htmx, as the expert types); saves nothing."""
    assignment = _assignment(request, round_pk, project_pk)
    scores = {c["code"]: request.POST.get(f"score_{c['code']}", "") for c in assignment.review_round.form}
    return render(request, "review/_score_total.html", {
        "review_round": assignment.review_round, "project": assignment.project,
        "live_total": _live_total(assignment.review_round, scores)})


@login_required
@require_POST
def conflict(request: HttpRequest, round_pk: int, project_pk: int) -> HttpResponse:
    """The expert declares a conflict of interest: the project leaves their workspace (R-P8)."""
    assignment = _assignment(request, round_pk, project_pk)
    try:
        declare_conflict(expert=assignment.expert, project=assignment.project, actor=request.user,
                         reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        return _page(request, assignment, errors=_errors(exc), status=422)
    messages.success(request, _("已申报利益冲突，该项目已从您的评审列表中移除。"))
    return redirect("review:workspace")


# --- roadshow slots (staff) ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def roadshow(request: HttpRequest, round_pk: int) -> HttpResponse:
    """Staff give each project of a roadshow round its time, with a link or a venue (R-V1)."""
    contest = current_contest()
    review_round = get_object_or_404(rounds_for_staff(request.user, contest), pk=round_pk)
    if not request.user.has_perm("review.schedule_roadshow", review_round):
        raise PermissionDenied
    errors: dict = {}
    failed_project = None
    if request.method == "POST":
        project_id = request.POST.get("project", "")
        # A tampered id ("abc") is a project that does not exist here, not a server error.
        project = get_object_or_404(Project, pk=int(project_id) if project_id.isdigit() else 0,
                                    round_entries__review_round=review_round)
        try:
            if request.POST.get("action") == "clear":
                clear_slot(review_round=review_round, project=project, actor=request.user)
                messages.success(request, _("已取消“%(project)s”的路演时段。") % {"project": project.name})
            else:
                zone = contest.time_zone
                schedule_slot(review_round=review_round, project=project, actor=request.user,
                              starts_at=parse_local_datetime(request.POST.get("starts_at", ""), zone, field="starts_at",
                                                             rule="R-V1"),
                              ends_at=parse_local_datetime(request.POST.get("ends_at", ""), zone, field="ends_at",
                                                           rule="R-V1"),
                              link=request.POST.get("link", ""), venue=request.POST.get("venue", ""))
                messages.success(request, _("已安排“%(project)s”的路演时段。") % {"project": project.name})
        except ValidationError as exc:
            errors, failed_project = _errors(exc), project.pk
        else:
            return redirect("review:roadshow_slots", round_pk=review_round.pk)
    return render(request, "review/roadshow_slots.html", {
        "review_round": review_round, "rows": roadshow_rows(review_round), "errors": errors,
        "failed_project": failed_project, "posted": request.POST}, status=422 if errors else 200)
