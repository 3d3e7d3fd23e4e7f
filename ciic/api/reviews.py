"""Expert review in the JSON API: the expert's assignments, a project's judged version, the
expert's own review (read, save as draft, submit), peers' scores once allowed; staff schedule
roadshow slots (R-V1, R-P8).

The same selectors and services as the workspace pages (`ciic.review.selectors`,
`ciic.review.reviews.services`): a project the expert is not assigned to, or is conflicted with, is a 404
on every endpoint, so its existence is not revealed.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from ciic.projects.models import Project
from ciic.review.models import Assignment, ReviewRound, RoadshowSlot
from ciic.review.reviews.services import (
    clear_slot,
    round_accepts_scores,
    save_review,
    schedule_slot,
)
from ciic.review.selectors import (
    judged_submission,
    peer_reviews,
    review_of,
    rounds_for_staff,
    visible_assignment,
    workspace_assignments,
)

from .auth import ANY_AUTH
from .contests import get_contest
from .errors import DetailOut, ErrorsOut
from .materials import MaterialOut

router = Router(tags=["review"], auth=ANY_AUTH)
REFUSALS = {401: DetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut}


class ExpertAssignmentOut(Schema):
    round_id: int
    round: str
    round_status: str
    closes_at: dt.datetime | None
    project_id: int
    project: str
    status: str = Field(description="not_started / draft / submitted")
    total: float | None


class CriterionOut(Schema):
    code: str
    name: str
    name_en: str = ""
    weight: float
    min: float
    max: float


class ChoiceOut(Schema):
    code: str
    name: str
    name_en: str = ""


class SlotOut(Schema):
    project_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    link: str
    venue: str


class JudgedSubmissionOut(Schema):
    number: int
    stage: str
    name: str
    submitted_at: dt.datetime
    content_sha256: str
    sections: dict[str, str]
    materials: list[MaterialOut]


class JudgedProjectOut(Schema):
    round_id: int
    project_id: int
    name: str
    direction: str
    group: str | None
    submission: JudgedSubmissionOut | None
    slot: SlotOut | None
    criteria: list[CriterionOut]
    recommendations: list[ChoiceOut]
    blind_until_submitted: bool
    accepts_scores: bool


class ReviewOut(Schema):
    scores: dict[str, float]
    total: float | None
    comment: str
    recommendation: str
    submitted_at: dt.datetime | None
    updated_at: dt.datetime | None
    revisions: int


class ReviewIn(Schema):
    scores: dict[str, float | str | None] = Field(default_factory=dict,
                                                   description="评分项代码 → 分数 / criterion code → score")
    comment: str = ""
    recommendation: str = ""
    submit: bool = Field(False, description="true 提交（需全部评分项），false 保存草稿 / submit or save a draft")


class PeerReviewOut(Schema):
    expert: str = Field(description="匿名编号 / An anonymous label")
    scores: dict[str, float]
    total: float | None
    recommendation: str
    comment: str
    submitted_at: dt.datetime


class SlotIn(Schema):
    starts_at: dt.datetime = Field(description="开始时间，带时区 / Start with its offset")
    ends_at: dt.datetime = Field(description="结束时间，带时区 / End with its offset")
    link: str = ""
    venue: str = ""


def _expert_assignment(request: HttpRequest, round_id: int, project_id: int) -> Assignment:
    if not request.auth.has_perm("review.use_workspace"):
        raise PermissionDenied(_("仅评审专家可用"))
    assignment = visible_assignment(request.auth, round_id=round_id, project_id=project_id)
    if assignment is None:
        raise Http404
    return assignment


def _review_out(assignment: Assignment) -> dict:
    review = assignment.my_review
    if review is None:
        return {"scores": {}, "total": None, "comment": "", "recommendation": "", "submitted_at": None,
                "updated_at": None, "revisions": 0}
    return {"scores": review.scores, "total": review.total, "comment": review.comment,
            "recommendation": review.recommendation, "submitted_at": review.submitted_at,
            "updated_at": review.updated_at, "revisions": review.revisions.count()}


def _slot_out(slot: RoadshowSlot) -> dict:
    return {"project_id": slot.project_id, "starts_at": slot.starts_at, "ends_at": slot.ends_at, "link": slot.link,
            "venue": slot.venue}


@router.get("/review/assignments", response={200: list[ExpertAssignmentOut], **REFUSALS},
            summary="我的评审任务 / The expert's assigned projects (R-V1, R-P8)")
def list_assignments(request: HttpRequest):
    if not request.auth.has_perm("review.use_workspace"):
        raise PermissionDenied(_("仅评审专家可用"))
    out = []
    for a in workspace_assignments(request.auth):
        review = review_of(a)
        status = "not_started" if review is None else ("submitted" if review.submitted_at else "draft")
        out.append({"round_id": a.review_round_id, "round": str(a.review_round),
                    "round_status": a.review_round.status, "closes_at": a.review_round.closes_at,
                    "project_id": a.project_id, "project": a.project.name, "status": status,
                    "total": review.total if review is not None else None})
    return out


@router.get("/review/rounds/{round_id}/projects/{project_id}", response={200: JudgedProjectOut, **REFUSALS},
            summary="评审项目（评审版本） / An assigned project's judged version (R-J4, R-P8)")
def get_judged_project(request: HttpRequest, round_id: int, project_id: int):
    assignment = _expert_assignment(request, round_id, project_id)
    review_round, project = assignment.review_round, assignment.project
    submission = judged_submission(assignment)
    slot = RoadshowSlot.objects.filter(review_round=review_round, project=project).first()
    group = project.team.organization.group
    return {
        "round_id": review_round.pk, "project_id": project.pk, "name": project.name,
        "direction": project.team.direction.code, "group": group.code if group else None,
        "submission": None if submission is None else {
            "number": submission.number, "stage": submission.stage.code, "name": submission.name,
            "submitted_at": submission.submitted_at, "content_sha256": submission.content_sha256,
            "sections": submission.sections,
            "materials": list(submission.materials.select_related("material_type", "file"))},
        "slot": _slot_out(slot) if slot else None,
        "criteria": review_round.form, "recommendations": review_round.recommendations,
        "blind_until_submitted": review_round.blind_until_submitted,
        "accepts_scores": round_accepts_scores(review_round),
    }


@router.get("/review/rounds/{round_id}/projects/{project_id}/review", response={200: ReviewOut, **REFUSALS},
            summary="我的评分 / The expert's review of the project (R-V1)")
def get_review(request: HttpRequest, round_id: int, project_id: int):
    return _review_out(_expert_assignment(request, round_id, project_id))


@router.put("/review/rounds/{round_id}/projects/{project_id}/review", response={200: ReviewOut, **REFUSALS},
            summary="保存或提交评分 / Save a draft or submit the review (R-V1)")
def put_review(request: HttpRequest, round_id: int, project_id: int, payload: ReviewIn):
    assignment = _expert_assignment(request, round_id, project_id)
    save_review(assignment=assignment, actor=request.auth, scores=payload.scores, comment=payload.comment,
                recommendation=payload.recommendation, submit=payload.submit)
    return _review_out(_expert_assignment(request, round_id, project_id))


@router.get("/review/rounds/{round_id}/projects/{project_id}/peer-reviews",
            response={200: list[PeerReviewOut], **REFUSALS},
            summary="其他专家的评分 / Other experts' reviews, once allowed (R-V1)")
def get_peer_reviews(request: HttpRequest, round_id: int, project_id: int):
    assignment = _expert_assignment(request, round_id, project_id)
    reviews = peer_reviews(assignment)
    if reviews is None:
        raise PermissionDenied(_("提交本人评分后（或本轮结束后）才能查看其他专家的评分"))
    return [{"expert": _("专家 %(n)s") % {"n": i}, "scores": r.scores, "total": r.total,
             "recommendation": r.recommendation, "comment": r.comment, "submitted_at": r.submitted_at}
            for i, r in enumerate(reviews, start=1)]


def _staff_round(request: HttpRequest, round_id: int) -> ReviewRound:
    review_round = get_object_or_404(rounds_for_staff(request.auth, get_contest()), pk=round_id)
    if not request.auth.has_perm("review.schedule_roadshow", review_round):
        raise PermissionDenied(_("无权安排路演"))
    return review_round


@router.get("/review/rounds/{round_id}/slots", response={200: list[SlotOut], **REFUSALS},
            summary="路演时段 / A roadshow round's slots (R-V1)")
def list_slots(request: HttpRequest, round_id: int):
    review_round = _staff_round(request, round_id)
    return [_slot_out(s) for s in RoadshowSlot.objects.filter(review_round=review_round)]


@router.put("/review/rounds/{round_id}/slots/{project_id}", response={200: SlotOut, **REFUSALS},
            summary="安排路演时段 / Schedule a project's roadshow slot (R-V1)")
def put_slot(request: HttpRequest, round_id: int, project_id: int, payload: SlotIn):
    review_round = _staff_round(request, round_id)
    project = get_object_or_404(Project, pk=project_id, round_entries__review_round=review_round)
    slot = schedule_slot(review_round=review_round, project=project, actor=request.auth, starts_at=payload.starts_at,
                         ends_at=payload.ends_at, link=payload.link, venue=payload.venue)
    return _slot_out(slot)


@router.delete("/review/rounds/{round_id}/slots/{project_id}", response={204: None, **REFUSALS},
               summary="取消路演时段 / Clear a project's roadshow slot (R-V1)")
def delete_slot(request: HttpRequest, round_id: int, project_id: int):
    review_round = _staff_round(request, round_id)
    project = get_object_or_404(Project, pk=project_id, round_entries__review_round=review_round)
    clear_slot(review_round=review_round, project=project, actor=request.auth)
    return Status(204, None)
