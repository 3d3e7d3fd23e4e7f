"""Further material on request (R-J5): staff ask with a message and a due time, the team is
notified, supplies checked files or links until the due time and answers; all on record."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ciic.audit.models import AuditEntry
from ciic.notifications.models import Notification
from ciic.projects.further import (
    answer_request,
    cancel_request,
    request_material,
    supply_file,
    supply_link,
)
from ciic.projects.models import FurtherMaterial, MaterialRequest, StoredFile
from ciic.projects.services import submit_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(project, complete_materials, team_lead):
    complete_materials()
    submit_project(project=project, actor=team_lead)
    return project


@pytest.fixture
def asked(submitted, secretariat):
    return request_material(project=submitted, actor=secretariat, message="请补充近两年的财务审计报告",
                            due_at=timezone.now() + dt.timedelta(days=3))


def _codes(exc: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errs] for field, errs in exc.error_dict.items()}


def test_request_is_recorded_in_the_latest_versions_stage_and_notifies_the_lead(asked, submitted, team_lead):
    assert asked.status == MaterialRequest.Status.OPEN
    assert asked.stage == submitted.submissions.get().stage
    note = Notification.objects.get(user=team_lead, kind="material_request")
    assert "财务审计报告" in note.body and note.url.endswith("#requests")
    assert AuditEntry.objects.filter(action="project.material_request").exists()


def test_a_station_officers_request_names_the_station_once(submitted, station_officer, team_lead):
    request_material(project=submitted, actor=station_officer, message="请补充用户证明",
                     due_at=timezone.now() + dt.timedelta(days=3))
    note = Notification.objects.get(user=team_lead, kind="material_request")
    assert "北京赛站" in note.body and "赛站赛站" not in note.body


def test_request_email_goes_out_after_commit(submitted, secretariat, team_lead, django_capture_on_commit_callbacks):
    team_lead.email = "lead@example.com"
    team_lead.save()
    with django_capture_on_commit_callbacks(execute=True):
        request_material(project=submitted, actor=secretariat, message="补充用户证明",
                         due_at=timezone.now() + dt.timedelta(days=1))
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["lead@example.com"]
    assert "补充用户证明" in mail.outbox[0].body


def test_request_needs_message_future_due_time_and_a_submitted_version(project, secretariat):
    with pytest.raises(ValidationError) as caught:
        request_material(project=project, actor=secretariat, message=" ", due_at=timezone.now() - dt.timedelta(hours=1))
    codes = _codes(caught.value)
    assert codes["message"] == ["R-J5"] and codes["due_at"] == ["R-J5"] and codes["__all__"] == ["R-J5"]
    assert not MaterialRequest.objects.exists() and not Notification.objects.exists()


def test_team_supplies_a_checked_file_and_a_link_then_answers(asked, team_lead, secretariat, samples):
    item = supply_file(request=asked, actor=team_lead, stream=io.BytesIO(samples["pdf"]), filename="审计报告.pdf",
                       note="2022 年度")
    assert item.file.sha256 and item.file.project == asked.project
    supply_link(request=asked, actor=team_lead, url="https://demo.example.com/report", note="在线版")
    answered = answer_request(request=asked, actor=team_lead, note="已补充")
    assert answered.status == MaterialRequest.Status.ANSWERED and answered.answered_at is not None
    assert answered.items.count() == 2
    assert Notification.objects.filter(user=secretariat, kind="material_request_answered").exists()
    assert AuditEntry.objects.filter(action="project.material_request.answer").exists()


def test_wrong_content_is_refused_and_nothing_stored(asked, team_lead, samples):
    with pytest.raises(ValidationError) as caught:
        supply_file(request=asked, actor=team_lead, stream=io.BytesIO(samples["exe"]), filename="report.pdf")
    assert _codes(caught.value) == {"file": ["R-J7"]}
    assert not FurtherMaterial.objects.exists()
    assert not StoredFile.objects.filter(original_name__startswith="report").exists()


def test_nothing_is_supplied_after_the_due_time(asked, team_lead, samples):
    late = asked.due_at + dt.timedelta(seconds=1)
    with pytest.raises(ValidationError) as caught:
        supply_file(request=asked, actor=team_lead, stream=io.BytesIO(samples["pdf"]), filename="a.pdf", now=late)
    assert _codes(caught.value) == {"__all__": ["R-J5"]}
    with pytest.raises(ValidationError):
        supply_link(request=asked, actor=team_lead, url="https://x.example.com", now=late)
    assert not FurtherMaterial.objects.exists()


def test_answer_needs_at_least_one_item_and_is_final(asked, team_lead):
    with pytest.raises(ValidationError) as caught:
        answer_request(request=asked, actor=team_lead)
    assert _codes(caught.value) == {"__all__": ["R-J5"]}
    supply_link(request=asked, actor=team_lead, url="https://demo.example.com")
    answer_request(request=asked, actor=team_lead)
    with pytest.raises(ValidationError):
        supply_link(request=asked, actor=team_lead, url="https://other.example.com")
    assert FurtherMaterial.objects.count() == 1


def test_supplied_items_are_write_once(asked, team_lead):
    item = supply_link(request=asked, actor=team_lead, url="https://demo.example.com")
    with pytest.raises(Exception, match="R-J6"):
        item.delete()


def test_cancel_needs_a_reason_and_tells_the_team(asked, secretariat, team_lead):
    with pytest.raises(ValidationError):
        cancel_request(request=asked, actor=secretariat, reason="")
    cancel_request(request=asked, actor=secretariat, reason="已从其他渠道获得")
    asked.refresh_from_db()
    assert asked.status == MaterialRequest.Status.CANCELLED
    assert Notification.objects.filter(user=team_lead, kind="material_request_cancelled").exists()


# --- pages ----------------------------------------------------------------------------------

def test_station_officer_asks_through_the_page(submitted, station_officer, verified, team_lead):
    client = verified(station_officer)
    url = reverse("projects:request_new", args=[submitted.pk])
    assert client.get(url).status_code == 200
    due = (timezone.localtime(timezone.now() + dt.timedelta(days=2))).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"message": "请补充应用证明", "due_at": due})
    item = MaterialRequest.objects.get()
    assert response.status_code == 302 and response.url == reverse("projects:request_detail", args=[item.pk])
    assert item.requested_by == station_officer


def test_bad_due_time_is_explained_and_changes_nothing(submitted, secretariat, verified):
    client = verified(secretariat)
    response = client.post(reverse("projects:request_new", args=[submitted.pk]),
                           {"message": "补充", "due_at": "明天"})
    assert response.status_code == 200 and "R-J5" in response.content.decode()
    assert not MaterialRequest.objects.exists()


def test_team_cannot_ask_and_outsiders_do_not_see_requests(asked, client, team_lead, other_lead):
    client.force_login(team_lead)
    assert client.get(reverse("projects:request_new", args=[asked.project.pk])).status_code == 403
    assert client.get(reverse("projects:request_detail", args=[asked.pk])).status_code == 200
    client.force_login(other_lead)
    assert client.get(reverse("projects:request_detail", args=[asked.pk])).status_code == 404
    response = client.post(reverse("projects:request_link", args=[asked.pk]), {"link": "https://x.example.com"})
    assert response.status_code == 404 and not FurtherMaterial.objects.exists()


def test_team_uploads_and_confirms_through_the_page(asked, client, team_lead, samples):
    client.force_login(team_lead)
    page = client.get(reverse("projects:detail", args=[asked.project.pk])).content.decode()
    assert reverse("projects:request_detail", args=[asked.pk]) in page
    response = client.post(reverse("projects:request_file", args=[asked.pk]),
                           {"file": SimpleUploadedFile("证明.pdf", samples["pdf"]), "note": ""})
    assert response.status_code == 302
    response = client.post(reverse("projects:request_answer", args=[asked.pk]), {"note": "见附件"})
    assert response.status_code == 422 and "R-J5" in response.content.decode()  # confirmation box not ticked
    response = client.post(reverse("projects:request_answer", args=[asked.pk]), {"note": "见附件", "confirm": "on"})
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.status == MaterialRequest.Status.ANSWERED and asked.answer_note == "见附件"
    detail = client.get(reverse("projects:request_detail", args=[asked.pk])).content.decode()
    assert "证明.pdf" in detail


def test_assigned_download_of_supplied_file_is_for_team_and_staff_only(asked, client, team_lead, other_lead,
                                                                         secretariat, verified, samples):
    item = supply_file(request=asked, actor=team_lead, stream=io.BytesIO(samples["pdf"]), filename="a.pdf")
    url = reverse("projects:download_file", args=[item.file.pk])
    client.force_login(other_lead)
    assert client.get(url).status_code == 404
    assert verified(secretariat).get(url).status_code == 200
