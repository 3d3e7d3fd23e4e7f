"""Expert review in the API (R-V1, R-P8): the same services and selectors as the workspace;
a conflicted or unassigned project is a 404 on every endpoint."""

from __future__ import annotations

import pytest

from ciic.review.models import Review, ReviewRevision, RoadshowSlot
from ciic.review.reviews.services import save_review
from ciic.review.tests import test_reviews as shared

from .helpers import errors_for

FULL, FULL_TOTAL = shared.FULL, shared.FULL_TOTAL
# The shared fixtures (a round, the expert and a conflicted project, a peer), used by name.
judge, peer, peer_user = shared.judge, shared.peer, shared.peer_user
review_round, roadshow_round, round_setup = shared.review_round, shared.roadshow_round, shared.round_setup


@pytest.fixture
def judge_api(as_bearer, expert, judge):
    return as_bearer(expert)


def _base(setup, index: int) -> str:
    return f"/review/rounds/{setup.round.pk}/projects/{setup.projects[index].pk}"


def test_assignments_leave_out_the_conflicted_project(round_setup, judge_api):
    r = judge_api.get("/review/assignments")
    assert r.status_code == 200
    assert [(a["project"], a["status"]) for a in r.json()] == [("评审项目1", "not_started"),
                                                               ("评审项目2", "not_started")]


def test_the_judged_version_with_its_materials_form_and_options(round_setup, judge_api):
    r = judge_api.get(_base(round_setup, 0))
    assert r.status_code == 200
    body = r.json()
    submission = round_setup.projects[0].submissions.get()
    assert body["submission"]["number"] == submission.number
    assert body["submission"]["sections"] == submission.sections
    assert body["submission"]["materials"] and body["accepts_scores"] is True
    assert [c["code"] for c in body["criteria"]] == list(FULL)
    assert {c["code"] for c in body["recommendations"]} == {"advance", "consider", "reject"}


def test_a_conflicted_project_is_a_404_on_every_endpoint(round_setup, judge_api):
    base = _base(round_setup, 2)
    assert judge_api.get(base).status_code == 404
    assert judge_api.get(base + "/review").status_code == 404
    assert judge_api.get(base + "/peer-reviews").status_code == 404
    r = judge_api.put(base + "/review", {"scores": FULL, "recommendation": "advance", "submit": True})
    assert r.status_code == 404
    assert not Review.objects.exists()


def test_draft_then_submit_then_revise(round_setup, judge_api):
    base = _base(round_setup, 0)
    r = judge_api.put(base + "/review", {"scores": {"innovation": 7}, "submit": False})
    assert r.status_code == 200
    assert r.json()["scores"] == {"innovation": 7} and r.json()["submitted_at"] is None
    r = judge_api.put(base + "/review", {"scores": FULL, "recommendation": "advance", "submit": True})
    assert r.status_code == 200
    assert r.json()["total"] == pytest.approx(FULL_TOTAL) and r.json()["revisions"] == 1
    r = judge_api.put(base + "/review", {"scores": FULL | {"team": 9}, "recommendation": "advance",
                                         "comment": "复核", "submit": True})
    assert r.json()["revisions"] == 2
    assert judge_api.get(base + "/review").json()["comment"] == "复核"
    assert judge_api.get("/review/assignments").json()[0]["status"] == "submitted"


def test_refusals_name_the_criterion_and_rule_and_save_nothing(round_setup, judge_api):
    base = _base(round_setup, 0)
    partial = {k: v for k, v in FULL.items() if k != "team"} | {"technology": 11}
    r = judge_api.put(base + "/review", {"scores": partial, "recommendation": "advance", "submit": True})
    assert r.status_code == 422
    assert {e["field"] for e in errors_for(r, "R-V1")} == {"scores.team", "scores.technology"}
    assert not Review.objects.exists() and not ReviewRevision.objects.exists()


def test_peers_reviews_only_after_submitting(round_setup, judge_api, peer_user):
    save_review(assignment=round_setup.peer, actor=peer_user, scores=FULL, recommendation="reject", comment="一般",
                submit=True)
    base = _base(round_setup, 0)
    assert judge_api.get(base + "/peer-reviews").status_code == 403
    judge_api.put(base + "/review", {"scores": FULL, "recommendation": "advance", "submit": True})
    r = judge_api.get(base + "/peer-reviews")
    assert r.status_code == 200
    [other] = r.json()
    assert other["comment"] == "一般" and other["expert"] == "专家 1"


def test_non_experts_are_refused(round_setup, lead_api, as_bearer, peer_user):
    assert lead_api.get("/review/assignments").status_code == 403
    assert lead_api.get(_base(round_setup, 0)).status_code == 403
    assert as_bearer(peer_user).get(_base(round_setup, 1)).status_code == 404


def test_staff_schedule_and_clear_slots(roadshow_round, round_setup, as_staff, secretariat, judge_api):
    staff = as_staff(secretariat)
    project = round_setup.projects[0]
    path = f"/review/rounds/{roadshow_round.pk}/slots/{project.pk}"
    r = staff.put(path, {"starts_at": "2023-11-20T09:00:00+08:00", "ends_at": "2023-11-20T09:30:00+08:00",
                         "link": "https://meeting.example.com/1"})
    assert r.status_code == 200 and r.json()["link"] == "https://meeting.example.com/1"
    r = staff.put(f"/review/rounds/{roadshow_round.pk}/slots/{round_setup.projects[1].pk}",
                  {"starts_at": "2023-11-20T09:10:00+08:00", "ends_at": "2023-11-20T09:40:00+08:00",
                   "link": "https://meeting.example.com/2"})
    assert r.status_code == 422 and errors_for(r, "R-V1")[0]["field"] == "starts_at"
    assert len(staff.get(f"/review/rounds/{roadshow_round.pk}/slots").json()) == 1
    assert judge_api.put(path, {"starts_at": "2023-11-20T10:00:00+08:00",
                                "ends_at": "2023-11-20T11:00:00+08:00", "venue": "A"}).status_code == 404
    assert staff.delete(path).status_code == 204
    assert not RoadshowSlot.objects.exists()
