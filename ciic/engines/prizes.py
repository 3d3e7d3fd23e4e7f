"""Spreading the finals prizes (R-A1) over the finalists: which project gets which tier.

The tiers come in order of rank (first, second, third), each with a count. The finalists come
with their finals score and their cell (``(direction, group)``, R-G1). Three methods, each a
pure function of its inputs:

* ``overall`` — one ranking of all finalists by score: the best ``count(first)`` get the first
  prize, the next ``count(second)`` the second, and so on.
* ``proportional`` — each cell gets a number of prizes (all tiers together) in proportion to
  its finalists, by the **largest-remainder (Hamilton) method** with at least ``minimum`` per
  cell: each cell first takes the minimum, the rest are shared by quota ``finalists * rest /
  total`` — integer parts first, then one more to the largest remainders, ties between equal
  remainders going to the larger cell, then to the cell first in the given order. Each cell's
  best projects take its prizes; those winners are then ranked together by score and given
  the tiers in order (the best ``count(first)`` winners the first prize...).
* ``fixed`` — a table cell -> tier -> count (spec data): each cell's best projects take its
  first prizes, the next its second, and so on. The table's counts must add up to each
  tier's count.

A configuration that cannot be filled is refused with the reason (:class:`Unfillable`): more
prizes than finalists, in all or in a cell, or minimums that exceed the prizes.

**Ties** at a boundary (the last prize of a tier, or the last seat of a cell) are not broken
here: every boundary where projects equal on score straddle the line is reported
(:class:`BoundaryTie`) with the seats left for the tied block, and the proposal is not final
until staff record a decision for each (``decided`` maps a tie's key to the projects chosen,
in order). Scores are compared within ``tolerance`` (they are rounded to 2 decimals before).

Pure Python; no Django.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

__all__ = ["METHODS", "Allocation", "BoundaryTie", "Tier", "Unfillable", "allocate", "cell_seats"]

METHODS = ("overall", "proportional", "fixed")


@dataclass(frozen=True)
class Tier:
    code: str
    count: int


class Unfillable(ValueError):
    """The configuration cannot be filled; ``reasons`` says why, one line per problem."""

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = tuple(reasons)


@dataclass(frozen=True)
class BoundaryTie:
    """Projects tied on score across a boundary: ``seats`` of them get what is above the line.
    ``key`` names the boundary (``"overall:first"``, ``"cell:<cell>"``, ``"winners:second"``)
    for the decision that settles it."""

    key: str
    projects: tuple[Hashable, ...]
    seats: int


@dataclass
class Allocation:
    """``awards`` maps project -> tier code (only those who win); ``ties`` the boundaries that
    need a decision; ``seats`` the prizes per cell (``proportional`` and ``fixed``)."""

    method: str
    awards: dict[Hashable, str] = field(default_factory=dict)
    ties: list[BoundaryTie] = field(default_factory=list)
    seats: dict[Hashable, int] = field(default_factory=dict)

    @property
    def final(self) -> bool:
        return not self.ties


def cell_seats(sizes: Mapping[Hashable, int], total: int, *, minimum: int = 0) -> dict[Hashable, int]:
    """``total`` seats over the cells in proportion to ``sizes``, largest remainder, at least
    ``minimum`` each (never more than a cell's size). Raises :class:`Unfillable`."""
    reasons = []
    if total < 0 or minimum < 0:
        raise ValueError("total and minimum must be >= 0")
    if total > sum(sizes.values()):
        reasons.append(f"{total} prizes but only {sum(sizes.values())} finalists")
    floor = {cell: min(minimum, size) for cell, size in sizes.items()}
    short = [cell for cell, size in sizes.items() if size < minimum]
    if short:
        reasons.append(f"cells with fewer finalists than the minimum of {minimum}: {short!r}")
    if sum(floor.values()) > total:
        reasons.append(f"the minimum of {minimum} per cell needs {sum(floor.values())} prizes, more than {total}")
    if reasons:
        raise Unfillable(reasons)
    rest = total - sum(floor.values())
    room = {cell: sizes[cell] - floor[cell] for cell in sizes}
    out = dict(floor)
    position = {cell: i for i, cell in enumerate(sizes)}
    # Hamilton on what is left; a cell never takes more than its room, and what a full cell
    # cannot take is shared again among the others. Quotas are exact fractions.
    while rest > 0:
        open_cells = [cell for cell in sizes if room[cell] > 0]
        weight = sum(sizes[cell] for cell in open_cells)
        quota = {cell: Fraction(sizes[cell] * rest, weight) for cell in open_cells}
        whole = {cell: min(math.floor(quota[cell]), room[cell]) for cell in open_cells}
        extra = rest - sum(whole.values())
        for cell in sorted(open_cells, key=lambda c: (-(quota[c] - math.floor(quota[c])), -sizes[c], position[c])):
            if extra == 0:
                break
            if whole[cell] < room[cell]:
                whole[cell] += 1
                extra -= 1
        for cell, n in whole.items():
            out[cell] += n
            room[cell] -= n
        rest = extra
    return out


def _ranked(projects: Sequence[Hashable], score: Mapping[Hashable, float]) -> list[Hashable]:
    return sorted(projects, key=lambda p: -score[p])  # stable: ties keep the given order


def take_best(ranked: list[Hashable], n: int, score: Mapping[Hashable, float], tolerance: float, key: str,
              decided: Mapping[str, Sequence[Hashable]], ties: list[BoundaryTie], *,
              fill_ties: bool = True) -> list[Hashable]:
    """The best ``n`` of ``ranked`` (best first); a tie block across the line is settled by
    ``decided[key]`` (the projects chosen, best first) or reported in ``ties`` and, with
    ``fill_ties``, filled provisionally in the given order (left unfilled without it)."""
    if n <= 0:
        return []
    if n >= len(ranked):
        return list(ranked)
    line = score[ranked[n - 1]]
    below = score[ranked[n]]
    if abs(line - below) > tolerance:
        return ranked[:n]
    block = [p for p in ranked if abs(score[p] - line) <= tolerance]
    above = [p for p in ranked[:n] if p not in block]
    left = n - len(above)
    chosen = list(decided.get(key, ()))
    if len(chosen) == left and set(chosen) <= set(block):
        return above + chosen
    ties.append(BoundaryTie(key, tuple(block), left))
    return above + block[:left] if fill_ties else above


def _tiers_in_order(winners: list[Hashable], tiers: Sequence[Tier], score, tolerance, prefix, decided,
                    ties) -> dict[Hashable, str]:
    awards, rest = {}, list(winners)
    for tier in tiers:
        got = take_best(rest, tier.count, score, tolerance, f"{prefix}:{tier.code}", decided, ties)
        for p in got:
            awards[p] = tier.code
        rest = [p for p in rest if p not in set(got)]
    return awards


def allocate(score: Mapping[Hashable, float], cell: Mapping[Hashable, Hashable], tiers: Sequence[Tier], *,
             method: str = "overall", minimum: int = 0,
             table: Mapping[Hashable, Mapping[str, int]] | None = None,
             decided: Mapping[str, Sequence[Hashable]] | None = None,
             tolerance: float = 1e-9) -> Allocation:
    """Who gets which tier (module docstring). ``score`` and ``cell`` cover every finalist."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    decided = decided or {}
    missing = [p for p in score if p not in cell]
    if missing:
        raise ValueError(f"finalists without a cell: {missing[:10]!r}")
    for p, value in score.items():
        if not math.isfinite(float(value)):
            raise ValueError(f"finalist {p!r} has no finite score")
    total = sum(t.count for t in tiers)
    cells: dict[Hashable, list[Hashable]] = {}
    for p in score:
        cells.setdefault(cell[p], []).append(p)
    ties: list[BoundaryTie] = []
    result = Allocation(method=method, ties=ties)
    if method == "overall":
        if total > len(score):
            raise Unfillable([f"{total} prizes but only {len(score)} finalists"])
        result.awards = _tiers_in_order(_ranked(list(score), score), tiers, score, tolerance, "overall",
                                        decided, ties)
        return result
    if method == "proportional":
        result.seats = cell_seats({c: len(ps) for c, ps in cells.items()}, total, minimum=minimum)
        winners = []
        for c, ps in cells.items():
            winners += take_best(_ranked(ps, score), result.seats[c], score, tolerance, f"cell:{c}", decided, ties)
        result.awards = _tiers_in_order(_ranked(winners, score), tiers, score, tolerance, "winners", decided, ties)
        return result
    # fixed
    table = table or {}
    reasons = []
    for tier in tiers:
        given = sum(int(row.get(tier.code, 0)) for row in table.values())
        if given != tier.count:
            reasons.append(f"the table gives {given} of tier {tier.code}, the tier has {tier.count}")
    unknown = [c for c in table if c not in cells and any(table[c].values())]
    if unknown:
        reasons.append(f"the table names cells without finalists: {unknown!r}")
    for c, row in table.items():
        want = sum(int(v) for v in row.values())
        if c in cells and want > len(cells[c]):
            reasons.append(f"cell {c!r} has {want} prizes but {len(cells[c])} finalists")
    if reasons:
        raise Unfillable(reasons)
    for c, ps in cells.items():
        row = table.get(c, {})
        result.seats[c] = sum(int(v) for v in row.values())
        rest = _ranked(ps, score)
        for tier in tiers:
            got = take_best(rest, int(row.get(tier.code, 0)), score, tolerance, f"cell:{c}:{tier.code}", decided, ties)
            for p in got:
                result.awards[p] = tier.code
            rest = [p for p in rest if p not in set(got)]
    return result
