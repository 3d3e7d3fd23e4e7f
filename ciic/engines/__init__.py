"""The platform's pure computations: plain arrays and dataclasses in, plain results out.

No module here imports Django or any `ciic` app (the import contracts in pyproject.toml
check it): the apps read their models, call an engine and store what it returns, and the
benchmarks in `bench/` call the engines directly.

- `assignment`: which experts review which projects (max total, fair, bounds, infeasibility).
- `affinity`: how well placed each expert is to review each project.
- `scoring`: weighted totals, aggregation, calibration, rankings with ties, bootstrap stability.
- `originality`: near-duplicate applications (MinHash LSH) and the passages they share.
- `originality_testdata`: synthetic Chinese applications for tests, benchmarks and the demo.
"""
