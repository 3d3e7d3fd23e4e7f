"""The popularity vote's rules as the contest spec states them (`popularity_vote`, validated by
ciic/contests/spec_schema.py): the window, the quotas, live counts, the code, the rate limits
and the detectors' thresholds. No number of the vote is written in code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ciic.contests.models import Contest, ScheduleItem
from ciic.engines.brushing import BlockRule, BurstRule, DenseRule, PrefixRule, Rules

SCOPES = ("code_number", "code_ip", "code_prefix", "vote_ip", "vote_prefix")


@dataclass(frozen=True)
class LiveCounts:
    show: bool
    round_to: int
    cache_seconds: int


@dataclass(frozen=True)
class CodeRule:
    digits: int
    valid_minutes: int
    max_attempts: int
    resend_seconds: int


@dataclass(frozen=True)
class VoteConfig:
    schedule_key: str
    votes_per_day: int
    votes_per_project_per_day: int
    verified_minutes: int
    live_counts: LiveCounts
    code: CodeRule
    rate_limits: dict[str, tuple[str, str]]  # scope -> (captcha rate, refuse rate)
    rules: Rules
    time_zone: ZoneInfo


def vote_config(contest: Contest) -> VoteConfig | None:
    """The contest's vote, or None when its spec has none (no vote at all). Reads the block
    `services.served_contest` annotates when there is one (the rest of the spec not loaded)."""
    if "vote_block" in contest.__dict__:
        block = contest.__dict__["vote_block"]
    else:
        block = (contest.spec or {}).get("popularity_vote")
    if not block:
        return None
    live = block["live_counts"]
    code = block["code"]
    detection = block.get("detection") or {}
    burst, prefix, blocks, dense = (detection.get(k) for k in ("burst", "prefix", "blocks", "dense"))
    rules = Rules(
        burst=None if burst is None else BurstRule(
            bin_seconds=60 * burst.get("bin_minutes", BurstRule.bin_seconds // 60),
            **{k: burst[k] for k in ("min_votes", "ratio", "z") if k in burst}),
        prefix=None if prefix is None else PrefixRule(
            **{k: prefix[k] for k in ("min_numbers", "share", "ratio", "z") if k in prefix}),
        blocks=None if blocks is None else BlockRule(**blocks),
        dense=None if dense is None else DenseRule(
            bucket_seconds=60 * dense.get("bucket_minutes", DenseRule.bucket_seconds // 60),
            **{k: dense[k] for k in ("hot_ratio", "hot_min", "min_together", "min_rows", "min_ratio", "max_blocks")
               if k in dense}),
    )
    return VoteConfig(
        schedule_key=block["schedule_key"],
        votes_per_day=block["votes_per_day"],
        votes_per_project_per_day=block["votes_per_project_per_day"],
        verified_minutes=block["verified_minutes"],
        live_counts=LiveCounts(show=live["show"], round_to=live["round_to"], cache_seconds=live["cache_seconds"]),
        code=CodeRule(digits=code["digits"], valid_minutes=code["valid_minutes"],
                      max_attempts=code["max_attempts"], resend_seconds=code["resend_seconds"]),
        rate_limits={scope: (pair["captcha"], pair["refuse"]) for scope, pair in block["rate_limits"].items()},
        rules=rules,
        time_zone=ZoneInfo(contest.time_zone),
    )


@dataclass(frozen=True)
class Window:
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None

    def is_open(self, now: dt.datetime) -> bool:
        return (self.closes_at is not None and (self.opens_at is None or self.opens_at <= now)
                and now <= self.closes_at)

    def has_closed(self, now: dt.datetime) -> bool:
        return self.closes_at is not None and now > self.closes_at


def window(contest: Contest, config: VoteConfig | None) -> Window:
    """The voting window: the spec's schedule item (Beijing time), or never open without one."""
    if config is None:
        return Window(None, None)
    if "vote_closes" in contest.__dict__:  # read with the contest (services.served_contest)
        return Window(contest.vote_opens, contest.vote_closes)
    item = ScheduleItem.objects.filter(contest=contest, key=config.schedule_key).first()
    if item is None:
        return Window(None, None)
    return Window(item.starts_at, item.ends_at)
