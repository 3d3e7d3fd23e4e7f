"""Matchmaking meetings (issue 14 §3): which investors meet which teams, in which slot, at
which table.

Two sides meet: side ``a`` (investors, buyers, government bodies) and side ``b`` (teams).
Each participant has a capacity (the most meetings it takes) and the slots it is available
in (indices ``0 .. slots - 1``). The app proposes candidate pairs ``(a, b)``, each with a
positive weight (their mutual interest, computed by the app); some pairs are **locked**: staff
promised the meeting, and may also have fixed its slot (and table). The room has ``tables``
tables, so at most that many meetings run in one slot.

The two steps of the issue (:func:`schedule_meetings`):

1. **Which meetings happen.** The largest total weight with each participant within its
   capacity, locked pairs forced in: a bipartite b-matching, solved exactly as a min-cost flow
   (OR-Tools). Two caps make it a relaxation of the real problem rather than a wish list: a
   participant available in ``k`` slots takes at most ``k`` meetings (capacity is capped at
   availability), and the room holds at most ``slots * tables`` meetings (a bypass arc lets
   the flow stop there). Pairs with no slot in which both are available are left out: they can
   never meet. The linear relaxation of this step is solved again with GLOP as ``lp_bound``;
   its constraint matrix is totally unimodular, so the bound equals step 1's optimum, and since
   every schedule is a solution of step 1, **no schedule's weight exceeds it**.
2. **When and where.** The chosen meetings are placed in ``(slot, table)``: no participant in
   two meetings of one slot, at most ``tables`` meetings per slot, both participants available,
   locked placements kept; then the idle slots between each participant's first and last
   meeting are minimized (secondary objective).

Step 1 ignores *which* slots are free, so its choice can be unplaceable (two meetings of a
participant whose partners are only free in the same slot; a slot everyone wants). Step 2 never
drops a meeting silently. In order, stopping as soon as step 1's meetings are all placed:

a. **Greedy** (:func:`_greedy`): always the meeting with the fewest usable slots left, in the
   usable slot nearest its participants' other meetings. Places everything on most days; at
   500 x 300 x 16 slots x 60 tables it leaves out 0-3 of 960.
b. **Repair** (:func:`_repair`, CP-SAT): every meeting placed, as many as possible where the
   greedy put them: the fewest moves that make room (about a second at that size).
c. If CP-SAT proves step 1's meetings cannot all be placed (or finds no placement within its
   budget), **choose again around the placed ones** (:func:`_rechoose`): the meetings that
   found no slot are banned, step 1 is solved again with the placed meetings forced in (the
   weight never falls), the greedy places the new ones; until step 1 brings nothing new.
   Then, on models of up to ``_CP_SAT_MAX_VARS`` (pair, slot) placements, **feasibility is
   folded into one model** (:func:`_max_weight`, CP-SAT): every candidate pair, a pair chosen
   when it gets a slot, capacities, slots and tables as above, weight maximized, bounded by
   step 1's optimum and started from the placement found, so on small days the schedule is
   the heaviest that can be placed, proven.
   Beyond that size CP-SAT does not improve on the re-choice within seconds (one worker) and is
   not run; the re-choice came within 0.2 % of the bound on the days tried (6 slots x 100
   tables, 500 x 300, 4,000 pairs).

Then the same meetings are re-slotted by CP-SAT to shorten the participants' days
(:func:`_min_idle`, up to ``_CP_SAT_MAX_VARS`` placements; beyond, the greedy's nearest-slot
rule is what keeps the days short). Tables are assigned last.

Step 1's meetings that the schedule does not keep are reported in ``dropped``, each with the
reason read off the final schedule (a participant is full, or every slot both could use is
taken, and by what). ``optimal`` says whether the weight is proven optimal (equal to the bound,
or proven by CP-SAT); otherwise ``gap`` says how far from the bound it can be at most.

The two objectives are lexicographic: the weight first (the meetings chosen), then, with the
meetings fixed, the idle slots. Among schedules of equal weight, the one with the fewest idle
slots is not searched for beyond the placement of those meetings. A participant's idle slots
count every slot between its first and last meeting without one, whether it waits or is away.

Weights are compared as integers: if every weight is an integer up to ``10**6`` they are used
as they are, otherwise they are scaled so that the largest is about ``10**6`` and rounded (pairs
whose weights differ by less than a millionth of the largest are not told apart). The totals
reported are the given weights.

**Deterministic.** Participants are sorted by ``str(id)`` on each side and pairs by their
participants, so the order of the input does not matter; CP-SAT runs one worker with a fixed
seed and a *deterministic* time limit (a count of work, not seconds), so the same input gives
the same schedule on any machine with the same OR-Tools (the deterministic limit means the
search may stop at a different point after an OR-Tools upgrade).

**Tables** are interchangeable: within a slot, locked tables are kept and the other meetings
take the free tables in order of their participants.

A configuration that cannot hold raises :class:`Infeasible` naming the pair and the reason: a
locked pair whose participants share no available slot, a locked placement in a slot one of
them is away, two locked placements at one table or one participant twice in a slot, more
locked meetings than a participant's capacity or available slots, or than the room holds.

Pure Python + OR-Tools; no Django.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from ortools.graph.python import min_cost_flow
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

__all__ = [
    "Dropped",
    "Infeasible",
    "Meeting",
    "Pair",
    "Participant",
    "Problem",
    "Schedule",
    "check_schedule",
    "schedule_meetings",
]

_INT_WEIGHT_MAX = 10**6  # integer weights up to this are used as they are; others are scaled
_SEED = 20240614
# CP-SAT searches for the heaviest schedule over every pair, and for the shortest days, on models
# of at most this many placements (pair, slot): beyond, it does not improve on the greedy's
# within seconds (one worker, no large-neighbourhood search).
_CP_SAT_MAX_VARS = 5000


# --- input -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Participant:
    """One side's participant: ``capacity`` meetings at most, in the slots of ``available``."""

    id: Hashable
    capacity: int
    available: frozenset[int]

    def __post_init__(self) -> None:
        object.__setattr__(self, "available", frozenset(self.available))


@dataclass(frozen=True)
class Pair:
    """A candidate meeting of ``a`` (side a's id) and ``b`` (side b's id), worth ``weight``.

    ``locked`` pairs must meet; ``slot`` (and ``table``, only with a slot) fix where.
    """

    a: Hashable
    b: Hashable
    weight: float
    locked: bool = False
    slot: int | None = None
    table: int | None = None


@dataclass(frozen=True)
class Problem:
    side_a: Sequence[Participant]
    side_b: Sequence[Participant]
    pairs: Sequence[Pair]
    slots: int
    tables: int


class Infeasible(ValueError):
    """The locked meetings cannot hold; the message says which pair and why."""


# --- output ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Meeting:
    a: Hashable
    b: Hashable
    slot: int
    table: int
    weight: float
    locked: bool = False


@dataclass(frozen=True)
class Dropped:
    """A meeting step 1 chose that the schedule could not keep, and why."""

    a: Hashable
    b: Hashable
    weight: float
    reason: str


@dataclass(frozen=True)
class Schedule:
    """The schedule and its figures.

    ``meetings`` are sorted by slot, then table. ``weight`` is their total; ``lp_bound`` the LP
    relaxation's optimum of step 1, an upper bound on any schedule's weight; ``step1_weight``
    step 1's integral optimum (equal to the bound up to the LP's tolerance). ``optimal`` is
    true when the weight is proven optimal. ``dropped`` are step 1's meetings not kept.
    ``idle_slots`` counts, over all participants, the slots between their first and last
    meeting in which they have none (away or waiting); ``idle_optimal`` is true when no
    placement of these meetings has fewer.
    """

    meetings: tuple[Meeting, ...]
    weight: float
    lp_bound: float
    step1_weight: float
    optimal: bool
    idle_slots: int
    idle_optimal: bool
    dropped: tuple[Dropped, ...] = field(default=())

    @property
    def gap(self) -> float:
        """``(lp_bound - weight) / lp_bound``: how much weight a better schedule could add at
        most, relative to the bound (0 at a schedule as good as the relaxation)."""
        if self.lp_bound <= 0:
            return 0.0
        return max(0.0, (self.lp_bound - self.weight) / self.lp_bound)


# --- the instance as the solver sees it --------------------------------------------------------


def _canonical(people: Sequence[Participant], side: str) -> list[Participant]:
    texts = [str(p.id) for p in people]
    if len(set(texts)) != len(texts):
        raise ValueError(f"side {side}: participant ids must be distinct as text")
    return [p for _t, p in sorted(zip(texts, people, strict=True), key=lambda x: x[0])]


@dataclass
class _Instance:
    slots: int
    tables: int
    a_ids: list[Hashable]
    b_ids: list[Hashable]
    a_cap: list[int]  # capacity capped at the number of available slots
    b_cap: list[int]
    a_avail: list[frozenset[int]]
    b_avail: list[frozenset[int]]
    # pairs with at least one common slot, sorted by (a index, b index)
    pa: list[int]
    pb: list[int]
    weight: list[float]
    iweight: list[int]
    common: list[tuple[int, ...]]
    locked: list[bool]
    fixed_slot: list[int | None]
    fixed_table: list[int | None]

    def name(self, k: int) -> str:
        return f"{self.a_ids[self.pa[k]]!r}–{self.b_ids[self.pb[k]]!r}"


def _integer_weights(weights: list[float]) -> list[int]:
    if all(float(w).is_integer() for w in weights) and max(weights, default=0) <= _INT_WEIGHT_MAX:
        return [int(w) for w in weights]
    scale = _INT_WEIGHT_MAX / max(weights)
    return [max(1, round(w * scale)) for w in weights]


def _instance(problem: Problem) -> _Instance:
    S, T = int(problem.slots), int(problem.tables)
    if S < 1 or T < 1:
        raise ValueError("slots and tables must be at least 1")
    side_a = _canonical(problem.side_a, "a")
    side_b = _canonical(problem.side_b, "b")
    a_index = {p.id: i for i, p in enumerate(side_a)}
    b_index = {p.id: i for i, p in enumerate(side_b)}
    for side, people in (("a", side_a), ("b", side_b)):
        for p in people:
            if p.capacity < 0:
                raise ValueError(f"side {side}: {p.id!r} has a negative capacity")
            if any(not 0 <= s < S for s in p.available):
                raise ValueError(f"side {side}: {p.id!r} is available in a slot outside 0..{S - 1}")
    rows = []
    seen = set()
    for pair in problem.pairs:
        if pair.a not in a_index:
            raise ValueError(f"pair {pair.a!r}–{pair.b!r}: {pair.a!r} is not on side a")
        if pair.b not in b_index:
            raise ValueError(f"pair {pair.a!r}–{pair.b!r}: {pair.b!r} is not on side b")
        key = (a_index[pair.a], b_index[pair.b])
        if key in seen:
            raise ValueError(f"pair {pair.a!r}–{pair.b!r} is given twice")
        seen.add(key)
        if not (math.isfinite(pair.weight) and pair.weight > 0):
            raise ValueError(f"pair {pair.a!r}–{pair.b!r}: the weight must be positive")
        if (pair.slot is not None or pair.table is not None) and not pair.locked:
            raise ValueError(f"pair {pair.a!r}–{pair.b!r}: only a locked pair has a fixed place")
        if pair.table is not None and pair.slot is None:
            raise ValueError(f"pair {pair.a!r}–{pair.b!r}: a fixed table needs a fixed slot")
        rows.append((key, pair))
    rows.sort(key=lambda row: row[0])

    a_avail = [p.available for p in side_a]
    b_avail = [p.available for p in side_b]
    pa, pb, weight, common, locked, fslot, ftable = [], [], [], [], [], [], []
    for (i, j), pair in rows:
        both = tuple(sorted(a_avail[i] & b_avail[j]))
        name = f"locked meeting {pair.a!r}–{pair.b!r}"
        if pair.locked:
            if not both:
                raise Infeasible(
                    f"{name}: no slot in which both are available "
                    f"({pair.a!r}: {sorted(a_avail[i])}, {pair.b!r}: {sorted(b_avail[j])})"
                )
            if pair.slot is not None and pair.slot not in both:
                away = [x for x, av in ((pair.a, a_avail[i]), (pair.b, b_avail[j]))
                        if pair.slot not in av]
                raise Infeasible(
                    f"{name}: fixed in slot {pair.slot}, but "
                    + " and ".join(repr(x) for x in away)
                    + (" are" if len(away) > 1 else " is") + " not available then"
                )
            if pair.table is not None and not 0 <= pair.table < T:
                raise Infeasible(f"{name}: table {pair.table} is not one of the {T} tables")
        elif not both:
            continue  # they can never meet
        pa.append(i)
        pb.append(j)
        weight.append(float(pair.weight))
        common.append(both)
        locked.append(bool(pair.locked))
        fslot.append(pair.slot)
        ftable.append(pair.table)
    inst = _Instance(
        slots=S, tables=T,
        a_ids=[p.id for p in side_a], b_ids=[p.id for p in side_b],
        a_cap=[min(p.capacity, len(p.available)) for p in side_a],
        b_cap=[min(p.capacity, len(p.available)) for p in side_b],
        a_avail=a_avail, b_avail=b_avail,
        pa=pa, pb=pb, weight=weight, iweight=_integer_weights(weight) if weight else [],
        common=common, locked=locked, fixed_slot=fslot, fixed_table=ftable,
    )
    _check_locked(inst, side_a, side_b)
    return inst


def _check_locked(inst: _Instance, side_a, side_b) -> None:
    """The locked meetings on their own: within capacities, the room, one table each."""
    locked = [k for k in range(len(inst.pa)) if inst.locked[k]]
    for side, index, people, cap in (
        ("a", inst.pa, side_a, inst.a_cap), ("b", inst.pb, side_b, inst.b_cap)
    ):
        count = Counter(index[k] for k in locked)
        for i, n in sorted(count.items()):
            if n > cap[i]:
                p = people[i]
                which = ", ".join(inst.name(k) for k in locked if index[k] == i)
                raise Infeasible(
                    f"{p.id!r} (side {side}) has {n} locked meetings ({which}) but a capacity of "
                    f"{p.capacity} and {len(p.available)} available slots"
                )
    if len(locked) > inst.slots * inst.tables:
        raise Infeasible(
            f"{len(locked)} locked meetings, but {inst.slots} slots x {inst.tables} tables "
            f"hold {inst.slots * inst.tables}"
        )
    at_table: dict[tuple[int, int], int] = {}
    in_slot: dict[tuple[str, int, int], int] = {}
    per_slot: dict[int, list[int]] = defaultdict(list)
    for k in locked:
        s = inst.fixed_slot[k]
        if s is None:
            continue
        per_slot[s].append(k)
        t = inst.fixed_table[k]
        if t is not None:
            if (s, t) in at_table:
                raise Infeasible(
                    f"locked meeting {inst.name(k)}: slot {s}, table {t} is already taken by "
                    f"locked meeting {inst.name(at_table[s, t])}"
                )
            at_table[s, t] = k
        for side, i in (("a", inst.pa[k]), ("b", inst.pb[k])):
            if (side, i, s) in in_slot:
                who = inst.a_ids[i] if side == "a" else inst.b_ids[i]
                raise Infeasible(
                    f"locked meeting {inst.name(k)}: {who!r} already has locked meeting "
                    f"{inst.name(in_slot[side, i, s])} in slot {s}"
                )
            in_slot[side, i, s] = k
    for s, ks in sorted(per_slot.items()):
        if len(ks) > inst.tables:
            raise Infeasible(
                f"slot {s} has {len(ks)} locked meetings but only {inst.tables} tables "
                f"(the last: {inst.name(ks[-1])})"
            )


# --- step 1: which meetings happen -----------------------------------------------------------


def _step1(inst: _Instance, forced: Iterable[int] = (),
           banned: frozenset[int] = frozenset()) -> list[int]:
    """Step 1's meetings (pair indices): the max-weight b-matching within capacities and the
    room, locked pairs (and ``forced``) in, ``banned`` out, as a min-cost flow on the integer
    weights."""
    A, B, n = len(inst.a_ids), len(inst.b_ids), len(inst.pa)
    a_cap, b_cap = list(inst.a_cap), list(inst.b_cap)
    chosen = sorted({k for k in range(n) if inst.locked[k]} | set(forced))
    taken = set(chosen)
    for k in chosen:
        a_cap[inst.pa[k]] -= 1
        b_cap[inst.pb[k]] -= 1
    room = inst.slots * inst.tables - len(chosen)
    free = [k for k in range(n) if k not in taken and k not in banned]
    flow_units = min(room, sum(a_cap), sum(b_cap))
    if not free or flow_units <= 0:
        return chosen
    source, sink = A + B, A + B + 1
    solver = min_cost_flow.SimpleMinCostFlow()
    for k in free:
        solver.add_arc_with_capacity_and_unit_cost(inst.pa[k], A + inst.pb[k], 1, -inst.iweight[k])
    for i in range(A):
        solver.add_arc_with_capacity_and_unit_cost(source, i, a_cap[i], 0)
    for j in range(B):
        solver.add_arc_with_capacity_and_unit_cost(A + j, sink, b_cap[j], 0)
    solver.add_arc_with_capacity_and_unit_cost(source, sink, flow_units, 0)  # the bypass
    solver.set_node_supply(source, flow_units)
    solver.set_node_supply(sink, -flow_units)
    if solver.solve() != solver.OPTIMAL:  # cannot happen: the bypass carries everything
        raise RuntimeError("step 1: the min-cost flow found no optimum")
    return sorted(chosen + [k for arc, k in enumerate(free) if solver.flow(arc) > 0])


def _lp_bound(inst: _Instance) -> float:
    """Step 1's LP relaxation (GLOP): pairs in ``[0, 1]``, locked pairs at 1, capacities capped
    at availability, at most ``slots * tables`` meetings. Integral (totally unimodular), so
    equal to step 1's optimum; an upper bound on every schedule's weight."""
    n = len(inst.pa)
    if n == 0:
        return 0.0
    solver = pywraplp.Solver.CreateSolver("GLOP")
    x = [solver.NumVar(1.0 if inst.locked[k] else 0.0, 1.0, "") for k in range(n)]
    by_a, by_b = defaultdict(list), defaultdict(list)
    for k in range(n):
        by_a[inst.pa[k]].append(x[k])
        by_b[inst.pb[k]].append(x[k])
    for i, xs in by_a.items():
        solver.Add(solver.Sum(xs) <= inst.a_cap[i])
    for j, xs in by_b.items():
        solver.Add(solver.Sum(xs) <= inst.b_cap[j])
    solver.Add(solver.Sum(x) <= inst.slots * inst.tables)
    objective = solver.Objective()
    for k in range(n):
        objective.SetCoefficient(x[k], inst.weight[k])
    objective.SetMaximization()
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        raise RuntimeError("step 1: the LP relaxation found no optimum")
    return float(objective.Value())


# --- step 2: when and where ------------------------------------------------------------------


def _greedy(inst: _Instance, pairs: Iterable[int],
            fixed: dict[int, int] | None = None) -> dict[int, int]:
    """A first placement (pair -> slot), the start CP-SAT repairs: fixed placements first, then
    always the pair with the fewest usable slots left (locked pairs before the others, then the
    heavier), each in the usable slot nearest to its participants' other meetings (then the
    emptiest). Pairs left with no usable slot stay out. Nearly always places everything; the
    nearest-slot rule keeps the participants' days short. ``fixed`` pairs keep their slots."""
    T = inst.tables
    busy_a: dict[int, set[int]] = defaultdict(set)
    busy_b: dict[int, set[int]] = defaultdict(set)
    load = [0] * inst.slots
    placed: dict[int, int] = {}
    options: dict[int, set[int]] = {}
    of_a, of_b, of_slot = defaultdict(list), defaultdict(list), defaultdict(list)
    heap: list[tuple[bool, int, int, int]] = []

    def key(k: int) -> tuple[bool, int, int, int]:
        return (not inst.locked[k], len(options[k]), -inst.iweight[k], k)

    def shrink(k: int, s: int) -> None:
        if k in options and s in options[k]:
            options[k].discard(s)
            heapq.heappush(heap, key(k))

    def put(k: int, s: int) -> None:
        placed[k] = s
        options.pop(k, None)
        busy_a[inst.pa[k]].add(s)
        busy_b[inst.pb[k]].add(s)
        load[s] += 1
        for m in (*of_a[inst.pa[k]], *of_b[inst.pb[k]]):
            shrink(m, s)
        if load[s] >= T:
            for m in of_slot[s]:
                shrink(m, s)

    def distance(busy: set[int], s: int) -> int:
        return min((abs(s - t) for t in busy), default=0)

    fixed = fixed or {}
    pairs = sorted(set(pairs) | set(fixed))
    for k in pairs:
        if inst.fixed_slot[k] is None and k not in fixed:
            options[k] = set(inst.common[k])
            of_a[inst.pa[k]].append(k)
            of_b[inst.pb[k]].append(k)
            for s in inst.common[k]:
                of_slot[s].append(k)
    for k in pairs:
        if k in fixed:
            put(k, fixed[k])
        elif inst.fixed_slot[k] is not None:
            put(k, inst.fixed_slot[k])
    heap.extend(key(k) for k in options)
    heapq.heapify(heap)
    while heap:
        entry = heapq.heappop(heap)
        k = entry[3]
        if k not in options or entry != key(k):
            continue  # placed already, or an outdated entry
        if not options[k]:
            del options[k]
            continue
        ba, bb = busy_a[inst.pa[k]], busy_b[inst.pb[k]]
        put(k, min(options[k], key=lambda s: (distance(ba, s) + distance(bb, s), load[s], s)))
    return placed


def _solver(deterministic_time: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = _SEED
    solver.parameters.max_deterministic_time = deterministic_time
    return solver


def _placement_model(inst: _Instance, pool: list[int], *, optional: bool):
    """Variables ``x[k, s]`` (pair ``k`` meets in slot ``s``) over the pairs of ``pool``, with
    the constraints of a schedule. With ``optional``, a pair may get no slot (locked pairs
    always get one) and the capacities apply; otherwise every pair gets one."""
    model = cp_model.CpModel()
    S, T = inst.slots, inst.tables
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    by_a_slot, by_b_slot = defaultdict(list), defaultdict(list)
    by_slot = defaultdict(list)
    by_a, by_b = defaultdict(list), defaultdict(list)
    for k in pool:
        slots = (inst.fixed_slot[k],) if inst.fixed_slot[k] is not None else inst.common[k]
        own = []
        for s in slots:
            v = model.new_bool_var("")
            x[k, s] = v
            own.append(v)
            by_a_slot[inst.pa[k], s].append(v)
            by_b_slot[inst.pb[k], s].append(v)
            by_slot[s].append(v)
        if optional and not inst.locked[k]:
            model.add_at_most_one(own)
        else:
            model.add_exactly_one(own)
        by_a[inst.pa[k]].extend(own)
        by_b[inst.pb[k]].extend(own)
    for group in (*by_a_slot.values(), *by_b_slot.values()):
        if len(group) > 1:
            model.add_at_most_one(group)
    for s in range(S):
        if len(by_slot[s]) > T:
            model.add(sum(by_slot[s]) <= T)
    if optional:
        for by, cap in ((by_a, inst.a_cap), (by_b, inst.b_cap)):
            for i, vs in by.items():
                if len(vs) > cap[i]:
                    model.add(sum(vs) <= cap[i])
    return model, x, by_a_slot, by_b_slot


def _status_ok(status) -> bool:
    return status in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def _repair(inst: _Instance, pool: list[int], start: dict[int, int],
            deterministic_time: float) -> dict[int, int] | None:
    """Every pair of ``pool`` placed, as many as possible in their slot of ``start`` (the
    greedy's, which leaves a few out): the fewest moves that make room. None if CP-SAT proves
    there is no placement of them all, or finds none within its budget."""
    model, x, _, _ = _placement_model(inst, pool, optional=False)
    model.maximize(sum(v for (k, s), v in x.items() if start.get(k) == s))
    solver = _solver(deterministic_time)
    if not _status_ok(solver.solve(model)):
        return None
    return {k: s for (k, s), v in x.items() if solver.boolean_value(v)}


def _max_weight(inst: _Instance, pool: list[int], hint: dict[int, int], bound: int,
                deterministic_time: float) -> tuple[dict[int, int], bool]:
    """The heaviest placement of a subset of ``pool`` (locked pairs always in), no heavier than
    ``bound`` (step 1's optimum): pair -> slot, and whether CP-SAT proved it optimal. ``hint``
    must be a placement (it is CP-SAT's first solution)."""
    model, x, _, _ = _placement_model(inst, pool, optional=True)
    objective = sum(inst.iweight[k] * v for (k, _s), v in x.items())
    model.add(objective <= bound)
    model.maximize(objective)
    if hint:
        for (k, s), v in x.items():
            model.add_hint(v, hint.get(k) == s)
    solver = _solver(deterministic_time)
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:
        locked = [inst.name(k) for k in pool if inst.locked[k]]
        raise Infeasible(
            f"the {len(locked)} locked meetings fit one by one but not together: no choice of "
            f"slots gives each participant one meeting per slot within the {inst.tables} tables "
            f"({', '.join(locked)})"
        )
    if not _status_ok(status):
        return {}, False
    placed = {k: s for (k, s), v in x.items() if solver.boolean_value(v)}
    return placed, status == cp_model.OPTIMAL


def _weight(inst: _Instance, placed: dict[int, int]) -> int:
    return sum(inst.iweight[k] for k in placed)


def _min_idle(inst: _Instance, placed: dict[int, int],
              deterministic_time: float) -> tuple[dict[int, int], bool]:
    """The same meetings, re-slotted to shorten each participant's day, and whether that is
    proven the shortest. A participant's day is the slots from its first meeting to its last:
    ``before[i, s]`` (a meeting at or before ``s``) rises once and ``after[i, s]`` falls once,
    so the length of the day is ``sum(before + after) - (slots in its range)``; with the meetings
    fixed, minimizing it minimizes the idle slots. Only for models of at most
    ``_CP_SAT_MAX_VARS`` placements: larger ones keep the greedy's short days (CP-SAT does not
    improve on them within seconds)."""
    pool = sorted(placed)
    if _variables(inst, pool) > _CP_SAT_MAX_VARS:
        return placed, False
    model, x, by_a_slot, by_b_slot = _placement_model(inst, pool, optional=False)
    terms = []
    for by, index in ((by_a_slot, inst.pa), (by_b_slot, inst.pb)):
        slots_of: dict[int, dict[int, list]] = defaultdict(dict)
        for (i, s), vs in by.items():
            slots_of[i][s] = vs
        busy_now: dict[int, list[int]] = defaultdict(list)
        for k, s in placed.items():
            busy_now[index[k]].append(s)
        for i in sorted(slots_of):
            usable = slots_of[i]
            if len(busy_now[i]) < 2 or len(usable) < 2:
                continue
            lo, hi = min(usable), max(usable)
            first, last = min(busy_now[i]), max(busy_now[i])
            before, after = [], []
            for s in range(lo, hi + 1):
                b, a = model.new_bool_var(""), model.new_bool_var("")
                model.add_hint(b, s >= first)
                model.add_hint(a, s <= last)
                if before:
                    model.add_implication(before[-1], b)
                    model.add_implication(a, after[-1])
                if s in usable:
                    busy = sum(usable[s])
                    model.add(b >= busy)
                    model.add(a >= busy)
                before.append(b)
                after.append(a)
            terms += before + after
    if not terms:
        return placed, True
    model.minimize(sum(terms))
    for (k, s), v in x.items():
        model.add_hint(v, placed[k] == s)
    solver = _solver(deterministic_time)
    status = solver.solve(model)
    if not _status_ok(status):
        return placed, False
    better = {k: s for (k, s), v in x.items() if solver.boolean_value(v)}
    if _idle(inst, better) > _idle(inst, placed):
        return placed, False
    return better, status == cp_model.OPTIMAL


def _tables(inst: _Instance, placed: dict[int, int]) -> dict[int, int]:
    """Tables within each slot: locked tables kept, the others in order of the pairs."""
    table: dict[int, int] = {}
    taken = defaultdict(set)
    for k, s in placed.items():
        if inst.fixed_table[k] is not None:
            table[k] = inst.fixed_table[k]
            taken[s].add(inst.fixed_table[k])
    next_free = defaultdict(int)
    for k in sorted(placed):
        if k in table:
            continue
        s = placed[k]
        t = next_free[s]
        while t in taken[s]:
            t += 1
        table[k] = t
        next_free[s] = t + 1
    return table


def _idle(inst: _Instance, placed: dict[int, int]) -> int:
    days = defaultdict(list)
    for k, s in placed.items():
        days["a", inst.pa[k]].append(s)
        days["b", inst.pb[k]].append(s)
    return sum(max(ss) - min(ss) + 1 - len(ss) for ss in days.values())


def _why_dropped(inst: _Instance, k: int, placed: dict[int, int], proven: bool) -> str:
    a, b = inst.a_ids[inst.pa[k]], inst.b_ids[inst.pb[k]]
    count_a = sum(1 for m in placed if inst.pa[m] == inst.pa[k])
    count_b = sum(1 for m in placed if inst.pb[m] == inst.pb[k])
    full = [f"{who!r} is full ({n} meetings, the most it can take)"
            for who, n, cap in ((a, count_a, inst.a_cap[inst.pa[k]]),
                                (b, count_b, inst.b_cap[inst.pb[k]])) if n >= cap]
    load = Counter(placed.values())
    busy_a = {s for m, s in placed.items() if inst.pa[m] == inst.pa[k]}
    busy_b = {s for m, s in placed.items() if inst.pb[m] == inst.pb[k]}
    blocked = []
    for s in inst.common[k]:
        why = [f"{a!r} busy"] if s in busy_a else []
        why += [f"{b!r} busy"] if s in busy_b else []
        why += ["all tables taken"] if load[s] >= inst.tables else []
        blocked.append(f"{s}: {', '.join(why) if why else 'free'}")
    then = ("no schedule that keeps it weighs more (proven)" if proven
            else "the solver found no schedule that keeps it and weighs more")
    if full:
        parts = full
    elif all(": free" not in x for x in blocked):
        parts = ["no slot both could use is free"]
    else:
        parts = ["it was left out when step 1 was solved again around the placed meetings, "
                 "and a slot both could use was freed only when the days were shortened"]
    return (f"chosen in step 1 but not placed: {'; '.join(parts)} "
            f"(slots both are available in — {'; '.join(blocked)}); {then}")


def _rechoose(inst: _Instance, chosen: list[int], placed: dict[int, int]) -> dict[int, int]:
    """Around what is placed, choose again: the pairs that found no slot are banned, step 1 is
    solved again with the placed meetings forced in (so the weight never falls), and the greedy
    places the new choice around them; until step 1 brings nothing new. Each round bans at
    least one pair, so it ends. A last pass adds, heaviest first, any pair (banned ones too)
    whose participants have room and a slot free for both, so no meeting is left out that
    could simply be added."""
    banned: set[int] = set()
    for _round in range(len(inst.pa) + 1):
        banned |= set(chosen) - set(placed)
        chosen = _step1(inst, forced=placed, banned=frozenset(banned))
        if len(chosen) == len(placed):
            break
        placed = _greedy(inst, chosen, fixed=placed)
    placed = dict(placed)
    count_a = Counter(inst.pa[k] for k in placed)
    count_b = Counter(inst.pb[k] for k in placed)
    busy = {(side, i, s) for k, s in placed.items()
            for side, i in (("a", inst.pa[k]), ("b", inst.pb[k]))}
    load = Counter(placed.values())
    for k in sorted(range(len(inst.pa)), key=lambda k: (-inst.iweight[k], k)):
        i, j = inst.pa[k], inst.pb[k]
        if k in placed or count_a[i] >= inst.a_cap[i] or count_b[j] >= inst.b_cap[j]:
            continue
        free = [s for s in inst.common[k] if load[s] < inst.tables
                and ("a", i, s) not in busy and ("b", j, s) not in busy]
        if free:
            s = free[0]
            placed[k] = s
            count_a[i] += 1
            count_b[j] += 1
            busy |= {("a", i, s), ("b", j, s)}
            load[s] += 1
    if len(placed) > inst.slots * inst.tables:  # cannot happen: the load check holds it
        raise RuntimeError("re-choice: more meetings than places")
    return placed


def _variables(inst: _Instance, pool: Iterable[int]) -> int:
    return sum(1 if inst.fixed_slot[k] is not None else len(inst.common[k]) for k in pool)


def schedule_meetings(problem: Problem, *, deterministic_time: float = 10.0,
                      idle_deterministic_time: float = 2.0) -> Schedule:
    """The meetings and their places (module docstring). ``deterministic_time`` bounds each
    CP-SAT search for a placement of the meetings, ``idle_deterministic_time`` the search for
    fewer idle slots (CP-SAT's deterministic time: a count of work, roughly seconds of one
    core). Raises :class:`Infeasible` when the locked meetings cannot hold.

    Step 2 in order: the greedy placement of step 1's meetings (:func:`_greedy`); if it leaves
    some out, CP-SAT places them all with the fewest moves (:func:`_repair`); if they cannot
    all be placed, step 1 again around the placed meetings (:func:`_rechoose`), then, on
    models of up to ``_CP_SAT_MAX_VARS`` placements, the heaviest schedule over every candidate
    pair (:func:`_max_weight`); then the idle slots (:func:`_min_idle`) and the tables."""
    inst = _instance(problem)
    chosen = _step1(inst)
    lp_bound = _lp_bound(inst)
    placed = _greedy(inst, chosen)
    optimal = len(placed) == len(chosen)
    if not optimal:
        repaired = _repair(inst, chosen, placed, deterministic_time)
        if repaired is not None:
            placed, optimal = repaired, True
    if not optimal:
        placed = _rechoose(inst, chosen, placed)
        every = list(range(len(inst.pa)))
        locked_out = any(inst.locked[k] and k not in placed for k in every)
        if locked_out or _variables(inst, every) <= _CP_SAT_MAX_VARS:
            hint = {} if locked_out else placed  # the hint must be a schedule
            bound = _weight(inst, dict.fromkeys(chosen, 0))
            wider, proven = _max_weight(inst, every, hint, bound, deterministic_time)
            if wider and (_weight(inst, wider) > _weight(inst, placed) or proven or locked_out):
                placed, optimal = wider, proven
    if any(inst.locked[k] and k not in placed for k in range(len(inst.pa))):
        raise Infeasible("no placement of the locked meetings was found within the time budget")
    placed, idle_optimal = _min_idle(inst, placed, idle_deterministic_time)
    table = _tables(inst, placed)
    meetings = tuple(sorted(
        (Meeting(inst.a_ids[inst.pa[k]], inst.b_ids[inst.pb[k]], s, table[k], inst.weight[k],
                 inst.locked[k]) for k, s in placed.items()),
        key=lambda m: (m.slot, m.table),
    ))
    dropped = tuple(
        Dropped(inst.a_ids[inst.pa[k]], inst.b_ids[inst.pb[k]], inst.weight[k],
                _why_dropped(inst, k, placed, optimal))
        for k in chosen if k not in placed
    )
    return Schedule(
        meetings=meetings,
        weight=math.fsum(inst.weight[k] for k in placed),
        lp_bound=lp_bound,
        step1_weight=math.fsum(inst.weight[k] for k in chosen),
        optimal=optimal,
        idle_slots=_idle(inst, placed),
        idle_optimal=idle_optimal,
        dropped=dropped,
    )


# --- checking a schedule ---------------------------------------------------------------------


def check_schedule(problem: Problem, result: Schedule) -> list[str]:
    """Every way ``result`` breaks ``problem``'s rules, one line each (empty when none): double
    bookings of a participant or a table, slots and tables out of range, too many meetings in
    a slot, capacities, availability, pairs that are not candidates or meet twice, locked
    meetings and placements not kept, and a total that is not the meetings' weight."""
    out: list[str] = []
    S, T = problem.slots, problem.tables
    a_of = {p.id: p for p in problem.side_a}
    b_of = {p.id: p for p in problem.side_b}
    pairs = {(p.a, p.b): p for p in problem.pairs}
    seen_pair: set = set()
    a_slot: dict = {}
    b_slot: dict = {}
    table_at: dict = {}
    per_slot: Counter = Counter()
    count_a: Counter = Counter()
    count_b: Counter = Counter()
    for m in result.meetings:
        name = f"{m.a!r}–{m.b!r}"
        pair = pairs.get((m.a, m.b))
        if pair is None:
            out.append(f"meeting {name} is not a candidate pair")
        elif not math.isclose(pair.weight, m.weight):
            out.append(f"meeting {name} has weight {m.weight}, the pair {pair.weight}")
        if (m.a, m.b) in seen_pair:
            out.append(f"meeting {name} is scheduled twice")
        seen_pair.add((m.a, m.b))
        if not 0 <= m.slot < S:
            out.append(f"meeting {name}: slot {m.slot} is outside 0..{S - 1}")
        if not 0 <= m.table < T:
            out.append(f"meeting {name}: table {m.table} is outside 0..{T - 1}")
        for who, of, slot_of in ((m.a, a_of, a_slot), (m.b, b_of, b_slot)):
            person = of.get(who)
            if person is None:
                out.append(f"meeting {name}: {who!r} is not a participant")
            elif m.slot not in person.available:
                out.append(f"meeting {name}: {who!r} is not available in slot {m.slot}")
            if (who, m.slot) in slot_of:
                out.append(f"double booking: {who!r} meets {slot_of[who, m.slot]} and {name} "
                           f"in slot {m.slot}")
            slot_of[who, m.slot] = name
        if (m.slot, m.table) in table_at:
            out.append(f"double booking: slot {m.slot}, table {m.table} holds "
                       f"{table_at[m.slot, m.table]} and {name}")
        table_at[m.slot, m.table] = name
        per_slot[m.slot] += 1
        count_a[m.a] += 1
        count_b[m.b] += 1
    for s, n in sorted(per_slot.items()):
        if n > T:
            out.append(f"slot {s} has {n} meetings, more than the {T} tables")
    for side, of, count in (("a", a_of, count_a), ("b", b_of, count_b)):
        for who, n in count.items():
            if who in of and n > of[who].capacity:
                out.append(f"{who!r} (side {side}) has {n} meetings, capacity {of[who].capacity}")
    placed = {(m.a, m.b): m for m in result.meetings}
    for pair in problem.pairs:
        if not pair.locked:
            continue
        name = f"{pair.a!r}–{pair.b!r}"
        m = placed.get((pair.a, pair.b))
        if m is None:
            out.append(f"locked meeting {name} is missing")
            continue
        if pair.slot is not None and m.slot != pair.slot:
            out.append(f"locked meeting {name} is in slot {m.slot}, not its slot {pair.slot}")
        if pair.table is not None and m.table != pair.table:
            out.append(f"locked meeting {name} is at table {m.table}, not its table {pair.table}")
    total = math.fsum(m.weight for m in result.meetings)
    if not math.isclose(total, result.weight, rel_tol=1e-9, abs_tol=1e-9):
        out.append(f"the weight is {result.weight}, the meetings add up to {total}")
    return out
