"""Admin changes to the contest's rows are audited, with the values before and after."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ciic.accounts.models import User
from ciic.audit.models import AuditEntry
from ciic.contests.models import LocalOrganizingUnit, Station, UncivilWord
from ciic.contests.services import load_contest_file
from ciic.testing.personas import verified_client

from .helpers import SPEC_PATH, admin_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user() -> User:
    return User.objects.create_superuser(email="admin@example.com", password="Ciic-admin-2023!")


@pytest.fixture
def admin_client(admin_user, client):
    """A superuser past the staff two-factor check (django_otp session device)."""
    return verified_client(admin_user, client)


@pytest.fixture
def loaded():
    return load_contest_file(SPEC_PATH).contest


def test_admin_change_of_a_station_is_audited(admin_client, admin_user, loaded):
    station = loaded.stations.get(code="beijing")
    url = reverse("admin:contests_station_change", args=[station.pk])
    data = admin_form_data(admin_client, url)
    data["city"] = "北京市"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    entry = AuditEntry.objects.filter(action="admin.change").get()
    assert entry.actor == admin_user
    assert (entry.object_type, entry.object_id) == ("contests.station", str(station.pk))
    assert entry.before["city"] == "北京" and entry.after["city"] == "北京市"
    assert Station.objects.get(pk=station.pk).city == "北京市"


def test_admin_change_of_an_inline_row_is_audited(admin_client, loaded):
    """R-D3: correcting a local organizing unit on its station's page."""
    station = loaded.stations.get(code="ningbo")
    unit = station.local_units.get(name="宁波市海曙区人民政府")
    url = reverse("admin:contests_station_change", args=[station.pk])
    data = admin_form_data(admin_client, url)
    index = next(k for k, v in data.items() if k.startswith("local_units-") and v == unit.pk)
    data[index.replace("-id", "-credit_code")] = "11330203MB1234567X"
    assert admin_client.post(url, data).status_code == 302
    entry = AuditEntry.objects.get(object_type="contests.localorganizingunit")
    assert entry.action == "admin.change"
    assert entry.before["credit_code"] == "" and entry.after["credit_code"] == "11330203MB1234567X"
    assert LocalOrganizingUnit.objects.get(pk=unit.pk).credit_code == "11330203MB1234567X"
    # The station itself was saved unchanged: a save that changes nothing records nothing.
    assert not AuditEntry.objects.filter(object_type="contests.station").exists()


def test_admin_bulk_delete_is_audited_row_by_row(admin_client, loaded):
    """R-P7 list edits: each deleted word gets its own entry with its value."""
    words = list(UncivilWord.objects.filter(contest=loaded, word__in=["白痴", "脑残"]))
    response = admin_client.post(
        reverse("admin:contests_uncivilword_changelist"),
        {"action": "delete_selected", "_selected_action": [w.pk for w in words], "post": "yes"},
    )
    assert response.status_code == 302
    entries = AuditEntry.objects.filter(action="admin.delete")
    assert sorted(e.before["word"] for e in entries) == ["白痴", "脑残"]
    assert sorted(e.object_id for e in entries) == sorted(str(w.pk) for w in words)
    assert not UncivilWord.objects.filter(pk__in=[w.pk for w in words]).exists()


def test_admin_add_is_audited(admin_client, loaded):
    response = admin_client.post(
        reverse("admin:contests_centralsoe_add"),
        {"contest": loaded.pk, "name": "中国华润有限公司", "credit_code": ""},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="admin.add")
    assert entry.before is None and entry.after["name"] == "中国华润有限公司"


def test_contests_come_from_spec_files_not_the_admin(admin_client):
    assert admin_client.get(reverse("admin:contests_contest_add")).status_code == 403


def test_staff_without_two_factor_cannot_reach_the_admin(client, admin_user, loaded):
    client.force_login(admin_user)
    response = client.get(reverse("admin:contests_station_changelist"))
    assert response.status_code == 302
    assert "2fa" in response["Location"]


def test_admin_quota_set_in_the_change_list_is_audited(admin_client, loaded):
    """R-V2: the secretariat fills in the finalists per station and group (list_editable)."""
    url = reverse("admin:contests_stationquota_changelist")
    formset = admin_client.get(url).context["cl"].formset
    data = {"_save": "Save"}
    for bound in formset.management_form:
        data[bound.html_name] = bound.value()
    target = None
    for form in formset.forms:
        data[form["id"].html_name] = form.instance.pk
        data[form["finalists"].html_name] = ""
        if form.instance.station.code == "xinjiang" and form.instance.group.code == "leader":
            target = form.instance
            data[form["finalists"].html_name] = "6"
    assert target is not None
    assert admin_client.post(url, data).status_code == 302
    entry = AuditEntry.objects.get(action="admin.change")
    assert entry.object_id == str(target.pk)
    assert entry.before["finalists"] is None and entry.after["finalists"] == 6
