"""Loading a contest spec into the database: all or nothing, idempotent, audited once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from ciic.accounts.enums import Role
from ciic.audit.models import AuditEntry
from ciic.contests.models import (
    Contest,
    Direction,
    LocalOrganizingUnit,
    PastWinner,
    PolicyDocument,
    ScheduleItem,
    Station,
    StationQuota,
    UncivilWord,
)
from ciic.contests.selectors import max_representatives, registration_deadline, registration_open
from ciic.contests.services import SpecError, load_contest_file, load_contest_spec
from ciic.demo.identifiers import make_credit_code
from ciic.testing.personas import make_user

from .helpers import SPEC_PATH, row_counts, spec_2023

BEIJING = ZoneInfo("Asia/Shanghai")
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_database")]


def test_the_2023_spec_loads_with_the_notice_facts():
    """R-C1, R-D1, R-D3, R-G1, R-A1, R-T1, R-X1, R-P3: the rows hold what the notice says."""
    result = load_contest_file(SPEC_PATH)
    contest = result.contest
    assert result.created and result.changed
    assert (contest.slug, contest.edition, contest.year) == ("ciic-2023", 5, 2023)
    assert contest.name == "第五届中国工业互联网大赛"
    assert contest.theme == "数字赋能 智创未来"
    assert contest.hosts["organizers"] == ["国家工业信息安全发展研究中心", "浙江省经济和信息化厅", "宁波市人民政府"]
    assert len(contest.hosts["executing_organizers"]) == 10
    assert {d.station.code: d.number for d in Direction.objects.filter(contest=contest)} == {
        "beijing": 1, "wuxi": 2, "ningbo": 3, "qingdao": 4, "xinjiang": 5,
    }
    assert list(
        LocalOrganizingUnit.objects.filter(station__code="qingdao").values_list("name", flat=True)
    ) == ["青岛市经济和信息化局", "胶州市人民政府"]
    assert contest.groups.get(is_default=True).code == "newcomer"
    assert sum((t.total for t in contest.prize_tiers.all()), Decimal(0)) == contest.prize_pool == 500
    assert contest.special_awards.get(code="organization").recipient == "organizing_unit"
    assert contest.publicity_days == 30
    assert max_representatives(contest) == 5
    assert registration_deadline(contest) == dt.datetime(2023, 10, 22, 23, 59, 59, tzinfo=BEIJING)
    assert StationQuota.objects.filter(station__contest=contest, finalists__isnull=True).count() == 10
    assert contest.policies.filter(is_current=True).count() == 2
    assert contest.material_types.get(code="cloud_service").link_required
    assert contest.spec_sha256 == result.spec_sha256 and contest.spec["contest"]["slug"] == "ciic-2023"


def test_loading_records_one_audit_entry():
    """Every decision is logged (style habit 3): one `contest.load` entry per load."""
    result = load_contest_file(SPEC_PATH)
    entry = AuditEntry.objects.get()
    assert entry == result.audit_entry
    assert entry.action == "contest.load"
    assert entry.object_type == "contests.contest" and entry.object_id == str(result.contest.pk)
    assert entry.before == {"spec_sha256": None}
    assert entry.after == {"spec_sha256": result.spec_sha256, "shifted": False, "shift_seconds": 0}


def test_loading_the_same_spec_twice_changes_nothing():
    """The second identical load writes no row and records NO audit entry: nothing was
    decided. (`changed` is False; the first load's entry remains the only one.)"""
    first = load_contest_file(SPEC_PATH)
    counts, loaded_at = row_counts(), first.contest.loaded_at
    second = load_contest_file(SPEC_PATH)
    assert not second.changed and not second.created
    assert second.audit_entry is None
    assert row_counts() == counts
    assert AuditEntry.objects.count() == 1
    assert Contest.objects.get().loaded_at == loaded_at
    assert second.spec_sha256 == first.spec_sha256


def test_reloading_puts_back_rows_edited_since_and_records_it():
    """Same spec, but a row was edited in between: the load restores it and is audited."""
    contest = load_contest_file(SPEC_PATH).contest
    Station.objects.filter(contest=contest, code="wuxi").update(name="无锡站")
    result = load_contest_file(SPEC_PATH)
    assert result.changed
    assert result.tallies["contests.Station"].updated == 1
    assert Station.objects.get(contest=contest, code="wuxi").name == "无锡赛站"
    assert AuditEntry.objects.filter(action="contest.load").count() == 2


def test_an_invalid_spec_is_refused_with_every_error_and_nothing_written():
    """R-A1, R-D1, R-G3, R-T1 broken at once: all four are reported by path; no row, no entry."""
    spec = spec_2023()
    spec["awards"]["tiers"][0]["amount"] = 110
    spec["directions"][0]["station"] = "shanghai"
    spec["groups"][0]["is_default"] = True
    spec["schedule"] = [s for s in spec["schedule"] if s["key"] != "registration"]
    with pytest.raises(SpecError) as caught:
        load_contest_spec(data=spec)
    errors = caught.value.errors
    assert "awards.tiers[2].amount: prize tiers add up to 520万元 but pool is 500万元" in errors
    assert "directions[0].station: unknown station 'shanghai'" in errors
    assert any(e.startswith("groups: exactly one group must have is_default: true") for e in errors)
    assert "schedule: no item with key 'registration': registration needs its dates (R-T1)" in errors
    assert all(": " in e and not e.startswith(" ") for e in errors)
    assert Contest.objects.count() == 0
    assert sum(row_counts().values()) == 0
    assert AuditEntry.objects.count() == 0


def test_an_invalid_new_version_leaves_the_loaded_contest_as_it_was():
    contest = load_contest_file(SPEC_PATH).contest
    spec = spec_2023()
    spec["contest"]["name"] = "改名"
    spec["awards"]["prize_pool"] = 480
    counts = row_counts()
    with pytest.raises(SpecError):
        load_contest_spec(data=spec)
    contest.refresh_from_db()
    assert contest.name == "第五届中国工业互联网大赛"
    assert row_counts() == counts
    assert AuditEntry.objects.count() == 1


def test_shift_to_now_opens_registration_and_keeps_every_gap():
    """R-T1 on a demo or test server: registration started 7 to 8 days before `now`, and every
    date moves by the same offset of whole days, in the rows and in the stored spec, so every
    time of day stays as the notice gives it (shifted times fell on odd minutes like 02:02)."""
    original = {x["key"]: x for x in spec_2023()["schedule"]}
    now = dt.datetime(2031, 3, 15, 10, 30, tzinfo=BEIJING)
    result = load_contest_spec(data=spec_2023(), shift_to_now=True, now=now)
    contest = result.contest
    assert registration_open(contest, now=now)
    registration = ScheduleItem.objects.get(contest=contest, key="registration")
    assert now - dt.timedelta(days=8) < registration.starts_at <= now - dt.timedelta(days=7)
    assert result.shift is not None and result.shift % dt.timedelta(days=1) == dt.timedelta(0)
    assert registration.starts_at.astimezone(BEIJING).time() == dt.time(0, 0)
    assert registration.ends_at.astimezone(BEIJING).time() == dt.time(23, 59, 59)
    for item in ScheduleItem.objects.filter(contest=contest):
        spec_item = original[item.key]
        assert item.ends_at == dt.datetime.fromisoformat(spec_item["ends_at"]) + result.shift
        if "starts_at" in spec_item:
            assert item.starts_at == dt.datetime.fromisoformat(spec_item["starts_at"]) + result.shift
    stored = {x["key"]: x for x in contest.spec["schedule"]}
    assert dt.datetime.fromisoformat(stored["registration"]["starts_at"]) == registration.starts_at
    assert stored["registration"]["ends_at"].endswith("+08:00")
    entry = AuditEntry.objects.get()
    assert entry.after["shifted"] is True
    assert entry.after["shift_seconds"] == int(result.shift.total_seconds())


def test_shift_to_now_uses_the_clock_by_default():
    contest = load_contest_file(SPEC_PATH, shift_to_now=True).contest
    assert registration_open(contest)


def test_the_spec_as_dated_has_registration_closed():
    """R-T1: on the notice's own dates registration closed on 2023-10-22."""
    contest = load_contest_file(SPEC_PATH).contest
    assert not registration_open(contest)
    assert registration_open(contest, now=dt.datetime(2023, 10, 22, 23, 59, tzinfo=BEIJING))
    assert not registration_open(contest, now=dt.datetime(2023, 10, 23, 0, 0, tzinfo=BEIJING))


def test_central_soes_load_with_their_list_and_aliases():
    """R-G2(c): each entry keeps the list that holds it and its other names; a new version of
    the spec adding a credit code updates the row."""
    contest = load_contest_file(SPEC_PATH).contest
    assert contest.central_soes.count() == 127
    travel = contest.central_soes.get(name="中国旅游集团有限公司")
    assert (travel.list_code, travel.aliases) == ("sasac", ["香港中旅（集团）有限公司"])
    assert contest.central_soes.filter(list_code="mof_financial").count() == 26
    spec = spec_2023()
    spec["central_soes"][0]["credit_code"] = make_credit_code(900)
    load_contest_spec(data=spec)
    assert contest.central_soes.get(name=spec["central_soes"][0]["name"]).credit_code == make_credit_code(900)


def test_rows_missing_from_a_new_version_are_removed():
    contest = load_contest_file(SPEC_PATH).contest
    spec = spec_2023()
    dropped_winner = spec["past_winners"].pop()["project_name"]
    spec["uncivil_words"].remove("白痴")
    spec["central_soes"].append({"name": "中国华润有限公司"})
    result = load_contest_spec(data=spec)
    assert not PastWinner.objects.filter(contest=contest, project_name=dropped_winner).exists()
    assert not UncivilWord.objects.filter(contest=contest, word="白痴").exists()
    assert contest.central_soes.filter(name="中国华润有限公司").exists()
    assert result.tallies["contests.PastWinner"].deleted == 1
    assert result.tallies["contests.CentralSOE"].created == 1


def test_a_removed_row_that_something_references_is_kept():
    """A station an officer belongs to stays when a new version drops it; its unreferenced
    direction, local units and quotas go."""
    contest = load_contest_file(SPEC_PATH).contest
    wuxi = contest.stations.get(code="wuxi")
    make_user("wuxi@example.com", role=Role.STATION_OFFICER, station=wuxi)
    spec = spec_2023()
    spec["stations"] = [s for s in spec["stations"] if s["code"] != "wuxi"]
    spec["directions"] = [d for d in spec["directions"] if d["station"] != "wuxi"]
    spec["quotas"] = [q for q in spec["quotas"] if q["station"] != "wuxi"]
    result = load_contest_spec(data=spec)
    assert Station.objects.filter(pk=wuxi.pk).exists()
    assert result.tallies["contests.Station"].kept == 1
    assert not Direction.objects.filter(contest=contest, code="servitization").exists()
    assert not LocalOrganizingUnit.objects.filter(station=wuxi).exists()
    assert not StationQuota.objects.filter(station=wuxi).exists()


def test_a_new_current_policy_version_retires_the_old_one():
    """R-P5: exactly one current version per kind, also across loads."""
    contest = load_contest_file(SPEC_PATH).contest
    spec = spec_2023()
    rules = spec["policies"][0]
    spec["policies"].insert(1, {**rules, "version": "2023.2", "text": rules["text"] + "\n（修订）"})
    rules["is_current"] = False
    load_contest_spec(data=spec)
    current = PolicyDocument.objects.get(contest=contest, kind="service_rules", is_current=True)
    assert current.version == "2023.2"
    assert PolicyDocument.objects.filter(contest=contest, kind="service_rules").count() == 2


def test_a_policy_version_teams_accepted_keeps_its_words(contest, team):
    """R-P5: a team accepted the exact text of a version, so a reload may not rewrite it;
    a change must be a new version. Nothing is written."""
    spec = spec_2023()
    spec["schedule"] = contest.spec["schedule"]  # the fixture's shifted dates, to change nothing else
    accepted = PolicyDocument.objects.get(contest=contest, kind="pledge", is_current=True)
    index = next(i for i, p in enumerate(spec["policies"]) if p["kind"] == "pledge" and p["is_current"])
    spec["policies"][index]["text"] += "\n（悄悄修改）"
    with pytest.raises(SpecError) as refused:
        load_contest_spec(data=spec)
    assert f"policies[{index}].text" in str(refused.value) and "publish a new version" in str(refused.value)
    accepted.refresh_from_db()
    assert "悄悄修改" not in accepted.text
