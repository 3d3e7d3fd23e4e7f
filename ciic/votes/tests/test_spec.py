"""The vote's rules are contest data (R-A2; issue 12 §4): the spec's `popularity_vote` block is
validated by the schema and read into the services and the detectors; no number in code."""

from __future__ import annotations

import copy

import pytest

from ciic.conftest import SPEC
from ciic.contests.services import read_spec_file
from ciic.contests.spec import validate_spec
from ciic.votes.config import vote_config


@pytest.fixture(scope="module")
def spec():
    return read_spec_file(SPEC)


@pytest.mark.parametrize(("path", "value", "message"), [
    (("rate_limits", "code_ip", "captcha"), "3/x", "popularity_vote.rate_limits.code_ip.captcha"),
    (("rate_limits", "vote_prefix", "refuse"), "0/h", "popularity_vote.rate_limits.vote_prefix.refuse"),
    (("live_counts", "round_to"), 1, "popularity_vote.live_counts.round_to"),
    (("votes_per_day",), 0, "popularity_vote.votes_per_day"),
    (("code", "digits"), 3, "popularity_vote.code.digits"),
    (("detection", "prefix", "share"), 1.5, "popularity_vote.detection.prefix.share"),
    (("detection", "dense", "colour"), 1, "popularity_vote.detection.dense"),
])
def test_the_schema_refuses_a_bad_vote_block(spec, path, value, message):
    data = copy.deepcopy(spec)
    target = data["popularity_vote"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    errors = validate_spec(data)
    assert errors and any(e.startswith(message) for e in errors), errors


def test_every_key_is_required_but_the_detection(spec):
    for key in ("schedule_key", "votes_per_day", "votes_per_project_per_day", "verified_minutes", "live_counts",
                "code", "rate_limits"):
        data = copy.deepcopy(spec)
        del data["popularity_vote"][key]
        assert validate_spec(data), key
    data = copy.deepcopy(spec)
    del data["popularity_vote"]
    assert validate_spec(data) == []  # an edition without a public vote


def test_the_services_read_the_spec(contest):
    config = vote_config(contest)
    block = contest.spec["popularity_vote"]
    assert (config.votes_per_day, config.votes_per_project_per_day) == (block["votes_per_day"],
                                                                        block["votes_per_project_per_day"])
    assert config.code.digits == 6 and config.rate_limits["code_ip"] == (block["rate_limits"]["code_ip"]["captcha"],
                                                                         block["rate_limits"]["code_ip"]["refuse"])
    detection = block["detection"]
    assert config.rules.burst.bin_seconds == 60 * detection["burst"]["bin_minutes"]
    assert config.rules.prefix.share == detection["prefix"]["share"]
    assert config.rules.blocks.min_numbers == detection["blocks"]["min_numbers"]
    assert config.rules.dense.min_together == detection["dense"]["min_together"]
    assert config.rules.dense.bucket_seconds == 60 * detection["dense"]["bucket_minutes"]
    schedule = {item["key"] for item in contest.spec["schedule"]}
    assert block["schedule_key"] in schedule
