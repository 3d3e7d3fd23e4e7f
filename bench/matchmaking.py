"""Benchmark of the matchmaking scheduler (ciic/engines/matchmaking.py), run by hand:

    .venv/bin/python bench/matchmaking.py --investors 500 --teams 300 --slots 16 --tables 60
        [--pairs 4000] [--locked 6] [--seed S]

Generates a seeded random meeting day and prints:

    investors=... teams=... slots=... tables=... pairs=... locked=...
    seconds=... meetings=... weight=... lp_bound=... gap=... optimal=... dropped=...
    idle_slots=... double_bookings=... violations=...

The day: every participant is available in a random 10-16 of the 16 slots (scaled to
``--slots``); investors take 1-8 meetings, teams 1-10. Each participant has 3-6 of
24 interests; a candidate pair is an investor and a team sharing at least one, and ``--pairs``
of them are kept (the most shared interests first, ties at random). A pair's weight is 10 per
shared interest plus a 1-9 rating of the mutual interest. ``--locked`` candidate pairs are
locked, the first third with a fixed slot and table.

* ``seconds`` is ``schedule_meetings`` alone.
* ``lp_bound`` is the LP relaxation of step 1 (no schedule weighs more); ``gap`` the relative
  difference ``(lp_bound - weight) / lp_bound``.
* ``double_bookings`` counts the violations of ``check_schedule`` that are double bookings,
  ``violations`` all of them; the script exits with 1 if there is any.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ciic.engines.matchmaking import (  # noqa: E402
    Pair,
    Participant,
    Problem,
    check_schedule,
    schedule_meetings,
)

INTERESTS = 24


def _availability(rng: np.random.Generator, slots: int) -> frozenset[int]:
    """A random 10-16 of 16 slots (scaled to the day's length)."""
    size = int(rng.integers(max(1, (slots * 10) // 16), slots + 1))
    return frozenset(rng.choice(slots, size=size, replace=False).tolist())


def synthetic_day(investors: int, teams: int, slots: int, tables: int, pairs: int, locked: int,
                  seed: int) -> Problem:
    rng = np.random.default_rng(seed)
    side_a = [Participant(f"I{i:04d}", int(rng.integers(1, 9)), _availability(rng, slots))
              for i in range(investors)]
    side_b = [Participant(f"T{j:04d}", int(rng.integers(1, 11)), _availability(rng, slots))
              for j in range(teams)]

    def tags(n: int) -> np.ndarray:
        out = np.zeros((n, INTERESTS), np.int64)
        for r in range(n):
            out[r, rng.choice(INTERESTS, size=int(rng.integers(3, 7)), replace=False)] = 1
        return out

    shared = tags(investors) @ tags(teams).T
    i, j = np.nonzero(shared)
    order = np.lexsort((rng.random(i.size), -shared[i, j]))[:pairs]
    i, j = i[order], j[order]
    rating = rng.integers(1, 10, size=i.size)
    candidates = [
        Pair(side_a[a].id, side_b[b].id, float(10 * shared[a, b] + r))
        for a, b, r in zip(i.tolist(), j.tolist(), rating.tolist(), strict=True)
    ]
    # Locked pairs: distinct participants (so never two in one participant's slot); the first
    # third fixed in their first common slot, each at its own table (so tables never collide).
    by_id_a = {p.id: p for p in side_a}
    by_id_b = {p.id: p for p in side_b}
    used, fixed, picked = set(), 0, 0
    for index in rng.permutation(len(candidates)).tolist():
        if picked == locked:
            break
        c = candidates[index]
        common = sorted(by_id_a[c.a].available & by_id_b[c.b].available)
        if c.a in used or c.b in used or not common:
            continue
        used |= {c.a, c.b}
        slot = table = None
        if fixed < (locked + 2) // 3 and fixed < tables:
            slot, table = common[0], fixed
            fixed += 1
        candidates[index] = Pair(c.a, c.b, c.weight, True, slot, table)
        picked += 1
    return Problem(side_a, side_b, candidates, slots, tables)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--investors", type=int, default=500)
    parser.add_argument("--teams", type=int, default=300)
    parser.add_argument("--slots", type=int, default=16)
    parser.add_argument("--tables", type=int, default=60)
    parser.add_argument("--pairs", type=int, default=4000)
    parser.add_argument("--locked", type=int, default=6)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    problem = synthetic_day(args.investors, args.teams, args.slots, args.tables, args.pairs,
                            args.locked, args.seed)
    print(f"investors={args.investors} teams={args.teams} slots={args.slots} "
          f"tables={args.tables} pairs={len(problem.pairs)} "
          f"locked={sum(p.locked for p in problem.pairs)}")
    started = time.perf_counter()
    result = schedule_meetings(problem)
    seconds = time.perf_counter() - started
    violations = check_schedule(problem, result)
    double = sum(v.startswith("double booking") for v in violations)
    print(f"seconds={seconds:.2f} meetings={len(result.meetings)} weight={result.weight:.1f} "
          f"lp_bound={result.lp_bound:.1f} gap={result.gap:.6f} optimal={result.optimal} "
          f"dropped={len(result.dropped)} idle_slots={result.idle_slots} "
          f"double_bookings={double} violations={len(violations)}")
    for v in violations[:20]:
        print(f"# violation: {v}")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
