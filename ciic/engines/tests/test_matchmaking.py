"""The matchmaking scheduler (issue 14 §3) against brute force and its own checker.

No database: plain functions on small synthetic days.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest

from ciic.engines.matchmaking import (
    Infeasible,
    Pair,
    Participant,
    Problem,
    Schedule,
    check_schedule,
    schedule_meetings,
)

# --- days ------------------------------------------------------------------------------------


def random_day(seed, *, n_a=3, n_b=4, slots=3, tables=2, density=0.8, locked=0,
               integer=True) -> Problem:
    """A tiny day: random capacities (1-3), availability (1..slots random slots), candidate
    pairs and weights; ``locked`` random pairs locked (a fixed slot for every other one when
    it can be given without a collision)."""
    rng = random.Random(seed)
    side_a = [Participant(f"a{i}", rng.randint(1, 3),
                          frozenset(rng.sample(range(slots), rng.randint(1, slots))))
              for i in range(n_a)]
    side_b = [Participant(f"b{j}", rng.randint(1, 3),
                          frozenset(rng.sample(range(slots), rng.randint(1, slots))))
              for j in range(n_b)]
    pairs = []
    for a, b in itertools.product(side_a, side_b):
        if rng.random() < density:
            weight = rng.randint(1, 20) if integer else round(rng.uniform(0.1, 5.0), 6)
            pairs.append(Pair(a.id, b.id, weight))
    # lock pairs with a common slot and distinct participants, so the lock always holds
    used, fixed_slots = set(), set()
    for index in rng.sample(range(len(pairs)), len(pairs)):
        if locked == 0:
            break
        p = pairs[index]
        a = next(x for x in side_a if x.id == p.a)
        b = next(x for x in side_b if x.id == p.b)
        common = sorted(a.available & b.available)
        if not common or p.a in used or p.b in used:
            continue
        used |= {p.a, p.b}
        slot = common[0] if locked % 2 == 0 and common[0] not in fixed_slots else None
        if slot is not None:
            fixed_slots.add(slot)
        pairs[index] = Pair(p.a, p.b, p.weight, True, slot, 0 if slot is not None else None)
        locked -= 1
    return Problem(side_a, side_b, pairs, slots, tables)


def _placements(problem: Problem, pairs: list[Pair]):
    """Every way to place ``pairs`` (a list of slots), or nothing if there is none."""
    a_of = {p.id: p for p in problem.side_a}
    b_of = {p.id: p for p in problem.side_b}
    options = []
    for p in pairs:
        common = sorted(a_of[p.a].available & b_of[p.b].available)
        options.append([p.slot] if p.slot is not None else common)

    def place(i, slots, busy, load):
        if i == len(pairs):
            yield list(slots)
            return
        p = pairs[i]
        for s in options[i]:
            if (p.a, s) in busy or (p.b, s) in busy or load[s] >= problem.tables:
                continue
            busy |= {(p.a, s), (p.b, s)}
            load[s] += 1
            slots.append(s)
            yield from place(i + 1, slots, busy, load)
            slots.pop()
            load[s] -= 1
            busy -= {(p.a, s), (p.b, s)}

    yield from place(0, [], set(), Counter())


def brute_force_weight(problem: Problem) -> float:
    """The heaviest subset of candidate pairs (locked ones included) that fits capacities and
    has a placement."""
    cap = {p.id: p.capacity for p in (*problem.side_a, *problem.side_b)}
    locked = [p for p in problem.pairs if p.locked]
    free = [p for p in problem.pairs if not p.locked]
    best = None
    for mask in range(1 << len(free)):
        subset = locked + [p for i, p in enumerate(free) if mask >> i & 1]
        weight = sum(p.weight for p in subset)
        if best is not None and weight <= best:
            continue
        count = Counter(x for p in subset for x in (p.a, p.b))
        if any(n > cap[x] for x, n in count.items()):
            continue
        if next(_placements(problem, subset), None) is not None:
            best = weight
    return best


def idle(problem: Problem, pairs: list[Pair], slots: list[int]) -> int:
    days = {}
    for p, s in zip(pairs, slots, strict=True):
        days.setdefault(p.a, []).append(s)
        days.setdefault(p.b, []).append(s)
    return sum(max(ss) - min(ss) + 1 - len(ss) for ss in days.values())


def medium_day(seed: int) -> Problem:
    return random_day(seed, n_a=40, n_b=25, slots=8, tables=10, density=0.15, locked=4)


# --- a schedule is a schedule ----------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_never_double_books_and_keeps_capacities_availability_and_tables(seed) -> None:
    problem = medium_day(seed)
    result = schedule_meetings(problem)
    assert check_schedule(problem, result) == []
    # the same rules, counted here without the checker
    a_of = {p.id: p for p in problem.side_a}
    b_of = {p.id: p for p in problem.side_b}
    busy = Counter((x, m.slot) for m in result.meetings for x in (m.a, m.b))
    assert max(busy.values()) == 1
    assert len({(m.slot, m.table) for m in result.meetings}) == len(result.meetings)
    assert max(Counter(m.slot for m in result.meetings).values()) <= problem.tables
    assert all(0 <= m.table < problem.tables for m in result.meetings)
    for m in result.meetings:
        assert m.slot in a_of[m.a].available and m.slot in b_of[m.b].available
    count = Counter(x for m in result.meetings for x in (m.a, m.b))
    assert all(n <= {**a_of, **b_of}[x].capacity for x, n in count.items())
    assert result.weight <= result.lp_bound + 1e-6
    assert len(result.meetings) > 20


def test_the_checker_finds_what_is_wrong() -> None:
    problem = medium_day(0)
    result = schedule_meetings(problem)
    first, second = result.meetings[0], result.meetings[1]
    moved = [first, second.__class__(second.a, first.b, first.slot, first.table, second.weight)]
    broken = Schedule(tuple(moved) + result.meetings[2:], result.weight, result.lp_bound,
                      result.step1_weight, result.optimal, 0, False)
    problems = check_schedule(problem, broken)
    assert any(v.startswith("double booking") and repr(first.b) in v for v in problems)
    assert any("table" in v and v.startswith("double booking") for v in problems)
    locked = next(p for p in problem.pairs if p.locked)
    without = Schedule(tuple(m for m in result.meetings if (m.a, m.b) != (locked.a, locked.b)),
                       result.weight, result.lp_bound, result.step1_weight, True, 0, False)
    missing = f"locked meeting {locked.a!r}–{locked.b!r} is missing"
    assert missing in check_schedule(problem, without)


def test_one_table_holds_one_meeting_per_slot() -> None:
    people_a = [Participant(f"a{i}", 3, frozenset({0, 1})) for i in range(3)]
    people_b = [Participant(f"b{j}", 3, frozenset({0, 1})) for j in range(3)]
    pairs = [Pair(a.id, b.id, 1 + i)
             for i, (a, b) in enumerate(itertools.product(people_a, people_b))]
    problem = Problem(people_a, people_b, pairs, slots=2, tables=1)
    result = schedule_meetings(problem)
    assert check_schedule(problem, result) == []
    assert sorted(m.slot for m in result.meetings) == [0, 1]
    assert {m.table for m in result.meetings} == {0}
    assert result.weight == 9 + 8 == result.lp_bound  # the room's cap is in step 1's bound


def test_capacity_is_capped_at_availability() -> None:
    """An investor who takes 5 meetings but is there for 2 slots gets 2, and the bound knows."""
    investor = Participant("I", 5, frozenset({1, 3}))
    teams = [Participant(f"T{j}", 1, frozenset(range(4))) for j in range(4)]
    problem = Problem([investor], teams, [Pair("I", t.id, 10 - j) for j, t in enumerate(teams)],
                      slots=4, tables=4)
    result = schedule_meetings(problem)
    assert [(m.b, m.slot) for m in result.meetings] == [("T0", 1), ("T1", 3)] or \
        [(m.b, m.slot) for m in result.meetings] == [("T1", 1), ("T0", 3)]
    assert result.step1_weight == result.lp_bound == result.weight == 19
    assert result.dropped == ()


# --- optimality ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(24))
def test_optimal_on_tiny_days_by_brute_force(seed) -> None:
    problem = random_day(seed, n_a=3, n_b=4 if seed % 2 else 3, slots=3,
                         tables=1 + seed % 2, locked=seed % 3, integer=seed % 4 != 3)
    best = brute_force_weight(problem)
    result = schedule_meetings(problem)
    assert check_schedule(problem, result) == []
    assert result.weight == pytest.approx(best, rel=1e-6)
    assert result.optimal
    assert result.weight <= result.lp_bound + 1e-6
    # the dropped meetings are exactly step 1's weight that the schedule could not keep
    assert result.step1_weight == pytest.approx(result.lp_bound, rel=1e-6)


def test_brute_force_sees_days_where_step_1_alone_is_not_enough() -> None:
    """The tiny days above are not all easy: on some, step 1's meetings cannot all be placed,
    so the schedule weighs less than the LP bound and the brute force agrees."""
    below = []
    for seed in range(24):
        problem = random_day(seed, n_a=3, n_b=4 if seed % 2 else 3, slots=3,
                             tables=1 + seed % 2, locked=seed % 3, integer=seed % 4 != 3)
        result = schedule_meetings(problem)
        if result.weight < result.lp_bound - 1e-6:
            below.append(seed)
            assert result.dropped
    assert below


def test_idle_slots_are_the_fewest_on_tiny_days() -> None:
    for seed in range(8):
        problem = random_day(100 + seed, n_a=3, n_b=3, slots=5, tables=2, density=0.9)
        result = schedule_meetings(problem)
        assert result.idle_optimal
        by_pair = {(p.a, p.b): p for p in problem.pairs}
        pairs = [by_pair[m.a, m.b] for m in result.meetings]
        fewest = min(idle(problem, pairs, slots) for slots in _placements(problem, pairs))
        assert result.idle_slots == fewest


def test_a_days_meetings_are_back_to_back_when_they_can_be() -> None:
    investor = Participant("I", 3, frozenset(range(6)))
    teams = [Participant(f"T{j}", 1, frozenset(range(6))) for j in range(3)]
    problem = Problem([investor], teams, [Pair("I", t.id, 5) for t in teams], slots=6, tables=1)
    result = schedule_meetings(problem)
    slots = sorted(m.slot for m in result.meetings)
    assert slots[-1] - slots[0] == 2 and result.idle_slots == 0


# --- step 2 does not drop silently -----------------------------------------------------------


def test_an_unplaceable_choice_of_step_1_is_replaced_and_reported() -> None:
    """Step 1 gives the investor both heavy teams, who are only there in slot 0; the schedule
    keeps one and takes the light team in slot 1 instead, and says why the other went."""
    investor = Participant("I", 2, frozenset({0, 1}))
    teams = [Participant("T1", 1, frozenset({0})), Participant("T2", 1, frozenset({0})),
             Participant("T3", 1, frozenset({1}))]
    problem = Problem([investor], teams,
                      [Pair("I", "T1", 10), Pair("I", "T2", 10), Pair("I", "T3", 1)],
                      slots=2, tables=5)
    result = schedule_meetings(problem)
    assert check_schedule(problem, result) == []
    assert result.lp_bound == 20 and result.weight == 11 and result.optimal
    assert result.gap == pytest.approx(9 / 20)
    assert {(m.b, m.slot) for m in result.meetings} >= {("T3", 1)}
    [dropped] = result.dropped
    assert dropped.b in {"T1", "T2"} and dropped.weight == 10
    assert "'I' busy" in dropped.reason and "0:" in dropped.reason


# --- locked meetings -------------------------------------------------------------------------


def test_locked_meetings_and_placements_survive_a_rerun() -> None:
    problem = medium_day(7)
    first = schedule_meetings(problem)
    keep = first.meetings[::5]
    placed = {(m.a, m.b): m for m in keep}
    chosen = {(m.a, m.b) for m in first.meetings}
    # also lock a pair the first run left out: the lightest one that still fits
    b_busy = {(m.b, m.slot) for m in keep}
    a_busy = {(m.a, m.slot) for m in keep}
    a_of = {p.id: p for p in problem.side_a}
    b_of = {p.id: p for p in problem.side_b}
    extra = next(
        p for p in sorted(problem.pairs, key=lambda p: p.weight)
        if (p.a, p.b) not in chosen and not p.locked
        and all(x not in {y for m in keep for y in (m.a, m.b)} for x in (p.a, p.b))
        and a_of[p.a].available & b_of[p.b].available
        and not any((p.a, s) in a_busy or (p.b, s) in b_busy
                    for s in a_of[p.a].available & b_of[p.b].available)
    )
    pairs = []
    for p in problem.pairs:
        m = placed.get((p.a, p.b))
        if m is not None:
            pairs.append(Pair(p.a, p.b, p.weight, True, m.slot, m.table))
        elif (p.a, p.b) == (extra.a, extra.b):
            pairs.append(Pair(p.a, p.b, p.weight, True))
        else:
            pairs.append(p)
    again = Problem(problem.side_a, problem.side_b, pairs, problem.slots, problem.tables)
    second = schedule_meetings(again)
    assert check_schedule(again, second) == []
    got = {(m.a, m.b): (m.slot, m.table) for m in second.meetings}
    assert all(got[key] == (m.slot, m.table) for key, m in placed.items())
    assert (extra.a, extra.b) in got
    for p in problem.pairs:  # the first run's own locks held as well
        if p.locked:
            assert (p.a, p.b) in got and (p.slot is None or got[p.a, p.b][0] == p.slot)


def test_a_locked_pair_with_no_common_slot_is_refused_by_name() -> None:
    problem = Problem([Participant("Fund", 2, frozenset({0, 1}))],
                      [Participant("Team", 2, frozenset({2, 3}))],
                      [Pair("Fund", "Team", 3, locked=True)], slots=4, tables=2)
    with pytest.raises(Infeasible, match=r"'Fund'–'Team': no slot in which both are available"):
        schedule_meetings(problem)


@pytest.mark.parametrize(
    ("pairs", "capacity", "message"),
    [
        ([Pair("A", "X", 1, True, 0, 1), Pair("B", "Y", 1, True, 0, 1)], 2,
         r"'B'–'Y': slot 0, table 1 is already taken by locked meeting 'A'–'X'"),
        ([Pair("A", "X", 1, True, 1, 0), Pair("A", "Y", 1, True, 1, 1)], 2,
         r"'A'–'Y': 'A' already has locked meeting 'A'–'X' in slot 1"),
        ([Pair("A", "X", 1, True), Pair("A", "Y", 1, True)], 1,
         r"'A' \(side a\) has 2 locked meetings \('A'–'X', 'A'–'Y'\) but a capacity of 1"),
        ([Pair("A", "X", 1, True, 5)], 2,
         r"'A'–'X': fixed in slot 5, but 'A' and 'X' are not available"),
        ([Pair("A", "X", 1, True, 0, 7)], 2, r"'A'–'X': table 7 is not one of the 2 tables"),
    ],
)
def test_locked_configurations_that_cannot_hold_are_refused(pairs, capacity, message) -> None:
    side_a = [Participant("A", capacity, frozenset(range(4))),
              Participant("B", 2, frozenset(range(4)))]
    side_b = [Participant("X", 2, frozenset(range(4))), Participant("Y", 2, frozenset(range(4)))]
    problem = Problem(side_a, side_b, pairs, slots=6, tables=2)
    with pytest.raises(Infeasible, match=message):
        schedule_meetings(problem)


def test_locked_meetings_that_fit_alone_but_not_together_are_refused() -> None:
    """Two locked meetings of one investor with teams that are only there in slot 0."""
    problem = Problem([Participant("A", 2, frozenset({0, 1}))],
                      [Participant("X", 1, frozenset({0})), Participant("Y", 1, frozenset({0}))],
                      [Pair("A", "X", 1, True), Pair("A", "Y", 1, True)], slots=2, tables=2)
    with pytest.raises(Infeasible, match=r"fit one by one but not together.*'A'–'X', 'A'–'Y'"):
        schedule_meetings(problem)


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        (Pair("A", "Z", 1), "'Z' is not on side b"),
        (Pair("A", "X", 0), "the weight must be positive"),
        (Pair("A", "X", 1, slot=0), "only a locked pair has a fixed place"),
        (Pair("A", "X", 1, True, table=0), "a fixed table needs a fixed slot"),
    ],
)
def test_malformed_input_is_refused(pair, message) -> None:
    problem = Problem([Participant("A", 1, frozenset({0}))], [Participant("X", 1, frozenset({0}))],
                      [pair], slots=1, tables=1)
    with pytest.raises(ValueError, match=message):
        schedule_meetings(problem)


# --- deterministic ---------------------------------------------------------------------------


def test_the_same_day_gives_the_same_schedule_in_any_input_order() -> None:
    problem = medium_day(11)
    first = schedule_meetings(problem)
    assert schedule_meetings(problem) == first
    rng = random.Random(5)
    shuffled = Problem(rng.sample(list(problem.side_a), len(problem.side_a)),
                       rng.sample(list(problem.side_b), len(problem.side_b)),
                       rng.sample(list(problem.pairs), len(problem.pairs)),
                       problem.slots, problem.tables)
    assert schedule_meetings(shuffled) == first
