"""The forbidden-word filter (R-P7) sees through look-alike letters of other scripts, folded
with Unicode's confusables data, and leaves Chinese as written."""

from __future__ import annotations

import pytest

from ciic.core.wordfilter import WordFilter, normalize

WORDS = ["fuck", "bitch", "asshole", "傻逼", "王八蛋"]


@pytest.mark.parametrize("name", [
    "fuсk队",  # Cyrillic small es, U+0441
    "FUСK 队",  # Cyrillic capital es, U+0421
    "fսck",  # Armenian small seh, U+057D
    "ВІТСН",  # all Cyrillic capitals: ve, byelorussian-ukrainian i, te, es, en
    "bіtch",  # Cyrillic small i, U+0456
    "ΒΙΤϹΗ",  # Greek capitals and a lunate sigma
    "аsshоle",  # Cyrillic a and o
])
def test_look_alike_letters_are_folded_before_matching(name):
    """R-P7: `fuсk队` with a Cyrillic с was accepted; each disguise now finds its word."""
    assert WordFilter(WORDS).find(name)


@pytest.mark.parametrize("name", ["绿色低碳 Future 队", "智能制造创新团队", "工业互联网平台 5G 队", "口罩产线数字孪生",
                                  "Smart Farm 队", "一ー口ロ工エ"])
def test_ordinary_names_are_not_matched(name):
    assert WordFilter(WORDS).find(name) == []


def test_chinese_characters_are_never_folded():
    """Unicode pairs some Han characters with other scripts' signs (口 and katakana ロ, 工 and
    エ); a Chinese name is matched as written."""
    assert normalize("口工一二人") == "口工一二人"
    assert normalize("ロエー") == "ロエー"
    assert WordFilter(["口工"]).find("ロエ") == []


def test_words_in_the_list_are_folded_like_the_text():
    """A word listed with a look-alike letter still finds the plain spelling, and the reverse."""
    assert WordFilter(["fuсk"]).find("fuck") == ["fuсk"]
    assert normalize("ＦＵＣＫ") == normalize("fuсk") == "fuck"
