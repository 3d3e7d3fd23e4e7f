"""A synthetic popularity vote with planted brushing, for the detector's tests, `bench/vote.py`
and the demo. Pure numpy; no Django. Seeded: the same scenario gives the same ballots.

**Genuine voters.** Projects have a long-tailed popularity and a home city. A voter's number
comes from a region (first seven digits) of a city, with random last four digits: their home
city is their favourite project's in 60 % of cases. Each voter has a favourite and up to four
other projects they like (by popularity), votes on one to seven days (most on one, some every
day), for one to five of them a day (never more than the spec allows), at an hour drawn from
a day-and-evening profile, from their home broadband (a /24 of their city) or from their
carrier's shared mobile addresses (CGNAT: a few dozen /24 per city, shared by everyone there).
A quarter of the last day's voting moves into its last two hours (the final rush, for every
project). Browsers follow a long-tailed distribution over a few hundred.

**Brushing**, for one project (the second most popular, so that brushing could make it win):

* ``farm`` (pattern 1, 40 %): numbers from SMS-receiving platforms (anywhere in the country),
  each voting on one to three days, at any hour, mostly at night, through a farm of addresses
  in three neighbouring /24 prefixes; one session in five adds a vote for another project.
* ``pool`` (pattern 2, 35 %): purchased numbers in runs of consecutive numbers (a few runs in
  two regions), each voting nearly every day in a scripted batch around the same hour, through
  residential proxies (addresses anywhere); two sessions in five also vote for one other
  client's project.
* ``burst`` (pattern 3, 25 %): fresh numbers, one vote each, for the project, in the last hour,
  through addresses anywhere.

Times are seconds from the window's start, which is a midnight: day ``d`` is seconds
``[d * 86400, (d + 1) * 86400)``, and no session crosses midnight, so the ballots keep the
vote's rules per day (quotas per number, per project). Numbers are 11-digit ints; addresses
are IPv4 as uint32; browsers are codes (``ua``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEGIT, FARM, POOL, BURST = 0, 1, 2, 3
PATTERNS = {FARM: "farm", POOL: "pool", BURST: "burst"}
SHARES = {FARM: 0.40, POOL: 0.35, BURST: 0.25}
CARRIERS = [130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158,
            159, 166, 176, 177, 178, 180, 181, 182, 183, 185, 186, 187, 188, 189, 198, 199]
DAY = 86400
# The share of genuine sessions in each hour of the day (Beijing time).
HOURS = np.array([1, 0.6, 0.4, 0.3, 0.3, 0.4, 1, 2, 3, 4, 4, 4, 5, 4, 4, 4, 4, 4, 5, 6, 7, 7, 6, 3], dtype=float)
HOURS /= HOURS.sum()


@dataclass(frozen=True)
class Scenario:
    ballots: int = 200_000
    projects: int = 60
    brushing: float = 0.05
    days: int = 7
    votes_per_day: int = 5
    cities: int = 20
    seed: int = 2023


@dataclass(frozen=True)
class Vote:
    """The simulated ballots, by time; ``pattern`` 0 for genuine, else the brushing pattern."""

    time: np.ndarray
    number: np.ndarray
    ip: np.ndarray
    ua: np.ndarray
    project: np.ndarray
    pattern: np.ndarray
    brushed_project: int
    seconds: int

    def __len__(self) -> int:
        return len(self.time)

    @property
    def planted(self) -> np.ndarray:
        return self.pattern != LEGIT


def ip_text(ip: int) -> str:
    return ".".join(str((int(ip) >> s) & 255) for s in (24, 16, 8, 0))


class _Builder:
    def __init__(self, scenario: Scenario, rng: np.random.Generator) -> None:
        self.s, self.rng = scenario, rng
        self.rows: list[tuple[float, int, int, int, int, int]] = []
        self.used: set[int] = set()

    def number(self, region: int | None = None) -> int:
        while True:
            if region is None:
                head = int(self.rng.choice(CARRIERS)) * 10_000 + int(self.rng.integers(10_000))
            else:
                head = region
            number = head * 10_000 + int(self.rng.integers(10_000))
            if number not in self.used:
                self.used.add(number)
                return number

    def add(self, t: float, number: int, ip: int, ua: int, project: int, pattern: int) -> None:
        self.rows.append((t, number, ip, ua, project, pattern))


def _prefixes(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct random public /24 prefixes (as the top 24 bits)."""
    values = set()
    while len(values) < n:
        first = int(rng.integers(36, 223))
        values.add((first << 16) | int(rng.integers(1 << 16)))
    return np.array(sorted(values), dtype=np.int64)


def simulate(scenario: Scenario = Scenario()) -> Vote:
    rng = np.random.default_rng(scenario.seed)
    b = _Builder(scenario, rng)
    s = scenario
    seconds = s.days * DAY
    order = rng.permutation(s.projects)
    popularity = np.empty(s.projects)
    popularity[order] = 1.0 / (np.arange(s.projects) + 3.0) ** 1.1
    popularity /= popularity.sum()
    brushed = int(order[1])
    city_of = rng.integers(s.cities, size=s.projects)
    regions = [np.array([int(rng.choice(CARRIERS)) * 10_000 + int(rng.integers(10_000)) for _ in range(150)])
               for _ in range(s.cities)]
    broadband = _prefixes(rng, s.cities * 3000).reshape(s.cities, 3000)
    cgnat = _prefixes(rng, s.cities * 60).reshape(s.cities, 60)
    uas = 1.0 / np.arange(1, 301) ** 1.2
    uas /= uas.sum()
    day_weight = np.linspace(1.0, 1.6, s.days)
    day_weight /= day_weight.sum()
    planted = round(s.ballots * s.brushing)
    legit = s.ballots - planted

    # --- genuine voters
    while len(b.rows) < legit:
        favourite = int(rng.choice(s.projects, p=popularity))
        city = int(city_of[favourite]) if rng.random() < 0.6 else int(rng.integers(s.cities))
        number = b.number(int(rng.choice(regions[city])))
        extra = [int(p) for p in rng.choice(s.projects, size=min(4, s.projects), replace=False, p=popularity)
                 if p != favourite]
        liked = [favourite, *extra[:4]]
        per_day = min(int(rng.choice([1, 2, 3, 4, 5], p=[0.5, 0.2, 0.13, 0.09, 0.08])), s.votes_per_day, len(liked))
        n_days = min(int(rng.choice(np.arange(1, 8), p=[0.5, 0.18, 0.1, 0.07, 0.05, 0.04, 0.06])), s.days)
        days = rng.choice(s.days, size=n_days, replace=False, p=day_weight)
        home = int(rng.choice(broadband[city]))
        ua = int(rng.choice(300, p=uas))
        for day in days:
            if day == s.days - 1 and rng.random() < 0.25:
                t = seconds - rng.uniform(0, 2 * 3600)
            else:
                t = day * DAY + rng.choice(24, p=HOURS) * 3600 + rng.uniform(0, 3600)
            net = home if rng.random() < 0.5 else int(rng.choice(cgnat[city]))
            ip = (net << 8) | int(rng.integers(1, 255))
            today = [favourite, *[int(p) for p in rng.permutation(liked[1:])][: per_day - 1]]
            for j, project in enumerate(today):
                b.add(min(t + j * rng.uniform(5, 40), (day + 1) * DAY - 1), number, ip, ua, project, LEGIT)
    del b.rows[legit:]

    targets = {k: round(planted * v) for k, v in SHARES.items()}
    targets[BURST] = planted - targets[FARM] - targets[POOL]
    everywhere = broadband.ravel()
    others = [p for p in range(s.projects) if p != brushed]

    # --- 1. the farm: three neighbouring /24 prefixes
    base = int(_prefixes(rng, 1)[0]) & ~3
    farm = [base, base + 1, base + 2]
    night = np.array([6, 6, 5, 5, 4, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 4], dtype=float)
    night /= night.sum()
    count = 0
    while count < targets[FARM]:
        number = b.number()
        for day in rng.choice(s.days, size=int(rng.integers(1, 4)), replace=False):
            t = day * DAY + rng.choice(24, p=night) * 3600 + rng.uniform(0, 3600)
            ip = (int(rng.choice(farm)) << 8) | int(rng.integers(1, 255))
            ua = 1000 + int(rng.integers(4))
            picks = [brushed] + ([int(rng.choice(others))] if rng.random() < 0.2 else [])
            for j, project in enumerate(picks):
                if count < targets[FARM]:
                    b.add(min(t + j * rng.uniform(3, 10), (day + 1) * DAY - 1), number, ip, ua, project, FARM)
                    count += 1

    # --- 2. the pool: runs of consecutive numbers, a scripted batch each day
    # Enough numbers for the pool's share over the week (each votes on nine days in ten, for one
    # project or two), in runs of 40-90 consecutive numbers of a few regions.
    needed = int(np.ceil(targets[POOL] / (s.days * 0.9 * 1.4) * 1.2))
    numbers: list[int] = []
    while len(numbers) < needed:
        region = int(rng.choice(CARRIERS)) * 10_000 + int(rng.integers(10_000))
        for start in rng.choice(np.arange(0, 9_900, 100), size=3, replace=False):
            for offset in range(int(rng.integers(40, 90))):
                candidate = region * 10_000 + int(start) + offset
                if candidate not in b.used and rng.random() < 0.85:
                    b.used.add(candidate)
                    numbers.append(candidate)
    numbers = numbers[:needed]
    client = int(rng.choice(others))
    batch_hour = int(rng.integers(8, 20))
    count = 0
    for day in range(s.days):
        for number in numbers:
            if count >= targets[POOL] or rng.random() > 0.9:
                continue
            t = day * DAY + batch_hour * 3600 + rng.uniform(0, 3000)
            ip = (int(rng.choice(everywhere)) << 8) | int(rng.integers(1, 255))
            picks = [brushed] + ([client] if rng.random() < 0.4 else [])
            for j, project in enumerate(picks):
                if count < targets[POOL]:
                    b.add(min(t + j * rng.uniform(2, 6), (day + 1) * DAY - 1), number, ip,
                          int(rng.choice(300, p=uas)), project, POOL)
                    count += 1
    targets[BURST] += targets[POOL] - count  # a pool short of its share: the burst makes it up

    # --- 3. the burst: the last hour, fresh numbers, one vote each
    for _ in range(targets[BURST]):
        ip = (int(rng.choice(everywhere)) << 8) | int(rng.integers(1, 255))
        b.add(seconds - rng.uniform(1, 3600), b.number(), ip, int(rng.choice(300, p=uas)), brushed, BURST)

    rows = sorted(b.rows)
    columns = list(zip(*rows, strict=True))
    return Vote(time=np.array(columns[0]), number=np.array(columns[1], dtype=np.int64),
                ip=np.array(columns[2], dtype=np.int64), ua=np.array(columns[3], dtype=np.int64),
                project=np.array(columns[4], dtype=np.int64), pattern=np.array(columns[5], dtype=np.int8),
                brushed_project=brushed, seconds=seconds)
