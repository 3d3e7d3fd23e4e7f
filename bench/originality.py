"""Benchmark of the originality check (ciic/engines/originality.py), run by hand:

    .venv/bin/python bench/originality.py [--sizes 2000 10000] [--planted 100] [--seed S]

For each size, generates that many applications of 3,000-5,000 characters with ``--planted``
near-duplicate pairs (ciic/engines/originality_testdata.py), runs ``find_similar`` on them and
prints one line:

    n=... planted=... seconds=... recall=... false_pairs=... peak_mb=...

``seconds`` is ``find_similar`` alone (the generation time is printed before, on its own
line); ``peak_mb`` is the peak resident memory of the process that ran that size, generated
texts included. With several sizes, each runs in a fresh interpreter so that the peaks do not
carry over.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ciic.engines.originality import Document, find_similar  # noqa: E402
from ciic.engines.originality_testdata import corpus  # noqa: E402


def run(n: int, planted: int, seed: int, threshold: float, num_perm: int) -> str:
    started = time.perf_counter()
    data = corpus(n, planted=planted, seed=seed, chars=(3000, 5000))
    generated = time.perf_counter() - started
    chars = sum(len(t) for t in data.texts.values()) / len(data.texts)
    print(f"# n={n}: generated in {generated:.1f}s, {chars:.0f} characters on average", flush=True)
    documents = [Document(key, text) for key, text in data.texts.items()]
    started = time.perf_counter()
    pairs = find_similar(documents, threshold=threshold, num_perm=num_perm)
    seconds = time.perf_counter() - started
    found = {frozenset((p.a, p.b)) for p in pairs}
    recall = len(found & data.planted) / len(data.planted) if data.planted else 1.0
    false_pairs = len(found - data.planted)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return (
        f"n={n} planted={planted} seconds={seconds:.1f} recall={recall:.3f} "
        f"false_pairs={false_pairs} peak_mb={peak_mb:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--planted", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--num-perm", type=int, default=128)
    args = parser.parse_args()
    if len(args.sizes) == 1:
        print(run(args.sizes[0], args.planted, args.seed, args.threshold, args.num_perm))
        return
    for n in args.sizes:
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--sizes",
                str(n),
                "--planted",
                str(args.planted),
                "--seed",
                str(args.seed),
                "--threshold",
                str(args.threshold),
                "--num-perm",
                str(args.num_perm),
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
