"""Finding forbidden words in names, robust to the usual evasions (R-P7).

Text is normalized before matching: NFKC folds full-width letters and digits to ASCII,
case is folded, every space, punctuation mark, symbol and invisible character is dropped,
and look-alike letters of other scripts are folded to the character they imitate (Unicode's
confusables data, UTS #39, through confusable_homoglyphs), so `傻 逼`, `傻.逼`, `ＦＵＣＫ`,
`f-u-c-k` and `fuсk` with a Cyrillic `с` all match their word. Chinese, Japanese and Korean
characters are never folded: the data pairs some of them with other scripts' signs (口 and
katakana ロ), and a name in Chinese must be matched as written. Matching itself is
Aho-Corasick (pyahocorasick) over the word list normalized the same way.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable

import ahocorasick
from confusable_homoglyphs.categories import alias
from confusable_homoglyphs.confusables import confusables_data

_DROP_CATEGORIES = ("P", "S", "Z", "C")
_UNFOLDED_SCRIPTS = frozenset({"HAN", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO"})
# The data file wraps right-to-left characters in LRM marks so that it displays sensibly.
_DISPLAY_MARKS = str.maketrans("", "", "\u200e\u200f")


def _casefold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _skeleton_map() -> dict[str, str]:
    """Each look-alike character to the character it imitates, case-folded.

    confusable_homoglyphs keeps confusables.txt as an undirected graph: a prototype lists
    every character that imitates it, an imitating character lists only its prototype. So a
    character with one neighbour whose own list is longer (or is a sequence, as `m` -> `rn`)
    imitates it. When both list only each other the direction is lost; either one stands for
    both, as long as text and word list fold alike, so the smaller code point is kept.
    """
    pairs: dict[str, str] = {}
    for raw, entries in confusables_data.items():
        char = raw.translate(_DISPLAY_MARKS)
        if len(char) != 1 or len(entries) != 1 or alias(char) in _UNFOLDED_SCRIPTS:
            continue
        raw_other = entries[0]["c"]
        other = raw_other.translate(_DISPLAY_MARKS)
        if not other:
            continue
        if len(other) > 1 or len(confusables_data.get(raw_other, ())) > 1 or other < char:
            pairs[char] = other
    folded: dict[str, str] = {}
    for char, other in pairs.items():
        # A prototype written in capitals (`0` -> `O`) or as a compatibility form is folded
        # like the text around it; a few steps reach a fixed point.
        value = other
        for _step in range(3):
            value = "".join(pairs.get(c, c) for c in _casefold(value))
        folded[char] = value
    return folded


_SKELETON = _skeleton_map()


def _dropped(ch: str) -> bool:
    return unicodedata.category(ch).startswith(_DROP_CATEGORIES)


@functools.lru_cache(maxsize=8192)
def _fold(ch: str) -> str:
    """One character as it is matched: dropped, or un-disguised and case-folded.

    A character outside ASCII that imitates an ASCII letter becomes that letter, looked up as
    typed: compatibility folding would lose it (the lunate sigma `Ϲ` imitates `C`, but NFKC
    makes it `Σ`), and so would case folding (Cyrillic `В` imitates `B` while `в` is a small
    capital `ʙ`; Greek `Ν` is `N`, `ν` is `v`). The exception is `l`, the data's fold for
    every `I`-like capital: those keep their small form's `i`, as `BITCH` keeps its `I`. What
    is left is folded by NFKC and case first, then un-disguised.
    """
    if _dropped(ch):
        return ""
    if not ch.isascii():
        own = _SKELETON.get(ch, "")
        if own.isascii() and own.isalpha() and own != "l":
            return own
    folded = "".join(_SKELETON.get(c, c) for c in _casefold(ch) if not _dropped(c))
    # A few letters imitate punctuation (`ǃ` is `!`): dropped like what they imitate.
    return "".join(c for c in folded if not _dropped(c))


def normalize(text: str) -> str:
    # NFC, not NFKC, for the whole text: `_fold` applies compatibility folding itself, after
    # it has looked the character up as typed.
    return "".join(_fold(ch) for ch in unicodedata.normalize("NFC", text))


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
