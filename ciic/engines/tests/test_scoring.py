"""Scoring of a review round: weighted totals, aggregates, calibration of expert leniency on
synthetic rounds with planted biases, rankings per group (R-G1, R-V2), the advancement cut
with ties, and the bootstrap stability of the cut. Plain pytest: no database."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pytest
from scipy.stats import spearmanr

from ciic.engines import scoring
from ciic.engines.scoring import (
    Criterion,
    Form,
    InvalidReviews,
    InvalidScores,
    Review,
    ReviewTotals,
    ScoreError,
    advancement_cut,
    aggregate,
    bootstrap_advancement,
    calibrate_least_squares,
    calibrate_zscore,
    project_scores,
    rank_by_group,
    seats,
    validate_scores,
    weighted_total,
)

FORM = Form(
    (
        Criterion("innovation", weight=30, min_score=0, max_score=10),
        Criterion("application", weight=50, min_score=0, max_score=10),
        Criterion("team", weight=20, min_score=1, max_score=5),
    )
)


@dataclass
class Synthetic:
    table: ReviewTotals
    quality: np.ndarray  # true quality per project, in table.projects order
    bias: np.ndarray  # planted bias per expert, in table.experts order


def synthetic_round(
    projects: int = 200,
    experts: int = 40,
    per_project: int = 5,
    noise: float = 3.0,
    seed: int = 5,
) -> Synthetic:
    """Quality ~ N(70, 10), expert biases uniform in [-10, 10], each project reviewed by
    ``per_project`` distinct random experts, total = quality + bias + N(0, noise)."""
    rng = np.random.default_rng(seed)
    quality = rng.normal(70, 10, projects)
    bias = rng.uniform(-10, 10, experts)
    pids, eids, totals = [], [], []
    for p in range(projects):
        for e in rng.choice(experts, per_project, replace=False):
            pids.append(f"p{p}")
            eids.append(f"e{e}")
            totals.append(quality[p] + bias[e] + rng.normal(0, noise))
    table = ReviewTotals.from_arrays(pids, eids, totals)
    q = np.array([quality[int(pid[1:])] for pid in table.projects])
    b = np.array([bias[int(eid[1:])] for eid in table.experts])
    return Synthetic(table, q, b)


@pytest.fixture(scope="module")
def planted() -> Synthetic:
    return synthetic_round()


def as_array(values: dict, keys) -> np.ndarray:
    return np.array([values[k] for k in keys])


# --- weighted totals and validation --------------------------------------------------------


def test_weighted_total_of_a_hand_computed_sheet() -> None:
    # 100 * (30 * 8/10 + 50 * 6/10 + 20 * (4-1)/(5-1)) / 100 = 24 + 30 + 15
    sheet = {"innovation": 8, "application": 6, "team": 4}
    assert weighted_total(sheet, FORM) == pytest.approx(69.0)
    assert weighted_total({"innovation": 0, "application": 0, "team": 1}, FORM) == 0.0
    assert weighted_total({"innovation": 10, "application": 10, "team": 5}, FORM) == 100.0
    scaled = Form(
        tuple(Criterion(c.key, c.weight / 10, c.min_score, c.max_score) for c in FORM.criteria)
    )
    assert weighted_total(sheet, scaled) == pytest.approx(69.0)  # weights are relative
    assert weighted_total({"innovation": Decimal("8.0"), "application": 6.0, "team": 4}, FORM) == (
        pytest.approx(69.0)
    )


def test_every_problem_of_a_sheet_is_explained_per_criterion() -> None:
    sheet = {"innovation": 11, "application": float("nan"), "extra": 3}
    errors = validate_scores(sheet, FORM)
    assert errors == [
        ScoreError("innovation", "out_of_range", 11, 0, 10),
        ScoreError("application", "not_a_number", sheet["application"], 0, 10),
        ScoreError("team", "missing", None, 1, 5),
        ScoreError("extra", "unknown_criterion", 3),
    ]
    with pytest.raises(InvalidScores) as raised:
        weighted_total(sheet, FORM)
    assert raised.value.errors == tuple(errors)
    assert validate_scores({"innovation": True, "application": "7", "team": 0}, FORM) == [
        ScoreError("innovation", "not_a_number", True, 0, 10),
        ScoreError("application", "not_a_number", "7", 0, 10),
        ScoreError("team", "out_of_range", 0, 1, 5),
    ]
    assert validate_scores({"innovation": 0, "application": 10, "team": None}, FORM) == [
        ScoreError("team", "missing", None, 1, 5)
    ]


def test_round_with_bad_sheets_reports_each_bad_review() -> None:
    good = {"innovation": 8, "application": 6, "team": 4}
    reviews = [
        Review("p1", "e1", good),
        Review("p1", "e2", {"innovation": 8, "application": 6}),
        Review("p2", "e1", good),
        Review("p2", "e2", {**good, "team": 9}),
    ]
    with pytest.raises(InvalidReviews) as raised:
        ReviewTotals.from_reviews(reviews, FORM)
    assert set(raised.value.errors) == {1, 3}
    assert raised.value.errors[3] == (ScoreError("team", "out_of_range", 9, 1, 5),)


def test_same_expert_twice_on_a_project_is_refused() -> None:
    with pytest.raises(ValueError, match="more than once"):
        ReviewTotals.from_arrays(["p1", "p1"], ["e1", "e1"], [70, 80])


def test_form_refuses_empty_range_and_duplicate_keys() -> None:
    with pytest.raises(ValueError, match="max_score"):
        Criterion("a", 1, 5, 5)
    with pytest.raises(ValueError, match="duplicate"):
        Form((Criterion("a", 1, 0, 10), Criterion("a", 2, 0, 10)))
    with pytest.raises(ValueError, match="weights"):
        Form((Criterion("a", 0, 0, 10),))


# --- aggregates ----------------------------------------------------------------------------


def test_aggregate_counts_mean_spread_and_recommendations() -> None:
    table = ReviewTotals.from_arrays(
        ["p1", "p1", "p1", "p2"],
        ["e1", "e2", "e3", "e1"],
        [60.0, 70.0, 80.0, 55.0],
        ["advance", "advance", None, "reject"],
    )
    result = aggregate(table)
    p1, p2 = result["p1"], result["p2"]
    assert (p1.n_reviews, p1.mean, p1.minimum, p1.maximum, p1.spread) == (3, 70.0, 60.0, 80.0, 20.0)
    assert p1.std == pytest.approx(10.0)  # sample standard deviation
    assert p1.recommendations == {"advance": 2}
    assert (p2.n_reviews, p2.mean, p2.spread, p2.std) == (1, 55.0, 0.0, 0.0)
    assert not p1.disagreement and not p2.disagreement


def test_disagreement_flag_fires_when_spread_exceeds_the_threshold() -> None:
    table = ReviewTotals.from_arrays(
        ["wide", "wide", "edge", "edge", "calm", "calm"],
        ["e1", "e2", "e1", "e2", "e1", "e2"],
        [50.0, 80.0, 60.0, 75.0, 70.0, 72.0],
    )
    flags = {p: a.disagreement for p, a in aggregate(table, disagreement_threshold=15).items()}
    assert flags == {"wide": True, "edge": False, "calm": False}  # 15 does not exceed 15
    by_std = aggregate(
        table, disagreement_threshold=11, disagreement_measure="std"
    )  # 21.2, 10.6, 1.4
    assert {p: a.disagreement for p, a in by_std.items()} == {
        "wide": True,
        "edge": False,
        "calm": False,
    }


# --- calibration ---------------------------------------------------------------------------


def test_least_squares_recovers_planted_expert_biases(planted) -> None:
    result = calibrate_least_squares(planted.table)
    bias = as_array(result.bias, planted.table.experts)
    assert np.corrcoef(bias, planted.bias)[0, 1] > 0.95
    assert abs(bias.sum()) < 1e-8
    assert np.abs(bias - (planted.bias - planted.bias.mean())).max() < 3
    assert result.residual_std == pytest.approx(3.0, abs=0.5)
    assert len(result.components) == 1 and result.warnings == ()


def test_least_squares_standard_errors_cover_the_true_quality(planted) -> None:
    result = calibrate_least_squares(planted.table)
    quality = as_array(result.scores, planted.table.projects)
    stderr = as_array(result.stderr, planted.table.projects)
    # biases sum to zero, so the qualities sit on the scale of the average planted expert
    error = quality - planted.quality - planted.bias.mean()
    assert 1.0 < stderr.mean() < 2.0  # about 3 / sqrt(5), plus the biases' uncertainty
    assert 0.85 < np.mean(np.abs(error) < 1.96 * stderr) <= 1.0


def test_least_squares_matches_the_bordered_normal_equations() -> None:
    """The E x E elimination and its standard errors equal the textbook solve: the full
    design matrix, the constraint sum(bias) = 0 as a Lagrange row, and sigma^2 (M^-1)_ii."""
    round_ = synthetic_round(projects=60, experts=12, per_project=4, seed=2)
    t = round_.table
    P, E, R = len(t.projects), len(t.experts), t.n_reviews
    A = np.zeros((R, P + E))
    A[np.arange(R), t.project] = 1
    A[np.arange(R), P + t.expert] = 1
    border = np.r_[np.zeros(P), np.ones(E)][None, :]
    M = np.block([[A.T @ A, border.T], [border, np.zeros((1, 1))]])
    x = np.linalg.solve(M, np.r_[A.T @ t.total, 0.0])[: P + E]
    resid = t.total - A @ x
    stderr = np.sqrt(resid @ resid / (R - P - E + 1) * np.diag(np.linalg.inv(M))[: P + E])
    result = calibrate_least_squares(t)
    assert as_array(result.scores, t.projects) == pytest.approx(x[:P], abs=1e-9)
    assert as_array(result.bias, t.experts) == pytest.approx(x[P:], abs=1e-9)
    assert as_array(result.stderr, t.projects) == pytest.approx(stderr[:P], abs=1e-9)
    assert as_array(result.bias_stderr, t.experts) == pytest.approx(stderr[P:], abs=1e-9)
    # with a ridge: minimize |y - A x|^2 + ridge |bias|^2
    ridge = 3.0
    x = np.linalg.solve(A.T @ A + ridge * np.diag(border[0]), A.T @ t.total)
    shrunk = calibrate_least_squares(t, ridge=ridge)
    assert as_array(shrunk.scores, t.projects) == pytest.approx(x[:P], abs=1e-9)
    assert as_array(shrunk.bias, t.experts) == pytest.approx(x[P:], abs=1e-9)


def test_calibration_ranks_closer_to_true_quality_than_the_raw_mean(planted) -> None:
    projects = planted.table.projects

    def agreement(method: str) -> float:
        scores = as_array(project_scores(planted.table, method=method), projects)
        return spearmanr(scores, planted.quality).statistic

    raw, zscore, least_squares = agreement("raw"), agreement("zscore"), agreement("least_squares")
    assert zscore > raw + 0.02
    assert least_squares > raw + 0.02
    assert least_squares > 0.97


def test_zscore_keeps_the_round_scale(planted) -> None:
    result = calibrate_zscore(planted.table)
    assert result.calibrated.mean() == pytest.approx(planted.table.total.mean())
    assert result.calibrated.std() == pytest.approx(planted.table.total.std())
    assert result.global_mean == pytest.approx(planted.table.total.mean())
    assert result.uncalibrated == () and result.flat == ()


def test_zscore_keeps_a_single_review_and_centres_a_flat_expert() -> None:
    table = ReviewTotals.from_arrays(
        ["p1", "p2", "p3", "p1", "p2", "p3", "p1", "p2", "p3"],
        ["lenient", "lenient", "lenient", "strict", "strict", "strict", "once", "flat", "flat"],
        [90.0, 80.0, 85.0, 60.0, 50.0, 55.0, 77.0, 65.0, 65.0],
    )
    result = calibrate_zscore(table)
    assert result.uncalibrated == ("once",)
    assert result.flat == ("flat",)
    pairs = zip(table.project.tolist(), table.expert.tolist(), strict=True)
    calibrated = dict(zip(pairs, result.calibrated, strict=True))
    once, flat = table.experts.index("once"), table.experts.index("flat")
    assert calibrated[(0, once)] == 77.0  # kept as given
    assert calibrated[(1, flat)] == calibrated[(2, flat)] == pytest.approx(result.global_mean)
    # the lenient and the strict expert agree once calibrated
    lenient, strict = table.experts.index("lenient"), table.experts.index("strict")
    for p in range(3):
        assert calibrated[(p, lenient)] == pytest.approx(calibrated[(p, strict)])


def test_disconnected_review_graph_is_solved_per_component_with_a_warning() -> None:
    # two panels that share no project; noiseless totals = quality + bias
    quality = {"a1": 80, "a2": 70, "a3": 60, "b1": 75, "b2": 65}
    bias = {"x": 5, "y": -3, "z": 1, "u": 4, "v": 2}
    panels = {"a1": "xy", "a2": "yz", "a3": "xz", "b1": "uv", "b2": "uv"}
    pairs = [(p, e) for p, experts in panels.items() for e in experts]
    table = ReviewTotals.from_arrays(
        [p for p, _ in pairs], [e for _, e in pairs], [quality[p] + bias[e] for p, e in pairs]
    )
    result = calibrate_least_squares(table)
    assert [set(p) for p, _ in result.components] == [{"a1", "a2", "a3"}, {"b1", "b2"}]
    assert len(result.warnings) == 1 and "2 separate components" in result.warnings[0]
    assert sum(result.bias[e] for e in "xyz") == pytest.approx(0, abs=1e-9)
    assert sum(result.bias[e] for e in "uv") == pytest.approx(0, abs=1e-9)
    for e in "xyz":  # within a component, biases are found up to the component's mean
        assert result.bias[e] == pytest.approx(bias[e] - 1, abs=1e-9)
    assert result.bias["u"] == pytest.approx(1) and result.bias["v"] == pytest.approx(-1)
    assert result.scores["a1"] - result.scores["a2"] == pytest.approx(10)
    assert result.scores["b1"] - result.scores["b2"] == pytest.approx(10)


def test_resampled_least_squares_solves_each_component_like_the_calibration() -> None:
    """The bootstrap's iterative solve gives the zero-sum-per-component solution of
    :func:`calibrate_least_squares`, also on a disconnected review graph and with an expert
    absent from the draw (no reviews: bias 0, the rest unchanged)."""
    quality = {"a1": 80, "a2": 70, "a3": 60, "b1": 75, "b2": 65}
    bias = {"x": 5, "y": -3, "z": 1, "u": 4, "v": 2}
    panels = {"a1": "xy", "a2": "yz", "a3": "xz", "b1": "uv", "b2": "uv"}
    pairs = [(p, e) for p, experts in panels.items() for e in experts]
    table = ReviewTotals.from_arrays(
        [p for p, _ in pairs], [e for _, e in pairs], [quality[p] + bias[e] for p, e in pairs]
    )
    lay = scoring._Layout.of(table)
    y, e = table.total[lay.order][None, :], table.expert[lay.order][None, :]
    present = np.ones((1, len(table.projects)), dtype=bool)
    batch = scoring._least_squares_batch(y, e, present, lay, len(table.experts) + 1, 0.0)[0]
    exact = calibrate_least_squares(table).scores
    assert batch == pytest.approx(as_array(exact, table.projects), abs=1e-9)


def test_ridge_pulls_a_rarely_seen_expert_towards_zero(planted) -> None:
    table = planted.table
    extra = ReviewTotals.from_arrays(
        [*(table.projects[p] for p in table.project), table.projects[0]],
        [*(table.experts[e] for e in table.expert), "newcomer"],
        [*table.total, table.total[table.project == 0].mean() + 12],
    )
    plain = calibrate_least_squares(extra)
    shrunk = calibrate_least_squares(extra, ridge=5.0)
    assert plain.bias["newcomer"] > 8
    assert 0 < shrunk.bias["newcomer"] < plain.bias["newcomer"] / 2
    assert sum(shrunk.bias.values()) == pytest.approx(0, abs=1e-8)


def test_least_squares_without_spare_reviews_has_no_standard_errors() -> None:
    table = ReviewTotals.from_arrays(["p1", "p1", "p2"], ["e1", "e2", "e1"], [70, 80, 60])
    result = calibrate_least_squares(table)
    assert result.stderr is None and result.residual_std is None
    assert result.bias["e2"] - result.bias["e1"] == pytest.approx(10)


def test_resample_scores_match_the_calibrations_on_the_reviews_themselves(planted) -> None:
    table = planted.table
    lay = scoring._Layout.of(table)
    y, e = table.total[lay.order][None, :], table.expert[lay.order][None, :]
    present = np.ones((1, len(table.projects)), dtype=bool)
    E = len(table.experts)
    raw = scoring._raw_batch(y, present, lay)[0]
    z = scoring._zscore_batch(y, e, present, lay, E, 2)[0]
    ls = scoring._least_squares_batch(y, e, present, lay, E, 0.0)[0]
    projects = table.projects
    assert raw == pytest.approx(as_array(project_scores(table), projects))
    assert z == pytest.approx(as_array(project_scores(table, method="zscore"), projects))
    assert ls == pytest.approx(
        as_array(project_scores(table, method="least_squares"), projects), abs=1e-6
    )


# --- rankings and the cut ------------------------------------------------------------------


def test_groups_are_ranked_separately() -> None:
    scores = {"a1": 80.0, "a2": 70.0, "b1": 75.0, "b2": 65.0, "b3": 60.0}
    groups = {"a1": "A", "a2": "A", "b1": "B", "b2": "B", "b3": "B"}
    ranking = rank_by_group(scores, groups)
    assert [(r.project_id, r.rank) for r in ranking["A"]] == [("a1", 1), ("a2", 2)]
    assert [(r.project_id, r.rank) for r in ranking["B"]] == [("b1", 1), ("b2", 2), ("b3", 3)]
    stronger = rank_by_group({**scores, "a0": 99.0}, {**groups, "a0": "A"})
    assert stronger["B"] == ranking["B"]
    assert [r.project_id for r in stronger["A"]] == ["a0", "a1", "a2"]
    keyed = rank_by_group(scores, {p: ("AI", g) for p, g in groups.items()})  # direction x group
    assert set(keyed) == {("AI", "A"), ("AI", "B")}


def test_scores_within_tolerance_are_tied_and_share_a_rank() -> None:
    scores = {"p1": 90.0, "p2": 85.004, "p3": 85.0, "p4": 80.0, "p5": 79.996, "p6": 79.992}
    ranking = rank_by_group(scores, dict.fromkeys(scores, "G"), tolerance=0.005)["G"]
    assert [(r.project_id, r.rank) for r in ranking] == [
        ("p1", 1), ("p2", 2), ("p3", 2), ("p4", 4), ("p5", 4), ("p6", 4),
    ]  # fmt: skip
    by_id = {r.project_id: r for r in ranking}
    assert by_id["p2"].tied_with == ("p3",) and by_id["p1"].tied_with == ()
    assert set(by_id["p4"].tied_with) == {"p5", "p6"}  # chained: p4 and p6 differ by 0.008
    exact = rank_by_group(scores, dict.fromkeys(scores, "G"))["G"]
    assert [r.rank for r in exact] == [1, 2, 3, 4, 5, 6]


def test_ranking_refuses_a_project_without_group_or_score() -> None:
    with pytest.raises(ValueError, match="no group"):
        rank_by_group({"p1": 70.0}, {})
    with pytest.raises(ValueError, match="no finite score"):
        rank_by_group({"p1": math.nan}, {"p1": "G"})


def test_seats_from_a_proportion_follow_the_rounding_rule() -> None:
    assert seats(7, proportion=0.5) == 4  # 3.5 rounds half up
    assert seats(7, proportion=0.5, rounding="floor") == 3
    assert seats(10, proportion=0.31, rounding="ceil") == 4
    assert seats(25, proportion=0.3) == 8  # exactly 7.5, not 7.4999...
    assert seats(25, proportion=Decimal("0.3"), rounding="floor") == 7
    assert seats(3, count=5) == 3
    with pytest.raises(ValueError, match="exactly one"):
        seats(10, count=2, proportion=0.2)
    with pytest.raises(ValueError, match="between 0 and 1"):
        seats(10, proportion=1.5)


def test_cut_inside_a_tie_reports_the_tied_block() -> None:
    scores = {"a": 90.0, "b": 85.0, "c": 80.0, "d": 80.0, "e": 80.0, "f": 70.0}
    ranking = rank_by_group(scores, dict.fromkeys(scores, "G"))["G"]
    cut = advancement_cut(ranking, count=3)
    assert cut.advancing == ("a", "b")
    assert cut.tied == ("c", "d", "e") and cut.seats_for_tied == 1
    assert cut.not_advancing == ("f",)
    clean = advancement_cut(ranking, count=5)
    assert clean.advancing == ("a", "b", "c", "d", "e") and clean.tied == ()
    assert clean.seats_for_tied == 0
    half = advancement_cut(ranking, proportion=0.5)  # 3 seats
    assert half.seats == 3 and half.tied == ("c", "d", "e")
    assert advancement_cut(ranking, count=0).not_advancing == tuple(scores)


# --- stability of the cut ------------------------------------------------------------------


def ladder_round() -> tuple[ReviewTotals, dict]:
    """Group "L": 20 projects with means 50, 52, ..., 88 and reviews spread -6..+6 around
    them, plus "top" (about 99) and "bottom" (about 20). With 10 seats, "top" and the nine
    best of the ladder (72..88) advance; "p11" (72) sits just above the cut, "p10" just below.
    Group "N": 5 projects of its own."""
    rng = np.random.default_rng(3)
    offsets = np.array([-6.0, -3.0, 0.0, 3.0, 6.0])
    means = {f"p{i}": 50.0 + 2 * i for i in range(20)} | {"top": 99.0, "bottom": 20.0}
    means |= {f"n{i}": 60.0 + 5 * i for i in range(5)}
    pids, eids, totals = [], [], []
    for pid, mean in means.items():
        spread = offsets / 6 if pid in ("top", "bottom") else offsets
        for e, off in zip(rng.choice(30, 5, replace=False), spread, strict=True):
            pids.append(pid)
            eids.append(f"e{e}")
            totals.append(mean + off)
    groups = {pid: "N" if pid.startswith("n") else "L" for pid in means}
    return ReviewTotals.from_arrays(pids, eids, totals), groups


def test_bootstrap_separates_sure_projects_from_the_one_at_the_cut() -> None:
    table, groups = ladder_round()
    result = bootstrap_advancement(table, groups, count=10, b=1000, seed=7)
    p = result.probability
    assert result.seats == {"L": 10, "N": 5}
    assert p["top"] == 1.0 and p["p19"] > 0.99
    assert p["bottom"] == 0.0 and p["p0"] < 0.01
    assert 0.2 < p["p11"] < 0.95 and 0.05 < p["p10"] < 0.8
    assert p["p11"] > p["p10"]
    assert all(p[f"n{i}"] == 1.0 for i in range(5))  # group N has seats for everyone
    # each resample hands out exactly 10 seats in group L
    assert sum(v for k, v in p.items() if groups[k] == "L") == pytest.approx(10)
    assert set(result.resamples.values()) == {1000}


def test_bootstrap_is_deterministic_for_a_seed() -> None:
    table, groups = ladder_round()
    first = bootstrap_advancement(table, groups, count=10, b=300, seed=11)
    again = bootstrap_advancement(table, groups, count=10, b=300, seed=11)
    other = bootstrap_advancement(table, groups, count=10, b=300, seed=12)
    assert first.probability == again.probability
    assert first.probability != other.probability


def test_bootstrap_with_calibrated_scores_and_resampled_experts() -> None:
    table, groups = ladder_round()
    for method in ("zscore", "least_squares"):
        for resample_experts in (False, True):
            result = bootstrap_advancement(
                table,
                groups,
                proportion={"L": 0.5, "N": 0.4},
                method=method,
                resample_experts=resample_experts,
                b=200,
                seed=1,
            )
            p = result.probability
            assert result.seats == {"L": 11, "N": 2}
            assert p["top"] > 0.95 and p["bottom"] < 0.05, (method, resample_experts)
            assert p["n4"] > 0.9 and p["n0"] < 0.1
            assert all(0 <= v <= 1 for v in p.values())
            assert all(0 < n <= 200 for n in result.resamples.values())


def test_bootstrap_shares_a_seat_between_projects_tied_at_the_cut() -> None:
    table = ReviewTotals.from_arrays(
        ["best", "best", "twin1", "twin1", "twin2", "twin2", "last", "last"],
        ["e1", "e2", "e1", "e2", "e1", "e2", "e1", "e2"],
        [90, 90, 80, 80, 80, 80, 50, 50],
    )
    result = bootstrap_advancement(table, dict.fromkeys(table.projects, "G"), count=2, b=50)
    assert result.probability == {"best": 1.0, "twin1": 0.5, "twin2": 0.5, "last": 0.0}


def test_bootstrap_rounded_to_shown_decimals_shares_the_seat_of_equal_looking_scores() -> None:
    """80.004 and 79.996 both show as 80.00: rounded as shown they are tied in every resample
    and share the seat; compared exactly, the first takes it every time."""
    table = ReviewTotals.from_arrays(
        ["a", "a", "b", "b", "c", "c"], ["e1", "e2", "e1", "e2", "e1", "e2"],
        [80.004, 80.004, 79.996, 79.996, 50, 50],
    )
    groups = dict.fromkeys(table.projects, "G")
    exact = bootstrap_advancement(table, groups, count=1, b=20)
    shown = bootstrap_advancement(table, groups, count=1, b=20, decimals=2)
    assert exact.probability == {"a": 1.0, "b": 0.0, "c": 0.0}
    assert shown.probability == {"a": 0.5, "b": 0.5, "c": 0.0}
    assert scoring._round_half_up(np.array([84.995, 84.994, 80.006]), 2).tolist() == [85.0, 84.99, 80.01]
