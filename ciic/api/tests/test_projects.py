"""Projects through the API: the same rules as the services (R-P2, R-J4, R-J6, R-T1), and
outsiders refused with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ciic.contests.models import ScheduleItem
from ciic.demo.samples import attach_required_materials
from ciic.projects.models import Project, Submission

pytestmark = pytest.mark.django_db


def sections(contest, marker: str = "") -> dict[str, str]:
    return {s.code: f"{s.name}{marker}" for s in contest.form_sections.all()}


@pytest.fixture
def lead_api(team_lead, as_bearer):
    return as_bearer(team_lead)


@pytest.fixture
def project_id(team, team_lead, lead_api):
    response = lead_api.post(f"/teams/{team.pk}/project", {"name": "工业大脑能耗优化平台"})
    assert response.status_code == 201, response.content
    pid = response.json()["id"]
    assert lead_api.put(f"/projects/{pid}/draft", {"sections": sections(team.contest)}).status_code == 200
    attach_required_materials(Project.objects.get(pk=pid), team_lead)
    return pid


def test_api_team_has_one_project(team, lead_api, project_id):
    """R-P2."""
    response = lead_api.post(f"/teams/{team.pk}/project", {"name": "第二个"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "R-P2"
    assert Project.objects.count() == 1


def test_api_submit_versions_and_the_last_one_counts(lead_api, project_id, contest):
    """R-J4: versions are numbered; the last one before the deadline is judged."""
    assert lead_api.post(f"/projects/{project_id}/submissions").status_code == 201
    lead_api.put(f"/projects/{project_id}/draft", {"sections": sections(contest, "（第二版）")})
    v2 = lead_api.post(f"/projects/{project_id}/submissions").json()
    assert v2["number"] == 2 and v2["counts"] is True
    listed = lead_api.get(f"/projects/{project_id}/submissions").json()
    assert [(v["number"], v["counts"]) for v in listed] == [(1, False), (2, True)]
    v1 = lead_api.get(f"/projects/{project_id}/submissions/1").json()
    assert "（第二版）" not in next(iter(v1["sections"].values()))


def test_api_no_rename_after_first_submission(lead_api, project_id, secretariat, as_staff):
    """R-J4: only the secretariat can allow a rename once submitted."""
    lead_api.post(f"/projects/{project_id}/submissions")
    response = lead_api.put(f"/projects/{project_id}/draft", {"name": "新名字"})
    assert response.status_code == 422 and response.json()["errors"][0]["rule"] == "R-J4"
    assert lead_api.post(f"/projects/{project_id}/rename", {"name": "新名字", "reason": "x"}).status_code == 403
    staff = as_staff(secretariat)
    assert staff.post(f"/projects/{project_id}/rename", {"name": "新名字", "reason": "与申报书一致"}).status_code == 200
    assert Project.objects.get(pk=project_id).name == "新名字"


def test_api_no_submission_after_deadline(lead_api, project_id, contest):
    lead_api.post(f"/projects/{project_id}/submissions")
    ScheduleItem.objects.filter(contest=contest, key="local_submission").update(
        ends_at=timezone.now() - dt.timedelta(seconds=1))
    response = lead_api.post(f"/projects/{project_id}/submissions")
    assert response.status_code == 422 and response.json()["errors"][0]["rule"] == "R-J4"
    assert Submission.objects.count() == 1


def test_api_other_team_cannot_see_or_touch_a_project(project_id, other_lead, as_bearer, anonymous):
    other = as_bearer(other_lead)
    assert other.get(f"/projects/{project_id}").status_code == 404
    assert other.put(f"/projects/{project_id}/draft", {"name": "x"}).status_code == 404
    assert other.post(f"/projects/{project_id}/submissions").status_code == 404
    assert anonymous.post(f"/projects/{project_id}/submissions").status_code == 401
    assert Submission.objects.count() == 0 and Project.objects.get(pk=project_id).name == "工业大脑能耗优化平台"


def test_api_station_officer_sees_but_cannot_submit(project_id, station_officer, as_staff):
    officer = as_staff(station_officer)
    assert officer.get(f"/projects/{project_id}").status_code == 200
    assert officer.post(f"/projects/{project_id}/submissions").status_code == 403
    assert officer.post(f"/projects/{project_id}/disqualify", {"reason": "x"}).status_code == 403


def test_api_secretariat_disqualifies_with_reason(project_id, secretariat, as_staff):
    """R-P6/R-J2."""
    staff = as_staff(secretariat)
    assert staff.post(f"/projects/{project_id}/disqualify", {"reason": ""}).status_code == 422
    response = staff.post(f"/projects/{project_id}/disqualify", {"reason": "提供虚假信息"})
    assert response.status_code == 200 and response.json()["status"] == "disqualified"


def test_api_a_retried_submission_makes_no_second_version(lead_api, project_id):
    """A reply lost on the way: the script sends the same request again with the same
    Idempotency-Key and gets the first version back, not a second one."""
    first = lead_api.post(f"/projects/{project_id}/submissions", HTTP_IDEMPOTENCY_KEY="retry-1")
    again = lead_api.post(f"/projects/{project_id}/submissions", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["number"] == again.json()["number"] == 1
    assert Project.objects.get(pk=project_id).submissions.count() == 1
    assert lead_api.post(f"/projects/{project_id}/submissions", HTTP_IDEMPOTENCY_KEY="retry-2").json()["number"] == 2


def test_api_versions_per_hour_are_capped_by_the_spec(lead_api, project_id, contest):
    """R-J4: a team iterates; the spec's participation.max_versions_per_hour bounds a flood."""
    contest.spec = {**contest.spec, "participation": {**contest.spec["participation"], "max_versions_per_hour": 3}}
    contest.save(update_fields=["spec"])
    for n in range(1, 4):
        assert lead_api.post(f"/projects/{project_id}/submissions").json()["number"] == n
    refused = lead_api.post(f"/projects/{project_id}/submissions")
    assert refused.status_code == 422 and refused.json()["errors"][0]["rule"] == "R-J4"
    assert "每小时最多提交 3 个版本" in refused.json()["errors"][0]["message"]
    assert Project.objects.get(pk=project_id).submissions.count() == 3
