"""Vote brushing (刷票) in the popularity vote (最佳人气奖, R-A2; issue 12 §4): detected, not only
limited.

The input is one row per ballot, as integer codes the service makes from keyed hashes (no
number, address or browser string reaches the engine): the project voted for, the voter (a
verified mobile number), the time in seconds, the network prefix the ballot came from (/24 for
IPv4, /48 for IPv6), and where the number sits in the numbering plan: its *region* (the first
seven digits, 号段 and HLR code: ten thousand numbers) and its *block* within the region
(digits eight and nine: a hundred consecutive numbers, so block ``b`` and ``b + 1`` of one
region are neighbours).

Four detectors, each a published rule whose thresholds are contest data (the spec's
``popularity_vote.detection``):

1. **burst** — a project's votes in a time bin against its own baseline. The expected count of
   project *p* in bin *b* is the bin's total times *p*'s share of all other bins (so a rush that
   lifts every project, such as the last hour, is expected), recomputed once without the bins
   flagged the first time. A bin is flagged when it has at least ``min_votes``, at least
   ``ratio`` times the expected count, and a Poisson z-score ``(n - e) / sqrt(e + 1)`` of at
   least ``z``. Consecutive flagged bins form one burst; the ballots held are the project's
   ballots in it from numbers first seen during the burst (a voter who had voted before it is
   not part of what arrived with it).
2. **prefix** — many numbers from one network prefix for one project: at least
   ``min_numbers`` distinct numbers, at least a ``share`` of the prefix's voters, and at least
   ``outlier`` times what the project usually gets from one prefix (the 90th percentile over
   the prefixes with two or more of its voters). Held: every ballot those numbers cast from
   that prefix. A mobile carrier's shared addresses (CGNAT) carry many voters, but for every
   project; a farm carries them for one.
3. **blocks** — numbers from consecutive blocks: for each project, the blocks holding at least
   ``min_per_block`` of its distinct voters; neighbouring such blocks of one region form a run,
   flagged when it holds at least ``min_numbers`` voters. Genuine voters' numbers are scattered
   over their regions (about one in a hundred numbers of a block votes at all); a purchased
   pool comes in runs. Held: every ballot of the run's numbers.
4. **dense** — dense voter × (project, time bucket) blocks by FRAUDAR (Hooi et al., "FRAUDAR:
   Bounding Graph Fraud in the Face of Camouflage", KDD 2016), among the *hot* columns: the
   (project, bucket of ``bucket_seconds``) cells with at least ``hot_min`` votes and
   ``hot_ratio`` times their expected count (as for bursts, with a z-score of 3). On the
   bipartite graph of voters and hot columns, each edge weighted by its column's
   ``1 / log(degree + 5)`` (edges to popular columns, camouflage, weigh less), the greedy
   peeling removes the node of least weighted degree again and again and keeps the set whose
   total weight per node was highest. Of the block, the voters in at least ``min_together`` of
   its columns count (together again and again: lockstep). It is flagged when it has at least
   ``min_rows`` of them and ``min_ratio`` times the edges that chance would put there given the
   voters' and the columns' degrees in the whole graph, ``sum(d_voter) * sum(d_column) / edges`` (the
   configuration model); its voters leave the graph and the next block is sought, up to
   ``max_blocks`` times. Scripted accounts voting for the same projects in the same hours day
   after day form such blocks; genuine voters, even loyal ones voting daily, vote at their own
   times and are spread over columns that are not hot. Held: every ballot of the block's voters.

A ballot may be in several findings. The engine flags; people decide (the secretariat clears or
voids the ballots held, and only then is the tally published).

Pure Python and numpy; no Django.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "REASONS",
    "Ballots",
    "BlockRule",
    "BurstRule",
    "DenseRule",
    "Finding",
    "PrefixRule",
    "Rules",
    "densest_block",
    "detect",
    "held",
]

REASONS = ("burst", "prefix", "blocks", "dense")


@dataclass(frozen=True)
class BurstRule:
    bin_seconds: int = 600
    min_votes: int = 30
    ratio: float = 3.0
    z: float = 6.0


@dataclass(frozen=True)
class PrefixRule:
    min_numbers: int = 20
    share: float = 0.5
    ratio: float = 1.5
    z: float = 6.0


@dataclass(frozen=True)
class BlockRule:
    min_per_block: int = 3
    min_numbers: int = 12


@dataclass(frozen=True)
class DenseRule:
    bucket_seconds: int = 3600
    hot_ratio: float = 2.0
    hot_min: int = 10
    min_together: int = 4
    min_rows: int = 20
    min_ratio: float = 10.0
    max_blocks: int = 10


@dataclass(frozen=True)
class Rules:
    """The detectors to run and their thresholds; None switches one off."""

    burst: BurstRule | None = field(default_factory=BurstRule)
    prefix: PrefixRule | None = field(default_factory=PrefixRule)
    blocks: BlockRule | None = field(default_factory=BlockRule)
    dense: DenseRule | None = field(default_factory=DenseRule)


@dataclass(frozen=True)
class Ballots:
    """Equal-length integer arrays, one row per ballot (module docstring). ``time`` is in
    seconds from any origin; the other columns are codes (0, 1, 2...)."""

    project: np.ndarray
    voter: np.ndarray
    time: np.ndarray
    prefix: np.ndarray
    region: np.ndarray
    block: np.ndarray

    @classmethod
    def from_arrays(cls, *, project, voter, time, prefix, region, block) -> Ballots:
        columns = {
            "project": np.asarray(project, dtype=np.int64),
            "voter": np.asarray(voter, dtype=np.int64),
            "time": np.asarray(time, dtype=np.float64),
            "prefix": np.asarray(prefix, dtype=np.int64),
            "region": np.asarray(region, dtype=np.int64),
            "block": np.asarray(block, dtype=np.int64),
        }
        sizes = {len(v) for v in columns.values()}
        if len(sizes) != 1:
            raise ValueError("every column needs one value per ballot")
        for name, values in columns.items():
            if name != "time" and len(values) and values.min() < 0:
                raise ValueError(f"{name} codes must be non-negative")
        if len(columns["block"]) and columns["block"].max() > 99:
            raise ValueError("block is digits 8-9 of the number: 0..99")
        return cls(**columns)

    def __len__(self) -> int:
        return len(self.project)


@dataclass(frozen=True)
class Finding:
    """What one detector found: the ballots it holds (indices into the input, sorted), the
    project it is about, a key that names it among the findings of its reason (the same
    pattern found again gets the same key), and the figures behind it."""

    reason: str
    key: str
    project: int | None
    ballots: np.ndarray
    detail: dict


# --- helpers -------------------------------------------------------------------------------


def _codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unique values, code of each value)."""
    return np.unique(values, return_inverse=True)


def _pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One int64 per (a, b) pair, for grouping; both non-negative and below 2**31."""
    return a.astype(np.int64) * (1 << 31) + b.astype(np.int64)


def _runs(sorted_values: np.ndarray) -> list[np.ndarray]:
    """Split a sorted int array into runs of consecutive values."""
    if not len(sorted_values):
        return []
    breaks = np.flatnonzero(np.diff(sorted_values) != 1) + 1
    return np.split(sorted_values, breaks)


# --- 1. bursts -------------------------------------------------------------------------------


def _expected(counts: np.ndarray, flagged: np.ndarray) -> np.ndarray:
    """Each project's expected count in each bin: the other projects' votes in the bin times the
    project's odds (its votes over the other projects' votes) in all other bins not flagged."""
    clean = np.where(flagged, 0.0, counts)
    clean_totals = clean.sum(axis=0)
    per_project = clean.sum(axis=1, keepdims=True) - clean
    rest = clean_totals.sum() - clean_totals - per_project
    odds = np.divide(per_project, rest, out=np.zeros_like(per_project), where=rest > 0)
    # Scaled by the other projects' votes in the bin: a burst does not raise its own baseline.
    return odds * (counts.sum(axis=0) - counts)


def _surges(project_codes: np.ndarray, bins: np.ndarray, n_projects: int, *, min_votes: int, ratio: float,
            z: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(counts, expected, flagged) per project x bin: a bin flagged when it has at least
    `min_votes`, `ratio` times the expected count and a z-score of `z`; twice, the second
    time with the baseline cleaned of the bins flagged the first."""
    counts = np.zeros((n_projects, int(bins.max()) + 1))
    np.add.at(counts, (project_codes, bins), 1)
    flagged = np.zeros_like(counts, dtype=bool)
    for _pass in range(2):
        expected = _expected(counts, flagged)
        score = (counts - expected) / np.sqrt(expected + 1.0)
        flagged = (counts >= min_votes) & (counts >= ratio * expected) & (score >= z)
    return counts, expected, flagged


def _bursts(ballots: Ballots, rule: BurstRule) -> list[Finding]:
    if not len(ballots):
        return []
    t0 = ballots.time.min()
    bins = ((ballots.time - t0) // rule.bin_seconds).astype(np.int64)
    projects, pcode = _codes(ballots.project)
    counts, expected, flagged = _surges(pcode, bins, len(projects), min_votes=rule.min_votes, ratio=rule.ratio,
                                        z=rule.z)
    if not flagged.any():
        return []
    first_seen = np.full(int(ballots.voter.max()) + 1, np.inf)
    np.minimum.at(first_seen, ballots.voter, ballots.time)
    findings = []
    for p_index in np.flatnonzero(flagged.any(axis=1)):
        for run in _runs(np.flatnonzero(flagged[p_index])):
            start, end = t0 + run[0] * rule.bin_seconds, t0 + (run[-1] + 1) * rule.bin_seconds
            in_burst = (pcode == p_index) & (bins >= run[0]) & (bins <= run[-1])
            held = np.flatnonzero(in_burst & (first_seen[ballots.voter] >= start))
            votes, baseline = float(counts[p_index, run].sum()), float(expected[p_index, run].sum())
            # What arrived with the burst: numbers never seen before it. When they do not make up
            # half of the excess, the burst is returning voters (the dense detector's business).
            if len(held) < 0.5 * (votes - baseline):
                continue
            project = int(projects[p_index])
            findings.append(Finding(
                reason="burst", key=f"burst:{project}:{int(start)}", project=project, ballots=held,
                detail={"start": float(start), "end": float(end), "bins": len(run), "votes": int(votes),
                        "expected": round(baseline, 1),
                        "new_voters": len(np.unique(ballots.voter[held]))}))
    return findings


# --- 2. many numbers from one prefix -----------------------------------------------------------


# Smoothing of a region's share of voters for a project towards the project's overall share, as
# if every region had this many more voters (a region with one voter says little).
PRIOR_VOTERS = 5.0


def _prefixes(ballots: Ballots, rule: PrefixRule) -> list[Finding]:
    """Many numbers from one prefix for one project, beyond what the numbers' regions explain.
    The expected count is, over the prefix's voters, the share of each one's region (its other
    voters, outside the prefix) that voted for the project: a carrier's shared addresses in a
    city carry that city's voters, and their liking for its local project; a farm's numbers
    come from anywhere, where the project has no such following."""
    if not len(ballots):
        return []
    n_voters = int(ballots.voter.max()) + 1
    voter_region = np.zeros(n_voters, dtype=np.int64)
    voter_region[ballots.voter] = ballots.region
    seen = np.zeros(n_voters, dtype=bool)
    seen[ballots.voter] = True
    region_voters = np.bincount(voter_region[seen])
    # Distinct (project, voter) pairs; per (region, project) distinct voters, for lookups.
    vp = np.unique(_pairs(ballots.project, ballots.voter))
    vp_project, vp_voter = vp >> 31, vp & ((1 << 31) - 1)
    project_voters = np.bincount(vp_project)
    global_share = project_voters / seen.sum()
    rp_keys, rp_counts = np.unique(_pairs(voter_region[vp_voter], vp_project), return_counts=True)

    def region_project(regions: np.ndarray, project: int) -> np.ndarray:
        keys = _pairs(regions, np.full(len(regions), project))
        at = np.clip(np.searchsorted(rp_keys, keys), 0, len(rp_keys) - 1)
        return np.where(rp_keys[at] == keys, rp_counts[at], 0)

    pv = np.unique(_pairs(ballots.prefix, ballots.voter))
    per_prefix = np.bincount(pv >> 31)
    kpv = np.unique(np.stack([ballots.prefix, ballots.project, ballots.voter], axis=1), axis=0)
    keys, n = np.unique(kpv[:, :2], axis=0, return_counts=True)
    share = n / per_prefix[keys[:, 0]]
    findings = []
    for i in np.flatnonzero((n >= rule.min_numbers) & (share >= rule.share)):
        prefix, project = int(keys[i, 0]), int(keys[i, 1])
        everyone = pv[(pv >> 31) == prefix] & ((1 << 31) - 1)
        regions = voter_region[everyone]
        likes = np.isin(everyone, vp_voter[vp_project == project])
        # The regions' figures without this prefix's voters.
        here = np.unique(regions, return_inverse=True)
        others = region_voters[regions] - np.bincount(here[1])[here[1]]
        others_liking = region_project(regions, project) - np.bincount(here[1], weights=likes)[here[1]]
        prior = global_share[project]
        chance = (others_liking + PRIOR_VOTERS * prior) / (others + PRIOR_VOTERS)
        expected = float(chance.sum())
        spread = math.sqrt(float((chance * (1 - chance)).sum()) + 1.0)
        if n[i] < rule.ratio * expected or (n[i] - expected) / spread < rule.z:
            continue
        voters = kpv[(kpv[:, 0] == prefix) & (kpv[:, 1] == project), 2]
        held = np.flatnonzero((ballots.prefix == prefix) & np.isin(ballots.voter, voters))
        findings.append(Finding(
            reason="prefix", key=f"prefix:{prefix}:{project}", project=project, ballots=held,
            detail={"prefix": prefix, "numbers": int(n[i]), "prefix_numbers": int(per_prefix[prefix]),
                    "share": round(float(share[i]), 3), "expected": round(expected, 1),
                    "z": round((float(n[i]) - expected) / spread, 1)}))
    return findings


# --- 3. numbers from consecutive blocks --------------------------------------------------------


def _blocks(ballots: Ballots, rule: BlockRule) -> list[Finding]:
    if not len(ballots):
        return []
    # Distinct (project, region, block, voter).
    rows = np.unique(np.stack([ballots.project, ballots.region, ballots.block, ballots.voter], axis=1), axis=0)
    cells, counts = np.unique(rows[:, :3], axis=0, return_counts=True)
    dense = cells[counts >= rule.min_per_block]
    dense_counts = counts[counts >= rule.min_per_block]
    findings = []
    for project in np.unique(dense[:, 0]) if len(dense) else []:
        mine = dense[:, 0] == project
        for region in np.unique(dense[mine, 1]):
            here = mine & (dense[:, 1] == region)
            order = np.argsort(dense[here, 2])
            blocks, numbers = dense[here, 2][order], dense_counts[here][order]
            start = 0
            for run in _runs(blocks):
                total = int(numbers[start:start + len(run)].sum())
                start += len(run)
                if total < rule.min_numbers:
                    continue
                voters = rows[(rows[:, 0] == project) & (rows[:, 1] == region) & np.isin(rows[:, 2], run), 3]
                held = np.flatnonzero(np.isin(ballots.voter, voters))
                findings.append(Finding(
                    reason="blocks", key=f"blocks:{int(region)}:{int(run[0])}-{int(run[-1])}:{int(project)}",
                    project=int(project), ballots=held,
                    detail={"region": int(region), "first_block": int(run[0]), "last_block": int(run[-1]),
                            "numbers": total}))
    return findings


# --- 4. dense voter x (project, time) blocks: FRAUDAR -------------------------------------------


def _csr(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=starts[1:])
    return order, starts


def densest_block(rows: np.ndarray, cols: np.ndarray, weights: np.ndarray, *,
                  floor: float = 0.0) -> tuple[np.ndarray, np.ndarray, float]:
    """FRAUDAR's greedy peeling of the bipartite graph with edges ``rows[e] - cols[e]`` of
    weight ``weights[e]``: (rows kept, columns kept, density), density being the kept edges'
    weight over the number of kept nodes. Nodes whose weighted degree is below ``floor`` are
    pruned first (no subgraph of density >= floor needs them). Empty arrays and 0.0 when
    nothing is left."""
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.float64)
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), 0.0)
    if not len(rows):
        return empty
    n_rows, n_cols = int(rows.max()) + 1, int(cols.max()) + 1
    alive = np.ones(len(rows), dtype=bool)
    while floor > 0:
        row_deg = np.bincount(rows[alive], weights=weights[alive], minlength=n_rows)
        col_deg = np.bincount(cols[alive], weights=weights[alive], minlength=n_cols)
        keep = alive & (row_deg[rows] >= floor) & (col_deg[cols] >= floor)
        if keep.sum() == alive.sum():
            break
        alive = keep
    if not alive.any():
        return empty
    edges = np.flatnonzero(alive)
    rows, cols, weights = rows[edges], cols[edges], weights[edges]
    row_deg = np.bincount(rows, weights=weights, minlength=n_rows)
    col_deg = np.bincount(cols, weights=weights, minlength=n_cols)
    row_order, row_starts = _csr(rows, n_rows)
    col_order, col_starts = _csr(cols, n_cols)
    live_rows = np.flatnonzero(np.bincount(rows, minlength=n_rows) > 0)
    live_cols = np.flatnonzero(np.bincount(cols, minlength=n_cols) > 0)
    # Node ids: rows 0..n_rows-1, columns n_rows..; degrees in one list for the heap.
    degree = np.concatenate([row_deg, col_deg]).tolist()
    removed = [False] * (n_rows + n_cols)
    edge_alive = [True] * len(rows)
    rows_l, cols_l, weights_l = rows.tolist(), cols.tolist(), weights.tolist()
    row_order_l, row_starts_l = row_order.tolist(), row_starts.tolist()
    col_order_l, col_starts_l = col_order.tolist(), col_starts.tolist()
    heap = [(degree[i], i) for i in live_rows.tolist()] + [(degree[n_rows + j], n_rows + j) for j in live_cols.tolist()]
    heapq.heapify(heap)
    total, size = float(weights.sum()), len(heap)
    best, best_step, order = total / size, 0, []
    while heap:
        deg, node = heapq.heappop(heap)
        if removed[node] or deg != degree[node]:
            continue
        removed[node] = True
        total -= degree[node]
        size -= 1
        order.append(node)
        if node < n_rows:
            span = row_order_l[row_starts_l[node]:row_starts_l[node + 1]]
            for e in span:
                if edge_alive[e]:
                    edge_alive[e] = False
                    other = n_rows + cols_l[e]
                    degree[other] -= weights_l[e]
                    heapq.heappush(heap, (degree[other], other))
        else:
            col = node - n_rows
            span = col_order_l[col_starts_l[col]:col_starts_l[col + 1]]
            for e in span:
                if edge_alive[e]:
                    edge_alive[e] = False
                    other = rows_l[e]
                    degree[other] -= weights_l[e]
                    heapq.heappush(heap, (degree[other], other))
        if size and total / size > best + 1e-12:
            best, best_step = total / size, len(order)
    gone = set(order[:best_step])
    kept_rows = np.array([r for r in live_rows.tolist() if r not in gone], dtype=np.int64)
    kept_cols = np.array([c for c in live_cols.tolist() if n_rows + c not in gone], dtype=np.int64)
    return kept_rows, kept_cols, best


# A (project, bucket) column is hot when it is also this many standard deviations above expected.
HOT_Z = 3.0


def _dense(ballots: Ballots, rule: DenseRule) -> list[Finding]:
    if not len(ballots):
        return []
    t0 = ballots.time.min()
    bucket = ((ballots.time - t0) // rule.bucket_seconds).astype(np.int64)
    projects, pcode = _codes(ballots.project)
    _counts, _expected_counts, hot = _surges(pcode, bucket, len(projects), min_votes=rule.hot_min,
                                             ratio=rule.hot_ratio, z=HOT_Z)
    # Every voter's and every column's degree in the whole voter x (project, bucket) graph.
    all_columns, all_column_of = _codes(_pairs(ballots.project, bucket))
    everything = np.unique(_pairs(ballots.voter, all_column_of))
    voter_degree = np.bincount(everything >> 31)
    column_degree = np.bincount(everything & ((1 << 31) - 1))
    total = len(everything)
    inside = hot[pcode, bucket]
    if not inside.any():
        return []
    column_values, column_of = _codes(_pairs(ballots.project[inside], bucket[inside]))
    edges = np.unique(_pairs(ballots.voter[inside], column_of))
    rows, cols = edges >> 31, edges & ((1 << 31) - 1)
    weights = (1.0 / np.log(np.bincount(cols) + 5.0))[cols]
    hot_degree = column_degree[np.searchsorted(all_columns, column_values)]
    findings = []
    active = np.ones(len(rows), dtype=bool)
    for number in range(1, rule.max_blocks + 1):
        if not active.any():
            break
        block_rows, block_cols, density = densest_block(rows[active], cols[active], weights[active])
        if not len(block_rows):
            break
        active &= ~np.isin(rows, block_rows)
        # Lockstep is being together again and again: the voters in at least `min_together` of
        # the block's columns.
        in_block = np.isin(rows, block_rows) & np.isin(cols, block_cols)
        together = np.bincount(rows[in_block], minlength=int(rows.max()) + 1)
        block_rows = block_rows[together[block_rows] >= rule.min_together]
        if not len(block_rows):
            continue
        # The block against chance: its edges over what its voters' and columns' degrees in the
        # whole graph would put there (the configuration model).
        observed = int((np.isin(rows, block_rows) & np.isin(cols, block_cols)).sum())
        expected = float(voter_degree[block_rows].sum()) * float(hot_degree[block_cols].sum()) / total
        lift = observed / max(expected, 1e-9)
        if len(block_rows) < rule.min_rows or lift < rule.min_ratio:
            continue
        held_ballots = np.flatnonzero(np.isin(ballots.voter, block_rows))
        voted = np.unique(column_values[block_cols] >> 31)
        main = int(np.bincount(ballots.project[held_ballots]).argmax())
        findings.append(Finding(
            reason="dense", key=f"dense:{main}:{number}", project=main, ballots=held_ballots,
            detail={"voters": len(block_rows), "columns": len(block_cols), "projects": [int(p) for p in voted],
                    "density": round(density, 3), "votes": observed, "expected": round(expected, 1),
                    "ratio": round(lift, 1)}))
    return findings


# --- all together -------------------------------------------------------------------------------


def detect(ballots: Ballots, rules: Rules | None = None) -> list[Finding]:
    """Every finding of every detector switched on, in the order of ``REASONS``."""
    rules = rules or Rules()
    findings: list[Finding] = []
    if rules.burst is not None:
        findings += _bursts(ballots, rules.burst)
    if rules.prefix is not None:
        findings += _prefixes(ballots, rules.prefix)
    if rules.blocks is not None:
        findings += _blocks(ballots, rules.blocks)
    if rules.dense is not None:
        findings += _dense(ballots, rules.dense)
    return findings


def held(findings: list[Finding], n: int) -> np.ndarray:
    """A boolean mask over ``n`` ballots: held by at least one finding."""
    mask = np.zeros(n, dtype=bool)
    for finding in findings:
        mask[finding.ballots] = True
    return mask
