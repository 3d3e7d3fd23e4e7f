"""Scoring of a review round: weighted totals, per-project aggregates, calibration of expert
leniency, rankings per group, the advancement cut and how stable it is.

Rules (``shared/contest/rules.md``):

* **R-V1** — the local stage selects round by round within each direction; **R-G1** — 领军组
  and 新锐组 are judged separately at every stage; **R-V2** — within each direction the two
  groups advance separately, by proportion. So every ranking here is *per group*, where a
  group is whatever key the caller gives (in practice ``(direction, group)``).
* **R-V3** — review material is archived: everything here is a pure function of the reviews
  and of the parameters, so an archived round can be recomputed to the same numbers.

The module computes and reports; it never decides. A tie at the cut-off is handed back as a
tie for staff to settle, never broken by list order.

How it works:

1. :func:`weighted_total` — one review's score on a 0-100 scale. Each criterion's score is
   placed on its range (``min`` maps to 0, ``max`` to 1), the weights are normalized to sum to
   1, and the weighted sum is multiplied by 100. :func:`validate_scores` lists, per criterion,
   what is wrong with a score sheet (missing, not a number, out of range, unknown criterion)
   as :class:`ScoreError` records for the caller to turn into messages.
2. :class:`ReviewTotals` — the round as arrays: for each review its project, its expert and
   its weighted total. Built once (:meth:`ReviewTotals.from_reviews`), used by all that follows.
3. :func:`aggregate` — per project: number of reviews, mean of the totals, lowest, highest,
   range (highest - lowest), sample standard deviation, and a ``disagreement`` flag when the
   range (or the standard deviation) exceeds a threshold the caller gives.
4. Calibration removes each expert's leniency (some experts score everything high):

   * :func:`calibrate_zscore` — each expert's totals are standardized with that expert's own
     mean and standard deviation, then put back on the round's scale: ``global mean + global
     std * z``, so the numbers still read as scores out of 100. A project's score is the mean
     of its calibrated totals. An expert with fewer than ``min_reviews`` reviews has no
     measurable leniency: their totals are kept as they are. An expert who gave every project
     the same total says nothing about which is better: their totals all become the global
     mean (``z = 0``).
   * :func:`calibrate_least_squares` — the additive model ``total[p, e] = quality[p] +
     bias[e] + noise``, fitted by least squares. Eliminating the qualities leaves an E x E
     system for the biases, ``S bias = r``, where ``r[e]`` sums the expert's totals minus the
     mean total of each project they reviewed and ``S = diag(n_e) - N' diag(1/n_p) N`` (``N``
     the project x expert review matrix) is the Laplacian of the graph in which two experts
     are linked when they reviewed the same project. The model only fixes biases up to a
     constant per connected component of the review graph, so each component gets the
     constraint ``sum of its experts' biases = 0``: within a component, the qualities are on
     the scale of its average expert. ``ridge`` adds ``ridge * bias[e]**2`` to the squared
     error, which pulls the bias of an expert with few reviews towards 0 (it weighs like
     ``ridge`` extra reviews at zero bias); it keeps every component's biases summing to 0.
     Standard errors come from the same system (``sigma**2`` estimated from the residuals).
     **Disconnected review graph**: when the experts split into groups that never reviewed a
     common project, the biases of one group cannot be compared with those of another; each
     component is solved with its own zero-sum constraint, the result lists the components
     and carries a warning, and qualities in different components are comparable only if the
     components' experts are, on average, equally lenient. (Assignments that give every
     project several experts drawn across the whole pool keep the graph connected.)
5. :func:`rank_by_group` — per group, best score first. Scores within ``tolerance`` of each
   other are tied: a tie block is a run of sorted scores whose consecutive gaps are all within
   the tolerance. Tied projects share the best rank of their block ("1, 2, 2, 4") and list each
   other in ``tied_with``.
6. :func:`advancement_cut` — who advances from one group's ranking given a number of seats or
   a proportion (:func:`seats`, with the rounding rule as a parameter). When the cut falls
   inside a tie block, the block is reported with the number of seats left for it.
7. :func:`bootstrap_advancement` — how stable the cut is. Each of ``b`` resamples draws, for
   every project, as many reviews as it has, with replacement, from its own reviews (and
   optionally first draws the experts with replacement, see the function), recomputes the
   chosen score (raw mean or a calibration) and the top ``n`` of every group. A project's
   probability is the share of resamples in which it is in the top ``n``; a tie straddling
   the cut in a resample gives each tied project its share of the seats left. Vectorized over
   the resamples with numpy. Least squares solves the E x E system of every resample by
   conjugate gradients without forming it (:func:`_least_squares_batch`): a few dozen
   iterations of O(reviews) each, instead of a dense O(E**3) solve per resample.
   ``bench/scoring.py`` measures it: for ``b=1000``, 300 projects x 60 experts x 5 reviews
   take 0.1-0.2 s per score; 1,000 projects x 400 experts take about 1.4 s with least
   squares (the dense solve took 30-45 s on the same machine).

Pure Python + numpy + scipy; no Django.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from numbers import Integral, Real
from typing import Literal

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

__all__ = [
    "Advancement",
    "Criterion",
    "Form",
    "InvalidReviews",
    "InvalidScores",
    "LeastSquaresCalibration",
    "ProjectAggregate",
    "RankedEntry",
    "Review",
    "ReviewTotals",
    "ScoreError",
    "Stability",
    "ZScoreCalibration",
    "advancement_cut",
    "aggregate",
    "bootstrap_advancement",
    "calibrate_least_squares",
    "calibrate_zscore",
    "project_scores",
    "rank_by_group",
    "seats",
    "trimmed_means",
    "validate_scores",
    "weighted_total",
]

Method = Literal["raw", "zscore", "least_squares", "trimmed_mean"]
METHODS = ("raw", "zscore", "least_squares", "trimmed_mean")
Rounding = Literal["half_up", "ceil", "floor"]
ROUNDINGS = ("half_up", "ceil", "floor")

DEFAULT_TOLERANCE = 1e-9
_FLAT = 1e-9  # an expert whose totals spread less than this has scored everything the same


# --- the form and one review ---------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """One line of the review form: a key, a weight (relative: weights are normalized) and
    the range of allowed scores, ``min_score`` to ``max_score`` inclusive."""

    key: str
    weight: float
    min_score: float
    max_score: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.weight) and self.weight >= 0):
            raise ValueError(f"criterion {self.key!r}: weight must be >= 0, not {self.weight!r}")
        if not (math.isfinite(self.min_score) and math.isfinite(self.max_score)):
            raise ValueError(f"criterion {self.key!r}: the score range must be finite")
        if self.max_score <= self.min_score:
            raise ValueError(f"criterion {self.key!r}: max_score must exceed min_score")


@dataclass(frozen=True)
class Form:
    """The round's review form: its criteria, in display order."""

    criteria: tuple[Criterion, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "criteria", tuple(self.criteria))
        keys = [c.key for c in self.criteria]
        if not keys:
            raise ValueError("a form needs at least one criterion")
        if len(set(keys)) != len(keys):
            raise ValueError(
                f"duplicate criterion keys: {sorted(k for k, n in Counter(keys).items() if n > 1)}"
            )
        if sum(c.weight for c in self.criteria) <= 0:
            raise ValueError("the weights must not all be zero")


@dataclass(frozen=True)
class Review:
    """One expert's review of one project: a score per criterion key, and an optional
    recommendation (free text or a choice key: it is only counted, see :func:`aggregate`)."""

    project_id: Hashable
    expert_id: Hashable
    scores: Mapping[str, float]
    recommendation: str | None = None


ScoreProblem = Literal["missing", "not_a_number", "out_of_range", "unknown_criterion"]


@dataclass(frozen=True)
class ScoreError:
    """What is wrong with one criterion of a score sheet. ``value`` is the score as given
    (``None`` when missing); ``min_score`` and ``max_score`` the allowed range (``None`` for an
    unknown criterion)."""

    criterion: str
    problem: ScoreProblem
    value: object = None
    min_score: float | None = None
    max_score: float | None = None


class InvalidScores(ValueError):
    """A score sheet that cannot be totalled; ``errors`` lists every problem."""

    def __init__(self, errors: Sequence[ScoreError]):
        self.errors = tuple(errors)
        super().__init__("; ".join(f"{e.criterion}: {e.problem}" for e in self.errors))


class InvalidReviews(ValueError):
    """Reviews of a round that cannot be totalled. ``errors`` maps the index of each bad
    review (in the input order) to its :class:`ScoreError` list."""

    def __init__(self, errors: Mapping[int, Sequence[ScoreError]]):
        self.errors = {i: tuple(e) for i, e in errors.items()}
        super().__init__(
            f"{len(self.errors)} review(s) with invalid scores: {sorted(self.errors)[:10]}"
        )


def _number(value: object) -> float | None:
    """The score as a float, or ``None`` if it is not a real number (bools are not scores)."""
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def validate_scores(scores: Mapping[str, object], form: Form) -> list[ScoreError]:
    """Every problem of a score sheet, in form order then unknown keys: a criterion that is
    missing (absent or ``None``), not a finite number, or outside its range; and any key that
    is not a criterion of the form. An empty list means :func:`weighted_total` will accept it."""
    errors: list[ScoreError] = []
    for c in form.criteria:
        value = scores.get(c.key)
        if value is None:
            errors.append(ScoreError(c.key, "missing", None, c.min_score, c.max_score))
            continue
        number = _number(value)
        if number is None:
            errors.append(ScoreError(c.key, "not_a_number", value, c.min_score, c.max_score))
        elif not c.min_score <= number <= c.max_score:
            errors.append(ScoreError(c.key, "out_of_range", value, c.min_score, c.max_score))
    known = {c.key for c in form.criteria}
    errors.extend(ScoreError(k, "unknown_criterion", scores[k]) for k in scores if k not in known)
    return errors


def weighted_total(scores: Mapping[str, object], form: Form) -> float:
    """The review's weighted total on a 0-100 scale:
    ``100 * sum(w * (score - min) / (max - min)) / sum(w)``.

    Raises :class:`InvalidScores` (with every problem) if :func:`validate_scores` finds any.
    """
    errors = validate_scores(scores, form)
    if errors:
        raise InvalidScores(errors)
    weight = sum(c.weight for c in form.criteria)
    part = sum(
        c.weight * (float(scores[c.key]) - c.min_score) / (c.max_score - c.min_score)  # type: ignore[arg-type]
        for c in form.criteria
    )
    return 100.0 * part / weight


# --- the round as arrays -------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ReviewTotals:
    """The reviews of a round as arrays. ``projects`` and ``experts`` are the distinct ids in
    order of first appearance; for review ``i``, ``project[i]`` and ``expert[i]`` index them
    and ``total[i]`` is its weighted total. An expert reviews a project at most once."""

    projects: tuple[Hashable, ...]
    experts: tuple[Hashable, ...]
    project: np.ndarray
    expert: np.ndarray
    total: np.ndarray
    recommendations: tuple[str | None, ...] = ()

    def __post_init__(self) -> None:
        n = self.total.shape[0]
        if self.total.ndim != 1 or self.project.shape != (n,) or self.expert.shape != (n,):
            raise ValueError("project, expert and total must be 1-D arrays of the same length")
        if not np.all(np.isfinite(self.total)):
            raise ValueError("every total must be a finite number")
        if self.recommendations and len(self.recommendations) != n:
            raise ValueError("one recommendation (or None) per review")
        P, E = len(self.projects), len(self.experts)
        if n and not (0 <= self.project.min() and self.project.max() < P):
            raise ValueError("project index out of range")
        if n and not (0 <= self.expert.min() and self.expert.max() < E):
            raise ValueError("expert index out of range")
        if np.any(np.bincount(self.project, minlength=P) == 0):
            raise ValueError("every project listed must have at least one review")
        pair = self.project.astype(np.int64) * max(E, 1) + self.expert
        if np.unique(pair).size != n:
            raise ValueError("an expert reviewed the same project more than once")

    @classmethod
    def from_arrays(
        cls,
        project_ids: Sequence[Hashable],
        expert_ids: Sequence[Hashable],
        totals: Iterable[float],
        recommendations: Sequence[str | None] = (),
    ) -> ReviewTotals:
        """From parallel lists: the project id, expert id and total (0-100) of each review."""
        projects, project = _index(project_ids)
        experts, expert = _index(expert_ids)
        total = np.asarray(list(totals), dtype=np.float64)
        return cls(projects, experts, project, expert, total, tuple(recommendations))

    @classmethod
    def from_reviews(cls, reviews: Iterable[Review], form: Form) -> ReviewTotals:
        """From :class:`Review` records, totalled with :func:`weighted_total`. Raises
        :class:`InvalidReviews` listing every review whose scores do not fit the form."""
        reviews = list(reviews)
        totals, errors = [], {}
        for i, review in enumerate(reviews):
            problems = validate_scores(review.scores, form)
            if problems:
                errors[i] = problems
                totals.append(0.0)
            else:
                totals.append(weighted_total(review.scores, form))
        if errors:
            raise InvalidReviews(errors)
        return cls.from_arrays(
            [r.project_id for r in reviews],
            [r.expert_id for r in reviews],
            totals,
            [r.recommendation for r in reviews],
        )

    @property
    def n_reviews(self) -> int:
        return int(self.total.shape[0])


def _index(ids: Sequence[Hashable]) -> tuple[tuple[Hashable, ...], np.ndarray]:
    """The distinct ids in order of first appearance, and each id's position among them."""
    position: dict[Hashable, int] = {}
    index = np.fromiter((position.setdefault(i, len(position)) for i in ids), dtype=np.int64)
    return tuple(position), index


def _require_reviews(table: ReviewTotals) -> None:
    if not table.n_reviews:
        raise ValueError("the round has no reviews")


@dataclass(frozen=True)
class _Layout:
    """The reviews sorted by project ("slots"): slot ``k`` holds review ``order[k]``; project
    ``p`` owns slots ``start[p]`` to ``start[p] + count[p] - 1``."""

    order: np.ndarray
    start: np.ndarray
    count: np.ndarray
    slot_project: np.ndarray

    @classmethod
    def of(cls, table: ReviewTotals) -> _Layout:
        order = np.argsort(table.project, kind="stable")
        count = np.bincount(table.project, minlength=len(table.projects))
        start = np.concatenate(([0], np.cumsum(count)[:-1]))
        return cls(order, start, count, table.project[order])


# --- aggregates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectAggregate:
    """One project's reviews summed up. ``std`` is the sample standard deviation of its
    totals (0.0 with a single review); ``spread`` is ``maximum - minimum``;
    ``recommendations`` counts the recommendations given (``None`` left out)."""

    project_id: Hashable
    n_reviews: int
    mean: float
    minimum: float
    maximum: float
    spread: float
    std: float
    disagreement: bool
    recommendations: dict[str, int] = field(default_factory=dict)


def aggregate(
    table: ReviewTotals,
    *,
    disagreement_threshold: float | None = None,
    disagreement_measure: Literal["spread", "std"] = "spread",
) -> dict[Hashable, ProjectAggregate]:
    """Per project: the raw mean of its totals and how far its experts disagree.

    ``disagreement`` is set when the chosen measure (``"spread"``, max - min, or ``"std"``)
    is strictly greater than ``disagreement_threshold`` (never when it is ``None``).
    """
    if disagreement_measure not in ("spread", "std"):
        raise ValueError(
            f"disagreement_measure must be 'spread' or 'std', not {disagreement_measure!r}"
        )
    if not table.projects:
        return {}
    lay = _Layout.of(table)
    y = table.total[lay.order]
    n = lay.count
    mean = np.add.reduceat(y, lay.start) / n
    low = np.minimum.reduceat(y, lay.start)
    high = np.maximum.reduceat(y, lay.start)
    dev2 = np.add.reduceat((y - mean[lay.slot_project]) ** 2, lay.start)
    std = np.sqrt(dev2 / np.maximum(n - 1, 1))
    recommendations: list[Counter] = [Counter() for _ in table.projects]
    for p, r in zip(table.project.tolist(), table.recommendations, strict=False):
        if r is not None:
            recommendations[p][r] += 1
    out = {}
    for p, pid in enumerate(table.projects):
        spread = float(high[p] - low[p])
        measure = spread if disagreement_measure == "spread" else float(std[p])
        out[pid] = ProjectAggregate(
            project_id=pid,
            n_reviews=int(n[p]),
            mean=float(mean[p]),
            minimum=float(low[p]),
            maximum=float(high[p]),
            spread=spread,
            std=float(std[p]),
            disagreement=disagreement_threshold is not None and measure > disagreement_threshold,
            recommendations=dict(recommendations[p]),
        )
    return out


# --- scores of many resamples at once ------------------------------------------------------
#
# The three scores below take the totals ``y`` and expert indices ``e`` of ``B`` draws, shape
# (B, R) in slot order, and ``present`` (B, P): whether the project has reviews in that draw
# (a project none of whose experts was drawn has none). They return (B, P) scores, NaN where
# absent. ``calibrate_*`` run them with B = 1 on the reviews themselves.


def _segment_sum(values: np.ndarray, lay: _Layout) -> np.ndarray:
    return np.add.reduceat(values, lay.start, axis=1)


def _raw_batch(y: np.ndarray, present: np.ndarray, lay: _Layout) -> np.ndarray:
    w = present[:, lay.slot_project]
    with np.errstate(invalid="ignore", divide="ignore"):
        return _segment_sum(np.where(w, y, 0.0), lay) / (lay.count * present)


def _trimmed_batch(y: np.ndarray, present: np.ndarray, lay: _Layout) -> np.ndarray:
    """Per draw and project: the mean without one highest and one lowest total (the plain
    mean below 3 totals: nothing to drop)."""
    total = _segment_sum(y, lay)
    high = np.maximum.reduceat(y, lay.start, axis=1)
    low = np.minimum.reduceat(y, lay.start, axis=1)
    n = lay.count
    with np.errstate(invalid="ignore", divide="ignore"):
        trimmed = np.where(n >= 3, (total - high - low) / np.maximum(n - 2, 1), total / n)
    return np.where(present, trimmed, np.nan)


def trimmed_means(table: ReviewTotals) -> dict[Hashable, float]:
    """The roadshow score of Chinese finals (R-V4): per project, drop exactly one highest and
    one lowest total (one of each even when several ballots share the value) and average the
    rest. A project with fewer than 3 totals has nothing to drop and gets its plain mean.
    Rounding (2 decimals at the finals) is the caller's, as for the other methods."""
    if not table.projects:
        return {}
    lay = _Layout.of(table)
    y = table.total[lay.order][None, :]
    score = _trimmed_batch(y, np.ones((1, len(table.projects)), dtype=bool), lay)[0]
    return dict(zip(table.projects, score.tolist(), strict=True))


def _expert_stats(y, e, w, n_experts):
    """Per draw and expert: number of reviews, mean and (population) std of the totals."""
    B = y.shape[0]
    flat = (np.arange(B)[:, None] * n_experts + e).ravel()
    wf = w.ravel().astype(np.float64)
    size = B * n_experts
    cnt = np.bincount(flat, weights=wf, minlength=size).reshape(B, n_experts)
    s1 = np.bincount(flat, weights=(wf * y.ravel()), minlength=size).reshape(B, n_experts)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / cnt
    dev = np.where(w, y - np.take_along_axis(mean, e, axis=1), 0.0)
    s2 = np.bincount(flat, weights=(dev * dev).ravel(), minlength=size).reshape(B, n_experts)
    with np.errstate(invalid="ignore", divide="ignore"):
        std = np.sqrt(s2 / cnt)
    return cnt, mean, std


def _zscore_calibrated(y, e, present, lay, n_experts, min_reviews):
    """Calibrated totals (B, R) and the statistics behind them."""
    w = present[:, lay.slot_project]
    cnt, mean, std = _expert_stats(y, e, w, n_experts)
    k = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        gmean = np.where(w, y, 0.0).sum(axis=1) / k
        gstd = np.sqrt(np.where(w, (y - gmean[:, None]) ** 2, 0.0).sum(axis=1) / k)
    c = np.take_along_axis(cnt, e, axis=1)
    m = np.take_along_axis(mean, e, axis=1)
    s = np.take_along_axis(std, e, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = gmean[:, None] + gstd[:, None] * (y - m) / s
    cal = np.where(c < min_reviews, y, np.where(s > _FLAT, scaled, gmean[:, None]))
    return cal, w, cnt, mean, std, gmean, gstd


def _zscore_batch(y, e, present, lay, n_experts, min_reviews):
    cal, w, *_ = _zscore_calibrated(y, e, present, lay, n_experts, min_reviews)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _segment_sum(np.where(w, cal, 0.0), lay) / (lay.count * present)


def _pairs(lay: _Layout) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every ordered pair of slots ``(i, j)`` of the same project (i == j included), with
    weight ``1 / n_p``: the terms of ``N' diag(1/n_p) N``."""
    firsts, seconds = [], []
    for n in np.unique(lay.count):
        projects = np.flatnonzero(lay.count == n)
        a, b = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        base = lay.start[projects][:, None]
        firsts.append((base + a.ravel()).ravel())
        seconds.append((base + b.ravel()).ravel())
    i = np.concatenate(firsts)
    j = np.concatenate(seconds)
    return i, j, 1.0 / lay.count[lay.slot_project[i]]


def _least_squares_batch(y, e, present, lay, n_experts, ridge, *, rtol=1e-11):
    """Qualities (B, P) of the additive model for every draw (see the module docstring),
    by conjugate gradients on the E x E system ``S bias = r`` of all draws at once, without
    forming ``S``: ``S x = n_e x - N' diag(1/n_p) N x`` costs one pass over the reviews, so an
    iteration is O(B R) and a resample costs O(R) per iteration instead of the O(E**3) of a
    dense solve. Started from 0 with a right-hand side that sums to 0 over every component of
    the review graph, the iterates stay in the range of ``S``: the solution is the one with
    every component's biases summing to 0, as :func:`calibrate_least_squares` has it, and the
    components of each draw need not be found. (Not preconditioned: a diagonal
    preconditioner would leave the range of ``S`` and shift each component's biases.) Stops
    when every
    draw's residual is below ``rtol`` times its right-hand side (or after ``E + 50`` steps)."""
    B, E = y.shape[0], n_experts
    w = present[:, lay.slot_project]
    wf = w.astype(np.float64)
    inv_n = np.where(present, 1.0 / np.maximum(lay.count * present, 1), 0.0)  # (B, P)
    ybar = _segment_sum(np.where(w, y, 0.0), lay) * inv_n
    flat = (np.arange(B)[:, None] * E + e).ravel()

    def scatter(values: np.ndarray) -> np.ndarray:  # (B, R) per slot -> (B, E) per expert
        return np.bincount(flat, weights=values.ravel(), minlength=B * E).reshape(B, E)

    r = scatter(np.where(w, y - ybar[:, lay.slot_project], 0.0))
    d = scatter(wf)
    diag = d + ridge  # S's diagonal; 0 for an expert absent from the draw (their row is 0)
    # N of every draw as one block-diagonal sparse matrix (draw b's projects x its experts;
    # a review drawn twice counts twice), so that an iteration is two sparse products.
    P = lay.count.size
    N = sparse.csr_matrix(
        (wf.ravel(), ((np.arange(B)[:, None] * P + lay.slot_project).ravel(), flat)), shape=(B * P, B * E)
    )
    NT = N.T.tocsr()
    weights = inv_n.ravel()

    def apply(x: np.ndarray) -> np.ndarray:
        return diag * x - (NT @ ((N @ x.ravel()) * weights)).reshape(B, E)

    bias = np.zeros((B, E))
    res = r.copy()
    p = res.copy()
    rz = np.einsum("ij,ij->i", res, res)
    goal = (rtol * np.linalg.norm(r, axis=1)) ** 2
    for _ in range(E + 50):
        active = np.einsum("ij,ij->i", res, res) > goal
        if not active.any():
            break
        q = apply(p)
        pq = np.einsum("ij,ij->i", p, q)
        alpha = np.where(active & (pq > 0), rz / np.where(pq > 0, pq, 1.0), 0.0)[:, None]
        bias += alpha * p
        res -= alpha * q
        rz_new = np.einsum("ij,ij->i", res, res)
        beta = np.where(active & (rz > 0), rz_new / np.where(rz > 0, rz, 1.0), 0.0)[:, None]
        p = res + beta * p
        rz = rz_new
    shift = _segment_sum(np.where(w, np.take_along_axis(bias, e, axis=1), 0.0), lay) * inv_n
    with np.errstate(invalid="ignore"):
        return np.where(present, ybar - shift, np.nan)


# --- calibration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ZScoreCalibration:
    """Result of :func:`calibrate_zscore`. ``scores``: per project, the mean of its
    calibrated totals. ``calibrated``: per review (input order), its calibrated total.
    ``expert_mean`` and ``expert_std``: each expert's mean and (population) standard
    deviation. ``uncalibrated``: experts with fewer than ``min_reviews`` reviews, whose totals
    were kept as they are; ``flat``: experts who gave every project the same total, whose
    totals all became ``global_mean``."""

    scores: dict[Hashable, float]
    calibrated: np.ndarray
    expert_mean: dict[Hashable, float]
    expert_std: dict[Hashable, float]
    uncalibrated: tuple[Hashable, ...]
    flat: tuple[Hashable, ...]
    global_mean: float
    global_std: float


def calibrate_zscore(table: ReviewTotals, *, min_reviews: int = 2) -> ZScoreCalibration:
    """Per-expert standardization mapped back to the round's scale (module docstring, 4)."""
    if min_reviews < 2:
        raise ValueError("min_reviews must be at least 2 (one review has no spread)")
    _require_reviews(table)
    lay = _Layout.of(table)
    y = table.total[lay.order][None, :]
    e = table.expert[lay.order][None, :]
    present = np.ones((1, len(table.projects)), dtype=bool)
    E = len(table.experts)
    cal, _, cnt, mean, std, gmean, gstd = _zscore_calibrated(y, e, present, lay, E, min_reviews)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = _segment_sum(cal, lay)[0] / lay.count
    calibrated = np.empty_like(table.total)
    calibrated[lay.order] = cal[0]
    cnt, mean, std = cnt[0], mean[0], std[0]
    return ZScoreCalibration(
        scores=dict(zip(table.projects, scores.tolist(), strict=True)),
        calibrated=calibrated,
        expert_mean=dict(zip(table.experts, mean.tolist(), strict=True)),
        expert_std=dict(zip(table.experts, std.tolist(), strict=True)),
        uncalibrated=tuple(x for x, c in zip(table.experts, cnt, strict=True) if c < min_reviews),
        flat=tuple(
            x
            for x, c, s in zip(table.experts, cnt, std, strict=True)
            if c >= min_reviews and s <= _FLAT
        ),
        global_mean=float(gmean[0]),
        global_std=float(gstd[0]),
    )


@dataclass(frozen=True)
class LeastSquaresCalibration:
    """Result of :func:`calibrate_least_squares`.

    ``scores``: per project, its estimated quality (on the scale of its component's average
    expert). ``bias``: per expert, how much above (positive) or below that average they score.
    ``stderr`` and ``bias_stderr``: standard errors, ``None`` when the reviews leave no degree
    of freedom to estimate the noise. ``residual_std``: the estimated noise (``None`` likewise).
    ``components``: the connected components of the review graph as (projects, experts)
    pairs, largest first; more than one means ``warnings`` explains the consequence.
    """

    scores: dict[Hashable, float]
    bias: dict[Hashable, float]
    stderr: dict[Hashable, float] | None
    bias_stderr: dict[Hashable, float] | None
    residual_std: float | None
    components: tuple[tuple[tuple[Hashable, ...], tuple[Hashable, ...]], ...]
    warnings: tuple[str, ...] = ()


def calibrate_least_squares(table: ReviewTotals, *, ridge: float = 0.0) -> LeastSquaresCalibration:
    """Fit ``total = quality[p] + bias[e] + noise`` (module docstring, 4).

    Dense in the experts: builds and inverts one E x E matrix, fine for the few hundred
    experts of a round (10,000 projects and 2,000 experts take one to two seconds).
    """
    if not (math.isfinite(ridge) and ridge >= 0):
        raise ValueError("ridge must be >= 0")
    _require_reviews(table)
    P, E, R = len(table.projects), len(table.experts), table.n_reviews
    y = table.total
    N = sparse.csr_matrix((np.ones(R), (table.project, table.expert)), shape=(P, E))
    n_p = np.asarray(N.sum(axis=1)).ravel()
    n_e = np.asarray(N.sum(axis=0)).ravel()
    ybar = np.bincount(table.project, weights=y, minlength=P) / n_p
    r = np.bincount(table.expert, weights=y - ybar[table.project], minlength=E)
    S = np.diag(n_e) - (N.T @ sparse.diags(1.0 / n_p) @ N).toarray()

    graph = sparse.bmat([[None, N], [N.T, None]], format="csr")
    n_comp, label = connected_components(graph, directed=False)
    expert_label = label[P:]
    # J = sum over components of 11'/|C| on the component's experts: makes S + J invertible,
    # and its solution has every component's biases summing to 0 (see the module docstring).
    same = expert_label[:, None] == expert_label[None, :]
    size = np.bincount(expert_label, minlength=n_comp)
    J = same / size[expert_label][:, None]
    K = np.linalg.inv(S + ridge * np.eye(E) + J)
    bias = K @ r
    quality = ybar - (N @ bias) / n_p
    resid = y - quality[table.project] - bias[table.expert]
    dof = R - P - E + n_comp

    stderr = bias_stderr = residual_std = None
    if dof > 0:
        sigma2 = float(resid @ resid) / dof
        # Cov(bias) = sigma2 K S K, which is sigma2 (K - J) without ridge (K = S^+ + J).
        cov_b = sigma2 * (K - J if ridge == 0 else K @ S @ K)
        # Var(quality[p]) = sigma2 / n_p + (sum of Cov(bias) over pairs of p's experts) / n_p**2
        lay = _Layout.of(table)
        i, j, _ = _pairs(lay)
        e = table.expert[lay.order]
        pair_cov = np.bincount(lay.slot_project[i], weights=cov_b[e[i], e[j]], minlength=P)
        var_q = sigma2 / n_p + pair_cov / n_p**2
        residual_std = math.sqrt(sigma2)
        stderr = dict(zip(table.projects, np.sqrt(np.maximum(var_q, 0)).tolist(), strict=True))
        bias_stderr = dict(
            zip(table.experts, np.sqrt(np.maximum(np.diag(cov_b), 0)).tolist(), strict=True)
        )

    components = []
    for c in range(n_comp):
        projects = tuple(table.projects[p] for p in np.flatnonzero(label[:P] == c))
        experts = tuple(table.experts[x] for x in np.flatnonzero(expert_label == c))
        components.append((projects, experts))
    components.sort(key=lambda pe: (-len(pe[0]), -len(pe[1])))
    warnings = []
    if n_comp > 1:
        sizes = ", ".join(f"{len(p)} projects/{len(x)} experts" for p, x in components)
        warnings.append(
            f"The review graph has {n_comp} separate components ({sizes}): no expert links "
            "them, so biases are estimated within each component (summing to 0 there) and "
            "scores in different components are comparable only if their experts are, on "
            "average, equally lenient."
        )
    return LeastSquaresCalibration(
        scores=dict(zip(table.projects, quality.tolist(), strict=True)),
        bias=dict(zip(table.experts, bias.tolist(), strict=True)),
        stderr=stderr,
        bias_stderr=bias_stderr,
        residual_std=residual_std,
        components=tuple(components),
        warnings=tuple(warnings),
    )


def project_scores(
    table: ReviewTotals, *, method: Method = "raw", min_reviews: int = 2, ridge: float = 0.0
) -> dict[Hashable, float]:
    """Each project's score by ``method``: ``"raw"`` (mean of its totals), ``"zscore"``
    (:func:`calibrate_zscore`), ``"least_squares"`` (:func:`calibrate_least_squares`) or
    ``"trimmed_mean"`` (:func:`trimmed_means`). Empty for a round without reviews."""
    if not table.projects and method in METHODS:
        return {}
    if method == "raw":
        return {pid: a.mean for pid, a in aggregate(table).items()}
    if method == "trimmed_mean":
        return trimmed_means(table)
    if method == "zscore":
        return calibrate_zscore(table, min_reviews=min_reviews).scores
    if method == "least_squares":
        return calibrate_least_squares(table, ridge=ridge).scores
    raise ValueError(f"method must be one of {METHODS}, not {method!r}")


# --- rankings and the cut ------------------------------------------------------------------


@dataclass(frozen=True)
class RankedEntry:
    """A project's place in its group: ``rank`` 1 is best; tied projects share the best rank
    of their block and name each other in ``tied_with``."""

    project_id: Hashable
    rank: int
    score: float
    tied_with: tuple[Hashable, ...] = ()


def rank_by_group(
    scores: Mapping[Hashable, float],
    groups: Mapping[Hashable, Hashable],
    *,
    tolerance: float = DEFAULT_TOLERANCE,
) -> dict[Hashable, list[RankedEntry]]:
    """Rank the projects of each group separately, best score first (module docstring, 5).

    ``groups`` maps every project of ``scores`` to its group key, e.g. ``(direction,
    group)``; a project's rank depends only on the projects of its own group. Groups appear in
    order of their first project in ``scores``; within a tie block, in the order of ``scores``
    (display only: they share a rank).
    """
    if not (math.isfinite(tolerance) and tolerance >= 0):
        raise ValueError("tolerance must be >= 0")
    members: dict[Hashable, list[tuple[Hashable, float]]] = {}
    for pid, score in scores.items():
        if pid not in groups:
            raise ValueError(f"project {pid!r} has no group")
        number = _number(score)
        if number is None:
            raise ValueError(f"project {pid!r} has no finite score ({score!r})")
        members.setdefault(groups[pid], []).append((pid, number))
    out = {}
    for group, items in members.items():
        items = sorted(items, key=lambda it: -it[1])  # stable
        blocks: list[list[tuple[Hashable, float]]] = []
        for item in items:
            if blocks and blocks[-1][-1][1] - item[1] <= tolerance:
                blocks[-1].append(item)
            else:
                blocks.append([item])
        ranking, rank = [], 1
        for block in blocks:
            ids = [pid for pid, _ in block]
            for pid, score in block:
                ranking.append(RankedEntry(pid, rank, score, tuple(x for x in ids if x != pid)))
            rank += len(block)
        out[group] = ranking
    return out


def seats(
    size: int,
    *,
    count: int | None = None,
    proportion: float | Decimal | Fraction | str | None = None,
    rounding: Rounding = "half_up",
) -> int:
    """How many of ``size`` projects advance: ``count``, or ``proportion * size`` rounded by
    ``rounding`` (``"half_up"``: 3.5 -> 4, ``"ceil"``: 3.1 -> 4, ``"floor"``: 3.9 -> 3), never
    more than ``size``. The product is exact: a float proportion is read as its shortest
    decimal form, so ``0.3 * 25`` is 7.5 (rounded half up: 8), not 7.4999...
    """
    if (count is None) == (proportion is None):
        raise ValueError("give exactly one of count and proportion")
    if size < 0:
        raise ValueError("size must be >= 0")
    if count is not None:
        if isinstance(count, bool) or not isinstance(count, Integral) or count < 0:
            raise ValueError(f"count must be an integer >= 0, not {count!r}")
        return min(count, size)
    if rounding not in ROUNDINGS:
        raise ValueError(f"rounding must be one of {ROUNDINGS}, not {rounding!r}")
    share = Fraction(repr(proportion)) if isinstance(proportion, float) else Fraction(proportion)
    if not 0 <= share <= 1:
        raise ValueError(f"proportion must be between 0 and 1, not {proportion!r}")
    exact = share * size
    if rounding == "ceil":
        n = math.ceil(exact)
    elif rounding == "floor":
        n = math.floor(exact)
    else:
        n = math.floor(exact + Fraction(1, 2))
    return min(n, size)


@dataclass(frozen=True)
class Advancement:
    """The cut of one group's ranking. ``advancing`` are certain to advance; ``tied`` is the
    tie block the cut falls inside (empty when it falls between two blocks), among whom staff
    award the remaining ``seats_for_tied`` seats; ``not_advancing`` are the rest."""

    seats: int
    advancing: tuple[Hashable, ...]
    tied: tuple[Hashable, ...]
    seats_for_tied: int
    not_advancing: tuple[Hashable, ...]


def advancement_cut(
    ranking: Sequence[RankedEntry],
    *,
    count: int | None = None,
    proportion: float | Decimal | Fraction | str | None = None,
    rounding: Rounding = "half_up",
) -> Advancement:
    """Who advances from one group's ranking (as returned by :func:`rank_by_group`), given a
    number of seats or a proportion of the group (see :func:`seats`). The tie is never broken
    here: a block straddling the cut is returned as ``tied``."""
    n = seats(len(ranking), count=count, proportion=proportion, rounding=rounding)
    entries = sorted(ranking, key=lambda x: x.rank)
    advancing, tied, rest = [], [], []
    for entry in entries:
        first = entry.rank - 1  # the block holds positions first .. last (0-based)
        last = first + len(entry.tied_with)
        if last < n:
            advancing.append(entry.project_id)
        elif first < n:
            tied.append(entry.project_id)
        else:
            rest.append(entry.project_id)
    return Advancement(
        n, tuple(advancing), tuple(tied), n - len(advancing) if tied else 0, tuple(rest)
    )


# --- stability of the cut ------------------------------------------------------------------


@dataclass(frozen=True)
class Stability:
    """Result of :func:`bootstrap_advancement`. ``probability``: per project, the share of
    resamples in which it is in its group's top ``seats[group]`` (a tie straddling the cut
    counts as each tied project's share of the seats left). ``resamples``: in how many
    resamples the project had reviews (all ``b`` unless experts are resampled)."""

    probability: dict[Hashable, float]
    resamples: dict[Hashable, int]
    seats: dict[Hashable, int]
    method: str
    b: int
    seed: int | None


def _top_credit(x: np.ndarray, n: int, tolerance: float) -> np.ndarray:
    """(B, m) scores (-inf where absent) -> (B, m) share of a top-``n`` seat in each row."""
    m = x.shape[1]
    if n <= 0:
        return np.zeros_like(x)
    if n >= m:
        return np.ones_like(x)
    v = np.partition(x, m - n, axis=1)[:, m - n][:, None]  # the n-th best score of each row
    above = x > v + tolerance
    level = ~above & (x >= v - tolerance)
    left = n - above.sum(axis=1, keepdims=True)
    share = left / np.maximum(level.sum(axis=1, keepdims=True), 1)
    return above + level * share


def _round_half_up(x: np.ndarray, decimals: int) -> np.ndarray:
    """``x`` rounded half up to ``decimals`` places (NaN stays NaN). The scale factor is
    exact for the few decimals scores are shown with; the tiny nudge makes 84.995, whose
    binary value is a hair below, round up as its decimal form does."""
    factor = 10.0**decimals
    scaled = x * factor
    return np.floor(scaled + 0.5 + 1e-9 * np.maximum(np.abs(scaled), 1.0)) / factor


def bootstrap_advancement(
    table: ReviewTotals,
    groups: Mapping[Hashable, Hashable],
    *,
    count: int | Mapping[Hashable, int] | None = None,
    proportion: float | Decimal | Fraction | str | Mapping[Hashable, float] | None = None,
    rounding: Rounding = "half_up",
    method: Method = "raw",
    b: int = 1000,
    seed: int | None = 0,
    resample_experts: bool = False,
    min_reviews: int = 2,
    ridge: float = 0.0,
    tolerance: float = DEFAULT_TOLERANCE,
    decimals: int | None = None,
) -> Stability:
    """For each project, the probability of being in its group's top ``n`` when the reviews
    are resampled (module docstring, 7).

    ``n`` per group comes from :func:`seats` on the group's size, with ``count`` or
    ``proportion`` (one value for every group, or a mapping group -> value). ``method``,
    ``min_reviews`` and ``ridge`` choose the score as in :func:`project_scores`.

    Each resample draws, for every project with ``n_p`` reviews, ``n_p`` of them with
    replacement. With ``resample_experts``, each resample first draws ``E`` experts with
    replacement from the round's ``E``: an expert drawn ``m`` times weighs ``m``, and the
    project's reviews are then drawn in proportion to their expert's weight. A project none of
    whose experts was drawn has no score in that resample and is left out of it (its
    probability counts only the resamples it took part in; see ``Stability.resamples``).

    Within a resample, scores within ``tolerance`` of the ``n``-th best score of the group
    count as tied with it (no chaining as in :func:`rank_by_group`): those above it advance,
    the tied ones share the seats left equally. With ``decimals``, each resample's scores are
    first rounded (half up) to that many decimals, as a ranking of rounded scores does.

    Deterministic for a given ``seed``.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    if b < 1:
        raise ValueError("b must be at least 1")
    _require_reviews(table)
    if method == "zscore" and min_reviews < 2:
        raise ValueError("min_reviews must be at least 2")
    P, E = len(table.projects), len(table.experts)
    missing = [pid for pid in table.projects if pid not in groups]
    if missing:
        raise ValueError(f"projects without a group: {missing[:10]!r}")
    group_keys, group_of = _index([groups[pid] for pid in table.projects])
    members = [np.flatnonzero(group_of == g) for g in range(len(group_keys))]
    n_seats = {}
    for g, key in enumerate(group_keys):
        c = count[key] if isinstance(count, Mapping) else count
        q = proportion[key] if isinstance(proportion, Mapping) else proportion
        n_seats[key] = seats(len(members[g]), count=c, proportion=q, rounding=rounding)

    lay = _Layout.of(table)
    y_slot = table.total[lay.order]
    e_slot = table.expert[lay.order]
    R = y_slot.size
    per_draw = R * (3 if method != "least_squares" else 8) + E * 4
    chunk = max(1, min(b, 4_000_000 // max(per_draw, 1)))
    rng = np.random.default_rng(seed)
    credit = np.zeros(P)
    taken = np.zeros(P, dtype=np.int64)

    for done in range(0, b, chunk):
        B = min(chunk, b - done)
        slot_count = lay.count[lay.slot_project]
        if resample_experts:
            drawn = rng.multinomial(E, np.full(E, 1.0 / E), size=B)  # (B, E) times drawn
            weight = drawn[:, e_slot]  # (B, R) integer weight of every slot's review
            total = np.add.reduceat(weight, lay.start, axis=1)  # (B, P)
            present = total > 0
            cum = np.cumsum(weight.ravel())  # exact: integers
            before = (cum - weight.ravel()).reshape(B, R)[:, lay.start]  # weight before p
            pick = rng.integers(0, np.maximum(total, 1)[:, lay.slot_project])
            target = (before[:, lay.slot_project] + pick).ravel()
            flat = np.searchsorted(cum, target, side="right").reshape(B, R)
            idx = flat - np.arange(B)[:, None] * R
            first = lay.start[lay.slot_project]
            idx = np.clip(idx, first, first + slot_count - 1)
        else:
            present = np.ones((B, P), dtype=bool)
            idx = lay.start[lay.slot_project] + rng.integers(0, slot_count, size=(B, R))
        y, e = y_slot[idx], e_slot[idx]
        if method == "raw":
            score = _raw_batch(y, present, lay)
        elif method == "trimmed_mean":
            score = _trimmed_batch(y, present, lay)
        elif method == "zscore":
            score = _zscore_batch(y, e, present, lay, E, min_reviews)
        else:
            score = _least_squares_batch(y, e, present, lay, E, ridge)
        if decimals is not None:
            score = _round_half_up(score, decimals)
        score = np.where(present, score, -np.inf)
        for g, key in enumerate(group_keys):
            cols = members[g]
            share = _top_credit(score[:, cols], n_seats[key], tolerance)
            credit[cols] += np.where(present[:, cols], share, 0.0).sum(axis=0)
        taken += present.sum(axis=0)

    with np.errstate(invalid="ignore", divide="ignore"):
        probability = np.where(taken > 0, credit / np.maximum(taken, 1), np.nan)
    return Stability(
        probability=dict(zip(table.projects, probability.tolist(), strict=True)),
        resamples=dict(zip(table.projects, taken.tolist(), strict=True)),
        seats=n_seats,
        method=method,
        b=b,
        seed=seed,
    )
