"""Finding forbidden words in names, robust to the usual evasions (R-P7).

Text is normalized before matching: NFKC folds full-width letters and digits to ASCII,
case is folded, and every space, punctuation mark and symbol is dropped, so
`傻 逼`, `傻.逼`, `ＦＵＣＫ` and `f-u-c-k` all match their word. Matching itself is
Aho-Corasick (pyahocorasick) over the normalized word list.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

import ahocorasick

_DROP_CATEGORIES = ("P", "S", "Z", "C")


def normalize(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if not unicodedata.category(ch).startswith(_DROP_CATEGORIES))


class WordFilter:
    def __init__(self, words: Iterable[str]):
        self._automaton = ahocorasick.Automaton()
        count = 0
        for word in words:
            key = normalize(word)
            if key:
                self._automaton.add_word(key, word)
                count += 1
        self._empty = count == 0
        if not self._empty:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[str]:
        """The listed words found in `text`, in order of appearance, without repeats."""
        if self._empty:
            return []
        found: list[str] = []
        for _end, word in self._automaton.iter(normalize(text)):
            if word not in found:
                found.append(word)
        return found
