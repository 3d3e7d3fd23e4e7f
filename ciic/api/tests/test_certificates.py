"""Certificates through the API, as a script would (issue 12 §5): the same services as the
pages, the secretariat's rights, the team lead's own PDF, and the public verification."""

from __future__ import annotations

import io
import zipfile

import pytest

from ciic.certificates.models import Certificate, CertificateBatch
from ciic.certificates.tests.conftest import ORGANIZING_UNIT, awarded, issued, single  # noqa: F401 - fixtures

from .helpers import ApiClient

pytestmark = pytest.mark.django_db


def test_api_issues_lists_and_filters_certificates(awarded, secretariat, team_lead, other_lead, as_bearer):  # noqa: F811
    office, lead = as_bearer(secretariat), as_bearer(team_lead)
    assert lead.post("/certificates/issue").status_code == 403
    r = office.post("/certificates/issue")
    assert r.status_code == 200 and len(r.json()) == 6
    assert office.post("/certificates/issue").json() == []  # idempotent

    everything = office.get("/certificates", {"page_size": 50}).json()
    assert everything["count"] == 6
    organizing = next(c for c in everything["items"] if c["recipient"] == ORGANIZING_UNIT)
    assert organizing["project_id"] is None and organizing["award"] == "优秀组织奖"
    assert organizing["award_en"] == "Excellent Organization Award" and organizing["status"] == "valid"
    assert office.get("/certificates", {"scope": "local"}).json()["items"][0]["number"] == "CIIC2023-L-BEIJING-001"

    own = lead.get("/certificates").json()
    assert [c["number"] for c in own["items"]] == ["CIIC2023-F-001"]
    assert as_bearer(other_lead).get("/certificates").json()["count"] == 0


def test_api_revokes_and_the_public_verification_follows(issued, secretariat, team_lead, as_bearer):  # noqa: F811
    office = as_bearer(secretariat)
    certificate = Certificate.objects.get(number="CIIC2023-F-001")
    public = ApiClient()
    r = public.get(f"/certificates/verify/{certificate.token}")
    assert r.status_code == 200
    body = r.json()
    assert (body["status"], body["number"], body["award"], body["revoked_on"]) == ("valid", "CIIC2023-F-001",
                                                                                 "一等奖", None)
    assert set(body) == {"number", "status", "revoked_on", "revoke_category", "revoke_category_label", "contest",
                         "award", "station", "project", "recipient", "issued_on"}

    path = f"/certificates/{certificate.pk}/revocation"
    assert as_bearer(team_lead).post(path, {"reason": "x"}).status_code == 403
    r = office.post(path, {"reason": ""})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = office.post(path, {"reason": "公示期投诉经核查属实", "category": "award_revoked"})
    assert r.status_code == 200 and r.json()["status"] == "revoked" and r.json()["revoke_reason"]
    assert office.post(path, {"reason": "again"}).status_code == 422

    body = public.get(f"/certificates/verify/{certificate.token}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["status"] == "revoked" and body["revoked_on"] and body["revoke_category"] == "award_revoked"
    assert body["award"] == "First prize" and "revoke_reason" not in body
    assert public.get("/certificates/verify/unknown-token").status_code == 404


def test_api_pdf_for_the_secretariat_and_the_awarded_lead_only(issued, secretariat, team_lead, other_lead,  # noqa: F811
                                                                as_bearer):
    certificate = Certificate.objects.get(number="CIIC2023-F-001")
    path = f"/certificates/{certificate.pk}/pdf"
    for user in (secretariat, team_lead):
        r = as_bearer(user).get(path)
        assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF-")
    assert as_bearer(other_lead).get(path).status_code == 404
    assert ApiClient().get(path).status_code == 401


def test_api_batch_runs_once_and_serves_the_zip(single, secretariat, team_lead, as_bearer,  # noqa: F811
                                                django_capture_on_commit_callbacks):
    office = as_bearer(secretariat)
    assert as_bearer(team_lead).post("/certificates/batches").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        r = office.post("/certificates/batches")
    assert r.status_code == 201
    batch = r.json()
    done = office.get(f"/certificates/batches/{batch['id']}").json()
    assert (done["status"], done["total"], done["done"], done["percent"], done["zip_available"]) == (
        "done", 1, 1, 100, True)
    r = office.get(f"/certificates/batches/{batch['id']}/zip")
    assert r.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(r.streaming_content))) as archive:
        assert archive.namelist() == ["CIIC2023-F-001.pdf"]
    assert as_bearer(team_lead).get(f"/certificates/batches/{batch['id']}/zip").status_code == 403
    assert [b["id"] for b in office.get("/certificates/batches").json()] == [batch["id"]]


def test_api_batch_started_twice_returns_the_one_under_way(single, secretariat, as_bearer, settings):  # noqa: F811
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    office = as_bearer(secretariat)
    first = office.post("/certificates/batches")
    again = office.post("/certificates/batches")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and CertificateBatch.objects.count() == 1
    assert again.json()["status"] == "queued"


def test_api_batch_with_nothing_to_certify_is_refused(contest, secretariat, as_bearer):
    r = as_bearer(secretariat).post("/certificates/batches")
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "R-A1"
