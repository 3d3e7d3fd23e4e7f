"""The excellent-organizer ranking (优秀组织奖, R-A2, R-O1, R-O2): a published, quality-weighted
score per organizing unit, computed from the platform's records.

For each unit the app passes the entries (teams) it recommended and whether it returned its
contact receipt and its organizing report on time. Here:

1. **Validity.** An entry that is withdrawn or disqualified, or has no submitted project, is
   not valid and counts for nothing (it is listed as excluded).
2. **De-duplication.** Valid entries sharing any duplicate key (the app gives each entry its
   keys: the same organization with the same project name, the same submitted content) are
   one entry; the one kept is the furthest along (a winner, then a finalist, then the
   smallest id), so de-duplication never hides a result.
3. **Figures.** Kept entries; distinct stations and directions they cover; finalists;
   winners; receipt on time; report on time (1 or 0).
4. **Score.** ``entries_weight * f(entries) + sum(weight_k * figure_k)`` where ``f`` is the
   spec's transform of the entry count (``linear``, ``sqrt`` or ``log``: ``ln(1 + n)``). With
   ``sqrt`` the hundredth entry adds a twentieth of the first's points: a unit does not climb
   by inflating entry counts, while a finalist or a winner counts in full.

Each score carries its terms (figure, transformed value, weight, points) so the page can show
how it was computed. Units are ranked by score, best first; equal scores (to 1e-9) share a
rank (1, 2, 2, 4), and are listed by their id as text.

Pure Python; no Django.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

__all__ = ["Entry", "Score", "Term", "UnitRecord", "Weights", "dedupe", "rank_units", "score_unit"]

TRANSFORMS = {
    "linear": float,
    "sqrt": math.sqrt,
    "log": math.log1p,
}
TOLERANCE = 1e-9
# The figures in the order the score's terms are listed (after the entries' term).
FIGURES = ("stations", "directions", "finalists", "winners", "receipt_on_time", "report_on_time")


@dataclass(frozen=True)
class Weights:
    entries: float
    transform: str
    stations: float
    directions: float
    finalists: float
    winners: float
    receipt_on_time: float
    report_on_time: float

    def __post_init__(self) -> None:
        if self.transform not in TRANSFORMS:
            raise ValueError(f"unknown transform {self.transform!r}")
        for name in ("entries", *FIGURES):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"weight {name} must be a finite number >= 0")


@dataclass(frozen=True)
class Entry:
    """One recommended team. ``valid`` is false for a withdrawn or disqualified team or one
    with no submitted project; ``keys`` are its duplicate keys."""

    id: Hashable
    valid: bool
    station: Hashable
    direction: Hashable
    finalist: bool = False
    winner: bool = False
    keys: tuple[Hashable, ...] = ()


@dataclass(frozen=True)
class UnitRecord:
    unit: Hashable
    entries: Sequence[Entry]
    receipt_on_time: bool
    report_on_time: bool


@dataclass(frozen=True)
class Term:
    name: str
    figure: float
    value: float  # the figure after the transform (the entries' term) or as is
    weight: float
    points: float


@dataclass(frozen=True)
class Score:
    unit: Hashable
    recommended: int
    excluded: tuple[Hashable, ...]   # invalid entries
    duplicates: tuple[tuple[Hashable, Hashable], ...]  # (dropped, kept)
    kept: tuple[Hashable, ...]
    figures: dict[str, int]
    terms: tuple[Term, ...]
    total: float
    rank: int = 0


def _progress(entry: Entry) -> tuple:
    return (not entry.winner, not entry.finalist, str(entry.id))


def dedupe(entries: Sequence[Entry]) -> tuple[list[Entry], list[tuple[Hashable, Hashable]]]:
    """The valid entries with duplicates merged (step 2): (kept, [(dropped id, kept id)])."""
    valid = sorted((e for e in entries if e.valid), key=lambda e: str(e.id))
    parent = list(range(len(valid)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[Hashable, int] = {}
    for i, entry in enumerate(valid):
        for key in entry.keys:
            if key in first:
                a, b = find(first[key]), find(i)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                first[key] = i
    groups: dict[int, list[Entry]] = {}
    for i, entry in enumerate(valid):
        groups.setdefault(find(i), []).append(entry)
    kept, dropped = [], []
    for members in groups.values():
        best = min(members, key=_progress)
        kept.append(best)
        dropped += [(m.id, best.id) for m in members if m is not best]
    kept.sort(key=lambda e: str(e.id))
    dropped.sort(key=lambda d: str(d[0]))
    return kept, dropped


def score_unit(record: UnitRecord, weights: Weights) -> Score:
    """One unit's figures, terms and total (steps 1-4)."""
    kept, dropped = dedupe(record.entries)
    figures = {
        "entries": len(kept),
        "stations": len({e.station for e in kept}),
        "directions": len({e.direction for e in kept}),
        "finalists": sum(1 for e in kept if e.finalist),
        "winners": sum(1 for e in kept if e.winner),
        "receipt_on_time": int(bool(record.receipt_on_time)),
        "report_on_time": int(bool(record.report_on_time)),
    }
    transformed = TRANSFORMS[weights.transform](figures["entries"])
    terms = [Term("entries", figures["entries"], transformed, weights.entries, weights.entries * transformed)]
    for name in FIGURES:
        weight = getattr(weights, name)
        terms.append(Term(name, figures[name], float(figures[name]), weight, weight * figures[name]))
    return Score(
        unit=record.unit,
        recommended=len(record.entries),
        excluded=tuple(sorted((e.id for e in record.entries if not e.valid), key=str)),
        duplicates=tuple(dropped),
        kept=tuple(e.id for e in kept),
        figures=figures,
        terms=tuple(terms),
        total=sum(t.points for t in terms),
    )


def rank_units(records: Sequence[UnitRecord], weights: Weights) -> list[Score]:
    """Every unit's score, best first, with competition ranks (equal totals share a rank)."""
    scores = sorted((score_unit(r, weights) for r in records), key=lambda s: (-s.total, str(s.unit)))
    ranked: list[Score] = []
    for i, score in enumerate(scores):
        if ranked and abs(ranked[-1].total - score.total) <= TOLERANCE:
            rank = ranked[-1].rank
        else:
            rank = i + 1
        ranked.append(Score(**{**score.__dict__, "rank": rank}))
    return ranked
