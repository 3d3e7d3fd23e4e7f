"""The spec's organizing block: read by organizing/config.py, checked by contests/spec.py."""

from __future__ import annotations

import copy

import yaml

from ciic.conftest import SPEC
from ciic.contests.spec import validate_spec
from ciic.organizing.config import organizing_config


def spec() -> dict:
    return yaml.safe_load(SPEC.read_text())


def test_the_edition_spec_is_valid_and_names_the_notices_kinds(contest):
    assert validate_spec(spec()) == []
    config = organizing_config(contest)
    names = {k.name for k in config.unit_kinds}
    assert {"地方工业和信息化主管部门", "有关中央企业", "行业协会", "工业互联网示范区", "中央企业科技创新中心"} <= names
    assert {k.code for k in config.unit_kinds if k.receipt} == {"industry_department", "central_soe",
                                                                 "industry_association"}
    assert [k.name for k in config.meeting_kinds] == ["政企对接会", "供需对接会", "投融资对接会"]
    assert config.slot_minutes == 20
    assert config.receipt_schedule_key == "contact_receipt" and config.report_schedule_key == "organizing_report"


def test_unknown_schedule_key_and_wrong_award_are_refused():
    data = copy.deepcopy(spec())
    data["organizing"]["report_schedule_key"] = "no_such_item"
    data["organizing"]["ranking"]["award_code"] = "popularity"
    errors = validate_spec(data)
    assert any("organizing.report_schedule_key" in e for e in errors)
    assert any("organizing.ranking.award_code" in e and "organizing units" in e for e in errors)


def test_negative_weight_and_duplicate_kind_are_refused():
    data = copy.deepcopy(spec())
    data["organizing"]["ranking"]["weights"]["finalists"] = -1
    data["organizing"]["unit_kinds"].append(dict(data["organizing"]["unit_kinds"][0]))
    errors = validate_spec(data)
    assert any("organizing.ranking.weights.finalists" in e for e in errors)
    assert any("organizing.unit_kinds" in e for e in errors)


def test_a_contest_without_the_block_has_no_organizing_pages(contest, secretariat):
    from ciic.testing.personas import verified_client

    spec_without = dict(contest.spec)
    spec_without.pop("organizing")
    contest.spec = spec_without
    contest.save(update_fields=["spec"])
    assert organizing_config(contest) is None
    assert verified_client(secretariat).get("/organizing/units/").status_code == 404
