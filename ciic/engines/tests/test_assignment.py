"""The assignment engine against brute force, a plain full min-cost flow, and its own proofs.

No database: plain functions on synthetic rounds.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from ortools.graph.python import min_cost_flow

from ciic.engines import assignment
from ciic.engines.assignment import FAIR, MAX_TOTAL, Infeasible, assign, find_shortfall

# --- rounds ----------------------------------------------------------------------------------


def random_round(P, E, *, seed, conflict_rate=0.1):
    rng = np.random.default_rng(seed)
    affinity = rng.random((P, E)).astype(np.float32)
    conflicts = rng.random((P, E)) < conflict_rate
    return affinity, conflicts


def directed_round(P, E, *, seed, shares=(0.5, 0.3, 0.2)):
    """Three directions; projects spread by ``shares`` and experts evenly, so the first
    direction needs reviews from the others. High affinity within a direction, low across."""
    rng = np.random.default_rng(seed)
    project_dir = rng.choice(len(shares), size=P, p=shares)
    expert_dir = np.arange(E) % len(shares)
    same = project_dir[:, None] == expert_dir[None, :]
    affinity = np.where(same, 0.6 + 0.4 * rng.random((P, E)), 0.2 * rng.random((P, E)))
    conflicts = rng.random((P, E)) < 0.02
    return affinity.astype(np.float32), conflicts, project_dir, expert_dir


def full_flow_total(affinity, k, load, banned):
    """The max total by one OR-Tools min-cost flow over every allowed pair."""
    P, E = affinity.shape
    p, e = np.nonzero(~banned)
    scale = 2.0**30
    cost = -np.rint(affinity[p, e].astype(np.float64) * scale).astype(np.int64)
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(p, P + e, np.ones(p.size, np.int64), cost)
    solver.add_arcs_with_capacity_and_unit_cost(
        P + np.arange(E),
        np.full(E, P + E),
        np.broadcast_to(load, (E,)).astype(np.int64),
        np.zeros(E, np.int64),
    )
    solver.set_nodes_supplies(np.arange(P + E + 1), np.r_[np.full(P, k), np.zeros(E, int), -P * k])
    assert solver.solve() == solver.OPTIMAL
    chosen = solver.flows(np.arange(p.size)) > 0
    return float(affinity[p[chosen], e[chosen]].astype(np.float64).sum())


def brute_force(affinity, k, load, banned):
    """Every assignment of a tiny round: ``(max total, max-min worst, max total at that
    worst)``, or None when there is none."""
    P, E = affinity.shape
    a = affinity.astype(np.float64)
    options = [
        [s for s in itertools.combinations(range(E), k) if not banned[p, list(s)].any()]
        for p in range(P)
    ]
    best_total, best_fair = None, None
    for choice in itertools.product(*options):
        used = np.bincount([e for s in choice for e in s], minlength=E)
        if (used > load).any():
            continue
        values = [a[p, list(s)].sum() for p, s in enumerate(choice)]
        total, worst = sum(values), min(values)
        best_total = total if best_total is None else max(best_total, total)
        if best_fair is None or (worst, total) > best_fair:
            best_fair = (worst, total)
    if best_total is None:
        return None
    return best_total, best_fair[0], best_fair[1]


def check_valid(result, affinity, k, load, banned, pinned=()):
    P, E = affinity.shape
    experts = result.experts
    assert experts.shape == (P, k)
    assert all(len(set(row)) == k for row in experts.tolist())  # k distinct experts each
    load_used = np.bincount(experts.ravel(), minlength=E)
    assert (load_used <= load).all()
    assert np.array_equal(load_used, result.expert_load)
    pairs = result.pairs
    assert not banned[pairs[:, 0], pairs[:, 1]].any()  # no conflict, no forbidden pair
    chosen = set(map(tuple, pairs.tolist()))
    assert all(tuple(pin) in chosen for pin in pinned)
    values = affinity[pairs[:, 0], pairs[:, 1]].astype(np.float64)
    assert result.total == pytest.approx(values.sum(), rel=1e-12)
    assert np.allclose(result.project_affinity, np.bincount(pairs[:, 0], values, minlength=P))
    assert np.allclose(result.expert_affinity, np.bincount(pairs[:, 1], values, minlength=E))
    assert result.worst == pytest.approx(result.project_affinity.min())


def check_certificate(result, affinity, k, load, banned, pinned=None):
    """The duals prove optimality, recomputed here from scratch: dual feasibility,
    complementary slackness and a dual objective equal to the total."""
    P, E = affinity.shape
    cert = result.certificate
    u, v = cert.project_price, cert.expert_price
    a = affinity.astype(np.float64)
    pin = np.zeros((P, E), bool)
    if pinned is not None and len(pinned):
        pin[tuple(np.asarray(pinned).T)] = True
    free = ~banned & ~pin
    x = np.zeros((P, E), bool)
    x[result.pairs[:, 0], result.pairs[:, 1]] = True
    k_left = k - pin.sum(axis=1)
    load_left = np.broadcast_to(load, (E,)) - pin.sum(axis=0)
    reduced = a - u[:, None] - v[None, :]
    tol = 1e-6
    assert (v >= 0).all()
    assert (reduced[x & free] >= -tol).all()  # assigned pairs: a - u - v >= 0
    assert (reduced[~x & free] <= tol).all()  # left-out pairs: a - u - v <= 0
    below_load = (x & free).sum(axis=0) < load_left
    assert np.abs(v[below_load]).max(initial=0) <= tol  # an expert with room is free
    bound = k_left @ u + load_left @ v + np.maximum(reduced[free], 0).sum() + a[pin].sum()
    assert bound == pytest.approx(result.total, rel=1e-9)
    assert cert.bound == pytest.approx(bound, rel=1e-9)


# --- max_total -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_tiny_rounds_match_brute_force(seed):
    affinity, conflicts = random_round(4, 5, seed=seed, conflict_rate=0.15)
    load = 2 + (seed % 2)
    truth = brute_force(affinity, 2, load, conflicts)
    if truth is None:
        with pytest.raises(Infeasible):
            assign(affinity, k=2, load=load, conflicts=conflicts)
        return
    best_total, best_worst, total_at_best_worst = truth
    result = assign(affinity, k=2, load=load, conflicts=conflicts)
    check_valid(result, affinity, 2, load, conflicts)
    assert result.total == pytest.approx(best_total, abs=1e-6)
    check_certificate(result, affinity, 2, load, conflicts)
    fair = assign(affinity, k=2, load=load, conflicts=conflicts, mode=FAIR)
    check_valid(fair, affinity, 2, load, conflicts)
    assert fair.worst == pytest.approx(best_worst, abs=1e-6)
    assert fair.total == pytest.approx(total_at_best_worst, abs=1e-6)
    assert fair.worst_bound >= best_worst - 1e-6


@pytest.mark.parametrize("seed", range(3))
def test_mid_rounds_match_a_full_min_cost_flow(seed):
    affinity, conflicts, _, _ = directed_round(300, 80, seed=seed)
    # The first direction needs 750 reviews, its experts give 27 * 20 = 540: the candidate
    # graph (each project's best experts, all in its direction) has to be widened.
    result = assign(affinity, k=5, load=20, conflicts=conflicts)
    check_valid(result, affinity, 5, 20, conflicts)
    assert result.total == pytest.approx(full_flow_total(affinity, 5, 20, conflicts), rel=1e-9)
    assert result.gap == pytest.approx(0, abs=1e-9)
    check_certificate(result, affinity, 5, 20, conflicts)


def test_per_expert_loads_pins_and_forbidden_pairs_hold():
    affinity, conflicts, _, _ = directed_round(200, 60, seed=7)
    rng = np.random.default_rng(7)
    load = rng.integers(12, 25, size=60)
    forbidden = np.argwhere(~conflicts)[rng.choice((~conflicts).sum(), 300, replace=False)]
    banned = conflicts.copy()
    banned[tuple(forbidden.T)] = True
    # pins: pairs the max-total optimum would not choose (low affinity), one per project
    pinned = []
    for p in range(0, 200, 10):
        e = int(np.argmin(np.where(banned[p], np.inf, affinity[p])))
        pinned.append((p, e))
    for mode in (MAX_TOTAL, FAIR):
        result = assign(
            affinity,
            k=4,
            load=load,
            conflicts=conflicts,
            forbidden=forbidden,
            pinned=pinned,
            mode=mode,
        )
        check_valid(result, affinity, 4, load, banned, pinned)
    result = assign(
        affinity, k=4, load=load, conflicts=conflicts, forbidden=forbidden, pinned=pinned
    )
    check_certificate(result, affinity, 4, load, banned, pinned)
    # with the pins the optimum is the unpinned optimum of the rest plus the pins
    base = assign(affinity, k=4, load=load, conflicts=conflicts, forbidden=forbidden)
    assert result.total <= base.total + 1e-9


def test_a_pin_may_not_be_a_conflict_nor_exceed_k():
    affinity, conflicts = random_round(5, 6, seed=1)
    p, e = np.argwhere(conflicts)[0]
    with pytest.raises(ValueError, match="conflict"):
        assign(affinity, k=2, load=3, conflicts=conflicts, pinned=[(p, e)])
    allowed = np.flatnonzero(~conflicts[0])[:3]
    with pytest.raises(ValueError, match="more than k"):
        assign(affinity, k=2, load=3, conflicts=conflicts, pinned=[(0, e) for e in allowed])


def test_a_project_with_every_expert_pinned_keeps_its_pins():
    affinity, conflicts = random_round(6, 8, seed=3, conflict_rate=0)
    pinned = [(0, 1), (0, 2)]
    result = assign(affinity, k=2, load=3, pinned=pinned)
    assert sorted(result.experts[0].tolist()) == [1, 2]
    check_certificate(result, affinity, 2, 3, np.zeros_like(conflicts), pinned)


# --- infeasibility ---------------------------------------------------------------------------


def planted_shortage():
    """Direction "C" has 40 projects (200 reviews) but its 6 experts can give 6 * 20 = 120,
    and experts only review their own direction."""
    rng = np.random.default_rng(11)
    project_dir = np.array(["A"] * 60 + ["B"] * 50 + ["C"] * 40)
    expert_dir = np.array(["A"] * 20 + ["B"] * 20 + ["C"] * 6)
    affinity = rng.random((150, 46)).astype(np.float32)
    ineligible = project_dir[:, None] != expert_dir[None, :]
    return affinity, ineligible, project_dir, expert_dir


def test_a_direction_without_enough_experts_is_explained():
    affinity, ineligible, project_dir, _ = planted_shortage()
    ids = [f"P{i:03d}" for i in range(150)]
    with pytest.raises(Infeasible) as caught:
        assign(affinity, k=5, load=20, forbidden=ineligible, labels=project_dir, project_ids=ids)
    shortfall = caught.value.shortfall
    assert set(shortfall.projects) == {ids[i] for i in np.flatnonzero(project_dir == "C")}
    assert shortfall.needed == 200
    assert shortfall.available == 120
    assert shortfall.by_label == (("C", 40),)
    assert "C (40)" in shortfall.message and "200" in shortfall.message
    assert "120" in shortfall.message
    assert str(caught.value) == shortfall.message
    again = find_shortfall(affinity, k=5, load=20, forbidden=ineligible, labels=project_dir)
    assert set(again.projects) == set(np.flatnonzero(project_dir == "C").tolist())
    # with a load of 34, C's experts can give 204
    load = np.r_[np.full(40, 20), np.full(6, 34)]
    assert find_shortfall(affinity, k=5, load=load, forbidden=ineligible) is None


def test_a_project_with_too_few_eligible_experts_is_named():
    affinity, conflicts = random_round(30, 12, seed=5, conflict_rate=0)
    conflicts[17, :10] = True  # project 17 keeps 2 experts, needs 3
    shortfall = find_shortfall(affinity, k=3, load=30, conflicts=conflicts)
    assert shortfall.projects == (17,)
    assert (shortfall.needed, shortfall.available) == (3, 2)
    assert shortfall.message == "Project 17 needs 3 reviews; only 2 experts are eligible for it."


def test_too_little_capacity_overall_names_every_project():
    affinity, _ = random_round(20, 6, seed=2)
    shortfall = find_shortfall(affinity, k=3, load=9)  # 60 reviews, 54 available
    assert len(shortfall.projects) == 20
    assert (shortfall.needed, shortfall.available) == (60, 54)


def test_pins_elsewhere_count_against_the_deficient_set():
    """C's experts may also review A. C can give 6 * 34 = 204 reviews for its 200; pinning
    five of them on A projects leaves 199."""
    affinity, ineligible, project_dir, expert_dir = planted_shortage()
    ineligible[np.ix_(project_dir == "A", expert_dir == "C")] = False
    load = np.r_[np.full(40, 20), np.full(6, 34)]
    assert find_shortfall(affinity, k=5, load=load, forbidden=ineligible) is None
    c_experts = np.flatnonzero(expert_dir == "C")
    a_projects = np.flatnonzero(project_dir == "A")
    pins = [(int(a_projects[i]), int(c_experts[i])) for i in range(5)]
    shortfall = find_shortfall(affinity, k=5, load=load, forbidden=ineligible, pinned=pins)
    assert set(shortfall.projects) == set(np.flatnonzero(project_dir == "C").tolist())
    assert (shortfall.needed, shortfall.available) == (200, 199)
    pins = pins[:4]  # 200 left: feasible, and the pins hold
    result = assign(affinity, k=5, load=load, forbidden=ineligible, pinned=pins)
    check_valid(result, affinity, 5, load, ineligible, pins)


# --- fair ------------------------------------------------------------------------------------


def test_fair_raises_the_worst_and_costs_some_total():
    affinity, conflicts, _, _ = directed_round(300, 80, seed=3)
    best = assign(affinity, k=5, load=20, conflicts=conflicts)
    fair = assign(affinity, k=5, load=20, conflicts=conflicts, mode=FAIR)
    check_valid(fair, affinity, 5, 20, conflicts)
    assert fair.worst >= best.worst
    assert fair.worst > 1.5 * best.worst  # max_total leaves a project with cross reviews only
    assert fair.total <= best.total + 1e-9
    assert fair.bound == pytest.approx(best.total)  # fair reports the max_total optimum
    assert fair.worst <= fair.worst_bound + 1e-9 <= fair.worst_lp_bound + 2e-9
    assert fair.gap < 0.01


@pytest.mark.parametrize("seed", range(6))
def test_fair_bounds_hold_without_the_exact_solver(seed, monkeypatch):
    """The local search and its bounds alone (the exact MIP switched off) on rounds small
    enough to brute-force: the bounds are above the true max-min, the search not above it."""
    monkeypatch.setattr(assignment, "_EXACT_PAIRS", 0)
    affinity, conflicts = random_round(4, 5, seed=100 + seed, conflict_rate=0.1)
    truth = brute_force(affinity, 2, 2, conflicts)
    if truth is None:  # conflicts leave no assignment: the engine must say so, not guess
        with pytest.raises(Infeasible):
            assign(affinity, k=2, load=2, conflicts=conflicts, mode=FAIR)
        return
    _, best_worst, _ = truth
    fair = assign(affinity, k=2, load=2, conflicts=conflicts, mode=FAIR)
    check_valid(fair, affinity, 2, 2, conflicts)
    assert fair.worst <= best_worst + 1e-9
    assert fair.worst_bound >= best_worst - 1e-9
    assert fair.worst_lp_bound >= best_worst - 1e-9


def test_hall_bound_sees_what_the_lp_cannot(monkeypatch):
    """Two projects, k=2, one excellent expert with load 1 and two poor ones: the LP splits the
    excellent expert's review, an assignment cannot."""
    monkeypatch.setattr(assignment, "_EXACT_PAIRS", 0)
    affinity = np.array([[1.0, 0.1, 0.1], [1.0, 0.1, 0.1]], np.float32)
    fair = assign(affinity, k=2, load=[1, 2, 2], mode=FAIR)
    assert fair.worst == pytest.approx(0.2)
    assert fair.worst_lp_bound == pytest.approx(0.65)
    assert fair.worst_bound == pytest.approx(0.2)


def test_fair_proves_its_worst_when_a_direction_is_short_of_experts(monkeypatch):
    """Half the projects in a direction with a third of the experts: its experts give each of
    its projects at most ``capacity / projects`` reviews on average, which the LP spreads
    fractionally and an assignment cannot. The counting bound over that direction's experts,
    found from the solution without being told the directions, proves the search's worst
    optimal (the LP bound alone stays well above it)."""
    monkeypatch.setattr(assignment, "_EXACT_PAIRS", 0)
    affinity, conflicts, project_dir, expert_dir = directed_round(600, 60, seed=7)
    fair = assign(affinity, k=3, load=40, conflicts=conflicts, mode=FAIR)
    check_valid(fair, affinity, 3, 40, conflicts)
    rd = assignment._Round(affinity, k=3, load=40, conflicts=conflicts, forbidden=None, pinned=None)
    own = np.flatnonzero(expert_dir == 0)
    chosen = fair.pairs[:, 0] * rd.E + fair.pairs[:, 1]
    for labels in (project_dir, None):
        groups = assignment._solution_groups(rd, chosen, labels)
        assert any(np.array_equal(group, own) for group in groups)
    by_direction = assignment._hall_bound(rd, [own])
    assert fair.worst_bound <= by_direction + 1e-9
    assert fair.worst <= fair.worst_bound + 1e-9
    assert fair.worst >= 0.99 * fair.worst_bound
    assert fair.worst_lp_bound > 1.02 * fair.worst_bound


def test_input_errors():
    affinity, _ = random_round(3, 4, seed=0)
    with pytest.raises(ValueError, match="mode"):
        assign(affinity, k=1, load=1, mode="best")
    with pytest.raises(ValueError, match=">= 0"):
        assign(-affinity, k=1, load=1)
    with pytest.raises(ValueError, match="load"):
        assign(affinity, k=1, load=1.5)
    with pytest.raises(ValueError, match="shape"):
        assign(affinity, k=1, load=1, conflicts=np.zeros((4, 3), bool))
