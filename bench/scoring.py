"""Benchmark of a round's scoring (ciic/engines/scoring.py), run by hand:

    .venv/bin/python bench/scoring.py [--projects 300] [--experts 60] [--k 5] [--b 1000]
        [--groups 4] [--seed S]

Generates a synthetic round (quality ~ N(70, 10), expert leniency uniform in [-10, 10], each
project reviewed by ``k`` distinct random experts, noise N(0, 3)) and prints one line per
step: the calibrations once, then the bootstrap stability of the cut (``--b`` resamples,
30 % of each of ``--groups`` groups advancing) for each score, with and without resampling
the experts:

    step=... projects=... experts=... k=... b=... seconds=...

The least-squares bootstrap used to solve one dense E x E system per resample (b * E**3):
0.2 s for 300 x 60 (a realistic station round) but 3.4 s (idle 2-core machine) to 30-46 s
(loaded) for 1,000 x 400. It now runs conjugate gradients without forming the system, each
iteration O(b * reviews): 0.2-0.4 s for 300 x 60 and 1.4-1.5 s for 1,000 x 400 on the same
loaded machine.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from ciic.engines.scoring import (
    ReviewTotals,
    bootstrap_advancement,
    calibrate_least_squares,
    calibrate_zscore,
)


def synthetic(projects: int, experts: int, k: int, seed: int) -> ReviewTotals:
    rng = np.random.default_rng(seed)
    quality = rng.normal(70, 10, projects)
    bias = rng.uniform(-10, 10, experts)
    pids, eids, totals = [], [], []
    for p in range(projects):
        for e in rng.choice(experts, k, replace=False):
            pids.append(p)
            eids.append(int(e))
            totals.append(quality[p] + bias[e] + rng.normal(0, 3))
    return ReviewTotals.from_arrays(pids, eids, totals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=300)
    parser.add_argument("--experts", type=int, default=60)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--b", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    table = synthetic(args.projects, args.experts, args.k, args.seed)
    groups = {pid: pid % args.groups for pid in table.projects}
    head = f"projects={args.projects} experts={args.experts} k={args.k} b={args.b}"

    def timed(step: str, run) -> None:
        start = time.perf_counter()
        run()
        print(f"step={step} {head} seconds={time.perf_counter() - start:.3f}", flush=True)

    timed("zscore", lambda: calibrate_zscore(table))
    timed("least_squares", lambda: calibrate_least_squares(table))
    for method in ("raw", "zscore", "least_squares"):
        for experts in (False, True):
            timed(f"bootstrap_{method}{'_experts' if experts else ''}", lambda m=method, x=experts:
                  bootstrap_advancement(table, groups, proportion=0.3, method=m, b=args.b,
                                        resample_experts=x, decimals=2))


if __name__ == "__main__":
    main()
