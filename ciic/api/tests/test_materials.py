"""Materials and further-material requests through the API: the services' rules (R-J5, R-J7),
refusals as 422 with the rule, outsiders 404, the team cannot ask and staff cannot supply."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ciic.demo.samples import SAMPLES, attach_required_materials
from ciic.projects.models import DraftMaterial, FurtherMaterial, MaterialRequest
from ciic.projects.services import submit_project

from .helpers import API

pytestmark = pytest.mark.django_db


def upload(api, path: str, name: str, content: bytes, **fields):
    return api.client.post(API + path, {"file": SimpleUploadedFile(name, content), **fields}, **api.headers)


def test_api_upload_is_checked_by_content_and_listed(project, lead_api):
    response = upload(lead_api, f"/projects/{project.pk}/materials/presentation/file", "deck.pptx", SAMPLES["exe"])
    assert response.status_code == 422 and response.json()["errors"][0]["rule"] == "R-J7"
    assert not DraftMaterial.objects.exists()
    response = upload(lead_api, f"/projects/{project.pk}/materials/presentation/file", "deck.pptx", SAMPLES["pptx"])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "presentation" and len(body["file"]["sha256"]) == 64
    listed = lead_api.get(f"/projects/{project.pk}/materials").json()
    assert [m["type"] for m in listed] == ["presentation"]


def test_api_download_urls_live_under_the_api_and_answer_to_the_token(project, lead_api, other_api, anonymous):
    """Issue 11 §6: a script follows `download_url` with the token it listed the file with."""
    upload(lead_api, f"/projects/{project.pk}/materials/presentation/file", "路演.pptx", SAMPLES["pptx"])
    [material] = lead_api.get(f"/projects/{project.pk}/materials").json()
    url = material["file"]["download_url"]
    assert url.startswith(API + "/files/")
    response = lead_api.client.get(url, **lead_api.headers)
    assert response.status_code == 200 and b"".join(response.streaming_content) == SAMPLES["pptx"]
    assert "attachment" in response["Content-Disposition"] and response["X-Content-Type-Options"] == "nosniff"
    assert other_api.client.get(url, **other_api.headers).status_code == 404
    missing = anonymous.client.get(url)
    assert missing.status_code == 401 and missing.json()["errors"][0]["rule"]


def test_api_link_must_be_https(project, lead_api, mtype):
    code = "cloud_service"
    assert mtype(code).link_required
    response = lead_api.put(f"/projects/{project.pk}/materials/{code}/link", {"link": "http://x.example.com"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "link"


def test_api_other_team_cannot_list_or_upload(project, other_api):
    assert other_api.get(f"/projects/{project.pk}/materials").status_code == 404
    response = upload(other_api, f"/projects/{project.pk}/materials/presentation/file", "d.pptx", SAMPLES["pptx"])
    assert response.status_code == 404 and not DraftMaterial.objects.exists()


@pytest.fixture
def submitted(project, team_lead):
    attach_required_materials(project, team_lead)
    submit_project(project=project, actor=team_lead)
    return project


def test_api_version_materials_are_frozen(submitted, lead_api):
    listed = lead_api.get(f"/projects/{submitted.pk}/submissions/1/materials").json()
    assert listed and all(m["file"] or m["link"] for m in listed)


def test_api_further_material_round_trip(submitted, lead_api, secretariat, as_staff):
    staff = as_staff(secretariat)
    due = (timezone.now() + dt.timedelta(days=2)).isoformat()
    assert lead_api.post(f"/projects/{submitted.pk}/requests", {"message": "补充", "due_at": due}).status_code == 403
    response = staff.post(f"/projects/{submitted.pk}/requests", {"message": "请补充审计报告", "due_at": due})
    assert response.status_code == 201, response.content
    rid = response.json()["id"]
    assert response.json()["status"] == "open"

    response = upload(lead_api, f"/requests/{rid}/files", "审计.pdf", SAMPLES["pdf"], note="2022")
    assert response.status_code == 201 and response.json()["items"][0]["file"]["name"] == "审计.pdf"
    assert lead_api.post(f"/requests/{rid}/links", {"link": "https://demo.example.com"}).status_code == 201
    assert upload(staff, f"/requests/{rid}/files", "x.pdf", SAMPLES["pdf"]).status_code == 403

    answered = lead_api.post(f"/requests/{rid}/answer", {"note": "已补充"}).json()
    assert answered["status"] == "answered" and len(answered["items"]) == 2
    again = lead_api.post(f"/requests/{rid}/links", {"link": "https://late.example.com"})
    assert again.status_code == 422 and again.json()["errors"][0]["rule"] == "R-J5"
    assert FurtherMaterial.objects.count() == 2


def test_api_request_refusals_name_field_and_rule(submitted, secretariat, as_staff, other_api):
    staff = as_staff(secretariat)
    past = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    response = staff.post(f"/projects/{submitted.pk}/requests", {"message": "", "due_at": past})
    assert response.status_code == 422
    assert {(e["field"], e["rule"]) for e in response.json()["errors"]} == {("message", "R-J5"), ("due_at", "R-J5")}
    assert not MaterialRequest.objects.exists()
    item = staff.post(f"/projects/{submitted.pk}/requests",
                      {"message": "补充", "due_at": (timezone.now() + dt.timedelta(days=1)).isoformat()}).json()
    assert other_api.get(f"/requests/{item['id']}").status_code == 404
    assert staff.post(f"/requests/{item['id']}/cancel", {"reason": "不需要了"}).json()["status"] == "cancelled"
