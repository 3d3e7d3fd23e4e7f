"""Comparing the names of legal entities, as the central SOE lists need (R-G2c).

The same company is written in more than one way: with full-width or half-width brackets,
with or without the brackets around 集团, with stray spaces, and as 有限公司 or 有限责任公司.
`name_key` folds those variants into one key, so the spec's list and what an entrant types
meet; it folds nothing that tells two companies apart.
"""

from __future__ import annotations

import unicodedata

# Brackets left after NFKC (which already makes （） into ()): the text inside is kept,
# "华润（集团）有限公司" and "华润集团有限公司" being the same registered name.
_BRACKETS = str.maketrans("", "", "()[]{}【】〔〕〖〗「」『』<>《》")
# The organizational form is not part of what tells companies apart: the registration rules
# treat names that differ only in 有限公司/有限责任公司 as the same name (企业名称登记管理规定).
_SUFFIXES = (("有限责任公司", "有限公司"),)


def name_key(name: str) -> str:
    """The key two spellings of one entity's name share ("" for a blank name)."""
    text = unicodedata.normalize("NFKC", name or "").casefold()
    text = "".join(text.split()).translate(_BRACKETS)
    for long, short in _SUFFIXES:
        if text.endswith(long):
            text = text[: -len(long)] + short
    return text
