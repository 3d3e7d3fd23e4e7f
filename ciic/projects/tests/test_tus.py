"""The tus 1.0.0 upload server: creation, HEAD, PATCH, termination, checksums, expiry and a
resumed upload with a real tus client (R-J4, R-J7)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import random
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ciic.accounts.services import issue_api_token
from ciic.contests.models import ScheduleItem
from ciic.projects.models import DraftMaterial, StoredFile, Upload

pytestmark = pytest.mark.django_db
TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"


def metadata(**values) -> str:
    return ",".join(f"{k} {base64.b64encode(str(v).encode()).decode()}" for k, v in values.items())


@pytest.fixture
def lead_client(team_lead, verified):
    return verified(team_lead)


@pytest.fixture
def create(lead_client, project):
    """create(length, **metadata) -> the creation response."""

    def post(length: int, client=None, **meta):
        meta = {"filename": "介绍.pdf", "project": project.pk, "material_type": "presentation", **meta}
        return (client or lead_client).post(reverse("projects:tus"), headers={
            **TUS, "Upload-Length": str(length), "Upload-Metadata": metadata(**meta)})

    return post


def patch(client, location: str, body: bytes, offset: int, **headers):
    return client.generic("PATCH", location, body, content_type=OCTETS,
                          headers={**TUS, "Upload-Offset": str(offset), **headers})


def test_options_announces_version_extensions_and_limits(client):
    response = client.options(reverse("projects:tus"))
    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0"
    assert set(response["Tus-Extension"].split(",")) == {"creation", "checksum", "expiration", "termination"}
    assert response["Tus-Checksum-Algorithm"] == "sha1,sha256,md5"
    assert int(response["Tus-Max-Size"]) >= 2048 * 1024 * 1024


def test_anonymous_visitor_cannot_create_an_upload(client, project):
    response = client.post(reverse("projects:tus"), headers={
        **TUS, "Upload-Length": "10", "Upload-Metadata": metadata(filename="a.pdf", project=project.pk,
                                                                  material_type="presentation")})
    assert response.status_code == 401 and not Upload.objects.exists()


def test_missing_tus_version_is_a_412(lead_client):
    response = lead_client.post(reverse("projects:tus"), headers={"Upload-Length": "10"})
    assert response.status_code == 412 and response["Tus-Version"] == "1.0.0"


def test_creation_then_head_reports_the_offset(create):
    response = create(100)
    assert response.status_code == 201
    location = response["Location"]
    upload = Upload.objects.get()
    assert location.endswith(reverse("projects:tus_upload", args=[upload.pk]))
    assert Path(upload.temp_path).exists() and upload.length == 100
    head = Client().head  # HEAD without the session: refused
    assert head(location, headers=TUS).status_code == 401


def test_head_reports_offset_length_and_no_store(create, lead_client):
    location = create(100)["Location"]
    response = lead_client.head(location, headers=TUS)
    assert response.status_code == 200
    assert (response["Upload-Offset"], response["Upload-Length"]) == ("0", "100")
    assert response["Cache-Control"] == "no-store" and "Upload-Expires" in response


def test_creation_over_the_type_limit_is_a_413(create, mtype):
    """R-J7: the material type's size limit is checked before any byte arrives."""
    assert create(mtype("presentation").max_size_mb * 1024 * 1024 + 1).status_code == 413
    assert not Upload.objects.exists()


def test_another_teams_project_is_a_404(create, other_lead, verified):
    assert create(10, client=verified(other_lead)).status_code == 404


def test_proof_document_needs_the_attestation_at_creation(create):
    """R-J7.2: refused before the upload starts."""
    response = create(10, material_type="qualification")
    assert response.status_code == 422
    assert response.json()["errors"]["attested_own_entity"][0]["code"] == "R-J7"
    assert create(10, material_type="qualification", attested="1").status_code == 201


def test_creation_after_the_deadline_is_refused(create, contest):
    """R-J4/R-T1: nothing starts after the deadline, even within the grace period."""
    ScheduleItem.objects.filter(contest=contest, key="local_submission").update(
        ends_at=timezone.now() - dt.timedelta(minutes=1))
    response = create(10)
    assert response.status_code == 403 and not Upload.objects.exists()


def test_patch_appends_and_the_last_chunk_attaches_the_material(create, lead_client, samples, project):
    data = samples["pdf"]
    location = create(len(data))["Location"]
    first = patch(lead_client, location, data[:10], 0)
    assert first.status_code == 204 and first["Upload-Offset"] == "10" and "Upload-Expires" in first
    last = patch(lead_client, location, data[10:], 10)
    assert last.status_code == 204 and last["Upload-Offset"] == str(len(data))
    material = DraftMaterial.objects.get(project=project)
    assert material.file.sha256 == hashlib.sha256(data).hexdigest()
    upload = Upload.objects.get()
    assert upload.finished_at is not None and upload.stored_file == material.file
    assert not Path(upload.temp_path).exists()
    head = lead_client.head(location, headers=TUS)
    assert head.status_code == 200 and head["Upload-Offset"] == str(len(data))
    assert patch(lead_client, location, b"", len(data)).status_code == 403
    assert StoredFile.objects.count() == 1


def test_file_name_is_kept_without_direction_controls(create, lead_client, samples, project):
    """`正常\u202egnp.exe` reads as `正常exe.png`: the right-to-left override is stripped from the
    name the unfinished upload keeps, and the stored display name is clean as well."""
    data = samples["pdf"]
    location = create(len(data), filename="正常\u202egnp.exe")["Location"]
    upload = Upload.objects.get()
    assert (upload.filename, upload.metadata["filename"]) == ("正常gnp.exe", "正常gnp.exe")
    assert patch(lead_client, location, data, 0).status_code == 204
    assert DraftMaterial.objects.get(project=project).file.original_name == "正常gnp.pdf"


def test_patch_at_the_wrong_offset_is_a_409(create, lead_client, samples):
    location = create(len(samples["pdf"]))["Location"]
    response = patch(lead_client, location, samples["pdf"][5:], 5)
    assert response.status_code == 409 and Upload.objects.get().offset == 0


def test_patch_needs_the_offset_content_type(create, lead_client):
    location = create(10)["Location"]
    response = lead_client.generic("PATCH", location, b"0123456789", content_type="application/pdf",
                                   headers={**TUS, "Upload-Offset": "0"})
    assert response.status_code == 415


def test_bad_checksum_is_a_460_and_the_chunk_is_discarded(create, lead_client, samples):
    data = samples["pdf"]
    location = create(len(data))["Location"]
    wrong = base64.b64encode(hashlib.sha1(b"something else").digest()).decode()
    response = patch(lead_client, location, data[:10], 0, **{"Upload-Checksum": f"sha1 {wrong}"})
    assert response.status_code == 460
    upload = Upload.objects.get()
    assert upload.offset == 0 and Path(upload.temp_path).stat().st_size == 0
    right = base64.b64encode(hashlib.sha256(data[:10]).digest()).decode()
    assert patch(lead_client, location, data[:10], 0, **{"Upload-Checksum": f"sha256 {right}"}).status_code == 204


def test_body_past_the_declared_length_is_refused(create, lead_client):
    location = create(4)["Location"]
    assert patch(lead_client, location, b"0123456789", 0).status_code == 413
    assert Upload.objects.get().offset == 0


def test_refused_content_is_a_422_and_nothing_is_kept(create, lead_client, samples, media_root):
    """R-J7: the finished file goes through the same content checks as any upload."""
    location = create(len(samples["exe"]))["Location"]
    response = patch(lead_client, location, samples["exe"], 0)
    assert response.status_code == 422
    assert response.json()["errors"]["file"][0]["code"] == "R-J7"
    assert not Upload.objects.exists() and not StoredFile.objects.exists()
    assert [p for p in Path(media_root).rglob("*") if p.is_file()] == []


def test_delete_terminates_the_upload(create, lead_client):
    location = create(10)["Location"]
    path = Path(Upload.objects.get().temp_path)
    assert lead_client.delete(location, headers=TUS).status_code == 204
    assert not path.exists() and not Upload.objects.exists()
    assert lead_client.head(location, headers=TUS).status_code == 404


def test_someone_elses_upload_is_a_404(create, other_lead, verified):
    location = create(10)["Location"]
    other = verified(other_lead)
    assert other.head(location, headers=TUS).status_code == 404
    assert patch(other, location, b"0123456789", 0).status_code == 404
    assert other.delete(location, headers=TUS).status_code == 404


def test_session_uploads_need_the_csrf_header(project, team_lead, samples):
    """Browsers authenticate with the session and must send X-CSRFToken."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(team_lead)
    secret = "k" * 32  # the CSRF cookie's secret, as the site's pages would have set it
    browser.cookies["csrftoken"] = secret
    headers = {**TUS, "Upload-Length": "10", "Upload-Metadata": metadata(
        filename="a.pdf", project=project.pk, material_type="presentation")}
    assert browser.post(reverse("projects:tus"), headers=headers).status_code == 403
    response = browser.post(reverse("projects:tus"), headers={**headers, "X-CSRFToken": secret})
    assert response.status_code == 201


def test_scripts_authenticate_with_a_bearer_token(project, team_lead, samples):
    _token, key = issue_api_token(user=team_lead, name="upload script")
    script = Client()
    auth = {"Authorization": f"Bearer {key}"}
    response = script.post(reverse("projects:tus"), headers={
        **TUS, **auth, "Upload-Length": str(len(samples["mp4"])),
        "Upload-Metadata": metadata(filename="演示.mp4", project=project.pk, material_type="video")})
    assert response.status_code == 201
    assert patch(script, response["Location"], samples["mp4"], 0, **auth).status_code == 204
    assert DraftMaterial.objects.get(project=project).file.kind == "mp4"
    bad = script.head(response["Location"], headers={**TUS, "Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_cleanup_removes_expired_uploads(create):
    create(10)
    create(10)
    stale = Upload.objects.first()
    Upload.objects.filter(pk=stale.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    call_command("cleanup_uploads", stdout=io.StringIO())
    assert list(Upload.objects.all()) != [] and not Upload.objects.filter(pk=stale.pk).exists()
    assert not Path(stale.temp_path).exists()


def test_cleanup_task_removes_expired_uploads(create):
    from ciic.projects.tasks import cleanup_uploads

    create(10)
    Upload.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert cleanup_uploads.enqueue().return_value == 1
    assert not Upload.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_interrupted_upload_resumes_with_a_tus_client(live_server, team_lead, project, mtype):
    """An upload stopped at a random offset resumes from HEAD's offset; the stored file's
    SHA-256 equals the source's (R-J7)."""
    from tusclient import client as tus_client

    _token, key = issue_api_token(user=team_lead, name="tus test")
    body = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + random.randbytes(300_000)
    source = hashlib.sha256(body).hexdigest()
    tus = tus_client.TusClient(live_server.url + reverse("projects:tus"),
                               headers={"Authorization": f"Bearer {key}"})
    meta = {"filename": "演示视频.mp4", "project": str(project.pk), "material_type": "video"}
    first = tus.uploader(file_stream=io.BytesIO(body), chunk_size=random.randint(1000, 60_000),
                         metadata=meta, upload_checksum=True)
    stop_at = random.randint(70_000, 250_000)
    first.upload(stop_at=stop_at)
    assert 0 < first.offset < len(body)
    assert not StoredFile.objects.exists()

    resumed = tus.uploader(file_stream=io.BytesIO(body), url=first.url, chunk_size=64_000, upload_checksum=True)
    assert resumed.offset == first.offset  # taken from HEAD
    resumed.upload()
    stored = DraftMaterial.objects.get(project=project, material_type=mtype("video")).file
    assert stored.sha256 == source and stored.size == len(body)
    with stored.file.open("rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == source


def test_patch_body_is_streamed_not_buffered(create, lead_client, samples, settings, project):
    """A body far over DATA_UPLOAD_MAX_MEMORY_SIZE is fine: PATCH reads the stream in chunks
    (reading request.body whole would be refused by Django)."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.UPLOAD_CHUNK_SIZE = 4096
    data = samples["mp4"] + b"\x00" * 200_000
    location = create(len(data), material_type="video", filename="v.mp4")["Location"]
    assert patch(lead_client, location, data, 0).status_code == 204
    assert DraftMaterial.objects.get(project=project).file.size == len(data)
