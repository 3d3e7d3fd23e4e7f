"""How the central SOE lists compare names (R-G2c): variants of one name meet, others do not."""

from __future__ import annotations

import pytest

from ciic.contests.names import name_key


@pytest.mark.parametrize(("a", "b"), [
    ("中国通用技术（集团）控股有限责任公司", "中国通用技术集团控股有限责任公司"),
    ("华润（集团）有限公司", "华润(集团)有限公司"),
    ("中国南方电网有限责任公司", "中国南方电网有限公司"),
    ("中国建筑集团有限公司", " 中国建筑集团 有限公司\u3000"),
    ("ＣＩＩＣ科技有限公司", "ciic科技有限公司"),
])
def test_spellings_of_one_name_share_a_key(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(("a", "b"), [
    ("中国建筑集团有限公司", "中国建筑科技有限公司"),
    ("中国中化控股有限责任公司", "中国中化控股股份有限公司"),  # 股份有限公司 is another form
    ("中国华电集团有限公司", "中国华能集团有限公司"),
    ("国家电网有限公司", "国家电网有限公司某省分公司"),
])
def test_different_names_keep_different_keys(a, b):
    assert name_key(a) != name_key(b)


def test_a_blank_name_has_a_blank_key():
    assert name_key("") == name_key("  ") == ""
