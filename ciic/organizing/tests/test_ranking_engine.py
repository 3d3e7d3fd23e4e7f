"""The excellent-organizer score (ciic/engines/organizing.py): pure, no database."""

from __future__ import annotations

import math

import pytest

from ciic.engines.organizing import Entry, UnitRecord, Weights, dedupe, rank_units, score_unit

W = Weights(entries=4, transform="sqrt", stations=2, directions=2, finalists=6, winners=10,
            receipt_on_time=3, report_on_time=3)


def entry(i, *, valid=True, station="bj", direction="q", finalist=False, winner=False, keys=()):
    return Entry(id=i, valid=valid, station=station, direction=direction, finalist=finalist, winner=winner,
                 keys=keys)


def test_invalid_entries_count_for_nothing_and_are_listed():
    score = score_unit(UnitRecord("u", [entry(1), entry(2, valid=False, finalist=True)], False, False), W)
    assert score.figures["entries"] == 1
    assert score.figures["finalists"] == 0
    assert score.excluded == (2,)


def test_duplicates_merge_and_keep_the_furthest_along():
    kept, dropped = dedupe([entry(1, keys=("a",)), entry(2, finalist=True, keys=("a", "b")), entry(3, keys=("b",))])
    assert [e.id for e in kept] == [2]
    assert sorted(dropped) == [(1, 2), (3, 2)]


def test_score_follows_the_weights_term_by_term():
    record = UnitRecord("u", [entry(1, station="bj", direction="q", finalist=True, winner=True),
                              entry(2, station="wx", direction="s"),
                              entry(3, station="wx", direction="s"),
                              entry(4, station="wx", direction="s")], True, False)
    score = score_unit(record, W)
    expected = 4 * math.sqrt(4) + 2 * 2 + 2 * 2 + 6 * 1 + 10 * 1 + 3 * 1 + 3 * 0
    assert score.total == pytest.approx(expected)
    assert {t.name: t.points for t in score.terms}["entries"] == pytest.approx(8)


def test_inflating_entries_does_not_beat_a_finalist():
    many = UnitRecord("many", [entry(i) for i in range(25)], True, True)
    few = UnitRecord("few", [entry(100, station="bj", finalist=True, winner=True), entry(101, station="wx")],
                     True, True)
    ranked = rank_units([many, few], W)
    assert [s.unit for s in ranked] == ["few", "many"]


def test_equal_scores_share_a_rank():
    a = UnitRecord("a", [entry(1)], True, True)
    b = UnitRecord("b", [entry(2)], True, True)
    c = UnitRecord("c", [], False, False)
    assert [(s.unit, s.rank) for s in rank_units([c, b, a], W)] == [("a", 1), ("b", 1), ("c", 3)]


def test_negative_weight_or_unknown_transform_is_refused():
    with pytest.raises(ValueError):
        Weights(entries=-1, transform="sqrt", stations=0, directions=0, finalists=0, winners=0,
                receipt_on_time=0, report_on_time=0)
    with pytest.raises(ValueError):
        Weights(entries=1, transform="cube", stations=0, directions=0, finalists=0, winners=0,
                receipt_on_time=0, report_on_time=0)
