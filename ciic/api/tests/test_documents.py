"""Documents through the API: the version PDF for whoever sees the version (404 for anyone
else), and the application template for any authenticated caller."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest

from ciic.demo.samples import attach_required_materials
from ciic.projects.models import Project, Submission
from ciic.projects.tests.test_documents import headings, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(team, team_lead, lead_api):
    """(project id, version number) of a version submitted through the API."""
    response = lead_api.post(f"/teams/{team.pk}/project", {"name": "工业大脑能耗优化平台"})
    pid = response.json()["id"]
    sections = {s.code: f"{s.name}：接口提交的内容" for s in team.contest.form_sections.all()}
    assert lead_api.put(f"/projects/{pid}/draft", {"sections": sections}).status_code == 200
    attach_required_materials(Project.objects.get(pk=pid), team_lead)
    response = lead_api.post(f"/projects/{pid}/submissions")
    assert response.status_code == 201, response.content
    return pid, response.json()["number"]


def test_api_team_lead_gets_the_version_pdf(lead_api, submitted):
    pid, number = submitted
    response = lead_api.get(f"/projects/{pid}/submissions/{number}/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"project-{pid}-v{number}.pdf\"; "
        f"filename*=UTF-8''{quote(f'工业大脑能耗优化平台-v{number}.pdf')}")
    assert response["Cache-Control"] == "private, no-store"
    submission = Submission.objects.get(project_id=pid, number=number)
    text = pdf_text(response.content)
    assert "项目概述：接口提交的内容" in text and submission.content_sha256 in text
    for material in submission.materials.select_related("file"):
        assert (material.file.sha256 if material.file else material.link) in text


def test_api_staff_of_the_station_and_secretariat_get_the_pdf(submitted, as_staff, station_officer, secretariat):
    pid, number = submitted
    for user in (station_officer, secretariat):
        response = as_staff(user).get(f"/projects/{pid}/submissions/{number}/pdf")
        assert response.status_code == 200 and response.content.startswith(b"%PDF-"), user


def test_api_other_team_gets_404_for_the_pdf(submitted, other_api):
    pid, number = submitted
    response = other_api.get(f"/projects/{pid}/submissions/{number}/pdf")
    assert response.status_code == 404 and not response.content.startswith(b"%PDF")


def test_api_unknown_version_pdf_is_404(submitted, lead_api):
    pid, _number = submitted
    assert lead_api.get(f"/projects/{pid}/submissions/99/pdf").status_code == 404


def test_api_anonymous_gets_401_for_both(submitted, anonymous):
    pid, number = submitted
    assert anonymous.get(f"/projects/{pid}/submissions/{number}/pdf").status_code == 401
    assert anonymous.get("/contest/form-template.docx").status_code == 401


def test_api_any_caller_gets_the_form_template(contest, other_api):
    from docx import Document

    response = other_api.get("/contest/form-template.docx")
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert f'filename="application-form-{contest.slug}.docx"' in response["Content-Disposition"]
    assert headings(response.content, 1) == [s.name for s in contest.form_sections.order_by("order")]
    assert Document(io.BytesIO(response.content)).core_properties.title == f"{contest.name}项目申报书"
