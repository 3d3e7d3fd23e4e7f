"""Affinity of each expert for each project: how well placed the expert is to review it.

The assignment (:mod:`ciic.engines.assignment`) maximizes the affinities of the pairs it
makes; this module computes them from what the platform knows, as a float32
``(projects, experts)`` matrix in ``[0, 1]``:

* **Direction match** — 1 when the project's direction is among the expert's directions of
  expertise, else 0.
* **Text similarity** — the cosine similarity between the project's application text and the
  expert's profile plus keywords, as TF-IDF vectors of character 2- and 3-grams. Chinese has
  no spaces, and two- and three-character n-grams capture most words (工业, 互联网, 数字孪生
  as 数字/字孪/孪生...) without a word segmenter. The keywords are repeated (``keyword_repeat``)
  so that the few words an expert chose weigh against a long profile. Text is NFKC-folded and
  cut at punctuation and spaces (scikit-learn's ``char_wb`` analyzer keeps n-grams inside
  those pieces, so a keyword list does not produce n-grams straddling two keywords). The IDF
  is fitted on the projects and experts together; vectors are L2-normalized, so the cosine is
  a sparse dot product, done in row blocks so that the matrix is the only dense array.

``affinity = (direction_weight * match + text_weight * similarity) / (direction_weight +
text_weight)``.

Pure Python + numpy + scikit-learn; no Django.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["affinity_matrix", "direction_match", "round_affinity", "text_similarity"]

_SEPARATORS = re.compile(r"[\W_]+")
_BLOCK = 2048  # project rows per block of the similarity product


def _prepare(text: str) -> str:
    """NFKC, casefolded, every run of punctuation, symbols or spaces made one space."""
    return _SEPARATORS.sub(" ", unicodedata.normalize("NFKC", text or "").casefold()).strip()


def direction_match(
    project_directions: Sequence[str | None], expert_directions: Sequence[Iterable[str]]
) -> np.ndarray:
    """``(projects, experts)`` float32: 1 where the expert covers the project's direction."""
    names = sorted(
        {d for ds in expert_directions for d in ds} | {d for d in project_directions if d}
    )
    index = {name: i for i, name in enumerate(names)}
    covers = np.zeros((len(expert_directions), len(names)), np.float32)
    for e, directions in enumerate(expert_directions):
        for d in directions:
            covers[e, index[d]] = 1
    out = np.zeros((len(project_directions), len(expert_directions)), np.float32)
    for p, d in enumerate(project_directions):
        if d:
            out[p] = covers[:, index[d]]
    return out


def text_similarity(
    project_texts: Sequence[str],
    expert_texts: Sequence[str],
    *,
    ngram_range: tuple[int, int] = (2, 3),
) -> np.ndarray:
    """``(projects, experts)`` float32 cosine similarities of TF-IDF character n-grams."""
    P, E = len(project_texts), len(expert_texts)
    out = np.zeros((P, E), np.float32)
    if P == 0 or E == 0:
        return out
    vectorizer = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=ngram_range,
        preprocessor=_prepare,
        sublinear_tf=True,
        dtype=np.float32,
    )
    try:
        matrix = vectorizer.fit_transform([*project_texts, *expert_texts])
    except ValueError:  # no n-gram at all (empty texts)
        return out
    projects, experts = matrix[:P], matrix[P:].T.tocsc()
    for i0 in range(0, P, _BLOCK):
        out[i0 : i0 + _BLOCK] = (projects[i0 : i0 + _BLOCK] @ experts).toarray()
    np.clip(out, 0, 1, out=out)  # rounding can leave 1.0000001
    return out


def affinity_matrix(
    project_texts: Sequence[str],
    expert_texts: Sequence[str],
    *,
    project_directions: Sequence[str | None] | None = None,
    expert_directions: Sequence[Iterable[str]] | None = None,
    expert_keywords: Sequence[Iterable[str]] | None = None,
    direction_weight: float = 0.5,
    text_weight: float = 0.5,
    keyword_repeat: int = 3,
    ngram_range: tuple[int, int] = (2, 3),
) -> np.ndarray:
    """The ``(projects, experts)`` float32 affinity matrix in ``[0, 1]`` (module docstring).

    ``expert_texts`` are the experts' profiles; ``expert_keywords`` their keywords, each list
    appended ``keyword_repeat`` times to the profile. Directions are optional (without them
    only the text counts).
    """
    if direction_weight < 0 or text_weight < 0 or direction_weight + text_weight <= 0:
        raise ValueError("the weights must be >= 0 and not both 0")
    P, E = len(project_texts), len(expert_texts)
    if expert_keywords is not None:
        expert_texts = [
            " ".join([text or "", *([" ".join(words)] * keyword_repeat)])
            for text, words in zip(expert_texts, expert_keywords, strict=True)
        ]
    if project_directions is None or expert_directions is None:
        direction_weight = 0.0
    if direction_weight + text_weight <= 0:
        return np.zeros((P, E), np.float32)
    out = text_similarity(project_texts, expert_texts, ngram_range=ngram_range)
    out *= text_weight
    if direction_weight:
        if len(project_directions) != P or len(expert_directions) != E:
            raise ValueError("one direction per project and one set per expert")
        out += direction_weight * direction_match(project_directions, expert_directions)
    out /= direction_weight + text_weight
    np.clip(out, 0, 1, out=out)
    return out


def round_affinity(
    *,
    project_texts: Sequence[str],
    project_directions: Sequence[str | None],
    expert_texts: Sequence[str],
    expert_directions: Sequence[Iterable[str]],
    **options,
) -> np.ndarray:
    """The entry point the round service looks up (``ciic/review/rounds/solving.py``): the
    :func:`affinity_matrix` of a round whose expert texts already hold their keywords."""
    return affinity_matrix(
        project_texts,
        expert_texts,
        project_directions=project_directions,
        expert_directions=expert_directions,
        **options,
    )
