"""The finals' engines (issue 12, R-V4, R-A1): the draw, the trimmed mean, the tie-break
ranking and the prize allocation."""

from __future__ import annotations

import hashlib
import random

import pytest

from ciic.engines.finals import draw_order, rank_with_tiebreaks
from ciic.engines.prizes import Tier, Unfillable, allocate, cell_seats
from ciic.engines.scoring import ReviewTotals, bootstrap_advancement, project_scores, trimmed_means

TIERS = [Tier("first", 2), Tier("second", 6), Tier("third", 12)]


# --- the draw -------------------------------------------------------------------------------


def test_the_draw_is_reproducible_from_its_seed_and_independent_of_input_order() -> None:
    items = [f"project-{i}" for i in range(30)]
    order = draw_order(items, "2023-12-05 宁波 公证员 12345")
    shuffled = items[:]
    random.Random(1).shuffle(shuffled)
    assert draw_order(shuffled, "2023-12-05 宁波 公证员 12345") == order
    assert sorted(order) == sorted(items) and order != sorted(items)
    assert draw_order(items, "another seed") != order


def test_the_draw_follows_the_published_algorithm() -> None:
    """Anyone can re-derive the order from the seed with the documented steps."""
    items, seed = [3, 1, 2, 10, 7], "abc"
    order = sorted(items, key=str)
    for i in range(len(order) - 1, 0, -1):
        j = int(hashlib.sha256(f"{seed}:{i}".encode()).hexdigest(), 16) % (i + 1)
        order[i], order[j] = order[j], order[i]
    assert draw_order(items, seed) == order


def test_the_draw_spreads_first_places_evenly() -> None:
    firsts = [draw_order(list(range(4)), f"seed-{n}")[0] for n in range(4000)]
    counts = [firsts.count(i) for i in range(4)]
    assert all(850 < c < 1150 for c in counts), counts


def test_the_draw_refuses_an_empty_seed_and_duplicates() -> None:
    with pytest.raises(ValueError):
        draw_order([1, 2], "")
    with pytest.raises(ValueError):
        draw_order([1, "1"], "s")


# --- the trimmed mean -----------------------------------------------------------------------


def test_the_trimmed_mean_drops_exactly_one_highest_and_one_lowest() -> None:
    table = ReviewTotals.from_arrays(
        ["a"] * 7 + ["b"] * 5 + ["c"] * 2,
        [f"e{i}" for i in range(7)] + [f"e{i}" for i in range(5)] + ["e0", "e1"],
        [90, 90, 80, 70, 60, 60, 85,   # a: drop one 90 and one 60 -> (90+80+70+60+85)/5
         50, 50, 50, 50, 50,           # b: all equal
         70, 80],                      # c: two ballots, nothing to drop
    )
    scores = trimmed_means(table)
    assert scores["a"] == pytest.approx((90 + 80 + 70 + 60 + 85) / 5)
    assert scores["b"] == pytest.approx(50)
    assert scores["c"] == pytest.approx(75)
    assert project_scores(table, method="trimmed_mean") == scores


def test_bootstrap_accepts_the_trimmed_mean() -> None:
    table = ReviewTotals.from_arrays(["a"] * 5 + ["b"] * 5, [f"e{i}" for i in range(5)] * 2,
                                     [90, 91, 92, 93, 94, 60, 61, 62, 63, 64])
    stability = bootstrap_advancement(table, {"a": "g", "b": "g"}, count=1, method="trimmed_mean", b=50)
    assert stability.probability["a"] == 1.0 and stability.probability["b"] == 0.0


# --- the tie-break order --------------------------------------------------------------------


def test_ties_are_broken_key_by_key_and_an_exact_tie_needs_a_decision() -> None:
    ranking = rank_with_tiebreaks({
        "a": (88.5, 30, 88), "b": (88.5, 32, 85), "c": (90.0, 20, 90), "d": (88.5, 30, 88), "e": (70, 40, 70),
    })
    assert [(r.project_id, r.rank) for r in ranking] == [("c", 1), ("b", 2), ("a", 3), ("d", 3), ("e", 5)]
    by_id = {r.project_id: r for r in ranking}
    assert by_id["b"].decided_by == 0 and by_id["a"].tied_with == ("d",) and by_id["e"].decided_by == 0
    second = rank_with_tiebreaks({"x": (80.0, 10.0), "y": (80.0 + 1e-12, 12.0)})
    assert [r.project_id for r in second] == ["y", "x"] and second[1].decided_by == 1


# --- allocation -----------------------------------------------------------------------------


def _finalists(cells: dict[str, int], seed: int = 3):
    rng = random.Random(seed)
    score, cell = {}, {}
    for c, n in cells.items():
        for i in range(n):
            pid = f"{c}-{i}"
            score[pid] = round(rng.uniform(60, 95), 2)
            cell[pid] = c
    return score, cell


CELLS = {"质量/新锐": 12, "质量/领军": 8, "安全/新锐": 10, "安全/领军": 6, "绿色/新锐": 4}


@pytest.mark.parametrize("method", ["overall", "proportional", "fixed"])
def test_each_method_gives_the_spec_counts_and_is_deterministic(method) -> None:
    score, cell = _finalists(CELLS)
    table = {"质量/新锐": {"first": 1, "second": 2, "third": 3}, "质量/领军": {"first": 1, "second": 1, "third": 2},
             "安全/新锐": {"second": 1, "third": 3}, "安全/领军": {"second": 1, "third": 2},
             "绿色/新锐": {"second": 1, "third": 2}}
    one = allocate(score, cell, TIERS, method=method, minimum=1, table=table)
    two = allocate(dict(reversed(list(score.items()))), cell, TIERS, method=method, minimum=1, table=table)
    counts = {t.code: sum(1 for v in one.awards.values() if v == t.code) for t in TIERS}
    assert counts == {"first": 2, "second": 6, "third": 12}
    assert one.awards == two.awards and one.final
    if method == "overall":  # the best 20 scores win, the best 2 first
        best = sorted(score, key=lambda p: -score[p])
        assert {p for p in best[:2]} == {p for p, t in one.awards.items() if t == "first"}
        assert set(best[:20]) == set(one.awards)
    if method == "proportional":
        assert one.seats == cell_seats({c: n for c, n in CELLS.items()}, 20, minimum=1)
        assert all(one.seats[c] >= 1 for c in CELLS)
        for c in CELLS:  # each cell's winners are its best
            mine = sorted((p for p in score if cell[p] == c), key=lambda p: -score[p])
            assert set(mine[:one.seats[c]]) == {p for p in one.awards if cell[p] == c}
    if method == "fixed":
        for c, row in table.items():
            got = [one.awards[p] for p in one.awards if cell[p] == c]
            assert {t: got.count(t) for t in row} == row


def test_largest_remainder_seats_by_hand() -> None:
    # 20 seats over 12, 8, 10, 6, 4 finalists (40): quotas 6, 4, 5, 3, 2 exactly.
    assert cell_seats(CELLS, 20) == {"质量/新锐": 6, "质量/领军": 4, "安全/新锐": 5, "安全/领军": 3, "绿色/新锐": 2}
    # 7 seats over 5, 3, 2 (10): quotas 3.5, 2.1, 1.4 -> 3, 2, 1 and the extra to the .5
    assert cell_seats({"a": 5, "b": 3, "c": 2}, 7) == {"a": 4, "b": 2, "c": 1}
    # the minimum first: 3 seats, minimum 1 over 10, 1, 1
    assert cell_seats({"a": 10, "b": 1, "c": 1}, 3, minimum=1) == {"a": 1, "b": 1, "c": 1}


def test_an_unfillable_configuration_is_refused_with_the_reason() -> None:
    score, cell = _finalists({"a": 5, "b": 3})
    with pytest.raises(Unfillable) as exc:
        allocate(score, cell, TIERS, method="overall")
    assert "20 prizes but only 8 finalists" in str(exc.value)
    score, cell = _finalists({"a": 30, "b": 1})
    with pytest.raises(Unfillable) as exc:
        allocate(score, cell, TIERS, method="proportional", minimum=2)
    assert "fewer finalists than the minimum" in str(exc.value)
    with pytest.raises(Unfillable) as exc:
        allocate(score, cell, TIERS, method="fixed", table={"b": {"first": 2, "second": 6, "third": 12}})
    assert "cell 'b' has 20 prizes but 1 finalists" in str(exc.value)


def test_a_tie_at_a_tier_boundary_needs_a_decision() -> None:
    score = {f"p{i}": 90.0 - i for i in range(25)}
    score["p1"] = score["p2"] = 88.5  # tied for the second first prize
    cell = dict.fromkeys(score, "all")
    result = allocate(score, cell, TIERS)
    assert not result.final
    [tie] = result.ties
    assert tie.key == "overall:first" and set(tie.projects) == {"p1", "p2"} and tie.seats == 1
    settled = allocate(score, cell, TIERS, decided={"overall:first": ["p2"]})
    assert settled.final and settled.awards["p2"] == "first" and settled.awards["p1"] == "second"
    # A decision naming a project outside the tie settles nothing.
    assert not allocate(score, cell, TIERS, decided={"overall:first": ["p9"]}).final
