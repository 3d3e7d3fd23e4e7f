"""The national finals (R-V4): the running order drawn by lot, and the ranking with the
published tie-break order.

**The draw** (:func:`draw_order`) is a Fisher–Yates shuffle driven by SHA-256 of the seed, so
anyone holding the seed and the list can re-derive the order with a few lines in any language:

1. sort the items by their text (``str(item)``), so the input order does not matter;
2. for ``i`` from ``n - 1`` down to ``1``: ``j = int(sha256(f"{seed}:{i}").hexdigest(), 16)
   mod (i + 1)``, swap the items at ``i`` and ``j``.

The modulo bias of a 256-bit number reduced mod ``i + 1`` is below ``2**-240``: nothing.
Python's ``random.shuffle`` is not used: its algorithm is CPython's, not a published one.

**The ranking** (:func:`rank_with_tiebreaks`) orders projects by a tuple of keys, each higher
is better (the finals' score first, then for example the technology criterion, then the
median ballot). Projects equal on every key within ``tolerance`` are tied: they share a rank
and name each other, and staff settle them by a recorded decision — never list order.

Pure Python; no Django.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["TieBrokenEntry", "draw_order", "rank_with_tiebreaks"]


def _canonical(items: Sequence[Hashable]) -> list[Hashable]:
    texts = [str(item) for item in items]
    if len(set(texts)) != len(texts):
        raise ValueError("items must be distinct as text")
    return [item for _text, item in sorted(zip(texts, items, strict=True), key=lambda pair: pair[0])]


def draw_order(items: Sequence[Hashable], seed: str) -> list[Hashable]:
    """The running order drawn for ``items`` with ``seed`` (module docstring): deterministic,
    independent of the order ``items`` come in."""
    if not isinstance(seed, str) or not seed:
        raise ValueError("seed must be a non-empty string")
    order = _canonical(items)
    for i in range(len(order) - 1, 0, -1):
        j = int(hashlib.sha256(f"{seed}:{i}".encode()).hexdigest(), 16) % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


@dataclass(frozen=True)
class TieBrokenEntry:
    """A project's place: ``rank`` 1 is best; ``keys`` the values compared; ``decided_by`` the
    index of the first key that set it apart from the project just above (0: the score; None
    for the first project or a tie); ``tied_with`` the projects equal to it on every key."""

    project_id: Hashable
    rank: int
    keys: tuple[float, ...]
    decided_by: int | None
    tied_with: tuple[Hashable, ...] = ()


def _equal(a: tuple[float, ...], b: tuple[float, ...], tolerance: float) -> int | None:
    """The first key on which a and b differ by more than ``tolerance`` (None: equal on all)."""
    for k, (x, y) in enumerate(zip(a, b, strict=True)):
        if abs(x - y) > tolerance:
            return k
    return None


def rank_with_tiebreaks(keys: Mapping[Hashable, Sequence[float]], *,
                        tolerance: float = 1e-9) -> list[TieBrokenEntry]:
    """Rank by ``keys[project]`` compared in order, higher first (module docstring).

    Every project must have the same number of keys, all finite. Projects equal on all keys
    share the best rank of their block ("1, 2, 2, 4"); the caller's list of tie decisions
    settles them. Within a tie block, projects appear in the order of ``keys`` (display
    only)."""
    if not (math.isfinite(tolerance) and tolerance >= 0):
        raise ValueError("tolerance must be >= 0")
    rows: list[tuple[Hashable, tuple[float, ...]]] = []
    width = None
    for pid, values in keys.items():
        values = tuple(float(v) for v in values)
        if width is None:
            width = len(values)
        if len(values) != width or width == 0:
            raise ValueError(f"project {pid!r}: every project needs the same number of keys (at least one)")
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"project {pid!r} has a key that is not a finite number")
        rows.append((pid, values))
    # Higher first, key by key, a key deciding only when it differs by more than the tolerance
    # (scores are rounded to 2 decimals; the tolerance only absorbs float noise). Stable.
    def compare(a, b) -> int:
        k = _equal(a[1], b[1], tolerance)
        return 0 if k is None else (-1 if a[1][k] > b[1][k] else 1)

    rows.sort(key=functools.cmp_to_key(compare))
    blocks: list[list[tuple[Hashable, tuple[float, ...]]]] = []
    for row in rows:
        if blocks and _equal(blocks[-1][-1][1], row[1], tolerance) is None:
            blocks[-1].append(row)
        else:
            blocks.append([row])
    out: list[TieBrokenEntry] = []
    rank, previous = 1, None
    for block in blocks:
        ids = [pid for pid, _ in block]
        decided = None if previous is None else _equal(previous, block[0][1], tolerance)
        for pid, values in block:
            tied = tuple(x for x in ids if x != pid)
            out.append(TieBrokenEntry(pid, rank, values, None if tied else decided, tied))
        previous = block[-1][1]
        rank += len(block)
    return out
