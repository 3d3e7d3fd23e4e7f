"""Expert assignment: which experts review which projects of a review round.

A round has P projects, E experts, an affinity ``a[p, e] >= 0`` for every pair, pairs that
may not be assigned (conflicts of interest and pairs staff forbid), pairs staff pin (must be
assigned), ``k`` experts per project and a maximum load ``L[e]`` per expert. An assignment
gives every project exactly ``k`` allowed experts and no expert more than ``L[e]`` projects.

Two modes (:func:`assign`):

* ``max_total`` — the assignment with the largest total affinity, with a proof that none is
  larger. This is a transportation problem (projects send ``k`` units, experts take at most
  ``L[e]``, each pair carries 0 or 1), solved as a min-cost flow; its constraint matrix is
  totally unimodular, so the linear program has an integral optimum and LP duality gives the
  proof: numbers ``u[p]`` (free) and ``v[e] >= 0`` such that

      ``bound = sum_p k_p u[p] + sum_e L[e] v[e] + sum_(p,e allowed) max(0, a[p,e] - u[p] - v[e])``

  is, for *any* such numbers, an upper bound on every assignment's total (weak duality), and
  equals the total at the optimum (complementary slackness: a pair is assigned only if
  ``a - u - v >= 0`` and left out only if ``a - u - v <= 0``; ``v[e] = 0`` for an expert below
  its load). :class:`Certificate` carries ``u``, ``v`` and the bound.
* ``fair`` — first raise the worst-served project (the largest possible minimum, over
  projects, of the affinity sum of its experts), then the total. This is NP-hard in general;
  it is solved by local search with exact flow steps, and reported with proven bounds (below).

How ``max_total`` stays fast on millions of pairs (5,000 x 1,000 is 5 M pairs; 20,000 x 4,000
is 80 M), without ever guessing:

1. **Candidate graph.** Each project's best ``m`` allowed experts, plus each expert's best
   ``r`` projects (one pass over the matrix in row blocks of a few MB).
2. **Feasibility.** Max flow on the candidate graph (OR-Tools' min-cost flow, which maximizes
   the flow first). If some demand is left, the projects reachable from it in the residual
   graph (set ``S``) and the experts they reach (``T``) form a minimum cut: every expert in ``T``
   is full and every other candidate pair of ``S`` is used. The best allowed pairs from ``S`` to
   experts outside ``T`` are added and the flow re-run; if the whole matrix has no such pair,
   the cut is a cut of the full problem and the round is infeasible — ``S`` is a set of
   projects whose eligible experts cannot give them ``k`` reviews each (Hall's condition with
   loads), reported as a :class:`Shortfall`.
3. **Optimum on the candidate graph** (min-cost flow, affinities scaled to integers: the
   largest affinity becomes about ``2**30``, so ties below ``1e-9`` of it are not told apart).
4. **Dual potentials.** OR-Tools does not expose them, so they are computed from the optimal
   flow: shortest distances in its residual graph (which has no negative cycle at the optimum)
   by Bellman-Ford, vectorized with numpy over the bipartite structure; exact in integers.
5. **Pricing.** Every pair of the full matrix is checked, in row blocks, for a positive reduced
   cost ``a - u - v`` while unassigned. Violating pairs join the candidate graph and steps 3-5
   repeat; when none violates, the potentials are feasible for the full dual, so the candidate
   optimum is the full optimum and ``bound - total`` (computed over all pairs in floating
   point) is the certificate's gap, zero up to the integer scaling.

Pinned pairs are fixed before solving: they use up a place of their project and a unit of
their expert's load, and add their affinity to the total and to the bound.

``fair`` starts from the ``max_total`` optimum on a candidate graph (each project's best
experts plus its best among the experts that optimum leaves with spare load) and repeats
**rounds** (:class:`_SlotSearch`): free one slot of every project (its worst expert, then its
second worst...), keep the others, reassign all freed slots at once. With the other slots
kept, a project's value is ``kept + a[p, e]``, one number per pair, so a round is solved
exactly: the largest floor every project can reach (binary search with max flows; exact over
all pairs, not only the candidate graph's, because a flow that cannot go higher names, by its
minimum cut, the stuck projects and the experts in their way, and their pairs with the other
experts that have room join the graph until the cut holds in the full matrix), then among the
pairs above it a min-cost flow raising the lowest values first (a steep concave utility, a
stand-in for lexicographic max-min), and once the worst stops rising, rounds maximizing the
total at that floor. One round can move every project at once (a long chain of exchanges),
which the usual pairwise swaps cannot; but it moves one slot of each project, and when a
better worst needs two slots of one project changed together the rounds stop short. Then,
while the worst is below the proven bound, **Lagrangian restarts** (:meth:`_SlotSearch.restart`)
reassign every slot at once by a flow of greatest affinity weighted per project (multiplicative
weights that grow on the projects left low) and let the rounds raise each start; the best is
kept. Two bounds say how far the worst project could still go:

* the **LP bound** — the max-min LP relaxation (HiGHS interior point through scipy) on the
  candidate graph; its duals give a bound valid over *all* pairs (:func:`_lp_bound`);
* the **counting bound** (:func:`_hall_bound`) — for a group of experts and a value ``t``,
  the number of the group's experts each project needs to reach ``t``; if the projects need
  more than the group can give, no assignment reaches ``t``. The LP cannot see this (it
  splits a review between projects): where a direction has too few experts, every one of its
  projects must take a review from outside and the LP spreads those fractionally. The
  groups tried: experts by LP and flow price, the experts the solution fills, groups read
  off the solution (:func:`_solution_groups`: the experts who serve only one direction, and
  the communities its strong pairs form, so directions are found even when not given), and,
  while the bound is not reached, the experts the worst-served projects rate above their own
  (:func:`_wish_groups`). Each better solution of the restarts is counted again.

``worst_bound`` is the lower of the two; on rounds of at most ``_EXACT_PAIRS`` free pairs the
two-stage MIP (HiGHS through scipy) replaces the search and the bound is the exact optimum.

Pure Python + numpy + scipy (its HiGHS) + OR-Tools; no Django.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow
from scipy import sparse
from scipy.sparse import csgraph

__all__ = [
    "FAIR",
    "MAX_TOTAL",
    "MODES",
    "Assignment",
    "Certificate",
    "Infeasible",
    "Shortfall",
    "assign",
    "find_shortfall",
]

MAX_TOTAL = "max_total"
FAIR = "fair"
MODES = (MAX_TOTAL, FAIR)

_BLOCK_BYTES = 1 << 23  # rows of the affinity matrix are read in blocks of about 8 MB (float64)
_SCALE_BITS = 30  # the largest affinity becomes about 2**30 in the integer flow costs


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shortfall:
    """Why no assignment exists: a set of projects that needs more reviews than the experts
    eligible for them can give (each expert gives at most its load, and at most one review to
    each project it is eligible for).

    ``projects`` are the projects' ids (indices unless ``project_ids`` was given);
    ``by_label`` counts them per label (e.g. per direction) when labels were given.
    """

    projects: tuple
    needed: int
    available: int
    by_label: tuple[tuple[str, int], ...]
    message: str


class Infeasible(ValueError):
    """No assignment satisfies the constraints; ``shortfall`` says why."""

    def __init__(self, shortfall: Shortfall):
        super().__init__(shortfall.message)
        self.shortfall = shortfall


@dataclass(frozen=True)
class Certificate:
    """LP dual prices proving the ``max_total`` optimum (see the module docstring).

    ``project_price[p]`` is ``u[p]``, ``expert_price[e]`` is ``v[e] >= 0``; ``bound`` is the dual
    objective over all pairs, pinned pairs' affinity included: no assignment's total exceeds it.
    """

    project_price: np.ndarray
    expert_price: np.ndarray
    bound: float


@dataclass(frozen=True)
class Assignment:
    """An assignment and its figures.

    ``experts[p]`` are project ``p``'s ``k`` experts (indices), best affinity first.
    ``total`` is the total affinity, ``bound`` an upper bound on any assignment's total (the
    certificate's) and ``gap`` their relative difference. ``worst`` is the smallest project
    affinity sum. In ``fair`` mode, ``worst_lp_bound`` is the LP relaxation's upper bound on
    it and ``worst_bound`` the best proven one (the LP's, or a counting argument on integral
    assignments, or the exact optimum on small rounds): no assignment can give its worst
    project more. ``rounds`` counts the solver's rounds (pricing, then fair-mode local search)
    and ``arcs`` the pairs of the final candidate graph.
    """

    mode: str
    experts: np.ndarray
    project_affinity: np.ndarray
    expert_load: np.ndarray
    expert_affinity: np.ndarray
    total: float
    bound: float
    worst: float
    worst_bound: float | None
    worst_lp_bound: float | None
    certificate: Certificate | None
    rounds: int
    arcs: int

    @property
    def gap(self) -> float:
        """``(bound - total) / bound``: 0 at a certified optimum."""
        return (self.bound - self.total) / self.bound if self.bound > 0 else 0.0

    @property
    def pairs(self) -> np.ndarray:
        """The assigned ``(project, expert)`` pairs, an ``(P * k, 2)`` array."""
        P, k = self.experts.shape
        return np.column_stack([np.repeat(np.arange(P), k), self.experts.ravel()])


# --- the round -------------------------------------------------------------------------------


def _distinct(*parts: np.ndarray) -> np.ndarray:
    """Sorted distinct values of integer arrays (sort and drop repeats: ``np.unique``
    hashes first, which is several times slower on millions of indices)."""
    values = np.concatenate(parts) if len(parts) != 1 else np.array(parts[0], copy=True)
    values = values.astype(np.int64, copy=False)
    values.sort()
    if values.size:
        values = values[np.r_[True, values[1:] != values[:-1]]]
    return values


def _contains(sorted_values: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Which ``values`` are in the sorted array ``sorted_values``."""
    if sorted_values.size == 0:
        return np.zeros(np.shape(values), bool)
    at = np.minimum(np.searchsorted(sorted_values, values), sorted_values.size - 1)
    return sorted_values[at] == values


def _linear(pairs, P: int, E: int, what: str) -> np.ndarray:
    """Sorted distinct linear indices ``p * E + e`` of a boolean ``(P, E)`` mask or of an
    iterable of ``(p, e)`` pairs."""
    if pairs is None:
        return np.empty(0, np.int64)
    arr = np.asarray(pairs)
    if arr.dtype == bool:
        if arr.shape != (P, E):
            raise ValueError(f"{what}: a mask must have shape {(P, E)}, not {arr.shape}")
        return np.flatnonzero(arr).astype(np.int64)
    if arr.size == 0:
        return np.empty(0, np.int64)
    arr = arr.astype(np.int64).reshape(-1, 2)
    if (arr < 0).any() or (arr[:, 0] >= P).any() or (arr[:, 1] >= E).any():
        raise ValueError(f"{what}: a pair is out of range")
    return _distinct(arr[:, 0] * E + arr[:, 1])


class _Round:
    """The round as the solver sees it: pins taken out, integer profits, row blocks."""

    def __init__(self, affinity, *, k, load, conflicts, forbidden, pinned):
        a = affinity
        if not isinstance(a, np.ndarray) or a.ndim != 2 or a.dtype.kind != "f":
            raise ValueError("affinity must be a 2-D float array (projects x experts)")
        P, E = a.shape
        lo, hi = float(a.min(initial=0.0)), float(a.max(initial=0.0))
        if not (lo >= 0 and np.isfinite(hi)):  # also catches NaN
            raise ValueError("affinity must be finite and >= 0")
        self.a, self.P, self.E = a, P, E
        if int(k) != k or k < 0:
            raise ValueError("k must be a whole number >= 0")
        self.k = int(k)
        L = np.broadcast_to(np.asarray(load), (E,))
        if L.dtype.kind not in "iu" or (L < 0).any():
            raise ValueError("load must be whole numbers >= 0, one or one per expert")
        self.load = L.astype(np.int64)

        self.excluded = _distinct(
            _linear(conflicts, P, E, "conflicts"), _linear(forbidden, P, E, "forbidden")
        )
        pins = _linear(pinned, P, E, "pinned")
        if _contains(self.excluded, pins).any():
            raise ValueError("a pinned pair is a conflict or forbidden")
        self.pins = pins
        self.pin_p, self.pin_e = pins // E, pins % E
        pin_count_p = np.bincount(self.pin_p, minlength=P)
        pin_count_e = np.bincount(self.pin_e, minlength=E)
        if (pin_count_p > self.k).any():
            raise ValueError(f"a project has more than k={self.k} pinned experts")
        if (pin_count_e > self.load).any():
            raise ValueError("an expert has more pinned projects than its load")
        self.kres = self.k - pin_count_p  # places left per project
        self.cap = self.load - pin_count_e  # load left per expert
        self.banned = _distinct(self.excluded, pins)  # pairs the flow may not use
        self.pinned_total = float(a.ravel()[pins].astype(np.float64).sum()) if pins.size else 0.0
        # Integer profits: a power of two keeps a * scale exact in float64, so the flow and the
        # pricing compute the same integers.
        self.scale = 2.0 ** (_SCALE_BITS - int(np.ceil(np.log2(hi)))) if hi > 0 else 1.0
        self.rows_per_block = max(1, _BLOCK_BYTES // (8 * max(E, 1)))

    def blocks(self):
        for i0 in range(0, self.P, self.rows_per_block):
            yield i0, min(self.P, i0 + self.rows_per_block)

    def rows(self, rows, *, banned=None) -> np.ndarray:
        """Affinities of some projects as float64, ``-inf`` on banned pairs. ``rows`` is a
        ``(start, stop)`` pair or an index array."""
        E = self.E
        banned = self.banned if banned is None else banned
        if isinstance(rows, tuple):
            i0, i1 = rows
            block = self.a[i0:i1].astype(np.float64)
            lo, hi = np.searchsorted(banned, [i0 * E, i1 * E])
            block.ravel()[banned[lo:hi] - i0 * E] = -np.inf
            return block
        rows = np.asarray(rows, np.int64)
        block = self.a[rows].astype(np.float64)
        lo = np.searchsorted(banned, rows * E)
        count = np.searchsorted(banned, rows * E + E) - lo
        if count.sum():
            which = np.repeat(np.arange(rows.size), count)
            offset = np.repeat(lo - (np.cumsum(count) - count), count)
            hit = banned[np.arange(count.sum()) + offset]
            block.ravel()[which * E + hit - rows[which] * E] = -np.inf
        return block

    def profit(self, values: np.ndarray) -> np.ndarray:
        """Integer profits (as float64) of affinities; ``-inf`` stays ``-inf``."""
        return np.rint(values * self.scale)

    def values(self, lin: np.ndarray) -> np.ndarray:
        return self.a.ravel()[lin].astype(np.float64) if lin.size else np.empty(0)


# --- candidate graph -------------------------------------------------------------------------


def _top_per_row(block: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each row's ``m`` largest finite entries."""
    n, E = block.shape
    if m >= E:
        idx = np.broadcast_to(np.arange(E), (n, E))
    else:
        idx = np.argpartition(block, E - m, axis=1)[:, E - m :]
    ok = np.isfinite(np.take_along_axis(block, idx, 1))
    return np.nonzero(ok)[0], idx[ok]


def _candidates(rd: _Round, m: int, r: int) -> np.ndarray:
    """Linear indices of each project's best ``m`` allowed experts and each expert's best
    ``r`` allowed projects."""
    E = rd.E
    found = []
    best_val = np.full((0, E), -np.inf)
    best_row = np.zeros((0, E), np.int64)
    for i0, i1 in rd.blocks():
        block = rd.rows((i0, i1))
        row, col = _top_per_row(block, m)
        found.append((row + i0) * E + col)
        if r > 0:
            n = i1 - i0
            take = min(r, n)
            idx = np.argpartition(block, n - take, axis=0)[n - take :]
            val = np.vstack([best_val, np.take_along_axis(block, idx, 0)])
            who = np.vstack([best_row, idx + i0])
            if val.shape[0] > r:
                keep = np.argpartition(val, val.shape[0] - r, axis=0)[val.shape[0] - r :]
                val = np.take_along_axis(val, keep, 0)
                who = np.take_along_axis(who, keep, 0)
            best_val, best_row = val, who
    ok = np.isfinite(best_val)
    found.append(best_row[ok] * E + np.nonzero(ok)[1])
    return _distinct(*found)


# --- flow, potentials, pricing ---------------------------------------------------------------


def _flow(rd: _Round, arcs: np.ndarray, profit: np.ndarray) -> tuple[np.ndarray, int]:
    """Max flow of least cost (greatest integer profit) on the candidate arcs: which arcs carry
    a unit, and the flow value."""
    P, E = rd.P, rd.E
    n = arcs.size
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        arcs // E, P + arcs % E, np.ones(n, np.int64), -profit.astype(np.int64)
    )
    solver.add_arcs_with_capacity_and_unit_cost(
        P + np.arange(E), np.full(E, P + E), rd.cap, np.zeros(E, np.int64)
    )
    supply = np.concatenate([rd.kres, np.zeros(E, np.int64), [-int(rd.kres.sum())]])
    solver.set_nodes_supplies(np.arange(P + E + 1), supply)
    status = solver.solve_max_flow_with_min_cost()
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    x = solver.flows(np.arange(n)) > 0
    return x, int(solver.maximum_flow())


def _potentials(rd: _Round, arcs, x, profit) -> tuple[np.ndarray, np.ndarray]:
    """Integer dual prices ``(u, v)`` of an optimal flow on the candidate arcs.

    They are the shortest distances from a root ``z`` in the flow's residual graph:
    ``d(e) = -v[e]``, ``d(p) = u[p]``, with arcs ``z -> e`` (0), ``e -> z`` (0) for an expert
    below its load, ``e -> p`` (``c``) for an assigned pair and ``p -> e`` (``-c``) for an
    unassigned one. The constraints ``d(head) <= d(tail) + weight`` are then exactly the
    complementary-slackness conditions. Bellman-Ford alternates the two sides, each pass one
    vectorized ``minimum.reduceat``.
    """
    P, E = rd.P, rd.E
    ap, ae = arcs // E, arcs % E
    # assigned arcs grouped by project
    sel = np.flatnonzero(x)
    order = sel[np.argsort(ap[sel], kind="stable")]
    on_p, on_e, on_c = ap[order], ae[order], profit[order].astype(np.int64)
    p_has = np.zeros(P, bool)
    p_has[on_p] = True
    p_start = np.searchsorted(on_p, np.flatnonzero(p_has))
    # unassigned arcs grouped by expert
    sel = np.flatnonzero(~x)
    order = sel[np.argsort(ae[sel], kind="stable")]
    off_p, off_e, off_c = ap[order], ae[order], profit[order].astype(np.int64)
    e_has = np.zeros(E, bool)
    e_has[off_e] = True
    e_start = np.searchsorted(off_e, np.flatnonzero(e_has))

    big = np.iinfo(np.int64).max // 4
    d_e = np.zeros(E, np.int64)
    d_p = np.full(P, big, np.int64)
    for _ in range(P + E + 2):
        if on_p.size:
            d_p[p_has] = np.minimum.reduceat(d_e[on_e] + on_c, p_start)
        new = np.zeros(E, np.int64)
        if off_e.size:
            new[e_has] = np.minimum(0, np.minimum.reduceat(d_p[off_p] - off_c, e_start))
        if np.array_equal(new, d_e):
            break
        d_e = new
    else:
        raise RuntimeError("negative cycle: the flow is not optimal")
    load = np.bincount(ae[x], minlength=E)
    if (d_e[load < rd.cap] != 0).any():
        raise RuntimeError("an expert below its load has a positive price: flow not optimal")
    return d_p, -d_e


def _price(rd: _Round, arcs, x, u, v, *, per_row: int):
    """One pass over all pairs: the unassigned pairs with a positive reduced cost (at most
    ``per_row`` per project, the most violating), and the dual bound in floating point.

    Projects with no place left (all pinned) get ``u`` = their largest ``c - v`` so that none
    of their pairs violates. Returns ``(violating linear indices, u, bound)``.
    """
    E = rd.E
    u = u.astype(np.float64)
    v = v.astype(np.float64)
    free_rows = rd.kres == 0
    assigned = arcs[x]
    adds = []
    positive = 0.0
    for i0, i1 in rd.blocks():
        block = rd.rows((i0, i1))
        reduced = rd.profit(block) - v
        if free_rows[i0:i1].any():
            rows = np.flatnonzero(free_rows[i0:i1])
            best = reduced[rows].max(axis=1)
            u[i0 + rows] = np.where(np.isfinite(best), np.maximum(best, 0), 0)
        reduced -= u[i0:i1, None]
        # the certificate: sum of max(0, a - u - v) over allowed pairs, in affinity units
        slack = block - (u[i0:i1, None] + v) / rd.scale
        positive += float(slack[slack > 0].sum())
        lo, hi = np.searchsorted(assigned, [i0 * E, i1 * E])
        reduced.ravel()[assigned[lo:hi] - i0 * E] = -np.inf
        rows_hit = np.flatnonzero((reduced > 0).any(axis=1))
        if rows_hit.size:
            sub = reduced[rows_hit]
            row, col = _top_per_row(np.where(sub > 0, sub, -np.inf), per_row)
            adds.append((rows_hit[row] + i0) * E + col)
    bound_free = (rd.kres @ u + rd.cap @ v) / rd.scale
    bound = float(bound_free + positive + rd.pinned_total)
    lin = _distinct(*adds) if adds else np.empty(0, np.int64)
    return lin, u, bound


# --- infeasibility ---------------------------------------------------------------------------


def _cut(rd: _Round, arcs, x) -> tuple[np.ndarray, np.ndarray]:
    """After a max flow that leaves demand: the projects (``S``) and experts (``T``) reachable
    from the unmet demand in the residual graph (a minimum cut's source side)."""
    P, E = rd.P, rd.E
    ap, ae = arcs // E, arcs % E
    sent = np.bincount(ap[x], minlength=P)
    root = P + E
    unmet = np.flatnonzero(sent < rd.kres)
    tails = np.concatenate([ap[~x], P + ae[x], np.full(unmet.size, root)])
    heads = np.concatenate([P + ae[~x], ap[x], unmet])
    graph = sparse.csr_matrix(
        (np.ones(tails.size, np.int8), (tails, heads)), shape=(root + 1, root + 1)
    )
    reached = csgraph.breadth_first_order(graph, root, directed=True, return_predecessors=False)
    reached = reached[reached != root]
    return np.sort(reached[reached < P]), np.sort(reached[reached >= P] - P)


def _widen(rd: _Round, arcs, S, T, per_row: int) -> np.ndarray:
    """The best allowed pairs (at most ``per_row`` a project) from projects ``S`` to experts
    outside ``T`` that are not yet candidates."""
    E = rd.E
    found = []
    step = rd.rows_per_block
    for j in range(0, S.size, step):
        rows = S[j : j + step]
        block = rd.rows(rows)
        block[:, T] = -np.inf
        lo = np.searchsorted(arcs, rows * E)
        count = np.searchsorted(arcs, rows * E + E) - lo
        which = np.repeat(np.arange(rows.size), count)
        offset = np.repeat(lo - (np.cumsum(count) - count), count)
        block[which, arcs[np.arange(count.sum()) + offset] % E] = -np.inf
        row, col = _top_per_row(block, per_row)
        found.append(rows[row] * E + col)
    return _distinct(*found) if found else np.empty(0, np.int64)


def _shortfall(rd: _Round, S: np.ndarray, labels, project_ids) -> Shortfall:
    """Describe the deficient set ``S`` in the round's own terms (pins counted back in)."""
    E = rd.E
    degree = np.zeros(E, np.int64)
    step = rd.rows_per_block
    for j in range(0, S.size, step):
        block = rd.rows(S[j : j + step], banned=rd.excluded)
        degree += np.isfinite(block).sum(axis=0)
    in_S = np.zeros(rd.P, bool)
    in_S[S] = True
    pins_elsewhere = np.bincount(rd.pin_e[~in_S[rd.pin_p]], minlength=E)
    available = int(np.minimum(rd.load - pins_elsewhere, degree).sum())
    needed = rd.k * int(S.size)
    if available >= needed:  # the cut guarantees the opposite
        raise RuntimeError("internal error: the deficient set is not deficient")
    ids = tuple(S.tolist()) if project_ids is None else tuple(project_ids[i] for i in S)
    by_label: tuple[tuple[str, int], ...] = ()
    if labels is not None:
        by_label = tuple(Counter(str(labels[i]) for i in S).most_common())
    if by_label:
        who = "Projects of " + ", ".join(f"{name} ({n:,})" for name, n in by_label)
    elif S.size == 1:
        who = f"Project {ids[0]}"
    else:
        who = f"{S.size:,} projects"
    if S.size == 1:
        message = f"{who} needs {needed:,} reviews; only {available:,} experts are eligible for it."
    else:
        message = (
            f"{who} need {needed:,} reviews ({rd.k} each); the experts eligible for them can "
            f"give {available:,} (each at most its load, and one review per project)."
        )
    return Shortfall(ids, needed, available, by_label, message)


# --- max_total -------------------------------------------------------------------------------


@dataclass
class _Solved:
    arcs: np.ndarray  # candidate linear indices, sorted
    x: np.ndarray  # which carry a unit
    u: np.ndarray  # integer-scaled prices (float64)
    v: np.ndarray
    bound: float
    rounds: int


def _feasible_graph(rd: _Round, arcs, labels, project_ids, *, widen: int):
    """Grow the candidate graph until it carries all demand (returns the arcs, their flow and
    profits), or raise :class:`Infeasible` with a deficient set of the full round."""
    demand = int(rd.kres.sum())
    while True:
        profit = rd.profit(rd.values(arcs))
        x, flow = _flow(rd, arcs, profit)
        if flow == demand:
            return arcs, x, profit
        S, T = _cut(rd, arcs, x)
        more = _widen(rd, arcs, S, T, widen)
        if more.size == 0:
            raise Infeasible(_shortfall(rd, S, labels, project_ids))
        arcs = _distinct(arcs, more)


def _max_total(rd: _Round, arcs: np.ndarray, labels, project_ids) -> _Solved:
    arcs, x, profit = _feasible_graph(rd, arcs, labels, project_ids, widen=2 * rd.k + 2)
    rounds = 0
    while True:
        rounds += 1
        u, v = _potentials(rd, arcs, x, profit)
        more, u, bound = _price(rd, arcs, x, u, v, per_row=2 * rd.k + 2)
        if more.size == 0:
            return _Solved(arcs, x, u, v.astype(np.float64), bound, rounds)
        arcs = _distinct(arcs, more)
        profit = rd.profit(rd.values(arcs))
        x, flow = _flow(rd, arcs, profit)
        if flow != int(rd.kres.sum()):  # more arcs cannot lose flow
            raise RuntimeError("internal error: the flow shrank")


# --- results ---------------------------------------------------------------------------------


def _result(
    rd: _Round, mode, chosen, *, bound, worst_bound, worst_lp_bound, certificate, rounds, arcs
):
    """Figures of an assignment given as the linear indices of its non-pinned pairs."""
    P, E = rd.P, rd.E
    lin = np.concatenate([chosen, rd.pins])
    p, e = lin // E, lin % E
    val = rd.values(lin)
    order = np.lexsort((-val, p))
    experts = e[order].reshape(P, rd.k) if rd.k else np.zeros((P, 0), np.int64)
    project_affinity = np.bincount(p, weights=val, minlength=P)
    return Assignment(
        mode=mode,
        experts=experts,
        project_affinity=project_affinity,
        expert_load=np.bincount(e, minlength=E),
        expert_affinity=np.bincount(e, weights=val, minlength=E),
        total=float(val.sum()),
        bound=bound,
        worst=float(project_affinity.min()) if P else 0.0,
        worst_bound=worst_bound,
        worst_lp_bound=worst_lp_bound,
        certificate=certificate,
        rounds=rounds,
        arcs=int(arcs),
    )


def find_shortfall(
    affinity: np.ndarray,
    *,
    k: int,
    load,
    conflicts=None,
    forbidden=None,
    pinned=None,
    labels: Sequence | None = None,
    project_ids: Sequence | None = None,
) -> Shortfall | None:
    """``None`` if the round has an assignment, else why not (see :func:`assign`)."""
    rd = _Round(affinity, k=k, load=load, conflicts=conflicts, forbidden=forbidden, pinned=pinned)
    try:
        _feasible_graph(rd, _candidates(rd, *_sizes(rd)), labels, project_ids, widen=2 * rd.k + 2)
    except Infeasible as exc:
        return exc.shortfall
    return None


def _sizes(rd: _Round) -> tuple[int, int]:
    """Candidate graph: ``m`` best experts per project, ``r`` best projects per expert."""
    m = 4 * rd.k + 4
    r = int(min(rd.load.max(initial=0), rd.P)) if rd.E else 0
    return m, r


def assign(
    affinity: np.ndarray,
    *,
    k: int,
    load,
    mode: str = MAX_TOTAL,
    conflicts=None,
    forbidden=None,
    pinned=None,
    labels: Sequence | None = None,
    project_ids: Sequence | None = None,
    seconds: float = 20.0,
) -> Assignment:
    """Assign ``k`` experts to every project.

    ``affinity`` is a ``(projects, experts)`` float array (float32 is enough and halves the
    memory), finite and ``>= 0``. ``load`` is the maximum number of projects per expert, one
    number or one per expert. ``conflicts`` and ``forbidden`` are pairs that may not be
    assigned and ``pinned`` pairs that must be, each a boolean ``(projects, experts)`` mask or
    ``(project, expert)`` index pairs. ``labels`` (e.g. each project's direction) and
    ``project_ids`` only serve to explain an infeasible round. ``seconds`` caps fair mode's
    local search and LP bound (``max_total`` has no time limit: it is exact).

    Raises :class:`Infeasible` (with a :class:`Shortfall`) when no assignment exists, and
    ``ValueError`` on malformed input (a pin that is a conflict, more pins than ``k``...).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    rd = _Round(affinity, k=k, load=load, conflicts=conflicts, forbidden=forbidden, pinned=pinned)
    arcs = _candidates(rd, *_sizes(rd))
    solved = _max_total(rd, arcs, labels, project_ids)
    certificate = Certificate(solved.u / rd.scale, solved.v / rd.scale, solved.bound)
    if mode == MAX_TOTAL:
        return _result(
            rd,
            mode,
            solved.arcs[solved.x],
            bound=solved.bound,
            worst_bound=None,
            worst_lp_bound=None,
            certificate=certificate,
            rounds=solved.rounds,
            arcs=solved.arcs.size,
        )
    chosen, worst_bound, lp_bound, rounds, n_arcs = _fair(rd, solved, seconds=seconds, labels=labels)
    return _result(
        rd,
        mode,
        chosen,
        bound=solved.bound,
        worst_bound=worst_bound,
        worst_lp_bound=lp_bound,
        certificate=certificate,
        rounds=solved.rounds + rounds,
        arcs=n_arcs,
    )


# --- fair ------------------------------------------------------------------------------------

_EXACT_PAIRS = 2_000  # fair mode solves rounds up to this many free pairs exactly (MIP)


def _fair_arcs(rd: _Round, solved: _Solved, *, m: int, q: int) -> np.ndarray:
    """Candidate pairs for fair mode: the ``max_total`` optimum's pairs, each project's best
    ``m`` experts, and its best ``q`` among the experts the optimum leaves below their load
    (where the projects that give up an expert can turn)."""
    E = rd.E
    used = solved.arcs[solved.x]
    spare = np.flatnonzero(np.bincount(used % E, minlength=E) < rd.cap)
    found = [used]
    for i0, i1 in rd.blocks():
        block = rd.rows((i0, i1))
        row, col = _top_per_row(block, m)
        found.append((row + i0) * E + col)
        if spare.size and q:
            row, col = _top_per_row(block[:, spare], q)
            found.append((row + i0) * E + spare[col])
    return _distinct(*found)


# The raise phase's utility of a project's value, -exp(-_STEEP * (value - floor) / unit), stands
# in for lexicographic max-min: a small gain at the bottom must outweigh a large loss far above
# the floor. At 4, trading an own-direction expert for a cross one (a loss of about 0.6 in the
# bench's units) on a project well above the floor cost more than raising the bottom project by
# 0.003 gained, so the rounds refused exactly the trades that make room for the bottom, and
# small rounds with uneven loads stopped short of their optimum.
_STEEP = 64.0


class _SlotSearch:
    """Fair mode's local search on a candidate graph.

    Each round frees one slot of every project (the slot of a given rank: its worst expert,
    its second worst...), keeps the others, and reassigns all the freed slots at once. With
    the others kept, a project's value is ``kept + a[p, e]``: a number per pair, so the round
    is exactly solvable with flows. First the **bottleneck**: the largest ``tau`` such that
    every project can get a pair with ``kept + a >= tau`` (binary search, max flow on the
    pairs above each trial value); then, among the pairs above ``tau``, a min-cost flow for a
    second objective: in the *raise* phase a steep concave utility of the project's value
    (raising the lowest first, a smooth stand-in for lexicographic max-min), in the *total*
    phase the affinity itself. The current slots are always a solution of the round, so the
    worst value never drops and, at a fixed floor, the total never drops.
    """

    def __init__(self, rd: _Round, arcs: np.ndarray, chosen: np.ndarray):
        self.rd = rd
        self.arcs = arcs
        self.ap, self.ae = arcs // rd.E, arcs % rd.E
        self.av = rd.values(arcs)
        self.base = np.bincount(rd.pin_p, weights=rd.values(rd.pins), minlength=rd.P)
        self.movers = np.flatnonzero(rd.kres > 0)
        self.cur = np.searchsorted(arcs, np.sort(chosen))
        if not np.array_equal(arcs[self.cur], np.sort(chosen)):
            raise RuntimeError("internal error: the start is not in the candidate graph")
        self.rounds = 0
        self.random = np.random.default_rng(0)

    def project_values(self, cur=None) -> np.ndarray:
        cur = self.cur if cur is None else cur
        return self.base + np.bincount(self.ap[cur], weights=self.av[cur], minlength=self.rd.P)

    def _flow_cut(self, sel: np.ndarray, cap: np.ndarray):
        """Max flow giving every mover one of the arcs ``sel``: ``None`` if it does, else the
        source side of a minimum cut (movers ``S``, experts ``T``)."""
        P, E = self.rd.P, self.rd.E
        source, sink = P + E, P + E + 1
        solver = max_flow.SimpleMaxFlow()
        n = self.movers.size
        solver.add_arcs_with_capacity(
            np.concatenate([np.full(n, source), self.ap[sel], P + np.arange(E)]),
            np.concatenate([self.movers, P + self.ae[sel], np.full(E, sink)]),
            np.concatenate([np.ones(n + sel.size, np.int64), cap]),
        )
        if solver.solve(source, sink) != solver.OPTIMAL:
            raise RuntimeError("max flow failed")
        if solver.optimal_flow() == n:
            return None
        side = np.asarray(solver.get_source_side_min_cut(), np.int64)
        return np.sort(side[side < P]), np.sort(side[(side >= P) & (side < P + E)] - P)

    def _add_arcs(self, more: np.ndarray) -> None:
        chosen = self.arcs[self.cur]
        self.arcs = _distinct(self.arcs, more)
        self.ap, self.ae = self.arcs // self.rd.E, self.arcs % self.rd.E
        self.av = self.rd.values(self.arcs)
        self.cur = np.searchsorted(self.arcs, chosen)

    def _widen(self, S, T, kept, value_kept, cap, level: float, tol: float) -> bool:
        """The cut ``(S, T)`` proves, on the candidate graph, that the freed slots cannot all
        rise above ``level``. It holds in the full round unless a project of ``S`` has an
        allowed pair above ``level`` with an expert outside ``T`` that has room: add the best
        such pairs (a few a project) and say so."""
        rd = self.rd
        E = rd.E
        outside = cap > 0
        outside[T] = False
        if not outside.any():
            return False
        per_row = 2 * int(rd.kres.max(initial=0)) + 2
        kept_lin = _distinct(self.arcs[kept])
        found = []
        step = rd.rows_per_block
        for j in range(0, S.size, step):
            rows = S[j : j + step]
            block = rd.rows(rows)
            block[:, ~outside] = -np.inf
            block += value_kept[rows, None]
            block[block <= level + tol] = -np.inf
            row, col = _top_per_row(block, per_row)
            lin = rows[row] * E + col
            found.append(lin[~_contains(kept_lin, lin)])
        more = _distinct(*found) if found else np.empty(0, np.int64)
        more = more[~_contains(self.arcs, more)]
        if more.size == 0:
            return False
        self._add_arcs(more)
        return True

    def _free(self, rank):
        """Free the slot ``rank`` places above each project's worst: the kept arcs, the
        projects' kept values, the experts' room, the open arcs, their scores and the current
        worst value of the freed slots."""
        rd = self.rd
        P, E = rd.P, rd.E
        cur = self.cur[np.lexsort((-self.av[self.cur], self.ap[self.cur]))]
        owner = self.ap[cur]
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        count = np.diff(np.r_[starts, owner.size])
        position = np.arange(owner.size) - np.repeat(starts, count)
        rank = np.broadcast_to(rank, (P,))[owner[starts]]
        freed = position == np.repeat(count - 1 - rank % count, count)
        kept = cur[~freed]
        value_kept = self.base + np.bincount(self.ap[kept], weights=self.av[kept], minlength=P)
        cap = rd.cap - np.bincount(self.ae[kept], minlength=E)
        open_ = np.ones(self.arcs.size, bool)
        open_[kept] = False
        options = np.flatnonzero(open_ & (rd.kres[self.ap] > 0))
        score = value_kept[self.ap[options]] + self.av[options]
        now = float((value_kept[owner[freed]] + self.av[cur[freed]]).min())
        return kept, value_kept, cap, options, score, now

    def _bottleneck(self, options, score, cap, now: float, tol: float) -> float:
        """The largest value every freed slot can reach at once on the candidate graph (binary
        search over the arcs' scores, a max flow each)."""
        best = np.full(self.rd.P, -np.inf)
        np.maximum.at(best, self.ap[options], score)
        top = float(best[self.movers].min())
        trial = np.unique(score[(score >= now - tol) & (score <= top + tol)])
        lo, hi = 0, trial.size - 1  # trial[0] <= now is feasible (the current slots)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._flow_cut(options[score >= trial[mid] - tol], cap) is None:
                lo = mid
            else:
                hi = mid - 1
        return max(float(trial[lo]), now) if trial.size else now

    def round(self, rank, *, floor: float | None, raise_: bool) -> float:
        """One round freeing the slot ``rank`` places above each project's worst (one rank,
        or one per project). Returns the floor it kept (the bottleneck value when ``floor`` is
        None).

        The bottleneck is exact over *all* pairs, not only the candidate graph's: when no
        value above it is reachable on the graph, the flow's minimum cut says which projects
        are stuck and behind which experts; the graph grows by those projects' pairs with the
        other experts that have room (:meth:`_widen`) until the cut holds in the full round.
        Without this, a project whose own experts are taken stays at the bottom whenever its
        way out (an expert the ``max_total`` optimum left with room only after the fair
        reshuffle) was never a candidate, as uneven loads make common."""
        rd = self.rd
        P, E = rd.P, rd.E
        self.rounds += 1
        while True:
            kept, value_kept, cap, options, score, now = self._free(rank)
            tol = 1e-12 * max(1.0, abs(now))
            if floor is not None:
                level = floor
                break
            level = self._bottleneck(options, score, cap, now, tol)
            cut = self._flow_cut(options[score > level + tol], cap)
            if cut is None or not self._widen(*cut, kept, value_kept, cap, level, tol):
                break
        keep = score >= level - tol
        sel, value = options[keep], score[keep]
        if raise_:
            unit = max(float(self.av[self.cur].mean()), 1e-12)
            gain = -np.exp(-_STEEP * (value - level) / unit) + 1e-3 * (value - level) / unit
        else:
            gain = value
        span = float(gain.max() - gain.min()) if gain.size else 0.0
        profit = np.rint((gain - gain.min()) / span * 2.0**30) if span > 0 else np.zeros(sel.size)
        solver = min_cost_flow.SimpleMinCostFlow()
        solver.add_arcs_with_capacity_and_unit_cost(
            self.ap[sel], P + self.ae[sel], np.ones(sel.size, np.int64), -profit.astype(np.int64)
        )
        solver.add_arcs_with_capacity_and_unit_cost(
            P + np.arange(E), np.full(E, P + E), cap, np.zeros(E, np.int64)
        )
        supply = np.zeros(P + E + 1, np.int64)
        supply[self.movers] = 1
        supply[-1] = -self.movers.size
        solver.set_nodes_supplies(np.arange(P + E + 1), supply)
        if solver.solve() != solver.OPTIMAL:
            raise RuntimeError("internal error: a fair round has no solution")
        chosen = sel[solver.flows(np.arange(sel.size)) > 0]
        self.cur = np.concatenate([kept, chosen])
        return level

    def worst(self) -> float:
        return float(self.project_values()[self.movers].min())

    def run(self, deadline: float) -> None:
        """Raise the worst, then the total at that floor (most of the time to the worst)."""
        started = time.monotonic()
        self.raise_worst(started + 0.6 * (deadline - started))
        self.raise_total(deadline)

    def raise_worst(self, deadline: float, *, max_cycles: int = 12, patience: int = 10) -> None:
        """Rounds raising the worst until a full cycle of ranks brings nothing, then with a
        random rank per project until ``patience`` rounds in a row bring nothing."""
        width = int(self.rd.kres.max(initial=0))
        if width == 0:
            return
        worst = self.worst()
        for _ in range(max_cycles):
            before = worst
            for rank in range(width):
                self.round(rank, floor=None, raise_=True)
                if time.monotonic() > deadline:
                    break
            worst = self.worst()
            if not _better(worst, before) or time.monotonic() > deadline:
                break
        idle = 0
        while idle < patience and time.monotonic() < deadline:
            self.round(self.random.integers(0, width, self.rd.P), floor=None, raise_=True)
            before, worst = worst, self.worst()
            idle = 0 if _better(worst, before) else idle + 1

    def raise_total(self, deadline: float, *, max_cycles: int = 12, patience: int = 10) -> None:
        """Rounds raising the total at the current worst until a full cycle of ranks, then
        ``patience`` random ones in a row, add (almost) nothing."""
        width = int(self.rd.kres.max(initial=0))
        if width == 0:
            return
        worst = self.worst()
        total = self.av[self.cur].sum()
        for _ in range(max_cycles):
            if time.monotonic() > deadline:
                break
            before = total
            for rank in range(width):
                self.round(rank, floor=worst, raise_=False)
            total = self.av[self.cur].sum()
            if total <= before + 1e-7 * max(1.0, abs(before)):
                break
        idle = 0
        while idle < patience and time.monotonic() < deadline:
            self.round(self.random.integers(0, width, self.rd.P), floor=worst, raise_=False)
            before, total = total, self.av[self.cur].sum()
            idle = 0 if total > before + 1e-7 * max(1.0, abs(before)) else idle + 1

    def _weighted_flow(self, weight: np.ndarray) -> np.ndarray:
        """The assignment on the candidate graph of greatest ``sum weight[p] * a[p, e]``
        (indices into the arcs)."""
        rd = self.rd
        P, E = rd.P, rd.E
        gain = weight[self.ap] * self.av
        span = float(gain.max() - gain.min()) if gain.size else 0.0
        profit = np.rint((gain - gain.min()) / span * 2.0**30) if span > 0 else np.zeros(gain.size)
        solver = min_cost_flow.SimpleMinCostFlow()
        solver.add_arcs_with_capacity_and_unit_cost(
            self.ap, P + self.ae, np.ones(self.arcs.size, np.int64), -profit.astype(np.int64)
        )
        solver.add_arcs_with_capacity_and_unit_cost(
            P + np.arange(E), np.full(E, P + E), rd.cap, np.zeros(E, np.int64)
        )
        supply = np.concatenate([rd.kres, np.zeros(E, np.int64), [-int(rd.kres.sum())]])
        solver.set_nodes_supplies(np.arange(P + E + 1), supply)
        if solver.solve() != solver.OPTIMAL:
            raise RuntimeError("internal error: a weighted fair flow has no solution")
        return np.flatnonzero(solver.flows(np.arange(self.arcs.size)) > 0)

    def restart(self, deadline: float, target: float, bound_of, *, eta=4.0, patience=20) -> float:
        """Lagrangian restarts, when the rounds stop below ``target`` (the proven bound).
        Returns the bound, lowered by ``bound_of(pairs)`` on each better solution.

        The rounds move one slot of each project at a time. Where a better worst needs two
        slots of one project changed together (a project trading a cross-direction expert for
        one of its own *and* its own expert for another, so that a neighbour can keep one),
        every single move lowers some project below the worst, and the rounds stop short. A
        restart reassigns every slot at once: the flow of greatest affinity weighted by
        project, the weights multiplicative (a project's weight grows while the restarts leave
        it low: the max-min's Lagrangian multipliers, which the LP's duals are at the limit),
        then the rounds raise that start's worst. The best worst is kept, then its total
        raised; the restarts stop at ``target``, at ``deadline`` or after ``patience`` in a
        row that bring nothing."""
        if self.movers.size == 0:
            return target
        rd = self.rd
        unit = max(float(self.av[self.cur].mean()) * max(int(rd.kres.max()), 1), 1e-12)
        # solutions are kept as pairs: the rounds may grow the graph, which renumbers arcs
        kept_pairs = best_pairs = self.arcs[self.cur]
        best = self.worst()
        weight = np.ones(rd.P)
        values = self.project_values()
        idle = 0
        while idle < patience and time.monotonic() < deadline and not _reached(best, target):
            weight *= np.exp(-eta * (values - values[self.movers].mean()) / unit)
            weight /= weight[self.movers].mean()
            self.cur = self._weighted_flow(weight)
            values = self.project_values()
            self.raise_worst(deadline)
            worst = self.worst()
            if _better(worst, best):
                best, best_pairs, idle = worst, self.arcs[self.cur], 0
                target = min(target, bound_of(best_pairs))
            else:
                idle += 1
        self.cur = np.searchsorted(self.arcs, np.sort(best_pairs))
        if best_pairs is not kept_pairs:
            self.raise_total(deadline)
        return target


def _better(new: float, old: float) -> bool:
    return new > old + 1e-9 * max(1.0, abs(old))


def _reached(value: float, target: float) -> bool:
    return value >= target - 1e-9 * max(1.0, abs(target))


def _top_sums(z: np.ndarray, k: int) -> np.ndarray:
    """``out[:, j]`` = sum of the ``j`` largest entries of each row (``-inf`` when a row has
    fewer than ``j`` finite entries), ``j = 0..k``."""
    n, width = z.shape
    out = np.full((n, k + 1), -np.inf)
    out[:, 0] = 0.0
    if width == 0 or k == 0:
        return out
    take = min(k, width)
    top = -np.sort(-np.partition(z, width - take, axis=1)[:, width - take :], axis=1)
    with np.errstate(invalid="ignore"):
        out[:, 1 : take + 1] = np.cumsum(top, axis=1)
    out[np.isnan(out)] = -np.inf
    return out


def _usable(rd: _Round, rows) -> np.ndarray:
    """Affinities of allowed, unpinned pairs with an expert that has load left (else -inf)."""
    block = rd.rows(rows)
    block[:, rd.cap <= 0] = -np.inf
    return block


def _hall_bound(rd: _Round, groups: list[np.ndarray]) -> float:
    """An upper bound on the worst project's value in any *integral* assignment.

    For a group ``X`` of experts and a value ``t``, each project needs at least ``n_p(t)``
    experts from ``X`` to reach ``t`` (its best with ``j`` from ``X`` is its ``j`` best in ``X``
    plus its ``k - j`` best outside). If ``sum n_p(t)`` exceeds what ``X`` can give, no
    assignment gives every project ``t``. The LP relaxation cannot see this: it splits an
    expert's review between projects. The groups tried are passed in (experts by price).
    """
    P, k = rd.P, int(rd.kres.max(initial=0))
    base = np.bincount(rd.pin_p, weights=rd.values(rd.pins), minlength=P)
    if k == 0:  # every place is pinned
        return float(base.min(initial=np.inf))
    kres = rd.kres
    best = np.inf
    cols = np.arange(k + 1)
    for group in groups:
        inside = np.zeros(rd.E, bool)
        inside[group] = True
        capacity = int(rd.cap[inside].sum())
        A = np.empty((P, k + 1))
        B = np.empty((P, k + 1))
        for i0, i1 in rd.blocks():
            block = _usable(rd, (i0, i1))
            A[i0:i1] = _top_sums(block[:, inside], k)
            B[i0:i1] = _top_sums(block[:, ~inside], k)
        # V[p, j]: the best value of project p with exactly j experts from the group
        other = np.clip(kres[:, None] - cols, 0, k)
        V = base[:, None] + A + np.take_along_axis(B, other, 1)
        V[cols[None, :] > kres[:, None]] = -np.inf
        V[kres == 0] = np.where(cols == 0, base[kres == 0, None], -np.inf)
        trial = np.unique(V[np.isfinite(V)])

        def short(t, V=V, capacity=capacity):
            ok = V >= t
            if not ok.any(axis=1).all():
                return True
            return int(np.argmax(ok, axis=1).sum()) > capacity

        lo, hi = 0, trial.size - 1
        if not short(np.nextafter(trial[hi], np.inf)):
            continue
        while lo < hi:  # first trial value above which the group falls short
            mid = (lo + hi) // 2
            if short(np.nextafter(trial[mid], np.inf)):
                hi = mid
            else:
                lo = mid + 1
        best = min(best, float(trial[lo]))
    return best


def _price_groups(*prices: np.ndarray, levels: int = 8) -> list[np.ndarray]:
    """Nested groups of experts by price (the scarce ones first), for :func:`_hall_bound`."""
    groups = [np.empty(0, np.int64)]  # the empty group: the bound is each project's best k
    for price in prices:
        positive = np.unique(price[price > 0])
        if positive.size == 0:
            continue
        cuts = np.unique(np.quantile(positive, np.linspace(0, 1, levels, endpoint=False)))
        groups.extend(np.flatnonzero(price >= cut) for cut in cuts)
    return groups


def _solution_groups(rd: _Round, chosen: np.ndarray, labels) -> list[np.ndarray]:
    """Groups of experts for :func:`_hall_bound` read off a solution: the experts who review
    only projects of one label (one direction's own experts, when its projects need all of
    them), and the experts joined by the solution's strong pairs (value at least the median
    chosen value), which find the same communities when no labels are given."""
    P, E = rd.P, rd.E
    cp, ce = chosen // E, chosen % E
    groups = []
    if labels is not None and chosen.size:
        _, code = np.unique(np.asarray([str(label) for label in labels]), return_inverse=True)
        first = np.full(E, -1)
        first[ce[::-1]] = code[cp[::-1]]
        mixed = np.zeros(E, bool)
        mixed[ce[code[cp] != first[ce]]] = True
        for c in np.unique(code):
            group = np.flatnonzero((first == c) & ~mixed)
            if group.size:
                groups.append(group)
    values = rd.values(chosen)
    if values.size:
        strong = values >= np.median(values)
        graph = sparse.coo_matrix(
            (np.ones(int(strong.sum())), (cp[strong], P + ce[strong])), shape=(P + E, P + E)
        )
        _, component = csgraph.connected_components(graph, directed=False)
        expert_component = component[P:]
        for c in np.unique(expert_component[np.bincount(ce[strong], minlength=E) > 0]):
            groups.append(np.flatnonzero(expert_component == c))
    return groups


def _wish_groups(rd: _Round, chosen: np.ndarray, count: int = 3) -> list[np.ndarray]:
    """Groups of experts for :func:`_hall_bound` seen from the bottom: for each of the
    ``count`` worst-served projects and each of its experts, the experts it rates above that
    one (those that could raise it). When a direction has more projects than its experts can
    give one review each, some project must do without, and this group (its direction's
    experts) is the one that proves it; the communities of :func:`_solution_groups` can miss
    it when the solution's strong pairs cross directions."""
    E = rd.E
    lin = np.concatenate([chosen, rd.pins])
    cp, val = lin // E, rd.values(lin)
    value = np.bincount(cp, weights=val, minlength=rd.P)
    value[rd.kres == 0] = np.inf  # fully pinned projects cannot move
    groups = []
    for p in np.argsort(value, kind="stable")[: min(count, rd.P)]:
        if not np.isfinite(value[p]):
            break
        row = rd.rows(np.array([p]), banned=rd.excluded)[0]
        for level in np.unique(val[cp == p]):
            group = np.flatnonzero(row > level)
            if 0 < group.size < E:
                groups.append(group)
    return groups


def _lp_bound(rd: _Round, arcs: np.ndarray, seconds: float):
    """The max-min LP on the candidate graph (HiGHS interior point through scipy), and a bound
    valid over **all** pairs from its duals: for any ``lambda >= 0`` summing to 1 and prices
    ``v >= 0``, ``sum_p lambda_p pinned_p + sum_p (sum of p's k largest lambda_p a - v) +
    sum_e L_e v_e`` bounds the LP over the full matrix, hence the worst project. Returns
    ``(bound, expert prices)``; ``(inf, None)`` if the LP did not finish in time."""
    from scipy.optimize import linprog

    P, E = rd.P, rd.E
    n = arcs.size
    ap, ae = arcs // E, arcs % E
    av = rd.values(arcs)
    base = np.bincount(rd.pin_p, weights=rd.values(rd.pins), minlength=P)
    cols = np.arange(n)
    A_eq = sparse.csr_matrix((np.ones(n), (ap, cols)), shape=(P, n + 1))
    A_cap = sparse.csr_matrix((np.ones(n), (ae, cols)), shape=(E, n + 1))
    A_floor = sparse.csr_matrix(
        (np.r_[-av, np.ones(P)], (np.r_[ap, np.arange(P)], np.r_[cols, np.full(P, n)])),
        shape=(P, n + 1),
    )
    bounds = np.zeros((n + 1, 2))
    bounds[:n, 1] = 1
    bounds[n, 1] = np.inf
    result = linprog(
        np.r_[np.zeros(n), -1.0],
        A_ub=sparse.vstack([A_cap, A_floor]).tocsr(),
        b_ub=np.r_[rd.cap.astype(float), base],
        A_eq=A_eq,
        b_eq=rd.kres.astype(float),
        bounds=bounds,
        method="highs-ipm",
        options={"time_limit": seconds, "disp": False},
    )
    if result.status != 0:
        return np.inf, None
    v = np.maximum(-result.ineqlin.marginals[:E], 0)
    lam = np.maximum(-result.ineqlin.marginals[E:], 0)
    if lam.sum() <= 0:
        return np.inf, None
    v, lam = v / lam.sum(), lam / lam.sum()
    k = int(rd.kres.max(initial=0))
    total = float(lam @ base + rd.cap @ v)
    for i0, i1 in rd.blocks():
        block = _usable(rd, (i0, i1))
        with np.errstate(invalid="ignore"):
            z = lam[i0:i1, None] * block - v
        z[~np.isfinite(block)] = -np.inf
        sums = _top_sums(z, k)
        total += float(np.take_along_axis(sums, rd.kres[i0:i1, None], 1).sum())
    return total, v


def _fair_exact(rd: _Round, seconds: float):
    """Small rounds: lexicographic max-min then max total as two MIPs (HiGHS through scipy).
    Returns the chosen linear indices, or None if HiGHS did not prove both in time."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    P, E = rd.P, rd.E
    free = np.setdiff1d(np.arange(P * E, dtype=np.int64), rd.banned)
    free = free[rd.cap[free % E] > 0]
    n = free.size
    ap, ae = free // E, free % E
    av = rd.values(free)
    base = np.bincount(rd.pin_p, weights=rd.values(rd.pins), minlength=P)
    cols = np.arange(n)
    A_eq = sparse.csr_matrix((np.ones(n), (ap, cols)), shape=(P, n + 1))
    A_cap = sparse.csr_matrix((np.ones(n), (ae, cols)), shape=(E, n + 1))
    A_floor = sparse.csr_matrix(
        (np.r_[av, -np.ones(P)], (np.r_[ap, np.arange(P)], np.r_[cols, np.full(P, n)])),
        shape=(P, n + 1),
    )
    constraints = [
        LinearConstraint(A_eq, rd.kres, rd.kres),
        LinearConstraint(A_cap, -np.inf, rd.cap),
        LinearConstraint(A_floor, -base, np.inf),
    ]
    integrality = np.r_[np.ones(n), 0]
    upper = np.r_[np.ones(n), np.inf]
    first = milp(
        np.r_[np.zeros(n), -1.0],
        constraints=constraints,
        integrality=integrality,
        bounds=Bounds(np.r_[np.zeros(n), -np.inf], upper),
        options={"time_limit": seconds},
    )
    if first.status != 0:
        return None
    t = -first.fun
    second = milp(
        np.r_[-av, 0.0],
        constraints=constraints,
        integrality=integrality,
        bounds=Bounds(np.r_[np.zeros(n), t - 1e-9 * max(1.0, abs(t))], upper),
        options={"time_limit": seconds},
    )
    if second.status != 0:
        return None
    return free[np.rint(second.x[:n]) == 1]


def _fair(rd: _Round, solved: _Solved, *, seconds: float, labels=None):
    """Fair mode. Returns ``(chosen pairs, worst bound, LP bound, rounds, arcs)``."""
    started = time.monotonic()
    deadline = started + seconds
    k = int(rd.kres.max(initial=0))
    arcs = _fair_arcs(rd, solved, m=2 * k + 2, q=k + 1)
    search = _SlotSearch(rd, arcs, solved.arcs[solved.x])
    search.run(started + 0.5 * seconds)
    lp_bound, lp_price = _lp_bound(rd, search.arcs, max(1.0, deadline - time.monotonic()))
    prices = [solved.v] + ([lp_price] if lp_price is not None else [])

    def solution_bound(chosen):
        used = np.bincount(chosen % rd.E, minlength=rd.E)
        groups = [np.flatnonzero(used >= rd.cap), *_solution_groups(rd, chosen, labels)]
        found = _hall_bound(rd, groups)
        if _reached(search.worst(), found):
            return found
        return min(found, _hall_bound(rd, _wish_groups(rd, chosen)))

    bound = min(lp_bound, _hall_bound(rd, _price_groups(*prices)))
    if not _reached(search.worst(), bound):
        bound = min(bound, solution_bound(search.arcs[search.cur]))
    if not _reached(search.worst(), bound):
        # a better solution shows other groups (who serves whom), so each is counted again
        bound = search.restart(deadline, bound, solution_bound)
    arcs = search.arcs
    chosen = arcs[search.cur]
    if rd.P * rd.E - rd.banned.size <= _EXACT_PAIRS:
        exact = _fair_exact(rd, max(1.0, deadline - time.monotonic()))
        if exact is not None:
            chosen = exact
            base = np.bincount(rd.pin_p, weights=rd.values(rd.pins), minlength=rd.P)
            worst = (
                base + np.bincount(exact // rd.E, weights=rd.values(exact), minlength=rd.P)
            ).min()
            bound = min(bound, float(worst))
    return chosen, bound, lp_bound, search.rounds, arcs.size
