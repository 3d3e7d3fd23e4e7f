"""The contest spec's checks: every error at once, each starting with its path (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ciic.contests.services import SpecError, read_spec_file
from ciic.contests.spec import validate_spec
from ciic.demo.identifiers import make_credit_code

from .helpers import SPEC_PATH, spec_2023


def test_the_2023_spec_is_valid():
    """The real spec of the 5th contest passes every check."""
    assert validate_spec(spec_2023()) == []


def test_the_2023_spec_prizes_add_up_to_the_pool():
    """R-A1: 2 × 100 + 6 × 30 + 12 × 10 = 500万元."""
    awards = spec_2023()["awards"]
    total = sum(Decimal(str(t["amount"])) * t["count"] for t in awards["tiers"])
    assert total == Decimal(str(awards["prize_pool"])) == 500


def test_the_2023_spec_pairs_each_direction_with_its_station():
    """R-D1: direction n is organized by the station the notice names."""
    spec = spec_2023()
    assert [(d["number"], d["station"]) for d in spec["directions"]] == [
        (1, "beijing"), (2, "wuxi"), (3, "ningbo"), (4, "qingdao"), (5, "xinjiang"),
    ]
    for d in spec["directions"]:
        assert d["description"].endswith("组织。")


def test_prize_tiers_must_add_up_to_the_pool():
    """R-A1: the error points at the last tier's amount and names both sums."""
    spec = spec_2023()
    spec["awards"]["tiers"][0]["amount"] = 110  # 2 × 110 + 180 + 120 = 520
    assert validate_spec(spec) == [
        "awards.tiers[2].amount: prize tiers add up to 520万元 but pool is 500万元"
    ]


def test_a_direction_must_name_an_existing_station():
    """R-D1: a direction's station is one of the spec's stations."""
    spec = spec_2023()
    spec["directions"][1]["station"] = "shanghai"
    errors = validate_spec(spec)
    assert "directions[1].station: unknown station 'shanghai'" in errors
    # ...and wuxi is now left without a direction.
    assert any(e.startswith("stations[1]: station 'wuxi' organizes 0 directions") for e in errors)


def test_each_station_organizes_exactly_one_direction():
    """R-D1: one direction per station, never two."""
    spec = spec_2023()
    spec["directions"][1]["station"] = "beijing"
    errors = validate_spec(spec)
    assert (
        "stations[0]: station 'beijing' organizes 2 directions (quality, servitization); "
        "each station organizes exactly one direction"
    ) in errors
    assert any(e.startswith("stations[1]: station 'wuxi' organizes 0 directions") for e in errors)


def test_codes_must_be_unique():
    spec = spec_2023()
    spec["stations"][1]["code"] = "beijing"
    spec["directions"][4]["number"] = 1
    spec["awards"]["special"][1]["code"] = "market_demand"
    errors = validate_spec(spec)
    assert "stations[1]: duplicate station code 'beijing' (first at stations[0])" in errors
    assert "directions[4]: duplicate direction number 1 (first at directions[0])" in errors
    assert "awards.special[1]: duplicate award code 'market_demand' (first at awards.special[0])" in errors


def test_exactly_one_group_is_the_default():
    """R-G3: everyone who is not in another group is in the default group, so there is one."""
    spec = spec_2023()
    spec["groups"][1]["is_default"] = False
    errors = validate_spec(spec)
    assert any(e.startswith("groups: exactly one group must have is_default: true") for e in errors)
    assert "groups[1].criteria: a group that is not the default needs at least one criterion" in errors


def test_criteria_kinds_must_be_organization_kinds():
    """R-G2: criteria name kinds the entrants app knows (OrganizationKind codes)."""
    spec = spec_2023()
    spec["groups"][0]["criteria"][0]["kinds"] = ["software"]
    spec["groups"][0]["criteria"][1]["any"][0]["field"] = "staff"
    errors = validate_spec(spec)
    assert any(e.startswith("groups[0].criteria[0].kinds[0]: 'software' is not one of") for e in errors)
    assert any(e.startswith("groups[0].criteria[1].any[0].field: 'staff' is not one of") for e in errors)


def test_a_criterion_is_by_size_or_by_central_soe_not_both():
    spec = spec_2023()
    spec["groups"][0]["criteria"][2]["kinds"] = ["industrial"]
    spec["groups"][0]["criteria"][2]["any"] = [{"field": "headcount", "gt": 1}]
    errors = validate_spec(spec)
    assert any(e.startswith("groups[0].criteria[2]: a criterion is either kinds + any") for e in errors)


def test_the_2023_spec_holds_the_central_soe_lists_in_force_in_2023():
    """R-G2(c), central-soes.md: SASAC's 100 groups less the three that joined after the 2023
    registration, MOF's 4 and its 26 central financial enterprises; the 领军组 criterion counts
    SASAC's and MOF's, the financial list waiting for the committee's call."""
    soes = spec_2023()["central_soes"]
    by_list: dict[str, list[str]] = {}
    for soe in soes:
        by_list.setdefault(soe["list"], []).append(soe["name"])
    assert {k: len(v) for k, v in by_list.items()} == {"sasac": 97, "mof": 4, "mof_financial": 26}
    assert "中国建筑集团有限公司" in by_list["sasac"]
    assert not {"中国资源循环集团有限公司", "中国雅江集团有限公司", "中国长安汽车集团有限公司"} & set(by_list["sasac"])
    assert "中国国家铁路集团有限公司" in by_list["mof"]
    aliases = {soe["name"]: soe["aliases"] for soe in soes if soe.get("aliases")}
    assert aliases == {"中国旅游集团有限公司": ["香港中旅（集团）有限公司"], "南光（集团）有限公司": ["中国南光集团有限公司"]}
    criterion = spec_2023()["groups"][0]["criteria"][2]
    assert criterion["central_soe"] is True and criterion["lists"] == ["sasac", "mof"]


def test_a_central_soe_listed_twice_under_another_spelling_is_refused():
    """R-G2(c): names are matched as name_key folds them, so two entries folding alike (or an
    alias equal to another's name) would make the match depend on the order."""
    spec = spec_2023()
    spec["central_soes"].append({"name": "中国南方电网有限公司", "list": "sasac"})
    spec["central_soes"].append({"name": "中国旅游集团", "aliases": ["华润集团有限公司"], "list": "sasac"})
    errors = validate_spec(spec)
    assert any(e.startswith("central_soes[127]: '中国南方电网有限公司' names the same group as central_soes[")
               for e in errors)
    assert any(e.startswith("central_soes[128]: '华润集团有限公司' names the same group as") for e in errors)


def test_central_soe_lists_and_credit_codes_are_checked():
    """R-G2(c): a criterion counting a list no entry is on counts nothing (a typo); a credit
    code must be valid and belong to one entry only."""
    spec = spec_2023()
    spec["groups"][0]["criteria"][2]["lists"] = ["sasac", "sacas"]
    spec["central_soes"][0]["credit_code"] = "911100007109312740"
    spec["central_soes"][1]["credit_code"] = make_credit_code(900)
    spec["central_soes"][2]["credit_code"] = make_credit_code(900)
    errors = validate_spec(spec)
    assert "groups[0].criteria[2].lists: no central_soes entry has list: sacas" in errors
    assert any(e.startswith("central_soes[0].credit_code: '911100007109312740' is not a valid") for e in errors)
    assert f"central_soes[2]: duplicate credit code {make_credit_code(900)!r} (first at central_soes[1])" in errors
    spec = spec_2023()
    del spec["groups"][0]["criteria"][2]["central_soe"]
    assert "groups[0].criteria[2]: 'central_soe' is a dependency of 'lists'" in validate_spec(spec)


def test_quotas_must_name_existing_stations_and_groups():
    """R-V2."""
    spec = spec_2023()
    spec["quotas"][0]["station"] = "harbin"
    spec["quotas"][1]["group"] = "veterans"
    errors = validate_spec(spec)
    assert "quotas[0].station: unknown station 'harbin'" in errors
    assert "quotas[1].group: unknown group 'veterans'" in errors


def test_registration_must_be_in_the_schedule():
    """R-T1: the code reads the `registration` item."""
    spec = spec_2023()
    spec["schedule"] = [s for s in spec["schedule"] if s["key"] != "registration"]
    assert validate_spec(spec) == [
        "schedule: no item with key 'registration': registration needs its dates (R-T1)"
    ]


def test_schedule_items_end_after_they_start():
    spec = spec_2023()
    spec["schedule"][3]["ends_at"] = "2023-10-01T00:00:00+08:00"
    assert validate_spec(spec) == [
        "schedule[3].ends_at: 2023-10-01T00:00:00+08:00 is not after starts_at 2023-10-23T00:00:00+08:00"
    ]


def test_a_schedule_note_holding_a_date_is_refused():
    """A date in a note went stale when the schedule moved ("截止至2023年10月22日" beside a
    shifted date): dates live in starts_at/ends_at only."""
    spec = spec_2023()
    spec["schedule"][0]["note"] = "截止至2023年10月22日"
    spec["schedule"][5]["note_en"] = "In December, in Ningbo"
    spec["schedule"][3]["note"] = "10月—11月，各赛站组织方案另行公布"
    assert validate_spec(spec) == [
        "schedule[0].note: '2023年' is a date: dates go in starts_at/ends_at only, so that the note "
        "stays true when they move",
        "schedule[3].note: '10月' is a date: dates go in starts_at/ends_at only, so that the note "
        "stays true when they move",
        "schedule[5].note_en: 'December' is a date: dates go in starts_at/ends_at only, so that the "
        "note stays true when they move",
    ]


def test_schedule_rules_must_be_rule_ids():
    spec = spec_2023()
    spec["schedule"][0]["rules"] = ["R-T1", "T1"]
    errors = validate_spec(spec)
    assert len(errors) == 1 and errors[0].startswith("schedule[0].rules[1]: 'T1' does not match"), errors


def test_every_named_thing_needs_its_english_name():
    """The English pages showed Chinese station, group and round names where the spec had none."""
    spec = spec_2023()
    del spec["stations"][4]["name_en"]
    spec["groups"][0]["name_en"] = ""
    del spec["stages"][0]["rounds"][1]["name_en"]
    del spec["groups"][0]["criteria"][0]["label_en"]
    assert validate_spec(spec) == [
        "groups[0].criteria[0].label_en: is required",
        "groups[0].name_en: '' should be non-empty",
        "stages[0].rounds[1].name_en: is required",
        "stations[4].name_en: is required",
    ]


def test_times_need_their_utc_offset():
    """All times are Beijing time, said explicitly: a naive or date-only value is refused."""
    spec = spec_2023()
    spec["schedule"][0]["ends_at"] = "2023-10-22T23:59:59"
    spec["schedule"][1]["ends_at"] = "2023-10-09"
    errors = validate_spec(spec)
    assert "schedule[0].ends_at: '2023-10-22T23:59:59' is not a 'date-time'" in errors
    assert "schedule[1].ends_at: '2023-10-09' is not a 'date-time'" in errors


def test_time_zone_must_exist():
    spec = spec_2023()
    spec["contest"]["time_zone"] = "Asia/Beijing"
    assert validate_spec(spec) == [
        "contest.time_zone: unknown time zone 'Asia/Beijing' (an IANA name such as Asia/Shanghai)"
    ]


def test_each_policy_kind_has_exactly_one_current_version():
    """R-P5: a team accepts THE current service rules and pledge."""
    spec = spec_2023()
    spec["policies"].append({**spec["policies"][0], "version": "2023.2"})
    spec["policies"][1]["is_current"] = False
    errors = validate_spec(spec)
    assert (
        "policies: kind 'service_rules' needs exactly one version with is_current: true, "
        "found 2 (policies[0], policies[2])"
    ) in errors
    assert (
        "policies: kind 'pledge' needs exactly one version with is_current: true, found 0 (none)"
    ) in errors


def test_schema_errors_name_the_missing_and_unknown_keys():
    spec = spec_2023()
    del spec["contest"]["slug"]
    spec["awards"]["tiers"][1]["amount"] = "30万"
    spec["stations"][0]["mayor"] = "x"
    errors = validate_spec(spec)
    assert "contest.slug: is required" in errors
    assert "awards.tiers[1].amount: '30万' is not of type 'number'" in errors
    assert "stations[0].mayor: unknown key" in errors


def test_past_winners_are_of_earlier_editions():
    """R-J3."""
    spec = spec_2023()
    spec["past_winners"][0]["edition"] = 5
    assert validate_spec(spec) == [
        "past_winners[0].edition: 5 is not an earlier edition than this one (5)"
    ]


def test_uncivil_words_leave_out_words_of_legitimate_names():
    """R-P7: matching is by substring, so 垃圾 (垃圾分类) must not be on the list."""
    words = spec_2023()["uncivil_words"]
    assert len(words) >= 20
    for name in ("垃圾分类处理平台", "杂种优势育种", "牲畜生产管理", "Shitou Tech"):
        assert not [w for w in words if w.lower() in name.lower().replace(" ", "")], name


def test_a_yaml_key_given_twice_is_refused(tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text("spec_format: 1\nspec_format: 1\n", encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        read_spec_file(path)
    assert "duplicate key 'spec_format'" in caught.value.errors[0]


def test_yaml_times_stay_text():
    """The loader keeps ISO times as the strings the schema checks."""
    data = read_spec_file(SPEC_PATH)
    assert data["schedule"][0]["ends_at"] == "2023-10-22T23:59:59+08:00"


def test_publicity_grounds_need_one_complaint_and_distinct_codes():
    """R-X2: the grounds are told apart by code and at least one is a complaint; a holiday is
    not also a working day; dates are real dates."""
    spec = spec_2023()
    block = spec["publicity"]
    block["grounds"][1]["code"] = block["grounds"][0]["code"]
    block["extra_working_days"].append(block["holidays"][0])
    block["holidays"].append("2024-02-30")
    errors = validate_spec(spec)
    assert any(e.startswith("publicity.grounds[1]: duplicate ground code") for e in errors)
    assert f"publicity.extra_working_days: {block['holidays'][0]!r} is also a holiday" in errors
    assert any("2024-02-30" in e and e.startswith("publicity.holidays") for e in errors)
    spec = spec_2023()
    for ground in spec["publicity"]["grounds"]:
        ground["complaint"] = False
    assert "publicity.grounds: every ground has complaint: false; at least one must be a complaint" in validate_spec(spec)
