"""Vote brushing detection (R-A2, issue 12 §4; ciic/engines/brushing.py): each planted pattern is
held, what genuine voting looks like is not. Seeded synthetic data; no Django."""

from __future__ import annotations

import numpy as np
import pytest

from ciic.engines.brushing import (
    Ballots,
    BlockRule,
    BurstRule,
    DenseRule,
    PrefixRule,
    Rules,
    densest_block,
    detect,
    held,
)
from ciic.votes.simulation import BURST, FARM, POOL, Scenario, simulate

DAY = 86400


class Week:
    """Genuine voting over a week: voters in regions of a few cities, each voting for one to
    three of `projects` (by popularity) on one to three days, at any hour, from a home prefix
    or their city's shared carrier prefixes. Planted ballots are added with `add`."""

    def __init__(self, seed: int, voters: int = 3000, projects: int = 12) -> None:
        rng = self.rng = np.random.default_rng(seed)
        self.rows: list[tuple] = []
        self.planted: list[bool] = []
        self.projects = projects
        popularity = 1.0 / (np.arange(projects) + 2.0)
        popularity /= popularity.sum()
        for voter in range(voters):
            city = int(rng.integers(4))
            region = city * 100 + int(rng.integers(100))
            block = int(rng.integers(100))
            home = 10_000 + int(rng.integers(5000))
            carrier = city * 10 + int(rng.integers(10))
            liked = rng.choice(projects, size=int(rng.integers(1, 4)), replace=False, p=popularity)
            for day in rng.choice(7, size=int(rng.integers(1, 4)), replace=False):
                t = day * DAY + rng.uniform(0, DAY)
                prefix = home if rng.random() < 0.5 else carrier
                for j, project in enumerate(liked):
                    self.add(int(project), voter, t + 20 * j, prefix, region, block, planted=False)
        self.next_voter = voters

    def add(self, project, voter, t, prefix, region, block, *, planted=True):
        self.rows.append((project, voter, t, prefix, region, block))
        self.planted.append(planted)

    def new_voter(self) -> int:
        self.next_voter += 1
        return self.next_voter

    def ballots(self) -> tuple[Ballots, np.ndarray]:
        columns = list(zip(*self.rows, strict=True))
        return (Ballots.from_arrays(project=columns[0], voter=columns[1], time=columns[2], prefix=columns[3],
                                    region=columns[4], block=columns[5]), np.array(self.planted))


def scores(findings, planted: np.ndarray) -> tuple[float, float]:
    mask = held(findings, len(planted))
    caught = (mask & planted).sum()
    return caught / max(mask.sum(), 1), caught / max(planted.sum(), 1)


def test_genuine_voting_holds_nothing():
    for seed in range(3):
        ballots, _planted = Week(seed).ballots()
        assert detect(ballots) == []


def test_a_burst_against_the_projects_own_baseline_is_held():
    week = Week(1)
    end = 7 * DAY
    for _ in range(300):  # fresh numbers for project 5, all in the last 40 minutes
        week.add(5, week.new_voter(), end - week.rng.uniform(0, 2400), 20_000 + int(week.rng.integers(5000)),
                 int(week.rng.integers(400)), int(week.rng.integers(100)))
    ballots, planted = week.ballots()
    findings = detect(ballots, Rules(prefix=None, blocks=None, dense=None))
    assert {f.reason for f in findings} == {"burst"} and {f.project for f in findings} == {5}
    precision, recall = scores(findings, planted)
    assert precision >= 0.95 and recall >= 0.95
    assert findings[0].detail["votes"] > 3 * findings[0].detail["expected"]


def test_a_rush_of_every_project_is_not_a_burst():
    week = Week(2)
    rows = list(week.rows)
    for project, _voter, t, prefix, region, block in rows:
        if t > 6 * DAY:  # the last day: every project three times as busy
            for _ in range(2):
                week.add(project, week.new_voter(), 7 * DAY - week.rng.uniform(0, 3600), prefix, region, block,
                         planted=False)
    ballots, _planted = week.ballots()
    assert detect(ballots, Rules(prefix=None, blocks=None, dense=None)) == []


def test_many_numbers_from_one_prefix_are_held_but_a_shared_carrier_prefix_is_not():
    week = Week(3)
    farm = 99_999
    for _ in range(80):  # numbers from anywhere, all through one prefix, for project 2
        voter = week.new_voter()
        for day in week.rng.choice(7, size=2, replace=False):
            week.add(2, voter, day * DAY + week.rng.uniform(0, DAY), farm, 1000 + int(week.rng.integers(5000)),
                     int(week.rng.integers(100)))
    ballots, planted = week.ballots()
    findings = detect(ballots, Rules(burst=None, blocks=None, dense=None))
    assert [(f.reason, f.project, f.detail["prefix"]) for f in findings] == [("prefix", 2, farm)]
    assert scores(findings, planted) == (1.0, 1.0)
    # The carriers' prefixes carry hundreds of voters each, and a city's taste: not held.
    carriers = np.unique(ballots.prefix[ballots.prefix < 100])
    assert all(len(np.unique(ballots.voter[ballots.prefix == c])) > 20 for c in carriers)


def test_numbers_from_consecutive_blocks_are_held():
    week = Week(4)
    region = 7
    for offset in range(70):  # numbers ...1000 to ...1069 of one region: blocks 10 and 11
        if offset % 7 == 3:
            continue
        voter = week.new_voter()
        for day in range(5):
            week.add(4, voter, day * DAY + week.rng.uniform(0, DAY), 10_000 + int(week.rng.integers(5000)), region,
                     10 + offset // 100 + (offset >= 50))
    ballots, planted = week.ballots()
    findings = detect(ballots, Rules(burst=None, prefix=None, dense=None))
    assert [(f.reason, f.project, f.detail["first_block"], f.detail["last_block"]) for f in findings] == [
        ("blocks", 4, 10, 11)]
    assert scores(findings, planted) == (1.0, 1.0)


def test_fraudar_peels_down_to_the_planted_dense_block():
    rng = np.random.default_rng(5)
    rows = rng.integers(0, 2000, 6000)
    cols = rng.integers(0, 300, 6000)
    block_rows, block_cols = np.arange(2000, 2040), np.arange(300, 308)
    rows = np.concatenate([rows, np.repeat(block_rows, 8)])
    cols = np.concatenate([cols, np.tile(block_cols, 40)])
    pairs = np.unique(rows * 1000 + cols)
    rows, cols = pairs // 1000, pairs % 1000
    weights = (1.0 / np.log(np.bincount(cols) + 5.0))[cols]
    found_rows, found_cols, density = densest_block(rows, cols, weights)
    assert set(found_rows) == set(block_rows) and set(found_cols) == set(block_cols)
    background = weights.sum() / (len(np.unique(rows)) + len(np.unique(cols)))
    assert density > 2 * background
    # Pruning below a floor loses nothing of the block.
    pruned = densest_block(rows, cols, weights, floor=2 * background)
    assert set(pruned[0]) == set(block_rows) and pruned[2] == pytest.approx(density)


def test_accounts_voting_together_hour_after_hour_are_held_by_the_dense_detector():
    week = Week(6)
    group = [week.new_voter() for _ in range(40)]
    for day in range(6):  # a scripted batch at 10:00 each day for projects 8 and 9
        for voter in group:
            for project in (8, 9):
                week.add(project, voter, day * DAY + 10 * 3600 + week.rng.uniform(0, 1800),
                         10_000 + int(week.rng.integers(5000)), 1000 + int(week.rng.integers(5000)),
                         int(week.rng.integers(100)))
    ballots, planted = week.ballots()
    findings = detect(ballots, Rules(burst=None, prefix=None, blocks=None))
    assert [f.reason for f in findings] == ["dense"] and set(findings[0].detail["projects"]) == {8, 9}
    assert findings[0].detail["voters"] == 40
    assert scores(findings, planted) == (1.0, 1.0)


def test_loyal_voters_voting_daily_at_their_own_times_are_not_a_dense_block():
    week = Week(7)
    for voter in [week.new_voter() for _ in range(60)]:
        for day in range(7):
            week.add(3, voter, day * DAY + week.rng.uniform(7 * 3600, 23 * 3600),
                     10_000 + int(week.rng.integers(5000)), int(week.rng.integers(400)), int(week.rng.integers(100)),
                     planted=False)
    ballots, _planted = week.ballots()
    assert detect(ballots, Rules(burst=None, prefix=None, blocks=None)) == []


@pytest.mark.parametrize("seed", [11, 12])
def test_the_simulated_vote_holds_every_pattern(seed):
    """ciic/votes/simulation.py: 20,000 ballots, 20 finalists, 5 % brushing in three patterns."""
    vote = simulate(Scenario(ballots=20_000, projects=20, seed=seed))
    _, voter = np.unique(vote.number, return_inverse=True)
    _, prefix = np.unique(vote.ip >> 8, return_inverse=True)
    _, region = np.unique(vote.number // 10_000, return_inverse=True)
    ballots = Ballots.from_arrays(project=vote.project, voter=voter, time=vote.time, prefix=prefix, region=region,
                                  block=(vote.number // 100) % 100)
    findings = detect(ballots)
    precision, recall = scores(findings, vote.planted)
    assert precision >= 0.95 and recall >= 0.9, (precision, recall)
    mask = held(findings, len(ballots))
    for pattern in (FARM, POOL, BURST):
        planted = vote.pattern == pattern
        assert (mask & planted).sum() >= 0.85 * planted.sum(), pattern
    again = detect(ballots)
    assert [(f.key, f.ballots.tolist()) for f in again] == [(f.key, f.ballots.tolist()) for f in findings]


def test_the_rules_can_be_switched_off_and_the_input_is_checked():
    ballots, _planted = Week(8, voters=50).ballots()
    assert detect(ballots, Rules(burst=None, prefix=None, blocks=None, dense=None)) == []
    assert detect(Ballots.from_arrays(project=[], voter=[], time=[], prefix=[], region=[], block=[])) == []
    with pytest.raises(ValueError):
        Ballots.from_arrays(project=[1], voter=[1, 2], time=[0], prefix=[0], region=[0], block=[0])
    with pytest.raises(ValueError):
        Ballots.from_arrays(project=[1], voter=[1], time=[0], prefix=[0], region=[0], block=[100])
    assert BurstRule().ratio > 1 and PrefixRule().share <= 1 and BlockRule().min_per_block >= 2
    assert DenseRule().min_ratio > 1
