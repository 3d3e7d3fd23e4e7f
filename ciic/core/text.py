"""Characters that make a name show something other than what it holds.

A right-to-left override turns `正常\\u202egnp.exe` into what a reader sees as `正常exe.png`,
and zero-width or other invisible characters make two names that look alike differ (or a
forbidden word slip through a check that compares code points). None of them belongs in a
name: the services refuse them in every name a person types, and strip them from uploaded
file names (there the uploader's name is only a label, so cleaning it loses nothing).
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _

# Every bidirectional control (U+202A-U+202E embeddings and overrides, U+2066-U+2069
# isolates, the LRM/RLM/ALM marks) is of category Cf, and so are the zero-width characters
# (U+200B-U+200D, U+2060, U+FEFF) and the other invisible format characters: Cf covers them.
# Cc (C0/C1 controls), Zl/Zp (line and paragraph separators) and Cs (lone surrogates, which
# the database cannot store) are just as out of place in a name.
_HIDDEN_CATEGORIES = frozenset({"Cf", "Cc", "Cs", "Zl", "Zp"})
# Hangul fillers are letters (Lo) that render as nothing: the usual way to fake a blank name.
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")


def _is_hidden(ch: str) -> bool:
    return ch in _INVISIBLE_LETTERS or unicodedata.category(ch) in _HIDDEN_CATEGORIES


def hidden_characters(text: str) -> list[str]:
    """The bidirectional controls and invisible characters in `text` as `U+XXXX`, each once,
    in order of appearance (empty when there are none)."""
    found: list[str] = []
    for ch in text or "":
        if _is_hidden(ch):
            code = f"U+{ord(ch):04X}"
            if code not in found:
                found.append(code)
    return found


def strip_hidden(text: str) -> str:
    """`text` without its bidirectional controls and invisible characters."""
    return "".join(ch for ch in text or "" if not _is_hidden(ch))


_LINE_BREAKS = str.maketrans("", "", "\n\r\t")


def hidden_characters_error(text: str, *, label: str, multiline: bool = False) -> str | None:
    """The refusal for a field labelled `label` that holds hidden characters, or None. A
    `multiline` field (a reason, a statement typed in a text area) may hold line breaks and tabs.

    The message names the field and the code points, so the person can find what their input
    method or a copied text slipped in."""
    found = hidden_characters((text or "").translate(_LINE_BREAKS) if multiline else text)
    if not found:
        return None
    return _("%(field)s不能包含不可见字符或文字方向控制字符（%(chars)s）") % {
        "field": label, "chars": "、".join(found)}
