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


def _fingerprint(contest) -> str:
    """The spec's fingerprint as a page shown now carries it (R-C: no edit undoes another)."""
    from ciic.contests.models import Contest

    return Contest.objects.get(pk=contest.pk).spec_sha256


def _schedule_post(contest, **changes) -> dict:
    data = {"fingerprint": _fingerprint(contest)}
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
    fp = _fingerprint(contest)
    refused = client.post(reverse("site:edition_quotas"), {"fingerprint": fp, "q-beijing-leader": "-2"})
    assert refused.status_code == 422 and "名额须为非负整数" in refused.content.decode()
    # A number no column holds is refused on its cell by the spec's check, not a server error.
    huge = client.post(reverse("site:edition_quotas"), {"fingerprint": fp, "q-beijing-leader": "99999999999999999999"})
    assert huge.status_code == 422 and 'id="err-q-beijing-leader"><ul class="errors"><li>' in huge.content.decode()
    assert client.post(reverse("site:edition_quotas"), {"fingerprint": fp, "q-beijing-leader": "3",
                                                        "q-beijing-newcomer": "2"}).status_code == 302
    assert StationQuota.objects.get(station__code="beijing", group__code="leader").finalists == 3
    assert StationQuota.objects.get(station__code="wuxi", group__code="leader").finalists is None
    assert AuditEntry.objects.filter(action="contest.edit", after__has_key="quotas").exists()


def test_only_the_secretariat_edits_the_edition(station_officer, team_lead, contest):
    from django.test import Client

    from ciic.testing.personas import verified_client

    for url in (reverse("site:edition_schedule"), reverse("site:edition_quotas"),
                reverse("site:edition_local_units"), reverse("site:edition_materials"),
                reverse("site:edition_policies")):
        assert verified_client(station_officer).get(url).status_code == 404
        assert verified_client(team_lead).post(url, {}).status_code == 404
        assert Client().get(url).status_code == 302
    assert not AuditEntry.objects.filter(action="contest.edit").exists()


def _units_post(contest, **changes) -> dict:
    """The local-units form as the page shows it: every station's units, then two blank rows."""
    data = {"fingerprint": _fingerprint(contest)}
    for i, station in enumerate(contest.spec["stations"]):
        units = station.get("local_units", [])
        for j, unit in enumerate(units):
            data[f"unit-{i}-{j}-name"] = unit["name"]
            data[f"unit-{i}-{j}-credit_code"] = unit.get("credit_code", "")
        data[f"rows-{i}"] = str(len(units) + 2)
    data.update(changes)
    return data


def _beijing_units(contest) -> list[tuple[str, str]]:
    from ciic.contests.models import LocalOrganizingUnit

    return list(LocalOrganizingUnit.objects.filter(station__contest=contest, station__code="beijing")
                .order_by("id").values_list("name", "credit_code"))


def test_the_secretariat_adds_and_removes_a_local_organizing_unit(verified, secretariat, contest):
    """R-D3: the units are announced separately, so staff keep them on a page; audited."""
    from ciic.demo.identifiers import make_credit_code

    client = verified(secretariat)
    page = client.get(reverse("site:edition_local_units")).content.decode()
    assert "北京市经济和信息化局" in page and 'name="unit-0-2-name"' in page  # a blank row to add to
    code = make_credit_code(77)
    response = client.post(reverse("site:edition_local_units"), _units_post(
        contest, **{"unit-0-1-name": "", "unit-0-2-name": "  北京市  新增  单位 ", "unit-0-2-credit_code": code.lower()}))
    assert response.status_code == 302
    assert _beijing_units(contest) == [("北京市经济和信息化局", ""), ("北京市 新增 单位", code)]
    entry = AuditEntry.objects.filter(action="contest.edit").latest("seq")
    assert "stations" in entry.after and entry.actor_id == secretariat.pk


def test_a_refused_unit_names_its_row_and_changes_nothing(verified, secretariat, contest):
    before = _beijing_units(contest)
    client = verified(secretariat)
    bad_code = verified(secretariat).post(reverse("site:edition_local_units"), _units_post(
        contest, **{"unit-0-2-name": "某单位", "unit-0-2-credit_code": "91110000000000000X"}))
    assert bad_code.status_code == 422
    html = bad_code.content.decode()
    assert 'id="err-unit-0-2-credit_code"><ul class="errors"><li>统一社会信用代码无效' in html
    assert 'value="某单位"' in html  # what was typed stays
    # A NUL is refused before the page (core.middleware); other control characters on the row.
    nul = client.post(reverse("site:edition_local_units"), _units_post(contest, **{"unit-0-2-name": "a\x00b"}))
    assert nul.status_code == 400 and "“unit-0-2-name”含有空字符" in nul.content.decode()
    bell = client.post(reverse("site:edition_local_units"), _units_post(contest, **{"unit-0-2-name": "a\x07b"}))
    assert bell.status_code == 422 and 'id="err-unit-0-2-name"><ul class="errors"><li>不能包含控制字符' in bell.content.decode()
    # A repeat is the spec's own check, put on the repeated row.
    repeat = client.post(reverse("site:edition_local_units"), _units_post(contest, **{"unit-0-2-name": "北京市经济和信息化局"}))
    assert repeat.status_code == 422 and 'id="err-unit-0-2-name"><ul class="errors"><li>duplicate unit name' in repeat.content.decode()
    # A row count no form has is read as the limit, not a crash.
    huge = client.post(reverse("site:edition_local_units"), _units_post(contest, **{"rows-0": "9" * 40}))
    assert huge.status_code == 302
    assert _beijing_units(contest) == before
    assert not AuditEntry.objects.filter(action="contest.edit").exists()


def test_a_new_unit_names_the_registered_teams_it_bars(verified, secretariat, contest, team):
    """R-P8: a unit added after teams registered bars its own teams from the station; the
    secretariat is told which, to have them checked."""
    response = verified(secretariat).post(reverse("site:edition_local_units"), _units_post(
        contest, **{"unit-0-2-name": team.organization.name}), follow=True)
    html = response.content.decode()
    assert "请核查" in html and team.name in html
    other = verified(secretariat).post(reverse("site:edition_local_units"), _units_post(
        contest, **{"unit-1-2-name": "无锡某单位"}), follow=True)
    assert "请核查" not in other.content.decode()


def _materials_post(contest, **changes) -> dict:
    data = {"fingerprint": _fingerprint(contest)}
    for i, item in enumerate(contest.spec["material_types"]):
        data[f"formats-{i}"] = ", ".join(item["formats"])
        data[f"size-{i}"] = str(item["max_size_mb"])
        for flag in ("required", "link_required"):
            if item.get(flag):
                data[f"{flag}-{i}"] = "on"
    data.update(changes)
    return data


def _material_index(contest, code: str) -> int:
    return [m["code"] for m in contest.spec["material_types"]].index(code)


def test_the_secretariat_changes_a_material_limit(verified, secretariat, contest):
    """R-J7: formats, size limit and whether a material is required are edited on a page."""
    from ciic.contests.models import MaterialType

    i = _material_index(contest, "demo")
    client = verified(secretariat)
    assert f'name="formats-{i}" value="pdf, docx, zip"' in client.get(reverse("site:edition_materials")).content.decode()
    response = client.post(reverse("site:edition_materials"), _materials_post(
        contest, **{f"formats-{i}": " .PDF，zip ", f"size-{i}": "300", f"required-{i}": "on"}))
    assert response.status_code == 302
    demo = MaterialType.objects.get(contest=contest, code="demo")
    assert (demo.formats, demo.max_size_mb, demo.required) == (["pdf", "zip"], 300, True)
    assert AuditEntry.objects.filter(action="contest.edit", after__has_key="material_types").exists()


def test_a_refused_material_limit_names_the_row_and_changes_nothing(verified, secretariat, contest):
    from ciic.contests.models import MaterialType

    i = _material_index(contest, "video")
    before = list(MaterialType.objects.filter(contest=contest).values_list("code", "formats", "max_size_mb", "required"))
    client = verified(secretariat)
    for changes, where, message in (
        ({f"formats-{i}": "mp4, exe"}, f"err-formats-{i}", "不支持的格式：exe"),
        ({f"formats-{i}": " , "}, f"err-formats-{i}", "至少填写一种格式"),
        ({f"size-{i}": "0"}, f"err-size-{i}", "大小上限须为正整数"),
        ({f"size-{i}": "-5"}, f"err-size-{i}", "大小上限须为正整数"),
        ({f"size-{i}": "99999999999999999999"}, f"err-size-{i}", "大小上限须为正整数"),
        # Within ten digits but beyond what the column holds: the spec's own bound, on its row.
        ({f"size-{i}": "9999999999"}, f"err-size-{i}", ""),
    ):
        response = client.post(reverse("site:edition_materials"), _materials_post(contest, **changes))
        assert response.status_code == 422, changes
        assert f'id="{where}"><ul class="errors"><li>{message}' in response.content.decode(), changes
    assert list(MaterialType.objects.filter(contest=contest).values_list("code", "formats", "max_size_mb", "required")) == before
    assert not AuditEntry.objects.filter(action="contest.edit").exists()


def _policy_post(contest, kind="service_rules", **changes) -> dict:
    current = next(p for p in contest.spec["policies"] if p["kind"] == kind and p["is_current"])
    data = {"fingerprint": _fingerprint(contest), "kind": kind, "version": "2023.2", "title": current["title"],
            "text": current["text"] + "\n第十四条 新增条款。", "confirm": "on"}
    data.update(changes)
    return data


def test_a_policy_change_is_a_new_version_that_registration_asks_for(verified, secretariat, contest, team):
    """R-P5: the version the team accepted stays as it was; the new one becomes current."""
    from ciic.contests.models import PolicyDocument

    accepted = PolicyDocument.objects.get(contest=contest, kind="service_rules", is_current=True)
    text_before = accepted.text
    client = verified(secretariat)
    page = client.get(reverse("site:edition_policies")).content.decode()
    assert "发布新版本" in page and accepted.version in page
    response = client.post(reverse("site:edition_policies"), _policy_post(contest))
    assert response.status_code == 302
    accepted.refresh_from_db()
    assert accepted.text == text_before and not accepted.is_current
    new = PolicyDocument.objects.get(contest=contest, kind="service_rules", is_current=True)
    assert new.version == "2023.2" and new.text.endswith("第十四条 新增条款。\n") and new.published_at is not None
    assert team.acceptances.filter(policy=accepted).exists()
    # Registration now asks for the new version.
    assert "2023.2" in verified(team.lead).get(reverse("entrants:team_create", args=[team.organization.pk])).content.decode()
    assert AuditEntry.objects.filter(action="contest.edit", after__has_key="policies").exists()


def test_a_refused_policy_version_says_why_and_publishes_nothing(verified, secretariat, contest):
    from ciic.contests.models import PolicyDocument

    before = list(PolicyDocument.objects.filter(contest=contest).values_list("kind", "version", "is_current", "text"))
    client = verified(secretariat)
    current = next(p for p in contest.spec["policies"] if p["kind"] == "pledge" and p["is_current"])
    for changes, where, message in (
        ({"version": current["version"]}, "err-version-pledge", "版本 2023.1 已发布过"),
        ({"version": ""}, "err-version-pledge", "请填写版本号"),
        ({"text": current["text"]}, "err-text-pledge", "标题和正文与现行版本相同"),
        ({"text": "a\x07b"}, "err-text-pledge", "正文不超过"),
        ({"confirm": ""}, "err-confirm-pledge", "请确认发布"),
    ):
        response = client.post(reverse("site:edition_policies"), _policy_post(contest, "pledge", **changes))
        assert response.status_code == 422, changes
        assert f'id="{where}"><ul class="errors"><li>{message}' in response.content.decode(), changes
    forged = client.post(reverse("site:edition_policies"), {**_policy_post(contest, "pledge"), "kind": "nope"})
    assert forged.status_code == 422 and "未知的文件类型" in forged.content.decode()
    assert list(PolicyDocument.objects.filter(contest=contest).values_list("kind", "version", "is_current", "text")) == before
    assert not AuditEntry.objects.filter(action="contest.edit").exists()


def test_an_edit_made_on_a_page_shown_before_another_edit_is_refused(verified, secretariat, contest):
    """Two secretaries with the same page open: the second save would silently undo the
    first (or rewrite a policy version just published), so it is refused with a reason."""
    from ciic.contests.models import PolicyDocument

    client = verified(secretariat)
    shown = _policy_post(contest, text="第一位秘书的版本。")
    assert client.post(reverse("site:edition_policies"), shown).status_code == 302
    late = client.post(reverse("site:edition_policies"), {**shown, "version": "2023.3", "text": "第二位秘书的版本。"})
    assert late.status_code == 422 and "赛事设置已被他人修改" in late.content.decode()
    assert PolicyDocument.objects.get(contest=contest, kind="service_rules", version="2023.2").text == "第一位秘书的版本。\n"
    # Without the fingerprint a save is refused the same way.
    missing = client.post(reverse("site:edition_quotas"), {"q-beijing-leader": "3"})
    assert missing.status_code == 422 and "赛事设置已被他人修改" in missing.content.decode()
    assert AuditEntry.objects.filter(action="contest.edit").count() == 1
