"""Benchmark of the expert assignment (ciic/engines/assignment.py), run by hand:

    .venv/bin/python bench/assign.py --projects 5000 --experts 1000 --k 5 --load 30 [--seed S]
        [--modes max_total fair plain] [--balanced]

Generates a synthetic round and prints, for each mode, one line:

    mode=... projects=... experts=... k=... load=... seconds=... peak_mb=... total=...
    lp_gap=...% worst=... ceiling=... [fair_bound=... int_bound=... total_loss=...%]

The round: five directions; every project and every expert is in one. Projects are spread
30/25/20/15/10 % over the directions and experts evenly (``--balanced`` spreads projects
evenly too), so directions 1 and 2 need more reviews than their own experts can give and
some of their reviews must come from other directions (so pruning each project to its best
50 experts, all in its own direction, leaves no assignment). The affinity of a pair is high within a direction
(0.55-1.0) and low across (0.05-0.20): a base plus the cosine of random topic mixtures of the
project and the expert plus noise, float32, generated in row blocks. 2 % of the pairs are
random conflicts.

* ``seconds`` is ``assign`` alone (generation is timed on its own ``#`` line before);
  ``peak_mb`` is the peak resident memory of the process that ran the mode, the generated
  round included. Each mode runs in a fresh interpreter so that the peaks do not carry over.
* ``lp_gap`` is the gap between the total and the LP bound on any assignment's total (the
  ``max_total`` certificate): 0 for ``max_total``; for ``fair`` it is what fairness costs.
* ``worst`` is the worst-served project's affinity sum; ``ceiling`` the smallest, over
  projects, of the sum of the project's own best ``k`` conflict-free experts, loads ignored:
  no assignment can give its worst project more.
* ``fair_bound`` is the LP relaxation's upper bound on ``worst`` (valid over all pairs);
  ``int_bound`` the best proven upper bound for integral assignments (the LP's or the
  counting bound of ``_hall_bound``, whichever is lower). When ``int_bound`` is below the
  LP bound, no assignment (by any tool) can come within the LP bound's reach: the worst
  project is measured against ``int_bound``.
* ``plain`` (only when asked for) is the reference the engine avoids: one OR-Tools
  ``SimpleMinCostFlow`` over every allowed pair, for its time, memory and total.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ciic.engines.assignment import MODES, assign  # noqa: E402

PLAIN = "plain"

DIRECTIONS = 5
PROJECT_SHARES = (0.30, 0.25, 0.20, 0.15, 0.10)
TOPICS = 12
CONFLICT_RATE = 0.02


def _spread(n: int, shares) -> np.ndarray:
    counts = np.floor(np.asarray(shares) * n).astype(np.int64)
    counts[0] += n - counts.sum()
    return np.repeat(np.arange(len(shares)), counts)


def synthetic_round(projects: int, experts: int, *, seed: int, balanced: bool = False):
    """``(affinity float32 (P, E), conflicts bool (P, E), project directions, expert
    directions)``."""
    rng = np.random.default_rng(seed)
    shares = (1 / DIRECTIONS,) * DIRECTIONS if balanced else PROJECT_SHARES
    project_dir = _spread(projects, shares)
    expert_dir = _spread(experts, (1 / DIRECTIONS,) * DIRECTIONS)
    project_topics = rng.dirichlet(np.full(TOPICS, 0.3), projects).astype(np.float32)
    expert_topics = rng.dirichlet(np.full(TOPICS, 0.3), experts).astype(np.float32)
    project_topics /= np.linalg.norm(project_topics, axis=1, keepdims=True)
    expert_topics /= np.linalg.norm(expert_topics, axis=1, keepdims=True)
    affinity = np.empty((projects, experts), np.float32)
    conflicts = np.empty((projects, experts), bool)
    step = max(1, (1 << 22) // max(experts, 1))
    for i0 in range(0, projects, step):
        i1 = min(projects, i0 + step)
        cosine = project_topics[i0:i1] @ expert_topics.T
        noise = rng.random(cosine.shape, dtype=np.float32)
        same = project_dir[i0:i1, None] == expert_dir[None, :]
        affinity[i0:i1] = np.where(
            same, 0.55 + 0.30 * cosine + 0.15 * noise, 0.05 + 0.10 * cosine + 0.05 * noise
        )
        conflicts[i0:i1] = rng.random(cosine.shape, dtype=np.float32) < CONFLICT_RATE
    return affinity, conflicts, project_dir, expert_dir


def ceiling(affinity: np.ndarray, conflicts: np.ndarray, k: int) -> float:
    """The smallest, over projects, of the sum of the project's best k conflict-free experts."""
    best = np.inf
    step = max(1, (1 << 20) // max(affinity.shape[1], 1))
    for i0 in range(0, affinity.shape[0], step):
        block = np.where(conflicts[i0 : i0 + step], -np.inf, affinity[i0 : i0 + step])
        top = np.partition(block, block.shape[1] - k, axis=1)[:, block.shape[1] - k :]
        best = min(best, float(top.astype(np.float64).sum(axis=1).min()))
    return best


def plain_total(affinity: np.ndarray, conflicts: np.ndarray, k: int, load: int) -> float:
    """The max total by one min-cost flow over every allowed pair (the engine's scaling)."""
    from ortools.graph.python import min_cost_flow

    P, E = affinity.shape
    p, e = np.nonzero(~conflicts)
    value = affinity[p, e].astype(np.float64)
    scale = 2.0 ** (30 - int(np.ceil(np.log2(value.max()))))
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        p, P + e, np.ones(p.size, np.int64), -np.rint(value * scale).astype(np.int64)
    )
    solver.add_arcs_with_capacity_and_unit_cost(
        P + np.arange(E), np.full(E, P + E), np.full(E, load, np.int64), np.zeros(E, np.int64)
    )
    solver.set_nodes_supplies(
        np.arange(P + E + 1), np.r_[np.full(P, k), np.zeros(E, np.int64), -P * k]
    )
    if solver.solve() != solver.OPTIMAL:
        raise SystemExit("plain min-cost flow: no optimum")
    return float(value[solver.flows(np.arange(p.size)) > 0].sum())


def run(args, mode: str) -> str:
    started = time.perf_counter()
    affinity, conflicts, project_dir, _ = synthetic_round(
        args.projects, args.experts, seed=args.seed, balanced=args.balanced
    )
    limit = ceiling(affinity, conflicts, args.k)
    generated = time.perf_counter() - started
    print(f"# mode={mode}: generated in {generated:.1f}s", flush=True)
    labels = [f"direction {d + 1}" for d in project_dir]
    started = time.perf_counter()
    if mode == PLAIN:
        total = plain_total(affinity, conflicts, args.k, args.load)
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return (
            f"mode={mode} projects={args.projects} experts={args.experts} k={args.k} "
            f"load={args.load} seconds={seconds:.2f} peak_mb={peak_mb:.0f} total={total:.4f}"
        )
    result = assign(
        affinity, k=args.k, load=args.load, mode=mode, conflicts=conflicts, labels=labels
    )
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    line = (
        f"mode={mode} projects={args.projects} experts={args.experts} k={args.k} "
        f"load={args.load} seconds={seconds:.2f} peak_mb={peak_mb:.0f} "
        f"total={result.total:.4f} lp_gap={100 * result.gap:.4f}% worst={result.worst:.4f} "
        f"ceiling={limit:.4f}"
    )
    if mode != "max_total":
        line += f" fair_bound={result.worst_lp_bound:.4f} int_bound={result.worst_bound:.4f}"
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=5000)
    parser.add_argument("--experts", type=int, default=1000)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--load", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--balanced", action="store_true")
    parser.add_argument("--modes", nargs="+", choices=[*MODES, PLAIN], default=list(MODES))
    args = parser.parse_args()
    if len(args.modes) == 1:
        print(run(args, args.modes[0]), flush=True)
        return
    for mode in args.modes:
        command = [sys.executable, __file__, "--modes", mode]
        for name in ("projects", "experts", "k", "load", "seed"):
            command += [f"--{name}", str(getattr(args, name))]
        if args.balanced:
            command.append("--balanced")
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
