"""Generating every certificate in the background: the batch issues the missing ones, runs to
done with its progress, and leaves a zip holding every valid certificate's PDF; a retry or a
double click never starts a second batch; the page polls the progress with HTMX."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from ciic.audit.models import AuditEntry
from ciic.certificates.batch_job import execute_batch
from ciic.certificates.batches import STALE_AFTER, start_batch
from ciic.certificates.models import Certificate, CertificateBatch
from ciic.certificates.services import revoke_certificate
from ciic.testing.personas import verified_client

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def office(secretariat):
    return verified_client(secretariat)


def zip_names(batch: CertificateBatch) -> dict[str, bytes]:
    with batch.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_batch_issues_every_certificate_and_zips_every_pdf(awarded, contest, secretariat,
                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch, created = start_batch(contest=contest, actor=secretariat)
    assert created
    batch.refresh_from_db()
    assert (batch.status, batch.total, batch.done, batch.issued, batch.percent) == ("done", 6, 6, 6, 100)
    numbers = set(Certificate.objects.values_list("number", flat=True))
    assert len(numbers) == 6 and not Certificate.objects.filter(award__award_list=awarded.proposed).exists()
    files = zip_names(batch)
    assert set(files) == {f"{n}.pdf" for n in numbers}
    assert all(content.startswith(b"%PDF-") for content in files.values())
    with batch.file.open("rb") as handle:
        content = handle.read()
    assert batch.size == len(content) and batch.sha256 == hashlib.sha256(content).hexdigest()
    assert AuditEntry.objects.filter(action="certificates.batch.start").count() == 1


def test_a_second_batch_leaves_out_revoked_certificates_and_replaces_the_old_zip(issued, contest, secretariat,
                                                                                 django_capture_on_commit_callbacks):
    for certificate in issued[3:]:  # fewer PDFs to build
        revoke_certificate(certificate=certificate, reason="证书信息有误", actor=secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = start_batch(contest=contest, actor=secretariat)
    first.refresh_from_db()
    old_name = first.file.name
    assert len(zip_names(first)) == 3
    revoked = revoke_certificate(certificate=issued[0], reason="奖项撤销", actor=secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        second, created = start_batch(contest=contest, actor=secretariat)
    second.refresh_from_db()
    first.refresh_from_db()
    assert created and second.status == "done" and second.issued == 0 and second.total == 2
    assert set(zip_names(second)) == {f"{c.number}.pdf" for c in issued[1:3]}
    assert f"{revoked.number}.pdf" not in zip_names(second)
    assert first.file.name == "" and not second.file.storage.exists(old_name)


def test_starting_again_while_one_runs_returns_that_one(single, contest, secretariat, settings):
    settings.TASKS = DATABASE_TASKS  # queued in the database: no worker runs it here
    batch, created = start_batch(contest=contest, actor=secretariat)
    again, created_again = start_batch(contest=contest, actor=secretariat)
    assert created and not created_again and again == batch
    assert CertificateBatch.objects.count() == 1
    # The database holds it too, whatever code runs.
    with pytest.raises(IntegrityError), transaction.atomic():
        CertificateBatch.objects.create(contest=contest, status=CertificateBatch.Status.RUNNING)


def test_a_batch_whose_worker_died_stops_blocking(single, contest, secretariat, settings):
    settings.TASKS = DATABASE_TASKS
    stuck = CertificateBatch.objects.create(contest=contest, status=CertificateBatch.Status.RUNNING,
                                            heartbeat_at=timezone.now() - STALE_AFTER - dt.timedelta(seconds=1))
    batch, created = start_batch(contest=contest, actor=secretariat)
    stuck.refresh_from_db()
    assert created and batch != stuck and stuck.status == "failed" and stuck.error


def test_nothing_to_certify_is_refused(contest, secretariat):
    with pytest.raises(ValidationError):
        start_batch(contest=contest, actor=secretariat)
    assert not CertificateBatch.objects.exists()


def test_a_batch_delivered_twice_runs_once(single, contest, secretariat, settings):
    settings.TASKS = DATABASE_TASKS
    batch, _ = start_batch(contest=contest, actor=secretariat)
    assert execute_batch(batch.pk).status == "done"
    finished = CertificateBatch.objects.get(pk=batch.pk).finished_at
    assert execute_batch(batch.pk).finished_at == finished


def test_the_page_confirms_then_polls_the_progress_and_offers_the_zip(single, office, settings, contest):
    settings.TASKS = DATABASE_TASKS
    confirm = office.get(reverse("certificates:batch_start"))
    assert confirm.status_code == 200 and "确认生成" in confirm.content.decode()
    assert not CertificateBatch.objects.exists()
    office.post(reverse("certificates:batch_start"))
    office.post(reverse("certificates:batch_start"))  # a double click
    batch = CertificateBatch.objects.get()
    assert batch.status == "queued"
    html = office.get(reverse("certificates:list")).content.decode()
    progress = reverse("certificates:batch_progress", args=[batch.pk])
    assert f'hx-get="{progress}"' in html and 'hx-trigger="every 2s"' in html and "<progress" in html
    assert reverse("certificates:batch_start") not in html  # one is under way

    CertificateBatch.objects.filter(pk=batch.pk).update(status="running", total=6, done=3)  # as a worker writes
    polled = office.get(progress, HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in polled and 'value="50"' in polled.content.decode()
    assert "3 / 6" in polled.content.decode()
    CertificateBatch.objects.filter(pk=batch.pk).update(status="queued", total=0, done=0)

    execute_batch(batch.pk)  # the worker
    polled = office.get(progress, HTTP_HX_REQUEST="true")
    assert polled["HX-Refresh"] == "true" and "hx-trigger" not in polled.content.decode()
    html = office.get(reverse("certificates:list")).content.decode()
    download = reverse("certificates:batch_download", args=[batch.pk])
    assert download in html
    response = office.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(b"".join(response))) as archive:
        assert archive.namelist() == ["CIIC2023-F-001.pdf"]


def test_the_zip_is_the_secretariats_only(single, contest, secretariat, team_lead,
                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch, _ = start_batch(contest=contest, actor=secretariat)
    lead = verified_client(team_lead)
    assert lead.get(reverse("certificates:batch_download", args=[batch.pk])).status_code == 404
    assert lead.get(reverse("certificates:batch_progress", args=[batch.pk])).status_code == 404


def test_a_failed_batch_shows_its_error(single, office, contest, settings):
    settings.CJK_FONT_PATH = "/nonexistent/font.ttc"
    settings.TASKS = DATABASE_TASKS
    office.post(reverse("certificates:batch_start"))
    batch = CertificateBatch.objects.get()
    assert execute_batch(batch.pk).status == "failed"
    html = office.get(reverse("certificates:list")).content.decode()
    assert "ImproperlyConfigured" in html and "CJK_FONT_PATH" in html
