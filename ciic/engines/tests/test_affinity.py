"""Affinities from direction match and TF-IDF character n-grams. No database."""

from __future__ import annotations

import numpy as np
import pytest

from ciic.engines import affinity
from ciic.engines.affinity import affinity_matrix, direction_match, round_affinity, text_similarity

PROJECTS = [
    "本项目基于数字孪生技术构建工业设备预测性维护平台，通过振动传感器数据实现故障诊断与寿命预测。",
    "面向食品加工企业的冷链物流追溯系统，采用区块链记录运输温度，保障食品安全。",
    "基于5G专网的智能工厂AGV调度系统，实现车间物料配送的自动化。",
]
EXPERTS = [
    "长期从事机械设备状态监测研究，主持多项国家重点研发计划。",
    "物流管理与供应链领域专家，熟悉仓储运营。",
    "通信工程教授，研究方向为无线网络。",
]
KEYWORDS = [["数字孪生", "预测性维护", "故障诊断"], ["冷链", "区块链", "追溯"], ["5G", "专网"]]


def test_an_experts_keywords_in_a_projects_text_raise_its_affinity_for_that_project():
    a = affinity_matrix(PROJECTS, EXPERTS, expert_keywords=KEYWORDS)
    for e in range(3):
        assert a[e, e] > 0.02
        assert a[e, e] > max(a[p, e] for p in range(3) if p != e)
    # without the keywords the profiles barely overlap the applications
    plain = affinity_matrix(PROJECTS, EXPERTS)
    assert (np.diag(a) > np.diag(plain)).all()


def test_direction_match_dominates_when_weighted_so():
    directions = ["装备", "物流", "通信"]
    expert_directions = [{"物流"}, {"装备", "通信"}, set()]  # expert 1 covers projects 0 and 2
    a = affinity_matrix(
        PROJECTS,
        EXPERTS,
        expert_keywords=KEYWORDS,
        project_directions=directions,
        expert_directions=expert_directions,
        direction_weight=0.9,
        text_weight=0.1,
    )
    # project 0: expert 0 has the matching keywords, expert 1 the matching direction
    assert a[0, 1] > a[0, 0]
    assert a[0, 1] >= 0.9
    # text alone decides where no one matches the direction... and the other way round
    text_only = affinity_matrix(
        PROJECTS,
        EXPERTS,
        expert_keywords=KEYWORDS,
        project_directions=directions,
        expert_directions=expert_directions,
        direction_weight=0.0,
    )
    assert text_only[0, 0] > text_only[0, 1]


def test_the_matrix_is_float32_in_the_unit_interval():
    a = affinity_matrix(
        PROJECTS,
        EXPERTS,
        expert_keywords=KEYWORDS,
        project_directions=["装备", None, "通信"],
        expert_directions=[{"装备"}, {"物流"}, {"通信", "装备"}],
    )
    assert a.dtype == np.float32 and a.shape == (3, 3)
    assert (a >= 0).all() and (a <= 1).all()
    assert a[1].max() <= 0.5  # no direction, text only, weighted one half
    identical = affinity_matrix(PROJECTS[:1], PROJECTS[:1])
    assert identical[0, 0] == pytest.approx(1.0, abs=1e-6)


def test_width_case_and_punctuation_do_not_hide_a_match():
    a = text_similarity(["ＡＩ质检：缺陷-检测"], ["ai质检 缺陷检测", "物流仓储"])
    assert a[0, 0] > 0.5 > a[0, 1]


def test_blocks_give_the_same_matrix(monkeypatch):
    whole = text_similarity(PROJECTS * 3, EXPERTS)
    monkeypatch.setattr(affinity, "_BLOCK", 2)
    assert np.array_equal(text_similarity(PROJECTS * 3, EXPERTS), whole)


def test_empty_texts_and_rounds():
    assert text_similarity(["", ""], ["", "。"]).tolist() == [[0, 0], [0, 0]]
    assert affinity_matrix([], EXPERTS).shape == (0, 3)
    match = direction_match(["A", "B", None], [{"A"}, {"B", "A"}])
    assert match.tolist() == [[1, 1], [0, 1], [0, 0]]


def test_the_round_service_entry_point():
    a = round_affinity(
        project_texts=PROJECTS,
        project_directions=["装备", "物流", "通信"],
        expert_texts=EXPERTS,
        expert_directions=[{"装备"}, {"物流"}, {"通信"}],
    )
    assert np.argmax(a, axis=1).tolist() == [0, 1, 2]


def test_weights_are_checked():
    with pytest.raises(ValueError):
        affinity_matrix(PROJECTS, EXPERTS, direction_weight=0, text_weight=0)
