"""The secretariat changes the schedule's dates and the finalist quotas on pages, not in the
raw admin: checked by the spec's own rules, audited, refused with the row and field named."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from ciic.audit.models import AuditEntry
from ciic.contests.models import ScheduleItem, StationQuota

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")


def _schedule_post(contest, **changes) -> dict:
    data = {}
    for i, item in enumerate(contest.spec["schedule"]):
        for field in ("starts_at", "ends_at"):
            if item.get(field):
                data[f"{field}-{i}"] = dt.datetime.fromisoformat(item[field]).astimezone(BEIJING).strftime(
                    "%Y-%m-%dT%H:%M")
        if item.get("placeholder"):
            data[f"placeholder-{i}"] = "on"
    data.update(changes)
    return data


def _index(contest, key: str) -> int:
    return [s["key"] for s in contest.spec["schedule"]].index(key)


def test_the_secretariat_moves_a_deadline_and_it_is_audited(verified, secretariat, contest):
    i = _index(contest, "finalists_due")
    client = verified(secretariat)
    page = client.get(reverse("site:edition_schedule")).content.decode()
    assert f'name="ends_at-{i}"' in page
    response = client.post(reverse("site:edition_schedule"), _schedule_post(contest, **{f"ends_at-{i}": "2031-12-05T23:59"}))
    assert response.status_code == 302
    item = ScheduleItem.objects.get(contest=contest, key="finalists_due")
    assert item.ends_at == dt.datetime(2031, 12, 5, 23, 59, 59, tzinfo=BEIJING)
    entry = AuditEntry.objects.filter(action="contest.edit").latest("seq")
    assert entry.actor_id == secretariat.pk and "schedule" in entry.after


def test_a_refused_schedule_names_the_row_and_changes_nothing(verified, secretariat, contest):
    i = _index(contest, "local_stage")
    before = list(ScheduleItem.objects.filter(contest=contest).values_list("key", "starts_at", "ends_at"))
    response = verified(secretariat).post(reverse("site:edition_schedule"), _schedule_post(
        contest, **{f"ends_at-{i}": "2000-01-01T00:00", f"starts_at-{_index(contest, 'finals')}": "not a time"}))
    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="err-starts_at-{_index(contest, "finals")}"><ul class="errors"><li>时间格式应为' in html
    assert list(ScheduleItem.objects.filter(contest=contest).values_list("key", "starts_at", "ends_at")) == before
    # The same end before its start, alone: the spec's own check refuses it on its row.
    response = verified(secretariat).post(reverse("site:edition_schedule"), _schedule_post(
        contest, **{f"ends_at-{i}": "2000-01-01T00:00"}))
    assert response.status_code == 422 and f'id="err-ends_at-{i}"><ul class="errors"><li>' in response.content.decode()
    assert not AuditEntry.objects.filter(action="contest.edit").exists()


def test_the_secretariat_sets_the_finalist_quotas(verified, secretariat, contest):
    client = verified(secretariat)
    refused = client.post(reverse("site:edition_quotas"), {"q-beijing-leader": "-2"})
    assert refused.status_code == 422 and "名额须为非负整数" in refused.content.decode()
    # A number no column holds is refused on its cell by the spec's check, not a server error.
    huge = client.post(reverse("site:edition_quotas"), {"q-beijing-leader": "99999999999999999999"})
    assert huge.status_code == 422 and 'id="err-q-beijing-leader"><ul class="errors"><li>' in huge.content.decode()
    assert client.post(reverse("site:edition_quotas"), {"q-beijing-leader": "3", "q-beijing-newcomer": "2"}).status_code == 302
    assert StationQuota.objects.get(station__code="beijing", group__code="leader").finalists == 3
    assert StationQuota.objects.get(station__code="wuxi", group__code="leader").finalists is None
    assert AuditEntry.objects.filter(action="contest.edit", after__has_key="quotas").exists()


def test_only_the_secretariat_edits_the_edition(station_officer, team_lead, contest):
    from django.test import Client

    from ciic.testing.personas import verified_client

    for url in (reverse("site:edition_schedule"), reverse("site:edition_quotas")):
        assert verified_client(station_officer).get(url).status_code == 404
        assert verified_client(team_lead).post(url, {}).status_code == 404
        assert Client().get(url).status_code == 302
    assert not AuditEntry.objects.filter(action="contest.edit").exists()
