"""Names that show something other than what they hold: direction controls and invisible
characters are found, named and stripped."""

from __future__ import annotations

import pytest

from ciic.core.text import hidden_characters, hidden_characters_error, strip_hidden


@pytest.mark.parametrize("char", [
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",  # embeddings and overrides
    "\u2066", "\u2067", "\u2068", "\u2069",  # isolates
    "\u200e", "\u200f", "\u061c",  # direction marks
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",  # zero-width
    "\u00ad", "\u180e", "\U000e0041",  # other format characters (Cf): soft hyphen, tags
    "\x00", "\x1b", "\u2028", "\u3164",  # controls, a line separator, a Hangul filler
])
def test_direction_controls_and_invisible_characters_are_found_and_stripped(char):
    name = f"正常{char}团队"
    assert hidden_characters(name) == [f"U+{ord(char):04X}"]
    assert strip_hidden(name) == "正常团队"


def test_ordinary_names_have_nothing_hidden():
    for name in ["绿色低碳 Future 队", "北京某某科技有限公司（分公司）", "Zoë O'Brien-Ünal", "阿卜杜拉·买买提", "𠮷野家"]:
        assert hidden_characters(name) == [] and strip_hidden(name) == name
        assert hidden_characters_error(name, label="团队名称") is None


def test_refusal_names_the_field_and_each_code_point_once():
    message = hidden_characters_error("正常\u202egnp\u202e\u200b.exe", label="单位名称")
    assert message == "单位名称不能包含不可见字符或文字方向控制字符（U+202E、U+200B）"


def test_a_text_area_may_break_lines_but_a_name_may_not():
    from ciic.core.text import hidden_characters_error

    assert hidden_characters_error("第一行\r\n第二行\t附注", label="理由", multiline=True) is None
    assert hidden_characters_error("第一行\n第二行", label="名称") is not None
    assert "U+202E" in hidden_characters_error("理由\n\u202e反转", label="理由", multiline=True)
